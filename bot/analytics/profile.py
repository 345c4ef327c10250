"""/country and /compare: an ally's figures for one year, and its targets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from bot.analytics._common import (
    Result,
    assessed,
    dec,
    gdp_bn,
    release_of,
    round_half_up,
    rounded_share,
    sourcing,
    subject_of,
    year_of,
)
from bot.analytics.figure_notes import FigureNote, figure_note
from bot.analytics.targets import (
    EQUIPMENT,
    GDP_TARGETS,
    WALES,
    Verdict,
    judge,
    shortfall_to,
    taken_from,
    validate_target,
)
from bot.errors import UserFacingError
from bot.models import Country, FrozenModel, Release, Snapshot

MIN_COMPARE = 2
MAX_COMPARE = 5


class InvalidComparison(UserFacingError):
    """A comparison needs 2 to 5 distinct allies."""

    def __init__(self, count: int) -> None:
        self.count = count
        super().__init__(
            f"Compare needs {MIN_COMPARE} to {MAX_COMPARE} different allies; got {count}."
        )


class TargetCheck(FrozenModel):
    target: float
    verdict: Verdict
    #: What ``difference_points`` is measured to: the target, or 3.5% for 5% unless met.
    measured_to: float
    #: Rounded share minus ``measured_to``: negative = below.
    difference_points: float


class SeriesPoint(FrozenModel):
    year: int
    share: float
    #: The share as NATO publishes it, rounded half-up to two decimals.
    share_rounded: float
    estimate: bool
    #: False for a year before the ally joined (NATO publishes Finland's figures from 2014).
    is_ally: bool = True
    #: What the data notes doubt about the share (a single press report, say).
    note: FigureNote | None = None


class AllyFigures(FrozenModel):
    """Every figure one release publishes for one ally-year, plus its rank by share.

    ``estimate`` marks every one of them: NATO's ``e`` is set per ally-year."""

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
    #: What the data notes doubt about the share (a single press report, say).
    note: FigureNote | None = None


class Profile(Result):
    """One ally in the latest year it has a share in the release (``year``)."""

    figures: AllyFigures
    #: 2%, 3.5% and 5% (empty when there is no share or it was not yet an ally).
    targets: tuple[TargetCheck, ...]
    #: Share over the years of this release, ascending.
    series: tuple[SeriesPoint, ...]

    @property
    def country(self) -> Country:
        return self.figures.country

    @property
    def joined_within_series(self) -> int | None:
        """The year the ally joined, when the series has years from before it (Finland 2023,
        Sweden 2024): those years are of a country not yet an ally."""
        if any(not p.is_ally for p in self.series):
            return self.country.accession_year
        return None


class ComparisonRow(FrozenModel):
    figures: AllyFigures
    #: None when no share is published, or the ally had not joined yet.
    check: TargetCheck | None


class Comparison(Result):
    target: float
    #: The target as asked, when it was taken to two decimals to be ``target`` (2.005).
    target_asked: float | None = None
    #: In the order asked.
    rows: tuple[ComparisonRow, ...]

    @property
    def all_estimates(self) -> bool:
        return all(row.figures.estimate for row in self.rows)


def check(share: float, target: float) -> TargetCheck:
    published = round_half_up(share)
    verdict = judge(published, target)
    to = target if verdict is Verdict.MEETS else shortfall_to(target)
    return TargetCheck(
        target=target,
        verdict=verdict,
        measured_to=to,
        difference_points=float(published - dec(to)),
    )


def _share_rank(snap: Snapshot, release_id: str, iso3: str, year: int) -> tuple[int | None, int]:
    found = assessed(snap, release_id, year)
    mine = next((rec for c, rec in found if c.iso3 == iso3), None)
    if mine is None or mine.pct_gdp is None:
        return None, len(found)
    own = round_half_up(mine.pct_gdp)
    higher = sum(1 for _, rec in found if rec.pct_gdp and round_half_up(rec.pct_gdp) > own)
    return higher + 1, len(found)


def figures(snap: Snapshot, release: Release, country: Country, year: int) -> AllyFigures:
    rid = release.release_id
    rec = snap.record(rid, country.iso3, year)
    gdp, derived = gdp_bn(rec)
    rank, count = _share_rank(snap, rid, country.iso3, year)
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
        meets_equipment=None
        if equipment is None
        else round_half_up(equipment) >= Decimal(str(EQUIPMENT.value)),
        personnel_k=None if rec is None else rec.personnel_k,
        spend_per_capita_usd_2015=None if rec is None else rec.spend_per_capita_usd_2015,
        real_change_pct=None if rec is None else rec.real_change_pct,
        rank=rank if country.is_ally_in(year) else None,
        assessed_count=count,
        note=figure_note(rec),
    )


def _checks(fig: AllyFigures, targets: Iterable[float]) -> tuple[TargetCheck, ...]:
    if fig.share is None or not fig.is_ally:
        return ()  # no pledge statements for a year before the ally joined
    return tuple(check(fig.share, t) for t in targets)


def profile(
    snap: Snapshot, iso3: str, *, release_id: str | None = None, year: int | None = None
) -> Profile:
    """One ally (or one of NATO's aggregates) at a glance: its figures in ``year`` (default: the
    latest with a share) of the release, and its share over time."""
    country = subject_of(snap, iso3)
    release = release_of(snap, release_id)
    rid = release.release_id
    series = tuple(
        SeriesPoint(
            year=r.year,
            share=r.pct_gdp,
            share_rounded=rounded_share(r.pct_gdp),
            estimate=r.estimate,
            is_ally=country.is_ally_in(r.year),
            note=figure_note(r),
        )
        for r in snap.series(rid, country.iso3)
        if r.pct_gdp is not None
    )
    if year is not None:
        year = year_of(snap, release, year)
    else:
        year = series[-1].year if series else year_of(snap, release, None)
    fig = figures(snap, release, country, year)
    return Profile(
        release=release,
        year=year,
        sourcing=sourcing(year, [snap.record(rid, country.iso3, year)]),
        figures=fig,
        targets=_checks(fig, (t.value for t in GDP_TARGETS)),
        series=series,
    )


def compare(
    snap: Snapshot,
    iso3s: Sequence[str],
    *,
    release_id: str | None = None,
    year: int | None = None,
    target: float = WALES.value,
) -> Comparison:
    """2 to 5 allies side by side in one release-year."""
    asked, target = target, validate_target(target)
    countries = list({c.iso3: c for c in (subject_of(snap, code) for code in iso3s)}.values())
    if not MIN_COMPARE <= len(countries) <= MAX_COMPARE:
        raise InvalidComparison(len(countries))
    release = release_of(snap, release_id)
    year = year_of(snap, release, year)
    rows = []
    for country in countries:
        fig = figures(snap, release, country, year)
        found = _checks(fig, (target,))
        rows.append(ComparisonRow(figures=fig, check=found[0] if found else None))
    records = [snap.record(release.release_id, c.iso3, year) for c in countries]
    return Comparison(
        release=release,
        year=year,
        sourcing=sourcing(year, records),
        target=target,
        target_asked=taken_from(asked, target),
        rows=tuple(rows),
    )
