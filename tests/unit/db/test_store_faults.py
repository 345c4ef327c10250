"""Faults at open: each ends in a StoreError with one line naming the problem and the file,
and leaves the file (and its folder) as it was. Real files; read-only ones made so with the
immutable flag when the tests run as root, since root may write anything else."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.__main__ import main
from db.store import (
    DatabaseMissing,
    DatabaseUnusable,
    MigrationError,
    ReadOnlyDatabase,
    Store,
    StoreError,
)
from tests.fakediscord import FakeDiscord, FakeGuild
from tests.support.paths import ROOT


def snapshot_of(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` and its bytes: what "nothing was changed" compares.

    A read-only reader of a WAL database may leave SQLite's index (-shm) and an empty log
    (-wal) beside it, as any bot running on the file has: they hold no change, so they are
    left out.
    """
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.is_file()
        and not p.name.endswith("-shm")
        and not (p.name.endswith("-wal") and p.stat().st_size == 0)
    }


def folder_is_empty(folder: Path) -> bool:
    return not any(folder.iterdir())


def one_line(exc: BaseException) -> str:
    message = str(exc)
    assert "\n" not in message, message
    return message


@pytest.fixture(scope="module")
def good_database(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a freshly seeded database (closed, so no -wal or -shm beside it)."""
    path = tmp_path_factory.mktemp("good") / "bot.sqlite3"
    asyncio.run(Store.read_snapshot(path))
    return path.read_bytes()


def _not_sqlite(good: bytes) -> bytes:
    return b"id,name\n1,Poland\n" * 300


def _cut_in_half(good: bytes) -> bytes:
    return good[: len(good) // 2]


def _cut_in_the_header(good: bytes) -> bytes:
    return good[:10]


def _page_overwritten(good: bytes) -> bytes:
    damaged = bytearray(good)
    page = 4096
    damaged[3 * page : 3 * page + 1500] = bytes(range(256)) * 5 + bytes(220)
    return bytes(damaged)


FILE_FAULTS: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "a CSV file": (_not_sqlite, "it is not an SQLite database"),
    "cut in half": (_cut_in_half, "it is damaged"),
    "cut in the header": (_cut_in_the_header, "it is damaged (cut short)"),
    "a page overwritten": (_page_overwritten, "it is damaged"),
}


@pytest.mark.parametrize("readonly", [False, True], ids=["read-write", "read-only"])
@pytest.mark.parametrize("case", sorted(FILE_FAULTS))
async def test_a_bad_file_is_refused_in_one_line_and_left_alone(
    tmp_path: Path, good_database: bytes, case: str, readonly: bool
) -> None:
    damage, expected = FILE_FAULTS[case]
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(damage(good_database))
    before = snapshot_of(tmp_path)
    with pytest.raises(DatabaseUnusable) as refused:
        await Store.open(path, readonly=readonly)
    message = one_line(refused.value)
    assert message.startswith(f"cannot open the database {path}: ")
    assert expected in message
    assert snapshot_of(tmp_path) == before


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("", "cannot open the database: its path is empty"),
        ("   ", "cannot open the database '   ': its path is blank"),
        ("{tmp}", "cannot open the database {tmp}: it is a folder, not a file"),
        ("{tmp}/sub/   ", "cannot open the database '{tmp}/sub/   ': its path is blank"),
    ],
    ids=["empty", "blank", "a folder", "blank file name"],
)
async def test_a_bad_path_is_refused_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DatabaseUnusable) as refused:
        await Store.open(given.format(tmp=tmp_path))
    assert one_line(refused.value) == expected.format(tmp=tmp_path)
    assert folder_is_empty(tmp_path)


async def test_a_missing_file_opened_read_only_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nope.sqlite3"
    with pytest.raises(DatabaseMissing, match="there is no such file") as refused:
        await Store.open(path, readonly=True)
    assert str(path) in one_line(refused.value)
    assert folder_is_empty(tmp_path)


@pytest.mark.parametrize("readonly", [False, True], ids=["read-write", "read-only"])
async def test_a_newer_schema_is_refused_without_an_impossible_hint(
    tmp_path: Path, good_database: bytes, readonly: bool
) -> None:
    path = tmp_path / "future.sqlite3"
    path.write_bytes(good_database)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    conn.close()
    before = snapshot_of(tmp_path)
    with pytest.raises(MigrationError) as refused:
        await Store.open(path, readonly=readonly)
    message = one_line(refused.value)
    assert message.startswith(f"cannot open the database {path}: ")
    assert "schema is version 999, newer than this code" in message
    assert "migrate" not in message and "read-write" not in message
    assert snapshot_of(tmp_path) == before


async def test_an_older_schema_opened_read_only_says_how_to_migrate(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("PRAGMA user_version = 1")
    conn.close()
    with pytest.raises(MigrationError) as refused:
        await Store.open(path, readonly=True)
    assert "schema is version 1, this code expects" in one_line(refused.value)
    assert "open it read-write once" in str(refused.value)


async def test_errors_after_open_are_store_errors_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path, seed=False)
    await store.close()
    with pytest.raises(StoreError, match="is closed"):
        await store.versions()


# --- read-only files and folders -------------------------------------------------------------


@contextlib.contextmanager
def write_protected(*paths: Path) -> Iterator[None]:
    """Take write access away, as the kernel enforces it: the immutable flag when the tests run
    as root (mode bits mean nothing to root), the mode bits otherwise."""
    as_root = os.geteuid() == 0
    modes = {p: p.stat().st_mode for p in paths}
    try:
        for p in paths:
            if as_root:
                subprocess.run(["chattr", "+i", str(p)], check=True)
            else:
                p.chmod(0o555 if p.is_dir() else 0o444)
        yield
    finally:
        for p in paths:
            if as_root:
                subprocess.run(["chattr", "-i", str(p)], check=True)
            else:
                p.chmod(modes[p])


def seeded(folder: Path, good: bytes) -> Path:
    folder.mkdir()
    path = folder / "bot.sqlite3"
    path.write_bytes(good)
    return path


def test_a_read_only_file_is_found_at_open(
    tmp_path: Path, good_database: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    path = seeded(tmp_path / "data", good_database)
    with write_protected(path):
        code = main(["preview", "targets", "--database", str(path)])
        out, err = capsys.readouterr()
        assert (code, out) == (1, "")
        assert err == (
            f"natobot preview: cannot open the database {path}: "
            "the file is read-only, and the bot must write to it\n"
        )
        # Reading needs no write access: data history opens read-only.
        assert main(["data", "history", "--database", str(path)]) == 0
        assert "seed / bundled" in capsys.readouterr().out
    assert path.read_bytes() == good_database


def test_a_database_in_a_read_only_folder_is_found_at_open(
    tmp_path: Path, good_database: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data"
    path = seeded(folder, good_database)
    with write_protected(folder):
        code = main(["preview", "targets", "--database", str(path)])
        out, err = capsys.readouterr()
        assert (code, out) == (1, "")
        assert err == (
            f"natobot preview: cannot open the database {path}: its folder {folder} is "
            "read-only, and SQLite must create bot.sqlite3-wal and bot.sqlite3-shm beside it\n"
        )
    assert snapshot_of(folder) == {"bot.sqlite3": good_database}


def test_a_new_database_in_a_read_only_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "bot.sqlite3"
    with write_protected(folder):
        code = main(["preview", "targets", "--database", str(path)])
        assert code == 1
        assert capsys.readouterr().err == (
            f"natobot preview: cannot open the database {path}: "
            f"cannot create it: its folder {folder} is not writable\n"
        )
    assert list(folder.iterdir()) == []


async def test_read_only_on_purpose_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await Store.read_snapshot(path)
    reader = await Store.open(path, readonly=True)
    try:
        with pytest.raises(ReadOnlyDatabase, match="opened read-only"):
            await reader.set_meta("k", "v")
    finally:
        await reader.close()


# --- a cancelled open ---------------------------------------------------------------------------

#: Cancels opens at every stage, in turn: while connecting (after 0, 1, 2… loop turns), then
#: at the 1st, 2nd, 3rd… statement (PRAGMAs, migrations, seeding, reading the snapshot) until an
#: open gets through; each on a new file and on an existing one.
CANCEL_OPENS = """
import asyncio, sys, threading
from pathlib import Path
import db.connection
from db.store import Store

calls = {"count": 0, "cancel_at": 0}
opening: "asyncio.Future[Store] | None" = None
statement = db.connection.Database.call

async def cancelling(self, work):
    calls["count"] += 1
    if calls["count"] == calls["cancel_at"] and opening is not None:
        opening.cancel()  # lands while this statement runs in aiosqlite's thread
    return await statement(self, work)

db.connection.Database.call = cancelling

async def attempt(path: Path, turns: int, cancel_at: int) -> bool:
    global opening
    calls.update(count=0, cancel_at=cancel_at)
    opening = asyncio.ensure_future(Store.open(path))
    if not cancel_at:
        for _ in range(turns):
            await asyncio.sleep(0)
        opening.cancel()
    try:
        store = await opening
    except asyncio.CancelledError:
        return True
    await store.close()
    return False

async def main(folder: Path) -> None:
    existing = folder / "existing.sqlite3"
    await (await Store.open(existing)).close()
    cancelled = 0
    for turns in range(4):
        for path in (folder / f"connecting-{turns}.sqlite3", existing):
            cancelled += await attempt(path, turns, 0)
    for cancel_at in range(1, 500):
        new = await attempt(folder / f"statement-{cancel_at}.sqlite3", 0, cancel_at)
        old = await attempt(existing, 0, cancel_at)
        cancelled += new + old
        if not new and not old:
            break
    # Whatever a cancellation interrupted, each file opens, with one version or none.
    db.connection.Database.call = statement
    for path in sorted(folder.glob("*.sqlite3")):
        store = await Store.open(path, seed=False)
        try:
            assert [v.version_id for v in await store.versions()] in ([], [1]), path
        finally:
            await store.close()
    print(cancelled, cancel_at, threading.active_count())

asyncio.run(main(Path(sys.argv[1])))
"""


def test_a_cancelled_open_leaves_no_thread_and_no_noise(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CANCEL_OPENS, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no "Event loop is closed" from a thread left behind
    cancelled, statements, threads = map(int, done.stdout.split())
    assert statements > 10  # opens were cut short at many stages before one got through
    assert cancelled > statements
    assert threads == 1  # only the main thread: every aiosqlite thread ended


# --- the bot fails the same one-line way ---------------------------------------------------------


@pytest.mark.parametrize("case", ["a CSV file", "a page overwritten"])
async def test_the_bot_stops_on_a_bad_database_in_one_line(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path, good_database: bytes, case: str
) -> None:
    damage, expected = FILE_FAULTS[case]
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(damage(good_database))
    before = snapshot_of(tmp_path)

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "tests" / "run_against_fake.py"),
        fake_discord.api_base,
        fake_discord.gateway_url,
        cwd=tmp_path,
        env={**os.environ, "DISCORD_TOKEN": "fake-token", "DATABASE_PATH": str(path)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), 100)
    text = stderr.decode()
    assert proc.returncode == 1, text
    assert "Traceback" not in text and "Event loop is closed" not in text
    (line,) = [line for line in text.splitlines() if "database" in line]
    # The words the preview and data commands print (tested above and in test_cli_data.py).
    assert f"cannot open the database {path}: {expected}" in line
    assert snapshot_of(tmp_path) == before
