"""The real ``natobot run`` in a subprocess, against a fake Discord (tests/run_against_fake.py).

For what only a separate process shows: settings read from the environment, signals, exit codes,
what is printed on stderr, and which processes are left once it has gone.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.fakediscord import FakeDiscord
from tests.support.paths import ROOT

RUN_AGAINST_FAKE = ROOT / "tests" / "run_against_fake.py"


async def start_natobot(
    api_base: str,
    gateway_url: str,
    tmp_path: Path,
    *,
    token: str = "fake-token",
    env: Mapping[str, str] | None = None,
) -> asyncio.subprocess.Process:
    """Start the bot in its own session (so everything it starts can be found), in ``tmp_path``
    (its working directory: a ``.env`` there is read), with a database in ``tmp_path``."""
    environment = {
        **os.environ,
        "DISCORD_TOKEN": token,
        "DATABASE_PATH": str(tmp_path / "proc.sqlite3"),
        "LOG_LEVEL": "INFO",
        **(env or {}),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(RUN_AGAINST_FAKE),
        api_base,
        gateway_url,
        cwd=tmp_path,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )


async def finish(proc: asyncio.subprocess.Process, deadline: float = 60) -> tuple[int, str]:
    """Wait for the bot to exit by itself; its exit code and stderr. Killed if it never does."""
    try:
        _, stderr = await asyncio.wait_for(proc.communicate(), deadline)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, stderr.decode(errors="replace")


async def wait_until_serving(fake: FakeDiscord, deadline: float = 60) -> None:
    """Wait until the bot in the subprocess has synced its commands and joined the gateway."""
    await fake.wait_for_commands(timeout=deadline)
    async with asyncio.timeout(deadline):
        while not any(not s.closed for s in fake.sessions.values()):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
