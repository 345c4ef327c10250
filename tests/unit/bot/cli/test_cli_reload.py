"""`natobot data load|diff|rollback` through the real entry point, and a load SIGKILLed midway."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import db
from bot.__main__ import main
from db.loader import load_bundled
from db.store import Store
from tests.support.synthetic import write_dataset
from tests.support.waiting import SLOW

HEADER = (
    "iso3,year,estimate,pct_gdp,spend_usd_m,gdp_usd_bn,equipment_pct,personnel_k,"
    "spend_per_capita_usd_2015,real_change_pct\n"
)
#: How many times the crash test kills a load (RELOAD_KILL_ROUNDS=20 for the full run).
KILL_ROUNDS = int(os.environ.get("RELOAD_KILL_ROUNDS", "1"))


def _versions(database: Path) -> list[tuple[int, int, str]]:
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT id, active, source FROM dataset_versions ORDER BY id"
        ).fetchall()
    conn.close()
    return [(int(a), int(b), str(c)) for a, b, c in rows]


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "bot.sqlite3"

    async def seed() -> None:
        await (await Store.open(path)).close()

    asyncio.run(seed())
    return path


@pytest.fixture
def new_release(tmp_path: Path) -> Path:
    path = tmp_path / "2027-01.csv"
    path.write_text(HEADER + "POL,2026,true,4.9,,,,,,\nESP,2026,true,2.1,,,,,,\n")
    return path


def test_load_prints_the_diff_and_activates(
    capsys: pytest.CaptureFixture[str], database: Path, new_release: Path
) -> None:
    assert main(["data", "load", str(new_release), "--database", str(database)]) == 0
    out = capsys.readouterr().out
    assert "Releases added (1):" in out and "2027-01" in out
    assert "Poland 2026: 4.68% → 4.90%" in out
    assert "Version 2 is active" in out
    assert _versions(database) == [(1, 0, "bundled"), (2, 1, str(new_release))]


def test_load_dry_run_and_diff_change_nothing(
    capsys: pytest.CaptureFixture[str], database: Path, new_release: Path
) -> None:
    before = database.read_bytes()
    assert main(["data", "load", str(new_release), "--dry-run", "--database", str(database)]) == 0
    assert main(["data", "diff", str(new_release), "--database", str(database)]) == 0
    out = capsys.readouterr().out
    assert out.count("Releases added (1):") == 2 and "Dry run: nothing was changed." in out
    assert database.read_bytes() == before
    assert _versions(database) == [(1, 1, "bundled")]


def test_diff_of_2026_07_after_2025_08_lists_every_crossing_newest_years_first(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    """Issue 19.1: every ally-year both releases cover, not only the latest year of each."""
    bundled = load_bundled()

    async def without_2026_07() -> None:
        store = await Store.open(database)
        try:
            await store.activate(
                bundled.model_copy(
                    update={
                        "releases": tuple(r for r in bundled.releases if r.release_id < "2026-07"),
                        "records": tuple(r for r in bundled.records if r.release_id < "2026-07"),
                    }
                ),
                source="test",
                loaded_by="test",
            )
        finally:
            await store.close()

    asyncio.run(without_2026_07())
    newest = Path(db.__file__).parent / "data" / "2026-07.csv"  # the bundled file
    assert main(["data", "diff", str(newest), "--database", str(database)]) == 0
    out = capsys.readouterr().out
    section = out.split("Allies crossing 2% or 3.5% (8):\n")[1].splitlines()
    assert section[:5] == [
        "  Montenegro now meets 2%: 1.72% (2025-08, 2024) → 2.17% (2026-07, 2026)",
        "  Slovakia now meets 2%: 1.96% (2025-08, 2024) → 2.02% (2026-07, 2026)",
        "  Albania no longer meets 2%: 2.01% (2025-08, 2025) → 1.48% (2026-07, 2025)",
        "  Czechia no longer meets 2%: 2.00% (2025-08, 2025) → 1.86% (2026-07, 2025)",
        "  Czechia no longer meets 2%: 2.08% (2025-08, 2024) → 1.99% (2026-07, 2024)",
    ]
    assert "  Greece now meets 3.5%: 2.85% (2025-08, 2025) → 3.65% (2026-07, 2026)" in section


def test_load_of_a_bad_file_lists_every_problem(
    capsys: pytest.CaptureFixture[str], database: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "2026-07.csv"
    bad.write_text(
        HEADER + "XXX,2026,true,2,,,,,,\nPOL,20x6,true,2,,,,,,\nDEU,2026,true,=2,,,,,,\n"
    )
    assert main(["data", "load", str(bad), "--database", str(database)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"3 problems in {bad}"
    assert len(lines) == 4
    assert _versions(database) == [(1, 1, "bundled")]


def test_load_of_the_bundled_data_changes_nothing(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    assert main(["data", "load", "--bundled", "--database", str(database)]) == 1
    assert "No change" in capsys.readouterr().out
    assert _versions(database) == [(1, 1, "bundled")]


def test_rollback_dry_run_then_rollback(
    capsys: pytest.CaptureFixture[str], database: Path, new_release: Path
) -> None:
    assert main(["data", "load", str(new_release), "--database", str(database)]) == 0
    assert main(["data", "rollback", "--dry-run", "--database", str(database)]) == 0
    assert _versions(database)[-1][1] == 1  # still version 2
    assert main(["data", "rollback", "--database", str(database)]) == 0
    out = capsys.readouterr().out
    assert out.count("Releases removed (1):") == 2 and "Version 1 is active" in out
    assert [v[1] for v in _versions(database)] == [1, 0]
    assert main(["data", "rollback", "2", "--database", str(database)]) == 0
    assert [v[1] for v in _versions(database)] == [0, 1]
    assert main(["data", "rollback", "7", "--database", str(database)]) == 1
    assert "no dataset version 7" in capsys.readouterr().err


def test_history_shows_who_source_and_whole_sha(
    capsys: pytest.CaptureFixture[str], database: Path, new_release: Path
) -> None:
    assert main(["data", "load", str(new_release), "--database", str(database)]) == 0
    capsys.readouterr()
    assert main(["data", "history", "--full", "--database", str(database)]) == 0
    header, newest, _ = capsys.readouterr().out.splitlines()
    assert "by / source" in header
    assert "cli:" in newest and newest.endswith(str(new_release))
    assert len(newest.split()[5]) == 64


async def test_a_running_bot_store_takes_up_a_cli_load(database: Path, new_release: Path) -> None:
    store = await Store.open(database)
    try:
        assert "2027-01" not in store.snapshot.releases
        code = await asyncio.to_thread(
            main, ["data", "load", str(new_release), "--database", str(database)]
        )
        assert code == 0
        assert await store.refresh()
        assert "2027-01" in store.snapshot.releases
    finally:
        await store.close()


# --- a load killed midway -----------------------------------------------------------------------


def _wal_size(database: Path) -> int:
    wal = database.with_name(database.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


@pytest.mark.parametrize("round_", range(KILL_ROUNDS))
def test_a_load_killed_while_writing_leaves_the_previous_version_active(
    round_: int, tmp_path: Path, database: Path
) -> None:
    dataset = write_dataset(tmp_path / "synthetic", rows=100_000, seed=round_)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "data", "load", str(dataset), "--database", str(database)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:  # the diff, then the marker: the transaction starts next
            if line.startswith("Writing the new version"):
                break
        else:
            pytest.fail(f"the load ended before writing: {process.wait()} {process.stderr}")
        start = _wal_size(database)
        deadline = time.monotonic() + SLOW
        # Once the WAL has grown by a megabyte, pages of the new version are on disk uncommitted.
        while _wal_size(database) < start + 1024 * 1024:
            assert process.poll() is None, "the load finished before it could be killed"
            assert time.monotonic() < deadline, "the WAL never grew"
            time.sleep(0.001)
        process.send_signal(signal.SIGKILL)
        assert process.wait() == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    assert _versions(database) == [(1, 1, "bundled")]

    async def reopen() -> tuple[int, int]:
        store = await Store.open(database)
        try:
            return store.snapshot.version.version_id, len(await store.versions())
        finally:
            await store.close()

    assert asyncio.run(reopen()) == (1, 1)
