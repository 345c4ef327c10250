"""`natobot preview …` end to end: the real CLI entry point on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.analytics.targets import MAX_TARGET, MIN_TARGET
from tests.support.oracle import cell, release_ids, release_years
from tests.support.png import is_png


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database for the module: the first command creates and seeds it."""
    return tmp_path_factory.mktemp("preview") / "natobot.sqlite3"


def run(capsys: pytest.CaptureFixture[str], database: Path, *args: str) -> tuple[int, str, str]:
    code = main(["preview", *args, "--database", str(database)])
    out, err = capsys.readouterr()
    return code, out, err


def test_summary_seeds_the_database_and_prints_the_answer(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    code, out, err = run(
        capsys, database, "summary", "--release", "2024-06", "--year", "2024", "--target", "2"
    )
    assert (code, err) == (0, "")
    assert database.is_file()
    assert "23 of 31 published allies meet 2% in 2024" in out
    assert "Release 2024-06: defence expenditure" in out
    assert "figures for 2024" in out


def test_gap_by_name(capsys: pytest.CaptureFixture[str], database: Path) -> None:
    code, out, _ = run(
        capsys, database, "gap", "Spain", "--release", "2024-06", "--year", "2024", "--target", "2"
    )
    assert code == 0
    assert "0.72 pts below 2%" in out and "$11.9 bn" in out
    assert "2% is a yearly commitment since 2024" in out


def test_compare_a_comma_list_or_separate_words(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    for args in (["pl, de, fr"], ["pl", "de", "fr"]):
        code, out, _ = run(capsys, database, "compare", *args, "--release", "2024-06")
        assert code == 0
        header = next(line for line in out.splitlines() if "Poland" in line)
        assert header.index("Poland") < header.index("Germany") < header.index("France")


def test_ranking_by_metric(capsys: pytest.CaptureFixture[str], database: Path) -> None:
    code, out, _ = run(capsys, database, "ranking", "--metric", "spending", "--release", "2026-07")
    assert code == 0
    first = next(line for line in out.splitlines() if line.startswith("1 "))
    assert "United States" in first
    # USD bn, like every sum of money the bot shows.
    assert f"{float(cell('2026-07', 'USA', 2026, 'spend_usd_m')) / 1000:,.2f}" in first
    assert "USD bn" in out


def test_ranking_marks_an_estimated_nato_total(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    code, out, _ = run(capsys, database, "ranking", "--release", "2024-06", "--metric", "spending")
    assert code == 0
    assert cell("2024-06", "NATO_TOTAL", 2024, "estimate") == "true"
    assert "NATO as a whole: $1,474 bn (estimate)" in out
    assert "NATO total" not in out


def test_revisions_and_targets(capsys: pytest.CaptureFixture[str], database: Path) -> None:
    code, out, _ = run(capsys, database, "revisions", "Poland", "--year", "2024")
    assert code == 0 and "4.12e" in out and "3.75" in out
    code, out, _ = run(capsys, database, "targets")
    assert code == 0 and "3.5%" in out


def test_country_writes_the_chart(
    capsys: pytest.CaptureFixture[str], database: Path, tmp_path: Path
) -> None:
    chart = tmp_path / "pol.png"
    code, out, _ = run(capsys, database, "country", "POL", "--chart", str(chart))
    assert code == 0
    assert is_png(chart.read_bytes())
    assert f"Chart written to {chart}" in out
    assert "Poland (POL)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["gap", "Germny"], "Did you mean Germany?"),
        (["gap", "narnia"], "No NATO ally matches “narnia”.\n"),
        (["summary", "--release", "2024-06", "--year", "2030"], "it covers 2014–2024"),
        (["summary", "--target", "12"], "between 0.5 and 10"),
        (["summary", "--target", "abc"], "“abc”"),
        (["summary", "--target", "abc"], f"between {MIN_TARGET:g} and {MAX_TARGET:g}; "),
        (["summary", "--release", "2019-01"], "Loaded: 2024-03"),
        (["compare", "pl"], "2 to 5"),
        (["gap", "Iceland"], "no armed forces"),
    ],
)
def test_user_errors_are_one_line_and_exit_two(
    capsys: pytest.CaptureFixture[str], database: Path, args: list[str], message: str
) -> None:
    code, out, err = run(capsys, database, *args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("natobot preview: ")
    assert message in err


def test_default_database_from_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "env" / "bot.sqlite3"
    monkeypatch.setenv("DATABASE_PATH", str(target))
    code = main(["preview", "summary"])
    out, _ = capsys.readouterr()
    assert code == 0 and target.is_file()
    newest = release_years("2026-07")[-1]
    assert f"figures for {newest}" in out


def test_unopenable_database_exits_one(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    not_sqlite = tmp_path / "junk.sqlite3"
    not_sqlite.write_bytes(b"this is not a database" * 100)
    code, out, err = run(capsys, not_sqlite, "summary")
    assert code == 1
    assert out == "" and "cannot open the database" in err


def test_preview_without_a_query_shows_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preview"]) == 2
    assert "summary" in capsys.readouterr().err


# --------------------------------------------------------------------------- --format and targets


def data_rows(out: str) -> list[dict[str, str]]:
    import csv
    import io

    lines = [line for line in out.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


@pytest.mark.parametrize("typed", ["3.5", "3,5", "3.5%", " 3,5 % "])
def test_a_target_is_read_like_the_discord_option(
    capsys: pytest.CaptureFixture[str], database: Path, typed: str
) -> None:
    code, out, err = run(capsys, database, "summary", "--release", "2024-06", "--target", typed)
    assert (code, err) == (0, "")
    assert "Who meets 3.5% (Hague 2025 core defence, by 2035) in 2024" in out


def test_without_a_target_preview_uses_default_target_like_the_bot(
    capsys: pytest.CaptureFixture[str], database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEFAULT_TARGET", "3.5")
    code, out, _ = run(capsys, database, "gap", "Spain", "--release", "2024-06", "--year", "2024")
    assert code == 0 and "gap to 3.5%" in out
    monkeypatch.delenv("DEFAULT_TARGET")
    code, out, _ = run(capsys, database, "gap", "Spain", "--release", "2024-06", "--year", "2024")
    assert code == 0 and "0.72 pts below 2%" in out


def test_a_bad_default_target_is_a_configuration_error(
    capsys: pytest.CaptureFixture[str], database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEFAULT_TARGET", "12")
    code, out, err = run(capsys, database, "summary")
    assert code == 2 and out == ""
    assert "DEFAULT_TARGET is invalid (got '12')" in err


def test_csv_is_the_exported_table(capsys: pytest.CaptureFixture[str], database: Path) -> None:
    code, out, err = run(
        capsys, database, "summary", "--release", "2024-06", "--year", "2024", "--format", "csv"
    )
    assert (code, err) == (0, "")
    assert out.startswith("# Who meets 2%")
    rows = data_rows(out)
    spain = next(row for row in rows if row["iso3"] == "ESP")
    assert spain["status"] == "below" and spain["share_pct_gdp"] == "1.28"
    assert spain["share_as_released"] == cell("2024-06", "ESP", 2024, "pct_gdp")
    assert sum(row["status"] == "meets" for row in rows) == 23


def test_csv_of_a_comparison_and_of_revisions(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    code, out, _ = run(capsys, database, "compare", "pl, de", "--target", "3,5", "--format", "csv")
    assert code == 0
    assert [(r["iso3"], r["target_pct_gdp"]) for r in data_rows(out)] == [
        ("POL", "3.5"),
        ("DEU", "3.5"),
    ]
    code, out, _ = run(capsys, database, "revisions", "Poland", "--year", "2024", "--format", "csv")
    assert code == 0
    assert data_rows(out)[0]["share_as_released"] == cell("2024-06", "POL", 2024, "pct_gdp")


def test_json_is_the_result_itself(capsys: pytest.CaptureFixture[str], database: Path) -> None:
    import json

    code, out, _ = run(
        capsys,
        database,
        "gap",
        "Spain",
        "--release",
        "2024-06",
        "--year",
        "2024",
        "--format",
        "json",
    )
    assert code == 0
    answer = json.loads(out)
    assert answer["country"]["iso3"] == "ESP" and answer["target"] == 2
    assert answer["release"]["release_id"] == "2024-06"
    assert answer["share_rounded"] == float(cell("2024-06", "ESP", 2024, "pct_gdp")[:4])
    code, out, _ = run(capsys, database, "targets", "--format", "json")
    targets = json.loads(out)
    assert [t["value"] for t in targets["targets"]] == [2, 3.5, 5, 20]
    assert [r["release_id"] for r in targets["releases"]] == release_ids()


def test_csv_is_offered_only_where_a_reply_has_a_table(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    with pytest.raises(SystemExit) as refused:  # argparse's own refusal
        run(capsys, database, "gap", "Spain", "--format", "csv")
    out, err = capsys.readouterr()
    assert refused.value.code == 2 and out == ""
    assert "invalid choice: 'csv' (choose from 'text', 'json')" in err


def test_the_chart_note_stays_off_a_json_answer(
    capsys: pytest.CaptureFixture[str], database: Path, tmp_path: Path
) -> None:
    import json

    chart = tmp_path / "pol.png"
    code, out, err = run(
        capsys, database, "country", "POL", "--chart", str(chart), "--format", "json"
    )
    assert code == 0 and is_png(chart.read_bytes())
    assert json.loads(out)["figures"]["country"]["iso3"] == "POL"
    assert err == f"Chart written to {chart}\n"
