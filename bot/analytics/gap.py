"""/gap: how far one ally is from a target, in points and dollars, and its way there.

Every number a reply shows is computed from the two-decimal shares it shows, so they agree on
screen: the gap, the pace (the change of the published share over three years, itself shown to
two decimals), the reach year (gap ÷ that pace) and the yearly rise needed.
"""

from __future__ import annotations

import math
from decimal import Decimal
from enum import StrEnum

from bot.analytics._common import (
    NoFigures,
    Result,
    country_of,
    dec,
    gdp_bn,
    half_up,
    no_share_message,
    release_of,
    round_half_up,
    sourcing,
    year_of,
)
from bot.analytics.figure_notes import FigureNote, figure_note
from bot.analytics.targets import (
    WALES,
    Pledge,
    Verdict,
    horizon,
    judge,
    named,
    shortfall_to,
    taken_from,
    validate_target,
)
from bot.models import Country, FrozenModel, Snapshot

#: Years over which an ally's recent pace of change is averaged.
PACE_YEARS = 3
#: No projection goes past this year: a three-year trend says nothing about later.
PROJECTION_LIMIT = 2050


class Standing(StrEnum):
    """Where a share stands against a target, and why."""

    MEETS = "meets"
    EXACTLY = "exactly"
    BELOW = "below"
    #: 5%: below 3.5%, so the core element is not met.
    CORE_ELEMENT_NOT_MET = "core_element_not_met"
    #: 5%: at or above 3.5%; the up-to-1.5% defence-related part is not published.
    REST_NOT_PUBLISHED = "rest_not_published"


class NoReach(StrEnum):
    """Why a path gives no year the target would be reached."""

    #: No published share three years earlier.
    PACE_UNKNOWN = "pace_unknown"
    #: The share fell or stayed flat.
    NOT_RISING = "not_rising"
    #: The year would be after ``PROJECTION_LIMIT``.
    AFTER_LIMIT = "after_limit"


class LaterYear(FrozenModel):
    """A later year of the same release, shown instead of a projection."""

    year: int
    share_rounded: float
    estimate: bool
    verdict: Verdict


class PathToTarget(FrozenModel):
    """How an ally below a target (or its core element) gets there."""

    #: What the path leads to: the target, or 3.5% for 5%.
    to: float
    #: What the target was in the figures' year (aim, yearly commitment, due by a year).
    pledge: Pledge
    #: The year a rise is needed by (2035 for the Hague targets; assumed for a custom one).
    horizon: int | None
    horizon_agreed: bool
    years_left: int | None
    #: Points a year to close the gap by ``horizon``, to two decimals (0.00 = less than 0.01).
    yearly_rise_needed: float | None
    #: Average change a year over the last three years of published shares, to two decimals
    #: (0.00 with ``pace_positive`` = rising by less than 0.01 a year).
    pace_per_year: float | None
    pace_positive: bool
    pace_from_year: int
    pace_from_share: float | None
    #: Year the target is reached at that pace; None: see ``no_reach``.
    reach_year: int | None
    no_reach: NoReach | None
    #: When the figures' year is not the release's latest: the later years it publishes,
    #: shown instead of a pace and a projection.
    later: tuple[LaterYear, ...]


class Gap(Result):
    country: Country
    is_ally: bool
    target: float
    #: The target as asked, when it was taken to two decimals to be ``target`` (2.005).
    target_asked: float | None = None
    share: float
    share_rounded: float
    estimate: bool
    verdict: Verdict
    standing: Standing
    #: What ``points`` is measured to: the target, or 3.5% when 5% hangs on its core element.
    measured_to: float
    #: Distance to ``measured_to`` on the rounded share: shortfall if below, else surplus.
    points: float
    #: USD bn the ``points`` are worth; None when GDP is unknown.
    money_usd_bn: float | None
    gdp_usd_bn: float | None
    #: True when GDP was derived as spending ÷ share (the release gives no GDP).
    gdp_derived: bool
    #: How to get there (None when met, or the year is before the ally joined).
    path: PathToTarget | None
    #: What the data notes doubt about the share (a single press report, say).
    note: FigureNote | None = None

    @property
    def below(self) -> bool:
        return self.verdict is Verdict.BELOW


def _standing(verdict: Verdict, target: float, points: Decimal) -> Standing:
    if verdict is Verdict.OPEN:
        return Standing.REST_NOT_PUBLISHED
    if verdict is Verdict.BELOW:
        return Standing.CORE_ELEMENT_NOT_MET if shortfall_to(target) != target else Standing.BELOW
    return Standing.EXACTLY if points == 0 else Standing.MEETS


def gap(
    snap: Snapshot,
    iso3: str,
    *,
    release_id: str | None = None,
    year: int | None = None,
    target: float = WALES.value,
) -> Gap:
    """How far one ally is from ``target``, in points and dollars, and its way there."""
    asked, target = target, validate_target(target)
    country = country_of(snap, iso3)
    release = release_of(snap, release_id)
    year = year_of(snap, release, year)
    rid = release.release_id
    rec = snap.record(rid, country.iso3, year)
    if rec is None or rec.pct_gdp is None:
        raise NoFigures(no_share_message(snap, release, country, year))

    published = round_half_up(rec.pct_gdp)
    verdict = judge(published, target)
    measured_to = target if verdict is Verdict.MEETS else shortfall_to(target)
    points = abs(dec(measured_to) - published)
    gdp, derived = gdp_bn(rec)
    money = None if gdp is None else float(points) / 100 * gdp
    is_ally = country.is_ally_in(year)
    path = None
    if verdict is Verdict.BELOW and is_ally:
        path = _path(snap, rid, country.iso3, year, target, measured_to, points)
    return Gap(
        release=release,
        year=year,
        sourcing=sourcing(year, [rec]),
        country=country,
        is_ally=is_ally,
        target=target,
        target_asked=taken_from(asked, target),
        note=figure_note(rec),
        share=rec.pct_gdp,
        share_rounded=float(published),
        estimate=rec.estimate,
        verdict=verdict,
        standing=_standing(verdict, target, points),
        measured_to=measured_to,
        points=float(points),
        money_usd_bn=money,
        gdp_usd_bn=gdp,
        gdp_derived=derived,
        path=path,
    )


def _published(snap: Snapshot, rid: str, iso3: str, year: int) -> Decimal | None:
    rec = snap.record(rid, iso3, year)
    return None if rec is None or rec.pct_gdp is None else round_half_up(rec.pct_gdp)


def _path(
    snap: Snapshot,
    rid: str,
    iso3: str,
    year: int,
    target: float,
    to: float,
    points: Decimal,
) -> PathToTarget:
    goal = named(target)
    pledge = goal.pledge(year) if goal is not None else Pledge.NONE
    by, agreed = horizon(target, year)
    years_left = None if by is None else by - year
    needed = None
    if years_left is not None and years_left > 0:
        needed = float(half_up(points / years_left))

    later = tuple(
        LaterYear(
            year=r.year,
            share_rounded=float(round_half_up(r.pct_gdp)),
            estimate=r.estimate,
            verdict=judge(round_half_up(r.pct_gdp), target),
        )
        for r in snap.series(rid, iso3)
        if r.year > year and r.pct_gdp is not None
    )
    now = _published(snap, rid, iso3, year)
    then = _published(snap, rid, iso3, year - PACE_YEARS)
    pace = shown = None
    reach: int | None = None
    no_reach: NoReach | None = None
    if now is None or then is None:
        no_reach = NoReach.PACE_UNKNOWN
    else:
        pace = (now - then) / PACE_YEARS
        shown = half_up(pace)
        if pace <= 0:
            no_reach = NoReach.NOT_RISING
        else:
            # On the pace as shown, so gap ÷ pace on screen gives the year; below 0.01 a year
            # (shown as "less than 0.01") on the exact three-year average.
            per_year = shown if shown > 0 else pace
            reach = year + math.ceil(points / per_year)
            if reach > PROJECTION_LIMIT:
                reach, no_reach = None, NoReach.AFTER_LIMIT
    if later:
        reach, no_reach = None, None
    return PathToTarget(
        to=to,
        pledge=pledge,
        horizon=by,
        horizon_agreed=agreed,
        years_left=years_left,
        yearly_rise_needed=needed,
        pace_per_year=None if shown is None else float(shown),
        pace_positive=pace is not None and pace > 0,
        pace_from_year=year - PACE_YEARS,
        pace_from_share=None if then is None else float(then),
        reach_year=reach,
        no_reach=no_reach,
        later=later,
    )
