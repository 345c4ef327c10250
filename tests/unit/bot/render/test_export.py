"""The CSV export (bot.render.csv_export): every table it writes, checked against the bundled CSV
text read with the csv module, for every release and year."""

from __future__ import annotations

import csv
import io
import itertools
from decimal import Decimal

import pytest

from bot import analytics
from bot.analytics import Metric
from bot.models import Snapshot
from bot.render import csv_export
from tests.support.oracle import (
    allies_of,
    csv_rows,
    half_up,
    names,
    not_published,
    release_ids,
    release_years,
    verdicts,
)
from tests.support.snapshots import bundled_snapshot

RELEASE_YEARS = [(r, y) for r in release_ids() for y in release_years(r)]


@pytest.fixture(scope="module")
def snap() -> Snapshot:
    return bundled_snapshot()


def parsed(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """(comment lines, data rows) of an exported file, as a reader that skips '#' lines sees it."""
    lines = text.splitlines()
    comments = [line[2:] for line in lines if line.startswith("# ")]
    data = [line for line in lines if not line.startswith("#")]
    return comments, list(csv.DictReader(io.StringIO("\n".join(data))))


def source_row(release: str, iso3: str, year: int) -> dict[str, str]:
    return next(
        r for r in csv_rows(f"{release}.csv") if r["iso3"] == iso3 and int(r["year"]) == year
    )


def provenance(release: str, iso3: str, year: int) -> str:
    # Release files without the column are NATO's own table.
    return source_row(release, iso3, year).get("provenance") or "table"


def title(release: str) -> str:
    return next(r["title"] for r in csv_rows("releases.csv") if r["release"] == release)


@pytest.mark.parametrize(("release", "year"), RELEASE_YEARS)
@pytest.mark.parametrize("target", ["2", "3.5", "5"])
def test_summary_has_every_ally_of_the_year_as_the_release_gives_it(
    snap: Snapshot, release: str, year: int, target: str
) -> None:
    result = analytics.summary(snap, release_id=release, year=year, target=float(target))
    comments, rows = parsed(csv_export.to_csv(result, snap))
    assert any(line.startswith(f"Release {release}: ") for line in comments)
    assert any(line.startswith(f"Source: NATO, {title(release)}") for line in comments)
    by_code = {row["iso3"]: row for row in rows}
    allies = allies_of(year)
    assert set(by_code) == set(allies) | (set(by_code) & {"NATO_TOTAL", "NATO_EUR_CAN"})
    expected = verdicts(release, year, target)
    for iso3, verdict in expected.items():
        row = by_code[iso3]
        source = source_row(release, iso3, year)
        assert row["status"] == verdict, iso3
        assert row["ally"] == names()[iso3]
        assert Decimal(row["share_as_released"]) == Decimal(source["pct_gdp"])
        assert row["share_pct_gdp"] == str(half_up(source["pct_gdp"]))
        assert row["estimate"] == source["estimate"]
        assert row["provenance"] == provenance(release, iso3, year)
        assert (row["release"], row["year"], row["target_pct_gdp"]) == (
            release,
            str(year),
            target,
        )
        floor = Decimal("3.5") if target == "5" else Decimal(target)
        gap = max(Decimal(0), floor - half_up(source["pct_gdp"])) if verdict == "below" else 0
        assert Decimal(row["gap_points"]) == gap
    for iso3 in not_published(release, year):
        assert by_code[iso3]["status"] == "not_published"
        assert by_code[iso3]["share_pct_gdp"] == ""
    for iso3, member in allies.items():
        if member["has_armed_forces"] == "false":
            assert by_code[iso3]["status"] == "no_armed_forces"


def test_summary_gap_in_dollars_is_the_points_of_gdp(snap: Snapshot) -> None:
    result = analytics.summary(snap, release_id="2024-06", year=2024, target=2)
    _, rows = parsed(csv_export.to_csv(result, snap))
    spain = next(row for row in rows if row["iso3"] == "ESP")
    source = source_row("2024-06", "ESP", 2024)
    expected = (Decimal(2) - half_up(source["pct_gdp"])) / 100 * Decimal(source["gdp_usd_bn"])
    assert abs(Decimal(spain["gap_usd_bn"]) - expected) < Decimal("0.000001")
    assert spain["basis"] == "total"


def test_summary_says_where_press_figures_came_from(snap: Snapshot) -> None:
    result = analytics.summary(snap, release_id="2025-08", year=2025, target=2)
    comments, rows = parsed(csv_export.to_csv(result, snap))
    assert "2025 figures from press reports of the release" in comments
    assert {row["provenance"] for row in rows if row["status"] in {"meets", "below"}} == {"press"}
    assert any(line.startswith("provenance: table = NATO's own table") for line in comments)


@pytest.mark.parametrize("metric", list(Metric))
@pytest.mark.parametrize("release", release_ids())
def test_ranking_lists_every_ally_once_with_its_published_value(
    snap: Snapshot, metric: Metric, release: str
) -> None:
    result = analytics.ranking(snap, metric=metric, release_id=release)
    # A release without the metric is answered from the newest that has it, and says so.
    answered, year = result.release_id, result.year
    comments, rows = parsed(csv_export.to_csv(result, snap))
    assert {row["release"] for row in rows} == {answered}
    if answered != release:
        assert any(line.startswith(f"Release {release} publishes no") for line in comments)
    allies = [row for row in rows if row["status"] != "aggregate"]
    assert sorted(row["iso3"] for row in allies) == sorted(allies_of(year))
    for row in allies:
        if row["status"] == "not_published":
            assert row["value"] == row["rank"] == ""
            continue
        record = snap.record(answered, row["iso3"], year)
        assert record is not None
        assert float(row["value_as_released"]) == pytest.approx(metric.value_of(record))
        assert row["estimate"] == source_row(answered, row["iso3"], year)["estimate"]
    ranks = [int(row["rank"]) for row in allies if row["rank"]]
    assert ranks == sorted(ranks) and (not ranks or ranks[0] == 1)


def test_ranking_lowest_first_keeps_that_order(snap: Snapshot) -> None:
    result = analytics.ranking(
        snap, metric=Metric.SHARE, release_id="2024-06", year=2024, order=analytics.Order.LOWEST
    )
    comments, rows = parsed(csv_export.to_csv(result, snap))
    assert comments[0].endswith(", lowest first")
    shares = [Decimal(row["value"]) for row in rows if row["status"] == "ranked"]
    assert shares == sorted(shares) and len(shares) == 31


def test_ranking_spending_is_in_billions_without_noise(snap: Snapshot) -> None:
    result = analytics.ranking(snap, metric=Metric.SPENDING, release_id="2024-06", year=2024)
    _, rows = parsed(csv_export.to_csv(result, snap))
    usa = next(row for row in rows if row["iso3"] == "USA")
    million = Decimal(source_row("2024-06", "USA", 2024)["spend_usd_m"])
    assert Decimal(usa["value_as_released"]) == million / 1000
    nato = next(row for row in rows if row["status"] == "aggregate")
    assert nato["iso3"] == "NATO_TOTAL" and nato["ally"] == "NATO as a whole"


def test_compare_keeps_the_order_asked_and_every_figure(snap: Snapshot) -> None:
    result = analytics.compare(snap, ["POL", "DEU", "ISL"], release_id="2024-06", target=3.5)
    comments, rows = parsed(csv_export.to_csv(result, snap))
    assert [row["iso3"] for row in rows] == ["POL", "DEU", "ISL"]
    poland = source_row("2024-06", "POL", 2024)
    assert rows[0]["share_pct_gdp"] == str(half_up(poland["pct_gdp"]))
    assert rows[0]["verdict"] == "meets" and rows[1]["verdict"] == "below"
    assert Decimal(rows[0]["spending_usd_bn"]) == Decimal(poland["spend_usd_m"]) / 1000
    assert Decimal(rows[0]["personnel_k"]) == Decimal(poland["personnel_k"])
    assert rows[2]["share_pct_gdp"] == rows[2]["verdict"] == ""  # Iceland: no armed forces
    assert any("3.5%" in line for line in comments)


def test_revisions_one_row_per_release_with_the_change(snap: Snapshot) -> None:
    result = analytics.revisions(snap, "POL", year=2024)
    comments, rows = parsed(csv_export.to_csv(result, snap))
    covering = [r for r in release_ids() if 2024 in release_years(r)]
    assert [row["release"] for row in rows] == covering
    shares = [half_up(source_row(r, "POL", 2024)["pct_gdp"]) for r in covering]
    assert [Decimal(row["share_pct_gdp"]) for row in rows] == shares
    changes = [""] + [str(after - before) for before, after in itertools.pairwise(shares)]
    assert [row["change_points"] for row in rows] == changes
    assert [row["provenance"] for row in rows] == [provenance(r, "POL", 2024) for r in covering]
    assert rows[-1]["basis"] == "core"
    assert any("core defence expenditure" in line for line in comments)


def test_file_names_say_the_question(snap: Snapshot) -> None:
    summary = analytics.summary(snap, release_id="2024-06", year=2024, target=3.5)
    ranking = analytics.ranking(snap, metric=Metric.PER_CAPITA, release_id="2024-06")
    compare = analytics.compare(snap, ["POL", "DEU"], release_id="2024-06", year=2024)
    revisions = analytics.revisions(snap, "POL", year=2024)
    assert csv_export.filename(summary) == "summary-2024-06-2024-target-3.5.csv"
    assert csv_export.filename(ranking) == "ranking-per-capita-2024-06-2024.csv"
    assert csv_export.filename(compare) == "compare-pol-deu-2024-06-2024.csv"
    assert csv_export.filename(revisions) == "revisions-pol-2024.csv"


def test_a_result_with_no_table_is_refused(snap: Snapshot) -> None:
    result = analytics.gap(snap, "ESP", release_id="2024-06", year=2024, target=2)
    with pytest.raises(TypeError, match="no CSV export for Gap"):
        csv_export.to_csv(result, snap)
    with pytest.raises(TypeError, match="no CSV export for Gap"):
        csv_export.filename(result)


def test_cells_carry_no_binary_noise_or_negative_zero() -> None:
    assert csv_export._cell(0.1 + 0.2) == "0.3"
    assert csv_export._cell(-0.0) == "0" and csv_export._cell(1e-7) == "0.0000001"
    assert csv_export._cell(True) == "true" and csv_export._cell(None) == ""
    assert csv_export._cell(967707.0 * 1e-3) == "967.707"
    assert csv_export._cell(4.0) == "4"


def test_the_longest_question_fits_a_custom_id(snap: Snapshot) -> None:
    from bot.views.export import CUSTOM_ID_LIMIT, ExportButton, answer

    codes = ["POL", "DEU", "FRA", "GBR", "MKD"]
    result = analytics.compare(snap, codes, release_id="2024-06", year=2024, target=3.25)
    button = ExportButton.of(result)
    assert button.item.custom_id == "export:compare:2024-06/2024/3.25/POL,DEU,FRA,GBR,MKD"
    assert len(button.item.custom_id or "") <= CUSTOM_ID_LIMIT
    assert answer(snap, button.command, button.question) == result
