"""What the bot computes from NATO's figures: compliance, rankings, gaps, profiles, revisions.

Every function here is pure: it takes a ``Snapshot`` (the active dataset) and parameters and
returns a frozen pydantic result. No I/O, no discord, no SQL. Renderers (``bot.render``) turn the
results into embeds, terminal tables and charts.

Domain rules kept here, in one place:
- compliance is judged as NATO does, on the share rounded half-up to two decimals;
- an ally counts from its accession year; Iceland (no armed forces) is listed, not assessed;
- every result names its release, that release's basis (total / core) and the year, and every
  figure carries NATO's estimate flag;
- each target has its own basis (2%: total, 3.5%: core, 5%: total plus defence-related) and
  deadline (2%: 2024, 3.5% and 5%: 2035). A share on another basis is judged for what it can
  prove (``BasisFit``, ``Verdict``): core <= total, so reaching 2% on core proves 2% is met,
  but falling short on core proves nothing.
"""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Literal

from bot.errors import (
    InvalidTarget,
    UnknownCountry,
    UnknownRelease,
    UserFacingError,
    YearNotCovered,
)
from bot.models import (
    HAGUE_TARGET_YEAR,
    MAX_TARGET,
    MIN_TARGET,
    NATO_EUR_CAN,
    NATO_TOTAL,
    Basis,
    Country,
    FrozenModel,
    Release,
    Snapshot,
    SpendingRecord,
)

#: 2014 Wales guideline, % of GDP (NATO's total defence expenditure).
WALES_TARGET = 2.0
#: Hague 2025 commitment: core defence expenditure by 2035, % of GDP.
HAGUE_CORE_TARGET = 3.5
#: Hague 2025 total: 3.5 core + 1.5 defence-related, % of GDP.
HAGUE_TOTAL_TARGET = 5.0
#: Share of defence expenditure to spend on major equipment incl. related R&D, %.
EQUIPMENT_GUIDELINE = 20.0
#: The targets a profile is checked against.
NAMED_TARGETS: tuple[float, ...] = (WALES_TARGET, HAGUE_CORE_TARGET, HAGUE_TOTAL_TARGET)
#: Wales 2014: allies agreed to move towards 2% "within a decade", i.e. by 2024.
WALES_TARGET_YEAR = 2024
#: The year each standard target is to be met by. Custom targets have none agreed.
TARGET_YEARS: dict[float, int] = {
    WALES_TARGET: WALES_TARGET_YEAR,
    HAGUE_CORE_TARGET: HAGUE_TARGET_YEAR,
    HAGUE_TOTAL_TARGET: HAGUE_TARGET_YEAR,
}
#: The deadline assumed for a custom target (said so in replies).
DEFAULT_TARGET_YEAR = HAGUE_TARGET_YEAR

#: What a target is measured on. 5% counts total defence spending plus the 1.5% of
#: defence-related spending (infrastructure, resilience, industry) that NATO does not publish.
TargetBasis = Literal["core", "total", "total_and_related"]
TARGET_BASES: dict[float, TargetBasis] = {
    WALES_TARGET: "total",
    HAGUE_CORE_TARGET: "core",
    HAGUE_TOTAL_TARGET: "total_and_related",
}
#: Each basis contains the one before it: core <= total <= total + defence-related.
_BASIS_RANK: dict[str, int] = {"core": 0, "total": 1, "total_and_related": 2}

#: Years over which an ally's recent pace of change is averaged.
PACE_YEARS = 3
#: A pace that needs longer than this to reach a target is "not at this pace": extrapolating a
#: three-year trend further says nothing.
PACE_HORIZON_YEARS = 50
MIN_COMPARE = 2
MAX_COMPARE = 5

_CENT = Decimal("0.01")


# --------------------------------------------------------------------------- errors


class NoFigures(UserFacingError):
    """The asked-for ally has no published share where one is needed (e.g. Iceland)."""


class InvalidComparison(UserFacingError):
    """A comparison needs 2 to 5 distinct allies."""

    def __init__(self, count: int) -> None:
        self.count = count
        super().__init__(
            f"Compare needs {MIN_COMPARE} to {MAX_COMPARE} different allies; got {count}."
        )


# --------------------------------------------------------------------------- rules


@functools.cache  # a dataset holds ~1,300 distinct figures; Decimal is immutable
def round_half_up(value: float, places: int = 2) -> Decimal:
    """NATO's presentation rounding: 1.995 -> 2.00 (not banker's rounding, not binary artefacts)."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def rounded_share(share: float) -> float:
    """The two-decimal share NATO publishes and judges compliance on."""
    return float(round_half_up(share))


def meets(share: float, target: float) -> bool:
    return round_half_up(share) >= Decimal(str(target))


def _points_below(share: float, target: float) -> float:
    """Target minus the rounded share (negative = surplus), exact to the cent."""
    return float(Decimal(str(target)) - round_half_up(share))


def validate_target(target: float) -> float:
    if not (math.isfinite(target) and MIN_TARGET <= target <= MAX_TARGET):
        raise InvalidTarget(target)
    return float(target)


def target_name(target: float) -> str:
    """How a target is called: '2% (Wales 2014 guideline)', or just '2.5%' for a custom one."""
    names = {
        WALES_TARGET: "Wales 2014 guideline",
        HAGUE_CORE_TARGET: "Hague 2025, core by 2035",
        HAGUE_TOTAL_TARGET: "Hague 2025 total by 2035",
    }
    label = f"{target:g}%"
    return f"{label} ({names[target]})" if target in names else label


def target_basis(target: float) -> TargetBasis | None:
    """What a standard target is measured on; None for a custom target."""
    return TARGET_BASES.get(target)


def target_year(target: float) -> tuple[int, bool]:
    """The year ``target`` is to be met by, and whether that year was agreed (False = assumed)."""
    if target in TARGET_YEARS:
        return TARGET_YEARS[target], True
    return DEFAULT_TARGET_YEAR, False


class BasisFit(StrEnum):
    """How a release's share relates to what a target is measured on."""

    #: The release publishes the target's own basis: the share settles it.
    SAME = "same"
    #: A custom target: judged on the release's own basis, which the reply names.
    CUSTOM = "custom"
    #: The share is part of what the target counts (core vs 2%, anything vs 5%): reaching the
    #: target on it proves the target is met; falling short proves nothing.
    PART = "part"
    #: The share counts more than the target does (total vs 3.5% core): falling short on it
    #: proves the target is missed; reaching it proves nothing.
    MORE = "more"


def basis_fit(basis: Basis, target: float) -> BasisFit:
    wanted = target_basis(target)
    if wanted is None:
        return BasisFit.CUSTOM
    if wanted == basis:
        return BasisFit.SAME
    return BasisFit.PART if _BASIS_RANK[basis] < _BASIS_RANK[wanted] else BasisFit.MORE


class Verdict(StrEnum):
    """Whether a target is met on its own basis, as far as the release can tell."""

    MEETS = "meets"
    BELOW = "below"
    #: The release's basis cannot settle it (see ``BasisFit``).
    UNKNOWN = "unknown"


def verdict(meets_on_release: bool, fit: BasisFit) -> Verdict:
    """What reaching (or not) the target on the release's basis proves on the target's basis."""
    if fit is BasisFit.PART and not meets_on_release:
        return Verdict.UNKNOWN
    if fit is BasisFit.MORE and meets_on_release:
        return Verdict.UNKNOWN
    return Verdict.MEETS if meets_on_release else Verdict.BELOW


# --------------------------------------------------------------------------- models


class _Result(FrozenModel):
    """What every result carries: the release (id, title, published, basis) and the year."""

    release: Release
    year: int

    @property
    def release_id(self) -> str:
        return self.release.release_id

    @property
    def basis(self) -> Basis:
        return self.release.basis


class AllyShare(FrozenModel):
    """One ally's share in a summary, judged against the summary's target."""

    country: Country
    share: float
    share_rounded: float
    estimate: bool
    #: Points below the target (0 when it meets it), on the rounded share.
    gap_points: float
    #: USD bn those points are worth; None when at/above target or GDP is unknown.
    gap_usd_bn: float | None


class AggregateShare(FrozenModel):
    """NATO's own aggregate row (all allies, or European allies and Canada)."""

    code: str
    share: float
    share_rounded: float
    estimate: bool


class PreviousYear(FrozenModel):
    """The same summary one year earlier, in the same release."""

    year: int
    allies_count: int
    assessed_count: int
    meeting_count: int
    nato_total: AggregateShare | None
    #: Change of NATO's aggregate share from the previous year, points, on the rounded shares
    #: (None if either is missing).
    nato_total_change: float | None


class ComplianceSummary(_Result):
    target: float
    #: How the release's basis relates to the target's: what ``meeting`` and ``below`` prove.
    fit: BasisFit
    #: Allies of that year (Finland from 2023, Sweden from 2024), by name.
    allies: tuple[Country, ...]
    #: Members of today's alliance not yet allies in that year (not counted).
    not_yet_allies: tuple[Country, ...]
    #: Allies without armed forces (Iceland): listed, not assessed.
    no_armed_forces: tuple[Country, ...]
    #: Allies with armed forces whose share this release does not publish for that year.
    not_published: tuple[Country, ...]
    #: Allies at or above the target, share descending.
    meeting: tuple[AllyShare, ...]
    #: Allies below the target, share descending.
    below: tuple[AllyShare, ...]
    nato_total: AggregateShare | None
    europe_canada: AggregateShare | None
    #: Median share of the assessed allies, and as shown (rounded half-up, two decimals).
    median_share: float | None
    median_share_rounded: float | None
    previous: PreviousYear | None
    #: Sum over below-target allies of their gap in USD bn (None if no GDP is known for any).
    alliance_gap_usd_bn: float | None
    #: Below-target allies left out of the money gap because their GDP is unknown.
    gap_unknown: tuple[Country, ...]

    @property
    def assessed_count(self) -> int:
        return len(self.meeting) + len(self.below)

    @property
    def meeting_verdict(self) -> Verdict:
        """What reaching the target on this release's basis proves."""
        return verdict(True, self.fit)

    @property
    def below_verdict(self) -> Verdict:
        """What falling short on this release's basis proves."""
        return verdict(False, self.fit)


class Metric(StrEnum):
    SHARE = "share"
    SPENDING = "spending"
    EQUIPMENT = "equipment"
    REAL_CHANGE = "real_change"
    PER_CAPITA = "per_capita"

    @property
    def label(self) -> str:
        return _METRIC_INFO[self][0]

    @property
    def unit(self) -> str:
        return _METRIC_INFO[self][1]

    @property
    def decimals(self) -> int:
        """Places shown, and the precision ties are judged on."""
        return _METRIC_INFO[self][2]

    def value_of(self, record: SpendingRecord) -> float | None:
        _, _, _, name, scale = _METRIC_INFO[self]
        value: float | None = getattr(record, name)
        return None if value is None else value * scale


# label, unit, decimals, SpendingRecord field, scale (spending is kept in USD million but
# shown in USD bn, like every other sum of money the bot shows)
_METRIC_INFO: dict[Metric, tuple[str, str, int, str, float]] = {
    Metric.SHARE: ("Defence spending, % of GDP", "% of GDP", 2, "pct_gdp", 1),
    Metric.SPENDING: ("Defence spending, USD bn", "USD bn", 2, "spend_usd_m", 1e-3),
    Metric.EQUIPMENT: (
        "Major equipment, % of defence spending",
        "% of defence spending",
        2,
        "equipment_pct",
        1,
    ),
    Metric.REAL_CHANGE: ("Real change on previous year, %", "%", 2, "real_change_pct", 1),
    Metric.PER_CAPITA: (
        "Defence spending per head, USD at 2015 prices",
        "USD, 2015 prices",
        0,
        "spend_per_capita_usd_2015",
        1,
    ),
}


class RankingRow(FrozenModel):
    #: Competition rank on the displayed (rounded) value: 1, 2, 2, 4.
    rank: int
    country: Country
    value: float
    #: The value as displayed, rounded half-up to ``metric.decimals``.
    value_rounded: float
    estimate: bool


class AggregateValue(FrozenModel):
    """NATO's own aggregate row for a ranking's metric, on the release's basis."""

    code: str
    value: float
    #: The value as displayed, rounded half-up to ``metric.decimals``.
    value_rounded: float
    estimate: bool


class Ranking(_Result):
    metric: Metric
    rows: tuple[RankingRow, ...]
    #: Allies of that year for whom this release publishes no such figure (Iceland among them).
    missing: tuple[Country, ...]
    #: NATO's own all-allies figure for the metric, when published.
    nato_total: AggregateValue | None


class PathToTarget(FrozenModel):
    """How an ally below a target (on the release's basis) gets there, at its recent pace."""

    #: The year the target is to be met by: 2024 for 2%, 2035 for 3.5% and 5%.
    deadline: int
    #: False for a custom target: no deadline was agreed, ``DEFAULT_TARGET_YEAR`` is assumed.
    deadline_agreed: bool
    #: Years from the figures to the deadline; 0 or less once the deadline has come.
    years_left: int
    #: Points a year needed to close the gap by the deadline (None once it has passed).
    yearly_rise_needed: float | None
    #: Average change a year over the last three years (None if a year is missing).
    pace_per_year: float | None
    pace_from_year: int
    #: Year the target is reached at that pace (may be after the deadline); None = not at this
    #: pace: falling, flat, or more than ``PACE_HORIZON_YEARS`` away.
    reach_year: int | None

    @property
    def overdue(self) -> bool:
        """The figures' year is the deadline or later, and the target is not reached."""
        return self.years_left <= 0


class Gap(_Result):
    country: Country
    is_ally: bool
    target: float
    #: How the release's basis relates to the target's.
    fit: BasisFit
    share: float
    share_rounded: float
    estimate: bool
    #: Reaches the target on the release's own basis.
    meets: bool
    #: Whether that settles the target on its own basis.
    verdict: Verdict
    #: Distance to the target on the rounded share: shortfall if below, surplus if it meets it.
    points: float
    #: USD bn the ``points`` are worth (the shortfall, or the surplus); None when GDP is unknown.
    money_usd_bn: float | None
    #: Why ``money_usd_bn`` is None.
    money_unknown_reason: str | None
    gdp_usd_bn: float | None
    #: True when GDP was derived as spending ÷ share (the release gives no GDP).
    gdp_derived: bool
    #: How to get there (None when it meets the target on the release's basis).
    path: PathToTarget | None

    @property
    def exactly_at_target(self) -> bool:
        """The rounded share is the target itself: it meets it, with nothing to spare."""
        return self.points == 0


class TargetCheck(FrozenModel):
    target: float
    #: How the release's basis relates to the target's.
    fit: BasisFit
    #: Reaches the target on the release's own basis.
    meets: bool
    #: Whether that settles the target on its own basis.
    verdict: Verdict
    #: Rounded share minus target: negative = below.
    difference_points: float


class SeriesPoint(FrozenModel):
    year: int
    share: float
    #: The share as NATO publishes it, rounded half-up to two decimals.
    share_rounded: float
    estimate: bool


class AllyFigures(FrozenModel):
    """Every figure one release publishes for one ally-year, plus its rank by share."""

    country: Country
    year: int
    is_ally: bool
    estimate: bool
    share: float | None
    share_rounded: float | None
    #: Defence spending, USD bn (the release files hold USD million).
    spend_usd_bn: float | None
    gdp_usd_bn: float | None
    gdp_derived: bool
    equipment_pct: float | None
    #: Meets the 20% equipment guideline (None if not published).
    meets_equipment: bool | None
    personnel_k: float | None
    spend_per_capita_usd_2015: float | None
    real_change_pct: float | None
    #: Rank by share among assessed allies that year (None when not assessed).
    rank: int | None
    assessed_count: int


class Profile(_Result):
    """One ally in the latest year it has a share in the release (``year``)."""

    figures: AllyFigures
    #: 2%, 3.5% and 5% (empty when there is no share).
    targets: tuple[TargetCheck, ...]
    #: Share over the years of this release, ascending.
    series: tuple[SeriesPoint, ...]

    @property
    def country(self) -> Country:
        return self.figures.country


class ComparisonRow(FrozenModel):
    figures: AllyFigures
    #: On the release's own basis; None when no share is published.
    meets: bool | None
    #: Whether that settles the target on its own basis; None when no share is published.
    verdict: Verdict | None
    #: Rounded share minus target (None when no share).
    difference_points: float | None


class Comparison(_Result):
    target: float
    fit: BasisFit
    #: In the order asked.
    rows: tuple[ComparisonRow, ...]


class RevisionRow(FrozenModel):
    release: Release
    share: float | None
    share_rounded: float | None
    estimate: bool


class RevisionChange(FrozenModel):
    """How far one basis's figure moved from its first release to its last."""

    basis: Basis
    first: RevisionRow
    last: RevisionRow
    #: ``last`` minus ``first``, rounded shares.
    points: float


class Revisions(FrozenModel):
    """One ally-year as each loaded release that covers the year published it."""

    country: Country
    year: int
    #: Oldest release first.
    rows: tuple[RevisionRow, ...]

    @property
    def published_rows(self) -> tuple[RevisionRow, ...]:
        return tuple(r for r in self.rows if r.share is not None)

    @property
    def bases(self) -> tuple[Basis, ...]:
        """The bases of the rows, in order of first appearance."""
        return tuple(dict.fromkeys(r.release.basis for r in self.rows))

    @property
    def changes(self) -> tuple[RevisionChange, ...]:
        """Newest minus oldest published share, per basis with at least two published rows.

        Never across bases: core is a narrower measure than total, so a step from a total to a
        core release is mostly the change of definition, not a revision.
        """
        out = []
        for basis in self.bases:
            shown = [r for r in self.published_rows if r.release.basis == basis]
            if len(shown) < 2:
                continue
            first, last = shown[0], shown[-1]
            assert first.share_rounded is not None and last.share_rounded is not None
            points = Decimal(str(last.share_rounded)) - Decimal(str(first.share_rounded))
            out.append(RevisionChange(basis=basis, first=first, last=last, points=float(points)))
        return tuple(out)


# --------------------------------------------------------------------------- helpers


def _release(snap: Snapshot, release_id: str | None) -> Release:
    if release_id is None:
        return snap.newest_release
    try:
        return snap.releases[release_id]
    except KeyError:
        raise UnknownRelease(release_id, list(snap.releases)) from None


def _year(snap: Snapshot, release: Release, year: int | None) -> int:
    years = snap.years(release.release_id)
    if year is None:
        if not years:
            raise YearNotCovered(release.release_id, 0, years)
        return years[-1]
    if year not in years:
        raise YearNotCovered(release.release_id, year, years)
    return year


def _country(snap: Snapshot, iso3: str) -> Country:
    try:
        return snap.countries[iso3.upper()]
    except KeyError:
        raise UnknownCountry(iso3, []) from None


def _share(snap: Snapshot, release_id: str, iso3: str, year: int) -> float | None:
    rec = snap.record(release_id, iso3, year)
    return None if rec is None else rec.pct_gdp


def _gdp_bn(rec: SpendingRecord | None) -> tuple[float | None, bool]:
    """GDP in USD bn, and whether it was derived (spending ÷ share)."""
    if rec is None:
        return None, False
    if rec.gdp_usd_bn is not None:
        return rec.gdp_usd_bn, False
    if rec.spend_usd_m is not None and rec.pct_gdp:
        return rec.spend_usd_m / 1000 / (rec.pct_gdp / 100), True
    return None, False


def _aggregate(snap: Snapshot, release_id: str, code: str, year: int) -> AggregateShare | None:
    rec = snap.record(release_id, code, year)
    if rec is None or rec.pct_gdp is None:
        return None
    return AggregateShare(
        code=code,
        share=rec.pct_gdp,
        share_rounded=rounded_share(rec.pct_gdp),
        estimate=rec.estimate,
    )


def _aggregate_value(
    snap: Snapshot, release_id: str, code: str, year: int, metric: Metric
) -> AggregateValue | None:
    rec = snap.record(release_id, code, year)
    value = None if rec is None else metric.value_of(rec)
    if rec is None or value is None:
        return None
    return AggregateValue(
        code=code,
        value=value,
        value_rounded=float(round_half_up(value, metric.decimals)),
        estimate=rec.estimate,
    )


def _assessed(snap: Snapshot, release_id: str, year: int) -> list[tuple[Country, SpendingRecord]]:
    """Allies of the year with armed forces and a published share."""
    out = []
    for country in snap.allies_in(year):
        rec = snap.record(release_id, country.iso3, year)
        if country.has_armed_forces and rec is not None and rec.pct_gdp is not None:
            out.append((country, rec))
    return out


def competition_ranks(values: Sequence[Decimal]) -> list[int]:
    """'1, 2, 2, 4' ranks for values already sorted descending."""
    ranks: list[int] = []
    for i, value in enumerate(values):
        ranks.append(ranks[-1] if i and value == values[i - 1] else i + 1)
    return ranks


def _share_rank(snap: Snapshot, release_id: str, iso3: str, year: int) -> tuple[int | None, int]:
    assessed = _assessed(snap, release_id, year)
    mine = next((rec for c, rec in assessed if c.iso3 == iso3), None)
    if mine is None or mine.pct_gdp is None:
        return None, len(assessed)
    own = round_half_up(mine.pct_gdp)
    higher = sum(1 for _, rec in assessed if rec.pct_gdp and round_half_up(rec.pct_gdp) > own)
    return higher + 1, len(assessed)


def _by_share_desc(item: AllyShare) -> tuple[float, float, str]:
    return (-item.share_rounded, -item.share, item.country.name)


def _money_note(release: Release, country: Country, rec: SpendingRecord | None) -> str:
    if rec is None:
        return f"Release {release.release_id} publishes nothing for {country.name} that year."
    return (
        f"Release {release.release_id} publishes neither GDP nor US-dollar spending for "
        f"{country.name}, so the gap cannot be put in dollars."
    )


# --------------------------------------------------------------------------- queries


def summary(
    snap: Snapshot,
    *,
    release_id: str | None = None,
    year: int | None = None,
    target: float = WALES_TARGET,
) -> ComplianceSummary:
    """Who meets ``target`` in ``year`` according to one release."""
    target = validate_target(target)
    release = _release(snap, release_id)
    year = _year(snap, release, year)
    rid = release.release_id

    allies = snap.allies_in(year)
    no_forces = tuple(c for c in allies if not c.has_armed_forces)
    not_published: list[Country] = []
    meeting: list[AllyShare] = []
    below: list[AllyShare] = []
    gap_unknown: list[Country] = []
    gap_total: float | None = None
    for country in allies:
        if not country.has_armed_forces:
            continue
        rec = snap.record(rid, country.iso3, year)
        if rec is None or rec.pct_gdp is None:
            not_published.append(country)
            continue
        points = max(0.0, _points_below(rec.pct_gdp, target))
        money: float | None = None
        if points > 0:
            gdp, _ = _gdp_bn(rec)
            if gdp is None:
                gap_unknown.append(country)
            else:
                money = points / 100 * gdp
                gap_total = (gap_total or 0.0) + money
        item = AllyShare(
            country=country,
            share=rec.pct_gdp,
            share_rounded=rounded_share(rec.pct_gdp),
            estimate=rec.estimate,
            gap_points=points,
            gap_usd_bn=money,
        )
        (meeting if meets(rec.pct_gdp, target) else below).append(item)

    shares = [s.share for s in (*meeting, *below)]
    median = statistics.median(shares) if shares else None
    return ComplianceSummary(
        release=release,
        year=year,
        target=target,
        fit=basis_fit(release.basis, target),
        allies=tuple(allies),
        not_yet_allies=tuple(c for c in snap.countries.values() if not c.is_ally_in(year)),
        no_armed_forces=no_forces,
        not_published=tuple(not_published),
        meeting=tuple(sorted(meeting, key=_by_share_desc)),
        below=tuple(sorted(below, key=_by_share_desc)),
        nato_total=_aggregate(snap, rid, NATO_TOTAL, year),
        europe_canada=_aggregate(snap, rid, NATO_EUR_CAN, year),
        median_share=median,
        median_share_rounded=None if median is None else rounded_share(median),
        previous=_previous_year(snap, release, year, target),
        alliance_gap_usd_bn=gap_total,
        gap_unknown=tuple(gap_unknown),
    )


def _previous_year(
    snap: Snapshot, release: Release, year: int, target: float
) -> PreviousYear | None:
    prev = year - 1
    rid = release.release_id
    if prev not in snap.years(rid):
        return None
    assessed = _assessed(snap, rid, prev)
    now_total = _aggregate(snap, rid, NATO_TOTAL, year)
    prev_total = _aggregate(snap, rid, NATO_TOTAL, prev)
    change = None
    if now_total is not None and prev_total is not None:
        # On the shares as published (two decimals), so it is the difference a reader sees.
        change = float(round_half_up(now_total.share) - round_half_up(prev_total.share))
    return PreviousYear(
        year=prev,
        allies_count=len(snap.allies_in(prev)),
        assessed_count=len(assessed),
        meeting_count=sum(1 for _, rec in assessed if rec.pct_gdp and meets(rec.pct_gdp, target)),
        nato_total=prev_total,
        nato_total_change=change,
    )


def ranking(
    snap: Snapshot,
    *,
    metric: Metric | str = Metric.SHARE,
    release_id: str | None = None,
    year: int | None = None,
) -> Ranking:
    """Allies of ``year`` ranked by ``metric``, highest first; those without the figure apart."""
    metric = Metric(metric)
    release = _release(snap, release_id)
    year = _year(snap, release, year)
    rid = release.release_id

    scored: list[tuple[Decimal, float, Country, bool]] = []
    missing: list[Country] = []
    for country in snap.allies_in(year):
        rec = snap.record(rid, country.iso3, year)
        value = None if rec is None else metric.value_of(rec)
        if rec is None or value is None:
            missing.append(country)
            continue
        scored.append((round_half_up(value, metric.decimals), value, country, rec.estimate))
    scored.sort(key=lambda s: (-s[0], -s[1], s[2].name))
    ranks = competition_ranks([s[0] for s in scored])
    return Ranking(
        release=release,
        year=year,
        metric=metric,
        rows=tuple(
            RankingRow(
                rank=rank,
                country=country,
                value=value,
                value_rounded=float(shown),
                estimate=estimate,
            )
            for rank, (shown, value, country, estimate) in zip(ranks, scored, strict=True)
        ),
        missing=tuple(missing),
        nato_total=_aggregate_value(snap, rid, NATO_TOTAL, year, metric),
    )


def gap(
    snap: Snapshot,
    iso3: str,
    *,
    release_id: str | None = None,
    year: int | None = None,
    target: float = WALES_TARGET,
) -> Gap:
    """How far one ally is from ``target``, in points and dollars, and its path to the target's
    deadline (overdue once the deadline has come)."""
    target = validate_target(target)
    country = _country(snap, iso3)
    release = _release(snap, release_id)
    year = _year(snap, release, year)
    rid = release.release_id
    rec = snap.record(rid, country.iso3, year)
    if rec is None or rec.pct_gdp is None:
        raise NoFigures(_no_share_message(release, country, year))

    below_by = _points_below(rec.pct_gdp, target)
    is_met = below_by <= 0
    points = abs(below_by)
    gdp, derived = _gdp_bn(rec)
    money = None if gdp is None else points / 100 * gdp
    fit = basis_fit(release.basis, target)
    return Gap(
        release=release,
        year=year,
        country=country,
        is_ally=country.is_ally_in(year),
        target=target,
        fit=fit,
        share=rec.pct_gdp,
        share_rounded=rounded_share(rec.pct_gdp),
        estimate=rec.estimate,
        meets=is_met,
        verdict=verdict(is_met, fit),
        points=points,
        money_usd_bn=money,
        money_unknown_reason=None if gdp is not None else _money_note(release, country, rec),
        gdp_usd_bn=gdp,
        gdp_derived=derived,
        path=None if is_met else _path(snap, rid, country.iso3, year, target, points),
    )


def _no_share_message(release: Release, country: Country, year: int) -> str:
    if not country.has_armed_forces:
        return f"{country.name} has no armed forces; NATO reports no defence spending for it."
    return f"Release {release.release_id} publishes no share of GDP for {country.name} in {year}."


def _path(
    snap: Snapshot, rid: str, iso3: str, year: int, target: float, points: float
) -> PathToTarget:
    deadline, agreed = target_year(target)
    years_left = deadline - year
    now = _share(snap, rid, iso3, year)
    then = _share(snap, rid, iso3, year - PACE_YEARS)
    pace = None if now is None or then is None else (now - then) / PACE_YEARS
    reach = None
    if pace is not None and pace > 0:
        # A tiny tolerance so 0.6 / 0.2 counts as 3 years, not 4.
        years_to_go = math.ceil(points / pace - 1e-9)
        reach = year + years_to_go if years_to_go <= PACE_HORIZON_YEARS else None
    return PathToTarget(
        deadline=deadline,
        deadline_agreed=agreed,
        years_left=years_left,
        yearly_rise_needed=points / years_left if years_left > 0 else None,
        pace_per_year=pace,
        pace_from_year=year - PACE_YEARS,
        reach_year=reach,
    )


def _figures(snap: Snapshot, release: Release, country: Country, year: int) -> AllyFigures:
    rid = release.release_id
    rec = snap.record(rid, country.iso3, year)
    gdp, derived = _gdp_bn(rec)
    rank, assessed = _share_rank(snap, rid, country.iso3, year)
    share = None if rec is None else rec.pct_gdp
    equipment = None if rec is None else rec.equipment_pct
    return AllyFigures(
        country=country,
        year=year,
        is_ally=country.is_ally_in(year),
        estimate=False if rec is None else rec.estimate,
        share=share,
        share_rounded=None if share is None else rounded_share(share),
        spend_usd_bn=None if rec is None or rec.spend_usd_m is None else rec.spend_usd_m / 1000,
        gdp_usd_bn=gdp,
        gdp_derived=derived,
        equipment_pct=equipment,
        meets_equipment=None if equipment is None else meets(equipment, EQUIPMENT_GUIDELINE),
        personnel_k=None if rec is None else rec.personnel_k,
        spend_per_capita_usd_2015=None if rec is None else rec.spend_per_capita_usd_2015,
        real_change_pct=None if rec is None else rec.real_change_pct,
        rank=rank if country.is_ally_in(year) else None,
        assessed_count=assessed,
    )


def _target_checks(
    share: float | None, basis: Basis, targets: Iterable[float]
) -> tuple[TargetCheck, ...]:
    if share is None:
        return ()
    checks = []
    for target in targets:
        fit = basis_fit(basis, target)
        reached = meets(share, target)
        checks.append(
            TargetCheck(
                target=target,
                fit=fit,
                meets=reached,
                verdict=verdict(reached, fit),
                difference_points=-_points_below(share, target),
            )
        )
    return tuple(checks)


def profile(snap: Snapshot, iso3: str, *, release_id: str | None = None) -> Profile:
    """One ally at a glance: its latest figures in the release and its share over time."""
    country = _country(snap, iso3)
    release = _release(snap, release_id)
    rid = release.release_id
    series = tuple(
        SeriesPoint(
            year=r.year,
            share=r.pct_gdp,
            share_rounded=rounded_share(r.pct_gdp),
            estimate=r.estimate,
        )
        for r in snap.series(rid, country.iso3)
        if r.pct_gdp is not None
    )
    year = series[-1].year if series else _year(snap, release, None)
    figures = _figures(snap, release, country, year)
    return Profile(
        release=release,
        year=year,
        figures=figures,
        targets=_target_checks(figures.share, release.basis, NAMED_TARGETS),
        series=series,
    )


def compare(
    snap: Snapshot,
    iso3s: Sequence[str],
    *,
    release_id: str | None = None,
    year: int | None = None,
    target: float = WALES_TARGET,
) -> Comparison:
    """2 to 5 allies side by side in one release-year."""
    target = validate_target(target)
    countries = list({c.iso3: c for c in (_country(snap, code) for code in iso3s)}.values())
    if not MIN_COMPARE <= len(countries) <= MAX_COMPARE:
        raise InvalidComparison(len(countries))
    release = _release(snap, release_id)
    year = _year(snap, release, year)
    rows = []
    for country in countries:
        figures = _figures(snap, release, country, year)
        check = _target_checks(figures.share, release.basis, (target,))
        rows.append(
            ComparisonRow(
                figures=figures,
                meets=check[0].meets if check else None,
                verdict=check[0].verdict if check else None,
                difference_points=check[0].difference_points if check else None,
            )
        )
    return Comparison(
        release=release,
        year=year,
        target=target,
        fit=basis_fit(release.basis, target),
        rows=tuple(rows),
    )


def _revisions_year(snap: Snapshot, country: Country) -> int:
    """The latest year with a change to show: published twice on one basis (changes are never
    taken across bases), else twice on any basis, else published at all."""
    published: dict[tuple[int, Basis], int] = {}  # (year, basis) -> releases giving a share
    for rid, release in snap.releases.items():
        for rec in snap.series(rid, country.iso3):
            if rec.pct_gdp is not None:
                key = (rec.year, release.basis)
                published[key] = published.get(key, 0) + 1
    if not published:
        raise NoFigures(f"No loaded release publishes a share of GDP for {country.name}.")
    by_year: dict[int, int] = {}
    for (year, _), count in published.items():
        by_year[year] = by_year.get(year, 0) + count
    same_basis = [year for (year, _), count in published.items() if count >= 2]
    any_basis = [year for year, count in by_year.items() if count >= 2]
    return max(same_basis or any_basis or by_year)


def revisions(snap: Snapshot, iso3: str, *, year: int | None = None) -> Revisions:
    """How each loaded release published one ally-year, oldest release first."""
    country = _country(snap, iso3)
    if year is None:
        year = _revisions_year(snap, country)
    rows = []
    for rid, release in snap.releases.items():
        if year not in snap.years(rid):
            continue
        found = snap.record(rid, country.iso3, year)
        share = None if found is None else found.pct_gdp
        rows.append(
            RevisionRow(
                release=release,
                share=share,
                share_rounded=None if share is None else rounded_share(share),
                estimate=False if found is None else found.estimate,
            )
        )
    if not rows:
        covered = sorted({y for rid in snap.releases for y in snap.years(rid)})
        span = f"{covered[0]}–{covered[-1]}" if covered else "no years"
        raise NoFigures(f"No loaded release covers {year}; together they cover {span}.")
    return Revisions(country=country, year=year, rows=tuple(rows))
