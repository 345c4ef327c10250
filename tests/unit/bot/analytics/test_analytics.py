"""Analytics on the bundled dataset, checked against figures read straight from the CSV files.

Expected values are computed here from the CSV text with the csv module (and, where SOURCES.md
quotes NATO's own published list, against that list), never by calling the code under test.
"""

from __future__ import annotations

import math
import statistics
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bot import analytics
from bot.analytics import InvalidComparison, Metric, NoFigures
from bot.analytics.figure_notes import NOTES, Doubt, figure_note
from bot.errors import InvalidTarget, UnknownCountry, UnknownRelease, YearNotCovered
from bot.models import (
    Basis,
    Country,
    Dataset,
    Release,
    Snapshot,
    SpendingRecord,
)
from db.loader import load_bundled
from db.store import Store
from tests.support.oracle import (
    allies_of,
    cell,
    csv_rows,
    half_up,
    median_text,
    not_published,
    release_ids,
    release_years,
    shares,
    verdict,
    verdicts,
)
from tests.support.snapshots import bundled_snapshot, snapshot_of

# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def snap() -> Snapshot:
    return bundled_snapshot()


# --------------------------------------------------------------------------- rules


@given(st.lists(st.integers(min_value=0, max_value=6), max_size=40))
def test_competition_ranks_count_strictly_greater(values: list[int]) -> None:
    ordered = [Decimal(v) for v in sorted(values, reverse=True)]
    ranks = analytics.competition_ranks(ordered)
    assert ranks == [1 + sum(1 for w in ordered if w > v) for v in ordered]


@pytest.mark.parametrize("target", [0.49, 10.01, -2.0, math.nan, math.inf])
def test_targets_outside_half_to_ten_are_refused(snap: Snapshot, target: float) -> None:
    with pytest.raises(InvalidTarget):
        analytics.summary(snap, target=target)
    with pytest.raises(InvalidTarget):
        analytics.gap(snap, "ESP", target=target)


@pytest.mark.parametrize("target", [0.5, 2.5, 10.0])
def test_any_target_from_half_to_ten_is_accepted(snap: Snapshot, target: float) -> None:
    assert analytics.summary(snap, target=target).target == target


# --------------------------------------------------------------------------- summary


def test_summary_2024_06_matches_natos_published_list(snap: Snapshot) -> None:
    result = analytics.summary(snap, release_id="2024-06", year=2024, target=2)
    assert (result.release_id, result.basis, result.year) == ("2024-06", "total", 2024)
    assert len(result.allies) == 32
    assert result.assessed_count == 31
    assert [c.name for c in result.no_armed_forces] == ["Iceland"]
    assert result.not_published == ()
    assert len(result.meeting) == 23
    # SOURCES.md: NATO's list of the eight below 2% in 2024, highest first.
    assert [(s.country.name, s.share_rounded) for s in result.below] == [
        ("Croatia", 1.81),
        ("Portugal", 1.55),
        ("Italy", 1.49),
        ("Canada", 1.37),
        ("Belgium", 1.30),
        ("Luxembourg", 1.29),
        ("Slovenia", 1.29),
        ("Spain", 1.28),
    ]
    assert (result.meeting[0].country.name, result.meeting[0].share_rounded) == ("Poland", 4.12)
    usa = next(s for s in result.meeting if s.country.iso3 == "USA")
    assert usa.share_rounded == 3.38
    assert all(s.estimate for s in (*result.meeting, *result.below))  # 2024 is 'e' throughout


@pytest.mark.parametrize(
    ("release", "target"),
    [("2024-06", 2.0), ("2025-04", 2.0), ("2025-08", 2.0), ("2026-07", 3.5), ("2026-07", 2.0)],
)
def test_summary_meeting_and_below_match_the_csv(
    snap: Snapshot, release: str, target: float
) -> None:
    year = release_years(release)[-1]
    published = shares(release, year)
    goal = Decimal(str(target))
    expected_meeting = {iso for iso, text in published.items() if half_up(text) >= goal}

    result = analytics.summary(snap, release_id=release, year=year, target=target)

    assert {s.country.iso3 for s in result.meeting} == expected_meeting
    assert {s.country.iso3 for s in result.below} == set(published) - expected_meeting
    assert {c.iso3 for c in result.allies} == set(allies_of(year))
    with_forces = {i for i, m in allies_of(year).items() if m["has_armed_forces"] == "true"}
    assert {c.iso3 for c in result.not_published} == with_forces - set(published)
    for group in (result.meeting, result.below):
        keys = [s.share_rounded for s in group]
        assert keys == sorted(keys, reverse=True)
    median = statistics.median(Decimal(t) for t in published.values())
    assert result.median_share == pytest.approx(float(median))
    assert result.median_share_rounded == float(
        median.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    )


def test_slovakia_2024_at_exactly_two_meets_two(snap: Snapshot) -> None:
    assert half_up(cell("2024-06", "SVK", 2024, "pct_gdp")) == Decimal("2.00")
    result = analytics.summary(snap, release_id="2024-06", year=2024, target=2)
    assert "SVK" in {s.country.iso3 for s in result.meeting}


def test_unpublished_2025_estimates_are_listed_not_hidden(snap: Snapshot) -> None:
    result = analytics.summary(snap, release_id="2025-08", year=2025, target=2)
    missing = {c.iso3 for c in result.not_published}
    assert missing == set(allies_of(2025)) - {"ISL"} - set(shares("2025-08", 2025))
    # SOURCES.md names seven without a 2025e; the CSV does carry one for the Netherlands (2.5).
    assert missing <= {"DNK", "FIN", "SWE", "NLD", "SVK", "SVN", "MNE"}
    assert len(missing) >= 6
    assert result.assessed_count == 31 - len(missing)


@pytest.mark.parametrize(
    ("year", "allies", "not_yet"),
    [(2022, 30, {"FIN", "SWE"}), (2023, 31, {"SWE"}), (2024, 32, set())],
)
def test_summary_counts_the_allies_of_that_year(
    snap: Snapshot, year: int, allies: int, not_yet: set[str]
) -> None:
    result = analytics.summary(snap, release_id="2024-06", year=year)
    assert len(result.allies) == allies
    assert {c.iso3 for c in result.not_yet_allies} == not_yet


def test_summary_nato_aggregate_and_previous_year(snap: Snapshot) -> None:
    result = analytics.summary(snap, release_id="2024-06", year=2024, target=2)
    now = float(cell("2024-06", "NATO_TOTAL", 2024, "pct_gdp"))
    before = float(cell("2024-06", "NATO_TOTAL", 2023, "pct_gdp"))
    assert result.nato_total is not None
    assert result.nato_total.share == pytest.approx(now)
    assert result.europe_canada is not None
    assert result.europe_canada.share == pytest.approx(
        float(cell("2024-06", "NATO_EUR_CAN", 2024, "pct_gdp"))
    )
    prev = result.previous
    assert prev is not None
    assert prev.year == 2023
    assert prev.meeting_count == sum(
        1 for t in shares("2024-06", 2023).values() if half_up(t) >= Decimal(2)
    )
    assert prev.assessed_count == len(shares("2024-06", 2023))
    # On the shares as shown (2.71 and 2.53), not the unrounded ones (which differ by 0.19).
    shown_change = half_up(cell("2024-06", "NATO_TOTAL", 2024, "pct_gdp")) - half_up(
        cell("2024-06", "NATO_TOTAL", 2023, "pct_gdp")
    )
    assert prev.nato_total_change == float(shown_change) == 0.18
    assert round(now - before, 2) == 0.19


def test_summary_without_previous_year_in_release(snap: Snapshot) -> None:
    # The annual-report releases carry a single year.
    result = analytics.summary(snap, release_id="2025-04")
    assert result.year == 2024
    assert result.previous is None
    # The annual reports carry no aggregate rows.
    assert cell("2025-04", "NATO_TOTAL", 2024, "pct_gdp") == ""
    assert result.nato_total is None
    assert result.europe_canada is None


def test_alliance_money_gap_sums_each_below_allys_gap(snap: Snapshot) -> None:
    expected = 0.0
    for iso3, text in shares("2024-06", 2024).items():
        points = Decimal(2) - half_up(text)
        if points > 0:
            expected += float(points) / 100 * float(cell("2024-06", iso3, 2024, "gdp_usd_bn"))
    result = analytics.summary(snap, release_id="2024-06", year=2024, target=2)
    assert result.alliance_gap_usd_bn == pytest.approx(expected)
    assert result.gap_unknown == ()


def test_money_gap_unknown_where_release_has_no_gdp(snap: Snapshot) -> None:
    result = analytics.summary(snap, release_id="2025-08", year=2024, target=2)
    assert result.alliance_gap_usd_bn is None
    assert {c.iso3 for c in result.gap_unknown} == {s.country.iso3 for s in result.below}


def test_defaults_are_the_newest_release_and_its_latest_year(snap: Snapshot) -> None:
    newest = max(row["release"] for row in csv_rows("releases.csv"))
    result = analytics.summary(snap)
    assert result.release_id == newest
    assert result.year == release_years(newest)[-1]
    assert result.target == 2.0


def test_unknown_release_and_uncovered_year(snap: Snapshot) -> None:
    with pytest.raises(UnknownRelease) as unknown:
        analytics.summary(snap, release_id="2019-01")
    assert "2024-06" in unknown.value.known
    with pytest.raises(YearNotCovered) as uncovered:
        analytics.summary(snap, release_id="2024-06", year=2030)
    assert uncovered.value.years == release_years("2024-06")
    assert "2014–2024" in str(uncovered.value)


def test_results_are_frozen(snap: Snapshot) -> None:
    result = analytics.summary(snap)
    with pytest.raises(ValidationError):
        result.year = 1999  # type: ignore[misc]


# --------------------------------------------------------------------------- ranking


def test_share_ranking_2024_shares_ranks_on_displayed_value(snap: Snapshot) -> None:
    result = analytics.ranking(snap, metric=Metric.SHARE, release_id="2024-06", year=2024)
    assert [c.name for c in result.missing] == ["Iceland"]
    assert len(result.rows) == 31
    assert (result.rows[0].rank, result.rows[0].country.name) == (1, "Poland")
    by_name = {row.country.name: row for row in result.rows}
    assert by_name["Luxembourg"].rank == by_name["Slovenia"].rank == 29
    assert by_name["Spain"].rank == 31
    total = result.nato_total
    assert total is not None and total.code == "NATO_TOTAL"
    assert total.value == pytest.approx(float(cell("2024-06", "NATO_TOTAL", 2024, "pct_gdp")))
    assert total.value_rounded == float(half_up(cell("2024-06", "NATO_TOTAL", 2024, "pct_gdp")))


@pytest.mark.parametrize(
    ("release", "year"), [("2024-06", 2024), ("2024-06", 2014), ("2026-07", 2026)]
)
def test_ranking_nato_total_carries_natos_estimate_flag(
    snap: Snapshot, release: str, year: int
) -> None:
    result = analytics.ranking(snap, metric=Metric.SPENDING, release_id=release, year=year)
    total = result.nato_total
    assert total is not None
    assert total.estimate is (cell(release, "NATO_TOTAL", year, "estimate") == "true")
    assert total.value == pytest.approx(
        float(cell(release, "NATO_TOTAL", year, "spend_usd_m")) / 1000
    )


@pytest.mark.parametrize("metric", list(Metric))
@pytest.mark.parametrize("release", ["2024-06", "2025-08", "2026-07"])
def test_every_ranking_accounts_for_every_ally(
    snap: Snapshot, metric: Metric, release: str
) -> None:
    column = {
        Metric.SHARE: "pct_gdp",
        Metric.SPENDING: "spend_usd_m",
        Metric.EQUIPMENT: "equipment_pct",
        Metric.REAL_CHANGE: "real_change_pct",
        Metric.PER_CAPITA: "spend_per_capita_usd_2015",
    }[metric]
    for year in release_years(release)[-3:]:
        try:
            result = analytics.ranking(snap, metric=metric, release_id=release, year=year)
        except analytics.MetricNotPublished:
            assert not any(cell(r, i, year, column) for r in release_ids() for i in allies_of(year))
            continue
        used = result.release_id
        if used != release:
            # The release lacks the figure that year: the newest release that has it answers.
            assert not any(cell(release, i, year, column) for i in allies_of(year))
            assert result.instead_of == release
            later = release_ids()[release_ids().index(used) + 1 :]
            assert not any(cell(r, i, year, column) for r in later for i in allies_of(year))
        expected = {i for i in allies_of(year) if cell(used, i, year, column)}
        assert {r.country.iso3 for r in result.rows} == expected
        assert {c.iso3 for c in result.missing} == set(allies_of(year)) - expected
        values = [r.value_rounded for r in result.rows]
        assert values == sorted(values, reverse=True)
        assert [r.rank for r in result.rows] == [
            1 + sum(1 for v in values if v > mine) for mine in values
        ]


def test_ranking_metric_accepts_its_string_value(snap: Snapshot) -> None:
    result = analytics.ranking(snap, metric="spending", release_id="2026-07", year=2026)
    assert result.metric is Metric.SPENDING
    assert result.rows[0].country.iso3 == "USA"
    # Money is in USD bn everywhere; the release files hold spending in USD million.
    assert result.rows[0].value == pytest.approx(
        float(cell("2026-07", "USA", 2026, "spend_usd_m")) / 1000
    )
    assert result.metric.unit == "USD bn"
    assert all(m.label and m.unit for m in Metric)


# --------------------------------------------------------------------------- gap


def test_gap_not_at_this_pace_when_share_fell(snap: Snapshot) -> None:
    # Find, from the CSV, a below-2% ally whose share fell over the three years to 2024.
    falling = [
        iso3
        for iso3, text in shares("2024-06", 2024).items()
        if half_up(text) < 2 and float(text) <= float(cell("2024-06", iso3, 2021, "pct_gdp"))
    ]
    assert falling, "the bundled data should hold at least one such ally"
    for iso3 in falling:
        result = analytics.gap(snap, iso3, release_id="2024-06", year=2024)
        assert result.path is not None
        assert result.path.reach_year is None


async def test_gap_derives_gdp_from_spending_and_share(store: Store) -> None:
    # A dataset where one record gives spending and share but no GDP, as some sources do.
    base = load_bundled()
    records = tuple(
        r.model_copy(update={"gdp_usd_bn": None})
        if (r.release_id, r.iso3, r.year) == ("2024-06", "ESP", 2024)
        else r
        for r in base.records
    )
    await store.activate(
        base.model_copy(update={"records": records}), source="test", loaded_by="tests"
    )
    result = analytics.gap(store.snapshot, "ESP", release_id="2024-06", year=2024)
    spend = float(cell("2024-06", "ESP", 2024, "spend_usd_m"))
    share = float(cell("2024-06", "ESP", 2024, "pct_gdp"))
    assert result.gdp_derived
    assert result.gdp_usd_bn == pytest.approx(spend / 1000 / (share / 100))
    assert result.money_usd_bn == pytest.approx(0.72 / 100 * spend / 1000 / (share / 100))


def test_gap_for_iceland_explains_there_are_no_figures(snap: Snapshot) -> None:
    with pytest.raises(NoFigures, match="no armed forces"):
        analytics.gap(snap, "ISL", release_id="2024-06", year=2024)


def test_gap_for_unknown_code(snap: Snapshot) -> None:
    with pytest.raises(UnknownCountry):
        analytics.gap(snap, "XXX")


def test_gap_for_a_country_before_it_joined_says_so(snap: Snapshot) -> None:
    result = analytics.gap(snap, "SWE", release_id="2024-06", year=2022)
    assert result.is_ally is False


# --------------------------------------------------------------------------- profile


def test_profile_uses_latest_year_with_a_share(snap: Snapshot) -> None:
    assert cell("2025-08", "DNK", 2025, "pct_gdp") == ""
    result = analytics.profile(snap, "DNK", release_id="2025-08")
    assert result.year == 2024
    assert result.figures.share is not None


def test_profile_iceland_has_no_share(snap: Snapshot) -> None:
    result = analytics.profile(snap, "ISL", release_id="2024-06")
    assert result.figures.share is None
    assert result.figures.rank is None
    assert result.targets == ()
    assert result.series == ()
    assert result.figures.gdp_usd_bn == pytest.approx(
        float(cell("2024-06", "ISL", 2024, "gdp_usd_bn"))
    )


# --------------------------------------------------------------------------- compare


@pytest.mark.parametrize(
    "codes", [["POL"], ["POL", "POL"], ["POL", "DEU", "FRA", "ITA", "ESP", "PRT"]]
)
def test_compare_needs_two_to_five_distinct_allies(snap: Snapshot, codes: list[str]) -> None:
    with pytest.raises(InvalidComparison):
        analytics.compare(snap, codes)


# --------------------------------------------------------------------------- revisions


def _snapshot_of(shares_by_release: dict[str, tuple[Basis, dict[int, float]]]) -> Snapshot:
    """A one-ally dataset: release id -> (basis, year -> share)."""
    poland = Country(iso3="POL", name="Poland", joined="1999")
    releases = tuple(
        Release(release_id=rid, title=f"Release {rid}", published=rid, basis=basis)
        for rid, (basis, _) in shares_by_release.items()
    )
    records = tuple(
        SpendingRecord(release_id=rid, iso3="POL", year=year, pct_gdp=share)
        for rid, (_, by_year) in shares_by_release.items()
        for year, share in by_year.items()
    )
    dataset = Dataset(members=(poland,), releases=releases, records=records)
    return snapshot_of(dataset, {"poland": "POL"})


def test_revisions_include_a_release_that_left_the_ally_out(snap: Snapshot) -> None:
    result = analytics.revisions(snap, "DNK", year=2025)
    by_release = {r.release.release_id: r for r in result.rows}
    assert by_release["2025-08"].share is None
    assert by_release["2026-07"].share is not None


def test_revisions_for_uncovered_year_and_iceland(snap: Snapshot) -> None:
    with pytest.raises(NoFigures):
        analytics.revisions(snap, "POL", year=2040)
    with pytest.raises(NoFigures):
        analytics.revisions(snap, "ISL")


def test_snapshot_records_are_real_spending_records(snap: Snapshot) -> None:
    # Guards the oracle: the CSV and the loaded snapshot agree on how many rows there are.
    for release in (r["release"] for r in csv_rows("releases.csv")):
        loaded = list(snap.records[release].values())
        assert len(loaded) == len(csv_rows(f"{release}.csv"))
        assert all(isinstance(r, SpendingRecord) for r in loaded)


# --------------------------------------------------------------------------- every verdict

#: The named targets and two custom ones, as text for the oracle.
GRID_TARGETS = ("2", "3.5", "5", "2.5", "4.2")


@pytest.fixture(scope="module")
def every_summary(snap: Snapshot) -> dict[tuple[str, int, str], analytics.ComplianceSummary]:
    return {
        (rid, year, target): analytics.summary(
            snap, release_id=rid, year=year, target=float(target)
        )
        for rid in release_ids()
        for year in release_years(rid)
        for target in GRID_TARGETS
    }


def test_every_verdict_matches_the_csv(
    snap: Snapshot, every_summary: dict[tuple[str, int, str], analytics.ComplianceSummary]
) -> None:
    """Every release, year, ally and target: the summary's groups, each profile check and each
    gap say what the CSV text and NATO's rules say, and the 5% summary counts three groups."""
    checked = 0
    for (rid, year, target), result in every_summary.items():
        expected = verdicts(rid, year, target)
        got = {
            s.country.iso3: s.verdict.value for s in (*result.meeting, *result.open, *result.below)
        }
        assert got == expected, (rid, year, target)
        groups = {"meets": result.meeting, "open": result.open, "below": result.below}
        for name, group in groups.items():
            assert {s.country.iso3 for s in group} == {
                iso3 for iso3, v in expected.items() if v == name
            }, (rid, year, target, name)
        if target != "5":
            assert result.open == (), (rid, year, target)
        assert sorted(c.iso3 for c in result.not_published) == sorted(not_published(rid, year))
        checked += len(expected)
    assert checked > 5000


def test_five_percent_counts_and_shortfall_to_the_core_element(
    every_summary: dict[tuple[str, int, str], analytics.ComplianceSummary],
) -> None:
    for rid in release_ids():
        for year in release_years(rid):
            result = every_summary[(rid, year, "5")]
            expected = list(verdicts(rid, year, "5").values())
            counts = (len(result.meeting), len(result.open), len(result.below))
            assert counts == (
                expected.count("meets"),
                expected.count("open"),
                expected.count("below"),
            )
            assert result.shortfall_to == 3.5
            for ally in result.below:
                share = half_up(shares(rid, year)[ally.country.iso3])
                assert Decimal(str(ally.gap_points)) == Decimal("3.5") - share


def test_every_gap_and_profile_check_matches_the_csv(snap: Snapshot) -> None:
    for rid in release_ids():
        year = release_years(rid)[-1]
        for iso3, text in shares(rid, year).items():
            for target in GRID_TARGETS:
                result = analytics.gap(snap, iso3, release_id=rid, year=year, target=float(target))
                assert result.verdict.value == verdict(text, target), (rid, iso3, target)
        for iso3 in shares(rid, release_years(rid)[-1]):
            profile = analytics.profile(snap, iso3, release_id=rid)
            last = cell(rid, iso3, profile.year, "pct_gdp")
            assert [c.verdict.value for c in profile.targets] == [
                verdict(last, t) for t in ("2", "3.5", "5")
            ]


def test_summary_2026_at_two_is_a_plain_count(snap: Snapshot) -> None:
    result = analytics.summary(snap, release_id="2026-07", year=2026, target=2)
    expected = verdicts("2026-07", 2026, "2")
    assert (len(result.meeting), result.assessed_count) == (
        list(expected.values()).count("meets"),
        len(expected),
    )
    assert (len(result.meeting), result.assessed_count) == (30, 31)


def test_median_is_exact_decimal(snap: Snapshot) -> None:
    result = analytics.summary(snap, release_id="2024-03", year=2023)
    assert Decimal(str(result.median_share_rounded)) == median_text("2024-03", 2023)
    assert result.median_share_rounded == 1.74  # exactly 1.735: floats gave 1.73
    for rid in release_ids():
        for year in release_years(rid):
            got = analytics.summary(snap, release_id=rid, year=year).median_share_rounded
            assert Decimal(str(got)) == median_text(rid, year), (rid, year)


def test_tied_allies_share_a_number(snap: Snapshot) -> None:
    result = analytics.summary(snap, release_id="2025-08", year=2025, target=2)
    by_share: dict[Decimal, set[int]] = {}
    for ally in result.meeting:
        by_share.setdefault(half_up(shares("2025-08", 2025)[ally.country.iso3]), set()).add(
            ally.rank
        )
    assert all(len(ranks) == 1 for ranks in by_share.values())
    assert any(len([a for a in result.meeting if a.rank == r]) > 1 for r in (1, 12, 16, 19))


def test_slovenia_2026_below_the_core_element_does_not_meet_five(snap: Snapshot) -> None:
    result = analytics.gap(snap, "SVN", release_id="2026-07", year=2026, target=5)
    share = half_up(cell("2026-07", "SVN", 2026, "pct_gdp"))
    assert share < Decimal("3.5")
    assert result.verdict is analytics.Verdict.BELOW
    assert result.standing is analytics.Standing.CORE_ELEMENT_NOT_MET
    assert Decimal(str(result.points)) == Decimal("3.5") - share


def test_pace_and_reach_year_agree_with_the_published_shares(snap: Snapshot) -> None:
    result = analytics.gap(snap, "ESP", release_id="2024-06", year=2024, target=2)
    now, then = (
        half_up(cell("2024-06", "ESP", 2024, "pct_gdp")),
        half_up(cell("2024-06", "ESP", 2021, "pct_gdp")),
    )
    path = result.path
    assert path is not None and path.pace_per_year is not None
    shown_pace = half_up(str((now - then) / 3))
    assert Decimal(str(path.pace_per_year)) == shown_pace
    gap = Decimal(2) - now
    assert path.reach_year == 2024 + math.ceil(gap / shown_pace)


def test_no_projection_past_2050_and_tiny_paces(snap: Snapshot) -> None:
    slow = _snapshot_of({"2024-06": ("total", {2021: 1.00, 2024: 1.03})})
    path = analytics.gap(slow, "POL", target=2).path
    assert path is not None
    assert path.reach_year is None and path.no_reach is analytics.NoReach.AFTER_LIMIT
    tiny = _snapshot_of({"2024-06": ("total", {2021: 1.99, 2024: 1.99 + 0.01})})
    path = analytics.gap(tiny, "POL", target=2.02).path
    assert path is not None and path.pace_per_year == 0.0 and path.pace_positive


def test_a_year_before_the_latest_shows_later_years_not_a_projection(snap: Snapshot) -> None:
    result = analytics.gap(snap, "ESP", release_id="2025-08", year=2024, target=2)
    assert result.path is not None
    later = {p.year: Decimal(str(p.share_rounded)) for p in result.path.later}
    assert later == {2025: half_up(cell("2025-08", "ESP", 2025, "pct_gdp"))}
    assert result.path.reach_year is None


def test_points_and_money_agree_for_any_target(snap: Snapshot) -> None:
    result = analytics.gap(snap, "SVK", release_id="2024-06", year=2024, target=2.005)
    assert result.target == 2.01  # targets are taken to two decimals, like shares
    share = half_up(cell("2024-06", "SVK", 2024, "pct_gdp"))
    points = Decimal("2.01") - share
    assert Decimal(str(result.points)) == points
    assert result.money_usd_bn == pytest.approx(
        float(points) / 100 * float(cell("2024-06", "SVK", 2024, "gdp_usd_bn"))
    )


def test_revisions_poland_2024_one_measure_every_release(snap: Snapshot) -> None:
    result = analytics.revisions(snap, "POL", year=2024)
    published = [
        (rid, half_up(cell(rid, "POL", 2024, "pct_gdp")))
        for rid in release_ids()
        if cell(rid, "POL", 2024, "pct_gdp")
    ]
    assert [(r.release.release_id, Decimal(str(r.share_rounded))) for r in result.rows] == published
    steps = [
        (c.before.release.release_id, c.after.release.release_id, Decimal(str(c.points)))
        for c in result.changes
    ]
    assert steps == [(a[0], b[0], b[1] - a[1]) for a, b in pairwise(published)]
    assert ("2025-08", "2026-07", Decimal("-0.04")) in steps  # 3.79 -> 3.75
    assert result.renamed_in is not None and result.renamed_in.release_id == "2026-07"


def test_no_pledge_before_accession(snap: Snapshot) -> None:
    result = analytics.gap(snap, "SWE", release_id="2024-06", year=2020, target=2)
    assert not result.is_ally and result.path is None
    comparison = analytics.compare(snap, ["SWE", "POL"], release_id="2024-06", year=2020)
    assert comparison.rows[0].check is None and comparison.rows[1].check is not None


def test_lithuania_footnote_in_2018_and_2021(snap: Snapshot) -> None:
    for rid in release_ids():
        for year in release_years(rid):
            notes = analytics.summary(snap, release_id=rid, year=year).footnotes
            assert (analytics.Footnote.LITHUANIA_OECD_GDP in notes) == (year in {2018, 2021})


def test_no_figure_error_names_the_nearest(snap: Snapshot) -> None:
    # Denmark's 2025 estimate was not found in the press reports of 2025-08.
    assert cell("2025-08", "DNK", 2025, "pct_gdp") == ""
    assert cell("2025-08", "DNK", 2024, "pct_gdp") != ""
    with pytest.raises(NoFigures, match="nearest in this release: 2024"):
        analytics.gap(snap, "DNK", release_id="2025-08", year=2025)
    with pytest.raises(YearNotCovered, match="it covers only 2023"):
        analytics.summary(snap, release_id="2024-03", year=2024)


def test_sourcing_names_press_and_extraction_rows(snap: Snapshot) -> None:
    press = analytics.summary(snap, release_id="2025-08", year=2025)
    assert press.sourcing is not None and "press" in press.sourcing.provenances
    table = analytics.summary(snap, release_id="2024-06", year=2024)
    assert table.sourcing is None


# --------------------------------------------------------------------------- no dead ends


def test_ranking_lowest_first_ranks_from_the_bottom(snap: Snapshot) -> None:
    highest = analytics.ranking(snap, release_id="2024-06", year=2024)
    lowest = analytics.ranking(snap, release_id="2024-06", year=2024, order="lowest")
    assert lowest.order is analytics.Order.LOWEST
    values = [r.value_rounded for r in lowest.rows]
    assert values == sorted(values)
    assert {r.country.iso3 for r in lowest.rows} == {r.country.iso3 for r in highest.rows}
    assert [r.rank for r in lowest.rows] == [1 + sum(v < mine for v in values) for mine in values]


@pytest.mark.parametrize("target", [2.0, 3.5, 5.0])
@pytest.mark.parametrize("order", ["highest", "lowest"])
def test_ranking_target_line_splits_at_the_rounded_share(
    snap: Snapshot, target: float, order: str
) -> None:
    result = analytics.ranking(snap, release_id="2024-06", year=2024, order=order, target=target)
    published = shares("2024-06", 2024)
    at_or_above = sum(1 for text in published.values() if half_up(text) >= Decimal(str(target)))
    expected = at_or_above if order == "highest" else len(published) - at_or_above
    assert result.rows_before_line == expected
    assert result.target == target
    # Only share rankings get a line.
    other = analytics.ranking(snap, metric="spending", release_id="2024-06", target=target)
    assert other.target is None and other.rows_before_line is None


def test_ranking_without_the_metric_uses_the_newest_release_that_has_it(snap: Snapshot) -> None:
    newest = release_ids()[-1]
    assert not any(cell(newest, i, y, "spend_per_capita_usd_2015") for i in allies_of(2026)
                   for y in release_years(newest))  # fmt: skip
    result = analytics.ranking(snap, metric="per_capita")
    assert (result.release_id, result.instead_of) == ("2024-06", newest)
    assert result.year == release_years("2024-06")[-1]
    asked = analytics.ranking(snap, metric="per_capita", release_id="2025-08", year=2020)
    assert (asked.release_id, asked.year, asked.instead_of) == ("2024-06", 2020, "2025-08")
    with pytest.raises(analytics.MetricNotPublished) as raised:
        analytics.ranking(snap, metric="per_capita", year=2026)
    assert raised.value.releases == {"2024-06": release_years("2024-06")}
    # A release that has the metric is ranked as asked, and says nothing about another.
    own = analytics.ranking(snap, metric="share", release_id="2025-08")
    assert own.instead_of is None and own.release_id == "2025-08"


@pytest.mark.parametrize("code", ["NATO_TOTAL", "NATO_EUR_CAN"])
def test_aggregates_have_a_profile_and_compare_with_allies(snap: Snapshot, code: str) -> None:
    profile = analytics.profile(snap, code, release_id="2024-06", year=2019)
    assert analytics.is_aggregate(profile.country)
    assert profile.figures.share_rounded == float(half_up(cell("2024-06", code, 2019, "pct_gdp")))
    assert profile.figures.rank is None
    assert [p.year for p in profile.series] == release_years("2024-06")
    comparison = analytics.compare(snap, ["POL", code], release_id="2024-06", year=2024, target=3.5)
    row = comparison.rows[1]
    assert row.check is not None
    assert row.check.difference_points == float(
        half_up(cell("2024-06", code, 2024, "pct_gdp")) - Decimal("3.5")
    )


def test_profile_of_a_year_the_release_does_not_cover(snap: Snapshot) -> None:
    with pytest.raises(YearNotCovered):
        analytics.profile(snap, "POL", release_id="2024-06", year=2025)


@pytest.mark.parametrize("target", ["2", "3.5", "5"])
def test_newly_meeting_and_the_first_to_meet_follow_the_release_file(
    snap: Snapshot, target: str
) -> None:
    """Issue 19.4: for every release-year, who did not meet the target a year earlier and does
    now (for 5%, from open too), who no longer does, and whether no ally ever met it before."""
    for rid in release_ids():
        years = release_years(rid)
        for year in years:
            if year - 1 not in years:
                continue
            result = analytics.summary(snap, release_id=rid, year=year, target=float(target))
            assert result.previous is not None
            before, now = verdicts(rid, year - 1, target), verdicts(rid, year, target)
            both = sorted((snap.countries[c].name, before[c], now[c]) for c in now if c in before)
            assert [c.name for c in result.previous.newly_meeting] == [
                name for name, was, is_ in both if was != "meets" and is_ == "meets"
            ], (rid, year)
            assert [c.name for c in result.previous.no_longer_meeting] == [
                name for name, was, is_ in both if was == "meets" and is_ != "meets"
            ], (rid, year)
            earlier = [v for y in years if y < year for v in verdicts(rid, y, target).values()]
            assert result.previous.first_to_meet is ("meets" not in earlier), (rid, year)


def test_estonia_and_lithuania_are_the_first_at_5_percent(snap: Snapshot) -> None:
    result = analytics.summary(snap, release_id="2026-07", year=2026, target=5)
    assert result.previous is not None
    assert [c.iso3 for c in result.previous.newly_meeting] == ["EST", "LTU"]
    assert result.previous.first_to_meet
    assert verdicts("2026-07", 2025, "5")["LTU"] == "open"  # open to meeting counts


def test_a_target_taken_to_two_decimals_keeps_what_was_asked(snap: Snapshot) -> None:
    result = analytics.summary(snap, target=2.005)
    assert (result.target, result.target_asked) == (2.01, 2.005)
    assert analytics.summary(snap, target=2.01).target_asked is None
    assert analytics.gap(snap, "ESP", target=3.499).target_asked == 3.499
    assert analytics.compare(snap, ["ESP", "POL"], target=2.0).target_asked is None


def test_every_figure_note_is_of_a_bundled_figure_and_lapses_when_it_changes(
    snap: Snapshot,
) -> None:
    """Issue 19.3: the data notes' doubted figures (SOURCES.md), each still in the release file
    as noted; a corrected figure is no longer doubted."""
    for (rid, iso3, year), (value, note) in NOTES.items():
        rec = snap.record(rid, iso3, year)
        assert rec is not None and rec.pct_gdp is not None
        assert half_up(cell(rid, iso3, year, "pct_gdp")) == half_up(str(value)), (rid, iso3)
        assert figure_note(rec) == note
        assert figure_note(rec.model_copy(update={"pct_gdp": value + 0.01})) is None
    assert NOTES[("2025-08", "NLD", 2025)][1].decimals == 1
    assert NOTES[("2025-08", "DEU", 2025)][1].doubt is Doubt.MAY_BE_UNPUBLISHED
    assert figure_note(snap.record("2026-07", "DEU", 2025)) is None
