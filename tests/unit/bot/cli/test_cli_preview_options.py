"""`natobot preview` mirrors the bot's newer options: --order and --target for ranking, --year
for country, NATO's aggregates in country and compare."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from tests.support.oracle import cell, half_up


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("preview-options") / "natobot.sqlite3"


def run(capsys: pytest.CaptureFixture[str], database: Path, *args: str) -> tuple[int, str, str]:
    code = main(["preview", *args, "--database", str(database)])
    out, err = capsys.readouterr()
    return code, out, err


def test_ranking_lowest_first_with_a_target_line(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    code, out, err = run(
        capsys, database, "ranking", "--release", "2024-06", "--year", "2024",
        "--order", "lowest", "--target", "2",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert "lowest first" in out
    lines = out.splitlines()
    marker = next(i for i, line in enumerate(lines) if "— 2% —" in line)
    spain = next(i for i, line in enumerate(lines) if " Spain " in line)
    poland = next(i for i, line in enumerate(lines) if " Poland " in line)
    assert spain < marker < poland  # 1.28 below the line, 4.12 above it


def test_ranking_falls_back_to_the_newest_release_with_the_metric(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    code, out, _ = run(capsys, database, "ranking", "--metric", "per_capita")
    assert code == 0
    assert "this is 2024-06, the newest release that does" in out
    code, _, err = run(capsys, database, "ranking", "--metric", "real_change", "--year", "2026")
    assert code == 2 and "Releases with it: 2024-06" in err


def test_country_year_and_aggregates(capsys: pytest.CaptureFixture[str], database: Path) -> None:
    code, out, _ = run(
        capsys, database, "country", "Niemcy", "--release", "2024-06", "--year", "2019"
    )
    assert code == 0
    assert "Germany (DEU)" in out and "year 2019" in out
    assert str(half_up(cell("2024-06", "DEU", 2019, "pct_gdp"))) in out
    code, out, _ = run(capsys, database, "country", "nato", "--release", "2024-06")
    assert code == 0 and "NATO as a whole (aggregate)" in out
    code, out, _ = run(capsys, database, "compare", "Poland vs Europe & Canada", "--target", "3.5")
    assert code == 0 and "European allies and Canada" in out and "vs 3.5%" in out
    code, _, err = run(capsys, database, "gap", "nato")
    assert code == 2 and "NATO's own aggregate, not an ally" in err


@pytest.mark.parametrize(
    ("typed", "release"), [("2024-6", "2024-06"), ("June 2024", "2024-06"), ("latest", "2026-07")]
)
def test_release_is_read_as_the_discord_option_reads_it(
    capsys: pytest.CaptureFixture[str], database: Path, typed: str, release: str
) -> None:
    code, out, err = run(capsys, database, "summary", "--release", typed)
    assert (code, err) == (0, "")
    assert f"Release {release}:" in out


def test_a_release_that_fits_several_or_none_is_one_plain_line(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    code, _, err = run(capsys, database, "summary", "--release", "2025")
    assert code == 2
    assert err == "natobot preview: 2025 has two releases: 2025-04, 2025-08. Pick one.\n"
    code, _, err = run(capsys, database, "summary", "--release", "2024-13")
    assert code == 2
    assert err.startswith("natobot preview: No release “2024-13” is loaded.")  # no “2024\-13”
    code, _, err = run(capsys, database, "country", "pl_**x**")
    assert code == 2 and "“pl_**x**”" in err and "\\" not in err


def test_target_twenty_points_to_the_equipment_ranking(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    code, _, err = run(capsys, database, "summary", "--target", "20")
    assert code == 2
    assert err.strip().endswith(
        "20% is NATO's equipment guideline, a share of defence spending rather than of GDP: "
        "/ranking metric:equipment ranks allies by it."
    )
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("europe", "Did you mean Europe & Canada?"),
        ("EU", "the nearest NATO figure is European allies and Canada"),
        ("Kosovo", "SIPRI's Military Expenditure Database covers it."),
    ],
)
def test_country_dead_ends_point_somewhere(
    capsys: pytest.CaptureFixture[str], database: Path, typed: str, said: str
) -> None:
    code, _, err = run(capsys, database, "country", typed)
    assert code == 2 and said in err and len(err.strip().splitlines()) == 1
