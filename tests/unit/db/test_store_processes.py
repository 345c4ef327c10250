"""The Store beside other processes on the same file: real subprocesses, real SQLite files."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from db.store import Store, migrations

#: A child that opens the database once told to: started first, so both children have paid
#: for Python and the imports and really race on the open itself.
OPEN_ON_GO = """
import asyncio, sys
from db.store import Store

async def main() -> None:
    store = await Store.open(sys.argv[1])
    await store.close()

print("ready", flush=True)
sys.stdin.readline()
asyncio.run(main())
"""

#: A child that changes the data the way the CLI or a second bot would.
CHANGE = """
import asyncio, sys
from db.loader import load_bundled
from db.store import Store

async def main(path: str, action: str) -> None:
    store = await Store.open(path)
    try:
        if action == "activate":
            base = load_bundled()
            records = tuple(
                r.model_copy(update={"pct_gdp": 4.0})
                if (r.release_id, r.iso3, r.year) == ("2024-06", "POL", 2024) else r
                for r in base.records
            )
            await store.activate(
                base.model_copy(update={"records": records}), source="elsewhere", loaded_by="cli"
            )
        elif action == "rollback":
            await store.rollback(by="cli")
        elif action == "settings":
            await store.set_guild_target(7, 5.0, by=1)
        elif action == "meta":
            await store.set_meta("k", "v")
    finally:
        await store.close()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def raw(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def poland_2024(store: Store) -> float | None:
    record = store.snapshot.record("2024-06", "POL", 2024)
    assert record is not None
    return record.pct_gdp


async def change_elsewhere(path: Path, action: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHANGE,
        str(path),
        action,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await proc.communicate()
    assert proc.returncode == 0, stderr.decode()


async def test_refresh_serves_a_version_another_process_activated(store: Store) -> None:
    assert await store.refresh() is False  # nothing happened elsewhere
    before = store.snapshot
    assert poland_2024(store) == pytest.approx(4.12, abs=0.005)

    await change_elsewhere(store.path, "activate")
    assert store.snapshot is before  # nothing is noticed until asked
    assert await store.refresh() is True
    assert store.snapshot.version.version_id == 2
    assert store.snapshot.version.source == "elsewhere"
    assert poland_2024(store) == 4.0
    assert await store.refresh() is False

    await change_elsewhere(store.path, "rollback")
    assert await store.refresh() is True
    assert store.snapshot.version.version_id == 1
    assert poland_2024(store) == pytest.approx(4.12, abs=0.005)


async def test_refresh_ignores_writes_that_activate_nothing(store: Store) -> None:
    assert await store.guild_target(7) is None  # cached
    snapshot = store.snapshot
    await change_elsewhere(store.path, "meta")
    await change_elsewhere(store.path, "settings")
    assert await store.refresh() is False
    assert store.snapshot is snapshot
    # A setting written elsewhere is read again, not served from the cache.
    assert await store.guild_target(7) == 5.0


async def test_refresh_of_a_database_without_a_version(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    store = await Store.open(path, seed=False)
    try:
        await change_elsewhere(path, "activate")  # the child seeds, then activates
        assert await store.refresh() is True
        assert store.snapshot.version.version_id == 2
    finally:
        await store.close()


def test_two_processes_create_the_same_new_database_at_once(tmp_path: Path) -> None:
    for attempt in range(5):
        path = tmp_path / f"new-{attempt}.sqlite3"
        children = [
            subprocess.Popen(
                [sys.executable, "-c", OPEN_ON_GO, str(path)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        try:
            for child in children:
                assert child.stdout is not None and child.stdout.readline() == "ready\n"
            for child in children:  # the starting gun: both are waiting on their stdin
                assert child.stdin is not None
                child.stdin.write("go\n")
                child.stdin.flush()
            results = [child.communicate(timeout=100) for child in children]
        finally:
            for child in children:
                child.kill()
                child.wait()
        for child, (_, stderr) in zip(children, results, strict=True):
            assert child.returncode == 0, stderr
            assert stderr == ""
        # Migrated once, seeded once.
        assert raw(path, "PRAGMA user_version") == [(len(migrations()),)]
        assert raw(path, "SELECT id, active, loaded_by FROM dataset_versions") == [(1, 1, "seed")]
        assert raw(path, "SELECT action FROM audit_log") == [("dataset.activate",)]
