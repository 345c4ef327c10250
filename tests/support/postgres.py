"""A throwaway PostgreSQL server for the tests: Debian's binaries, a fresh cluster in a temporary
folder, listening on 127.0.0.1 only, with a password (so the tests can check it never shows).

PostgreSQL refuses to run as root, and CI runs as root: there the server runs as the
unprivileged ``postgres`` user (``runuser``), which Debian's package creates. One server per
test session; each test gets a database of its own (``create_database``), dropped with the server.

Where the binaries are missing, the tests that need them are skipped with one line saying how to
get them, except under CI (``CI=true``), whose ``.ci/run`` installs them: there it is an error.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

#: What to say where the binaries are missing.
HOW_TO_GET = (
    "PostgreSQL's server binaries are not installed: the PostgreSQL tests need Debian's "
    "`postgresql` package (apt-get install postgresql)"
)
USER = "natobot"
PASSWORD = "s3cret-never-shown"
#: The unprivileged account the server runs as when the tests run as root.
SERVER_ACCOUNT = "postgres"


def find_bindir() -> Path | None:
    """Where initdb and postgres are: ``pg_config --bindir``, else Debian's versioned folders."""
    candidates: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(done.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    bindir: Path
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="natobot-pg-")))
    port: int = field(default_factory=_free_port)

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def _as_server_account(self, *command: str | Path) -> list[str]:
        args = [str(part) for part in command]
        if os.geteuid() == 0:
            return ["runuser", "-u", SERVER_ACCOUNT, "--", *args]
        return args

    def _run(self, *command: str | Path) -> None:
        done = subprocess.run(
            self._as_server_account(*command), capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> None:
        password_file = self.root / "password"
        password_file.write_text(PASSWORD + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.root, SERVER_ACCOUNT)
            shutil.chown(password_file, SERVER_ACCOUNT)
        self._run(
            self.bindir / "initdb",
            "--pgdata",
            self.datadir,
            "--username",
            USER,
            "--pwfile",
            password_file,
            "--auth",
            "scram-sha-256",
            "--encoding",
            "UTF8",
            "--no-sync",
        )
        # Loopback only, no Unix socket, no fsync: a throwaway cluster, restarted by fault tests.
        settings = (
            f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = ''\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n"
        )
        with (self.datadir / "postgresql.conf").open("a") as conf:
            conf.write(settings)
        self._pg_ctl_start()

    def _pg_ctl_start(self) -> None:
        self._run(
            self.bindir / "pg_ctl",
            "start",
            "--pgdata",
            self.datadir,
            "--wait",
            "--timeout",
            "120",
            "--log",
            self.root / "server.log",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(self.bindir / "pg_ctl", "stop", "--pgdata", self.datadir, "--mode", mode)

    def restart(self) -> None:
        """Stop (dropping every connection) and start again on the same port and data."""
        self.stop()
        self._pg_ctl_start()

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new, empty database; its URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        done = subprocess.run(
            [self.bindir / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, name],
            env={**os.environ, "PGPASSWORD": PASSWORD},
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"createdb failed: {done.stderr.strip()}")
        return self.url(name)
