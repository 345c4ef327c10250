"""`natobot data validate|history`, run in-process through the real entry point."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from importlib import resources
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.models import Dataset
from db.loader import load_bundled
from db.store import Store

DATA = Path(str(resources.files("db").joinpath("data")))
RELEASE_IDS = "2024-03, 2024-06, 2025-04, 2025-08, 2026-07"


def make_database(path: Path, *datasets: Dataset) -> None:
    """A database seeded with the bundled data, then each dataset activated in turn."""

    async def build() -> None:
        store = await Store.open(path)
        try:
            for n, dataset in enumerate(datasets, start=2):
                await store.activate(dataset, source=f"test-{n}", loaded_by="tester")
        finally:
            await store.close()

    asyncio.run(build())


def without_release(release_id: str) -> Dataset:
    base = load_bundled()
    return base.model_copy(
        update={
            "releases": tuple(r for r in base.releases if r.release_id != release_id),
            "records": tuple(r for r in base.records if r.release_id != release_id),
        }
    )


def fingerprint(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def test_validate_bundled_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["data", "validate", str(DATA), "--database", str(tmp_path / "x.sqlite3")])
    out = capsys.readouterr().out
    assert code == 0
    assert out == f"OK: 1255 rows, releases {RELEASE_IDS}; 32 allies\n"


def test_validate_reports_every_problem_then_a_count(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "2024-03.csv"
    text = (DATA / "2024-03.csv").read_text(encoding="utf-8")
    bad.write_text(
        text.replace("BEL,2023,true,1.21", "BEL,2023,maybe,1.21").replace(
            "CAN,2023,true,1.33", "CAN,2023,true,25"
        ),
        encoding="utf-8",
    )
    code = main(["data", "validate", str(bad), "--database", str(tmp_path / "none.sqlite3")])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out == [
        "2024-03.csv:3: estimate: 'maybe' is not a boolean (use true or false)",
        "2024-03.csv:5: pct_gdp: 25 is outside 0–20 % of GDP",
        f"2 problems in {bad}",
    ]


def test_validate_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["data", "validate", str(tmp_path / "2024-06.csv")])
    assert code == 1
    assert "2024-06.csv: cannot read" in capsys.readouterr().out


def test_single_file_is_checked_against_the_database_and_never_writes_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    database = tmp_path / "bot.sqlite3"
    make_database(database, without_release("2024-03"))
    before = fingerprint(database)
    files_before = sorted(p.name for p in tmp_path.iterdir())

    code = main(["data", "validate", str(DATA / "2024-03.csv"), "--database", str(database)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines[0].startswith("2024-03.csv: release 2024-03 is not in releases.csv")

    code = main(["data", "validate", str(DATA / "2024-06.csv"), "--database", str(database)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("OK: 1225 rows, releases 2024-06, 2025-04, 2025-08, 2026-07; 32 allies")
    assert f"(checked against version 2 active in {database})" in out

    assert fingerprint(database) == before
    # A read-only reader of a WAL database may leave SQLite's -wal/-shm beside it (any bot
    # running on the file has them too), but never anything in the write-ahead log.
    extra = sorted({p.name for p in tmp_path.iterdir()} - set(files_before))
    assert set(extra) <= {"bot.sqlite3-wal", "bot.sqlite3-shm"}
    wal = tmp_path / "bot.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0


def test_without_a_database_single_files_are_checked_against_bundled_data(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "sub" / "bot.sqlite3"
    monkeypatch.setenv("DATABASE_PATH", str(database))
    code = main(["data", "validate", str(DATA / "members.csv")])
    out = capsys.readouterr().out
    assert code == 0
    assert f"(checked against the bundled dataset (no database at {database}))" in out
    assert not database.parent.exists()


def test_validate_uses_database_path_from_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "bot.sqlite3"
    make_database(database, without_release("2025-04"))
    monkeypatch.setenv("DATABASE_PATH", str(database))
    code = main(["data", "validate", str(DATA / "2025-04.csv")])
    assert code == 1
    assert "release 2025-04 is not in releases.csv" in capsys.readouterr().out


def test_directory_with_problems_in_several_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("raw", "*.md"))
    (folder / "2025-08.csv").unlink()
    (folder / "2024-03.csv").write_text("", encoding="utf-8")
    code = main(["data", "validate", str(folder)])
    assert code == 1
    assert capsys.readouterr().out.splitlines() == [
        "2024-03.csv: empty file",
        "2025-08.csv: file is missing",
        f"2 problems in {folder}",
    ]


def test_history_lists_versions_newest_first(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    database = tmp_path / "bot.sqlite3"
    make_database(database, without_release("2024-03"))
    before = fingerprint(database)
    assert main(["data", "history", "--database", str(database)]) == 0
    header, newest, oldest = capsys.readouterr().out.splitlines()
    assert header.split()[:2] == ["version", "active"]
    assert newest.split()[:2] == ["2", "yes"] and "tester / test-2" in newest
    assert oldest.split()[0] == "1" and "1255" in oldest and oldest.endswith("seed / bundled")
    assert fingerprint(database) == before


def test_history_without_database(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["data", "history", "--database", str(tmp_path / "none.sqlite3")]) == 1
    assert "No database at" in capsys.readouterr().err


def test_data_without_subcommand_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data"]) == 2
    assert "validate" in capsys.readouterr().err


def damaged(good: bytes) -> bytes:
    """A database with one page of its tables overwritten."""
    page = 4096
    return good[: 3 * page] + bytes(range(256)) * 16 + good[4 * page :]


@pytest.mark.parametrize(
    ("case", "reason"),
    [("not SQLite", "it is not an SQLite database"), ("damaged", "it is damaged")],
)
def test_every_command_reports_a_bad_database_the_same_one_line_way(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str, reason: str
) -> None:
    good = tmp_path / "good.sqlite3"
    make_database(good)
    database = tmp_path / "bot.sqlite3"
    good_bytes = good.read_bytes()
    database.write_bytes(
        b"iso3,name\nPOL,Poland\n" * 500 if case == "not SQLite" else damaged(good_bytes)
    )
    before = fingerprint(database)
    commands = {
        "natobot data history": ["data", "history"],
        "natobot data validate": ["data", "validate", str(DATA / "2024-06.csv")],
        "natobot preview": ["preview", "targets"],
    }
    problems = set()
    for prog, args in commands.items():
        code = main([*args, "--database", str(database)])
        out, err = capsys.readouterr()
        assert (code, out) == (1, ""), prog
        (line,) = err.splitlines()  # one line, no traceback
        assert line.startswith(f"{prog}: cannot open the database {database}: {reason}"), line
        problems.add(line.removeprefix(f"{prog}: "))
    assert len(problems) == 1  # the same words from every command
    assert fingerprint(database) == before


def test_a_database_from_newer_code_is_refused_without_a_migration_hint(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    database = tmp_path / "bot.sqlite3"
    make_database(database)
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    for args in (["data", "history"], ["data", "validate", str(DATA / "2024-06.csv")]):
        assert main([*args, "--database", str(database)]) == 1
        (line,) = capsys.readouterr().err.splitlines()
        assert line.endswith(
            f"cannot open the database {database}: its schema is version 99, newer than this "
            "code (2); it was written by a newer natobot, so run that one"
        )
        assert "migrate" not in line


def test_a_folder_given_as_the_database_is_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["data", "history", "--database", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"natobot data history: cannot open the database {tmp_path}: it is a folder, not a file\n"
    )


@pytest.mark.parametrize(
    ("setting", "problem"),
    [("", "cannot open the database: its path is empty"), ("  ", "its path is blank")],
    ids=["empty", "blank"],
)
def test_an_empty_or_blank_database_path_is_refused_by_every_command(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
    problem: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", setting)
    commands = {
        "natobot data history": ["data", "history"],
        "natobot data validate": ["data", "validate", str(DATA / "2024-06.csv")],
        "natobot preview": ["preview", "targets"],
    }
    for prog, args in commands.items():
        assert main(args) == 1, prog
        out, err = capsys.readouterr()
        assert out == ""
        (line,) = err.splitlines()
        assert line.startswith(f"{prog}: cannot open the database") and line.endswith(problem)
    assert list(tmp_path.iterdir()) == []
