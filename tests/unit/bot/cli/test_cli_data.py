"""`natobot data validate|history`, run in-process through the real entry point."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.models import Dataset
from db.loader import load_bundled
from db.store import Store, migrations

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

    # A release the database does not have is a new release, as `load` reads it (issue 16).
    code = main(["data", "validate", str(DATA / "2024-03.csv"), "--database", str(database)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("OK: 1255 rows, releases 2024-03, 2024-06, 2025-04, 2025-08, 2026-07")

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
    assert code == 0
    assert f"(checked against version 2 active in {database})" in capsys.readouterr().out


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


# --- file checks, capped output, warnings (issue 11) -------------------------------------------


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A seeded database; each test checks that validate left it byte for byte as it was."""
    path = tmp_path / "bot.sqlite3"
    make_database(path)
    return path


def validate(
    capsys: pytest.CaptureFixture[str], target: Path, database: Path
) -> tuple[int, list[str]]:
    before = fingerprint(database)
    code = main(["data", "validate", str(target), "--database", str(database)])
    assert fingerprint(database) == before, "validate must never write"
    return code, capsys.readouterr().out.splitlines()


HEADER = (DATA / "2024-06.csv").read_text(encoding="utf-8").splitlines()[0]


def test_a_named_pipe_is_refused_before_it_is_opened(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, database: Path
) -> None:
    fifo = tmp_path / "2024-06.csv"
    os.mkfifo(fifo)  # no writer: opening it would block for ever
    assert validate(capsys, fifo, database) == (
        1,
        ["2024-06.csv: not a regular file (a named pipe)", f"1 problem in {fifo}"],
    )


def test_a_file_over_the_size_cap_is_refused_unread(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, database: Path
) -> None:
    big = tmp_path / "2024-06.csv"
    with big.open("wb") as handle:
        handle.truncate(6 * 1024 * 1024)  # sparse
    assert validate(capsys, big, database) == (
        1,
        [
            "2024-06.csv: 6.0 MiB: larger than 5.0 MiB, the most a dataset file may be",
            f"1 problem in {big}",
        ],
    )


def test_a_ten_megabyte_line_of_commas_is_over_the_cap_and_a_shorter_one_has_no_header(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, database: Path
) -> None:
    commas = tmp_path / "2024-06.csv"
    commas.write_bytes(b"," * 10_000_000)
    code, out = validate(capsys, commas, database)
    assert (code, out[0]) == (
        1,
        "2024-06.csv: 9.5 MiB: larger than 5.0 MiB, the most a dataset file may be",
    )
    commas.write_bytes(b"," * 1_000_000 + b"\n" + "\n".join(HEADER.split(",")).encode())
    code, out = validate(capsys, commas, database)
    assert (code, out[0]) == (
        1,
        f"2024-06.csv:1: no header row: the first line has no column names (expected {HEADER})",
    )


def test_utf16_without_a_byte_order_mark_is_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, database: Path
) -> None:
    utf16 = tmp_path / "2024-06.csv"
    utf16.write_bytes((DATA / "2024-06.csv").read_text(encoding="utf-8").encode("utf-16-le"))
    assert validate(capsys, utf16, database) == (
        1,
        ["2024-06.csv: not UTF-8 (looks like UTF-16): save it as UTF-8", f"1 problem in {utf16}"],
    )


def test_many_bad_rows_print_fifty_problems_and_a_count(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, database: Path
) -> None:
    bad = tmp_path / "2024-06.csv"
    bad.write_text(HEADER + "\n" + "x\n" * 40_000, encoding="utf-8")
    code, out = validate(capsys, bad, database)
    assert code == 1
    width = len(HEADER.split(","))
    assert out[:50] == [
        f"2024-06.csv:{line}: row has 1 fields but the header has {width}" for line in range(2, 52)
    ]
    assert out[50:] == ["… and 39,950 more problems", f"40,000 problems in {bad}"]
    # A million lines are refused unread, as `load` refuses them (the one reader's row cap).
    bad.write_text(HEADER + "\n" + "x\n" * 1_000_000, encoding="utf-8")
    assert validate(capsys, bad, database) == (
        1,
        [
            "2024-06.csv: 1,000,002 lines: more than 50,000, the most a release file may have",
            f"1 problem in {bad}",
        ],
    )


def test_figures_the_bot_cannot_render_and_foreign_digits_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, database: Path
) -> None:
    bad = tmp_path / "2024-06.csv"
    bad.write_text(
        "\n".join(
            [
                HEADER,
                "POL,2024,true,4.12,1e308,,,,,,table",
                "DEU,2024,true,2.12,,1e308,,,,1e27,table",
                "FRA,٢٠٢٤,true,2.06,,,,,,,table",
                "ITA,2024,true,１.49,,,,,,,table",
            ]
        ),
        encoding="utf-8",
    )
    code, out = validate(capsys, bad, database)
    assert code == 1
    assert out == [
        "2024-06.csv:2: spend_usd_m: 1e308 is too large: above 5,000,000 million USD "
        "(USD 5 trillion: over twice what all of NATO spends)",
        "2024-06.csv:3: gdp_usd_bn: 1e308 is too large: above 200,000 billion USD "
        "(USD 200 trillion: over three times NATO's GDP)",
        "2024-06.csv:3: real_change_pct: 1e27 is too large: above 1,000 % "
        "(an elevenfold rise in a year; the largest published is +125%)",
        "2024-06.csv:4: year: '٢٠٢٤' is not a whole number: write it with the digits 0-9",
        "2024-06.csv:5: pct_gdp: '１.49' is not a number: write it with the digits 0-9",
        f"5 problems in {bad}",
    ]


def test_a_release_file_that_would_drop_allies_and_years_warns_and_exits_0(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, database: Path
) -> None:
    one_ally = tmp_path / "2024-06.csv"
    one_ally.write_text(f"{HEADER}\nALB,2024,true,2.03,,,,,,,table\n", encoding="utf-8")
    bundled = load_bundled()
    others = sorted(
        {r.iso3 for r in bundled.records if r.release_id == "2024-06"}
        - {"ALB", "NATO_TOTAL", "NATO_EUR_CAN"}
    )
    rows = sum(1 for r in bundled.records if r.release_id != "2024-06") + 1
    code, out = validate(capsys, one_ally, database)
    assert code == 0
    assert out == [
        f"warning: would drop 31 allies' figures: {', '.join(others)} and NATO's aggregates "
        "NATO_EUR_CAN, NATO_TOTAL that release 2024-06 has now",
        "warning: would drop years 2014–2023 that release 2024-06 has now",
        f"OK: {rows} rows, releases {RELEASE_IDS}; 32 allies "
        f"(checked against version 1 active in {database})",
    ]
    assert len(others) == 31


def test_a_manifest_that_would_drop_a_release_warns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, database: Path
) -> None:
    manifest = tmp_path / "releases.csv"
    lines = (DATA / "releases.csv").read_text(encoding="utf-8").splitlines()
    manifest.write_text("\n".join(line for line in lines if not line.startswith("2024-03")))
    dropped = sum(1 for r in load_bundled().records if r.release_id == "2024-03")
    code, out = validate(capsys, manifest, database)
    assert code == 0
    assert out[0] == f"warning: would drop release 2024-03 and its {dropped:,} rows of figures"
    assert out[1].startswith("OK: ")


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
            f"code ({len(migrations())}); it was written by a newer natobot, so run that one"
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


# --- validate and load --dry-run: one reader, one verdict (issue 16) ---------------------------


def _new_release(folder: Path) -> Path:
    path = folder / "2027-01.csv"
    path.write_text(f"{HEADER}\nPOL,2026,true,4.9,,,,,,,table\nESP,2026,true,2.1,,,,,,,\n")
    return path


def _bad_rows(folder: Path) -> Path:
    path = folder / "2024-06.csv"
    path.write_text(f"{HEADER}\nPOL,2024,maybe,4.12,,,,,,,table\nXXX,٢٠٢٤,true,1,,,,,,,\n")
    return path


def _named_pipe(folder: Path) -> Path:
    os.mkfifo(path := folder / "2024-06.csv")
    return path


def _oversized(folder: Path) -> Path:
    with (path := folder / "2024-06.csv").open("wb") as handle:
        handle.truncate(6 * 1024 * 1024)  # sparse
    return path


def _utf16(folder: Path) -> Path:
    path = folder / "2024-06.csv"
    path.write_bytes((DATA / "2024-06.csv").read_text(encoding="utf-8").encode("utf-16-le"))
    return path


def _one_ally(folder: Path) -> Path:
    path = folder / "2024-06.csv"
    path.write_text(f"{HEADER}\nALB,2024,true,2.03,,,,,,,table\n", encoding="utf-8")
    return path


def _members_without_poland(folder: Path) -> Path:
    path = folder / "members.csv"
    lines = (DATA / "members.csv").read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line for line in lines if not line.startswith("POL")) + "\n")
    return path


def _manifest_without_a_release(folder: Path) -> Path:
    path = folder / "releases.csv"
    lines = (DATA / "releases.csv").read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line for line in lines if not line.startswith("2024-03")) + "\n")
    return path


def _directory_with_problems(folder: Path) -> Path:
    shutil.copytree(DATA, path := folder / "data", ignore=shutil.ignore_patterns("raw", "*.md"))
    (path / "2025-08.csv").unlink()
    (path / "2024-03.csv").write_text("", encoding="utf-8")
    return path


def _missing(folder: Path) -> Path:
    return folder / "2024-06.csv"


def _bundled(path: Path) -> Callable[[Path], Path]:
    return lambda _: path


#: Every file of the bundled data (NATO's workbook too), the folder itself, and the files the
#: tests above make: each read by `validate` and by `load --dry-run`.
SOURCES: dict[str, Callable[[Path], Path]] = {
    **{
        str(path.relative_to(DATA)): _bundled(path)
        for path in sorted([*DATA.glob("*.csv"), *DATA.glob("raw/*")])
    },
    "the bundled directory": _bundled(DATA),
    "a new release's CSV": _new_release,
    "bad rows": _bad_rows,
    "a named pipe": _named_pipe,
    "an oversized file": _oversized,
    "UTF-16": _utf16,
    "one ally": _one_ally,
    "members without Poland": _members_without_poland,
    "a manifest without a release": _manifest_without_a_release,
    "a directory with problems": _directory_with_problems,
    "a missing file": _missing,
}


@pytest.mark.parametrize("case", SOURCES)
def test_validate_gives_the_verdict_and_the_words_of_load_dry_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str
) -> None:
    database = tmp_path / "bot.sqlite3"
    make_database(database)
    target = SOURCES[case](tmp_path)
    before = fingerprint(database)
    validated = main(["data", "validate", str(target), "--database", str(database)])
    checked = capsys.readouterr().out.splitlines()
    dry_run = main(["data", "load", str(target), "--dry-run", "--database", str(database)])
    loaded = capsys.readouterr().out.splitlines()
    assert fingerprint(database) == before, "neither may write"
    assert validated == dry_run, (checked, loaded)
    if validated:  # refused: the same problems, the same words
        assert checked == loaded
        assert checked[-1].endswith(f"in {target}")
    else:  # accepted: the same warnings of what it would drop
        assert [line for line in checked if line.startswith("warning: ")] == [
            line for line in loaded if line.startswith("warning: ")
        ]


def test_a_release_the_database_lacks_passes_both_as_a_new_release(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    database = tmp_path / "bot.sqlite3"
    make_database(database, without_release("2024-03"))
    target = DATA / "2024-03.csv"
    assert main(["data", "validate", str(target), "--database", str(database)]) == 0
    assert capsys.readouterr().out.startswith(f"OK: 1255 rows, releases {RELEASE_IDS}")
    assert main(["data", "load", str(target), "--dry-run", "--database", str(database)]) == 0
    assert "Release 2024-03 is new" in capsys.readouterr().out
