"""/summary: who meets a target in one year of one release."""

from __future__ import annotations

from decimal import Decimal

from bot.analytics._common import (
    AggregateShare,
    Footnote,
    Result,
    aggregate,
    assessed,
    dec,
    exact_median,
    footnotes,
    gdp_bn,
    half_up,
    release_of,
    round_half_up,
    sourcing,
    year_of,
)
from bot.analytics.figure_notes import FigureNote, figure_note
from bot.analytics.targets import (
    WALES,
    Verdict,
    judge,
    shortfall_to,
    taken_from,
    validate_target,
)
from bot.models import NATO_EUR_CAN, NATO_TOTAL, Country, FrozenModel, Release, Snapshot


class AllyShare(FrozenModel):
    """One ally's share in a summary, judged against the summary's target."""

    country: Country
    share: float
    share_rounded: float
    estimate: bool
    verdict: Verdict
    #: Competition rank on the rounded share within its group: tied allies share a number.
    rank: int
    #: Points below ``ComplianceSummary.shortfall_to`` (0 unless below), on the rounded share.
    gap_points: float
    #: USD bn those points are worth; None when not below or GDP is unknown.
    gap_usd_bn: float | None
    #: What the data notes doubt about the share (a single press report, say).
    note: FigureNote | None = None


class PreviousYear(FrozenModel):
    """The same summary one year earlier, in the same release."""

    year: int
    allies_count: int
    assessed_count: int
    meeting_count: int
    #: 5% only: allies at or above 3.5% but below 5%.
    open_count: int
    nato_total: AggregateShare | None
    #: Change of NATO's aggregate share from the previous year, points, on the rounded shares.
    nato_total_change: float | None
    #: Allies below the shortfall line (the target, or 3.5% for 5%) a year earlier and no
    #: longer below it now, by name; among those assessed in both years.
    newly_clear: tuple[Country, ...] = ()
    #: Allies not below it a year earlier and below it now, by name.
    newly_below: tuple[Country, ...] = ()
    #: Allies that did not meet the target a year earlier and do now, by name (for 5%, open
    #: or below before: reaching 5% is news even from the 3.5% core element).
    newly_meeting: tuple[Country, ...] = ()
    #: Allies that met the target a year earlier and do not now (for 5%, open or below now).
    no_longer_meeting: tuple[Country, ...] = ()
    #: No ally met the target in any earlier year of the release: ``newly_meeting`` are the
    #: first (Estonia and Lithuania at 5% in 2026, release 2026-07).
    first_to_meet: bool = False


class ComplianceSummary(Result):
    target: float
    #: The target as asked, when it was taken to two decimals to be ``target`` (2.005).
    target_asked: float | None = None
    #: What a shortfall is measured to: the target, or 3.5% (the core element) for 5%.
    shortfall_to: float
    #: Allies of that year (Finland from 2023, Sweden from 2024), by name.
    allies: tuple[Country, ...]
    #: Members of today's alliance not yet allies in that year (not counted).
    not_yet_allies: tuple[Country, ...]
    #: Allies without armed forces (Iceland): listed, not assessed.
    no_armed_forces: tuple[Country, ...]
    #: Allies with armed forces whose share this release does not publish for that year.
    not_published: tuple[Country, ...]
    #: Allies that meet the target, share descending.
    meeting: tuple[AllyShare, ...]
    #: 5% only: allies that meet the 3.5% core element; the rest of 5% is not published.
    open: tuple[AllyShare, ...]
    #: Allies that do not meet it, share descending.
    below: tuple[AllyShare, ...]
    nato_total: AggregateShare | None
    europe_canada: AggregateShare | None
    #: Median share of the assessed allies (exact decimals), and as shown.
    median_share: float | None
    median_share_rounded: float | None
    previous: PreviousYear | None
    #: Sum over the allies below of their gap in USD bn (None if no GDP is known for any).
    alliance_gap_usd_bn: float | None
    #: Allies below left out of the money gap because their GDP is unknown.
    gap_unknown: tuple[Country, ...]
    #: Every share listed is a NATO estimate (said once instead of marking each).
    all_estimates: bool
    #: NATO's own footnotes for this year.
    footnotes: tuple[Footnote, ...]

    @property
    def assessed_count(self) -> int:
        return len(self.meeting) + len(self.open) + len(self.below)

    @property
    def noted(self) -> tuple[AllyShare, ...]:
        """The allies listed whose share the data notes doubt, in the order listed."""
        return tuple(s for s in (*self.meeting, *self.open, *self.below) if s.note is not None)


def _ranked(items: list[AllyShare]) -> tuple[AllyShare, ...]:
    items.sort(key=lambda s: (-s.share_rounded, -s.share, s.country.name))
    out: list[AllyShare] = []
    for i, item in enumerate(items):
        tied = i and item.share_rounded == items[i - 1].share_rounded
        out.append(item.model_copy(update={"rank": out[-1].rank if tied else i + 1}))
    return tuple(out)


def summary(
    snap: Snapshot,
    *,
    release_id: str | None = None,
    year: int | None = None,
    target: float = WALES.value,
) -> ComplianceSummary:
    """Who meets ``target`` in ``year`` according to one release."""
    asked, target = target, validate_target(target)
    release = release_of(snap, release_id)
    year = year_of(snap, release, year)
    rid = release.release_id
    floor = dec(shortfall_to(target))

    allies = snap.allies_in(year)
    groups: dict[Verdict, list[AllyShare]] = {v: [] for v in Verdict}
    not_published: list[Country] = []
    gap_unknown: list[Country] = []
    gap_total: float | None = None
    shown = []
    for country in allies:
        if not country.has_armed_forces:
            continue
        rec = snap.record(rid, country.iso3, year)
        if rec is None or rec.pct_gdp is None:
            not_published.append(country)
            continue
        shown.append(rec)
        published = round_half_up(rec.pct_gdp)
        verdict = judge(published, target)
        points = max(Decimal(0), floor - published) if verdict is Verdict.BELOW else Decimal(0)
        money: float | None = None
        if points > 0:
            gdp, _ = gdp_bn(rec)
            if gdp is None:
                gap_unknown.append(country)
            else:
                money = float(points) / 100 * gdp
                gap_total = (gap_total or 0.0) + money
        groups[verdict].append(
            AllyShare(
                country=country,
                share=rec.pct_gdp,
                share_rounded=float(published),
                estimate=rec.estimate,
                verdict=verdict,
                rank=0,
                gap_points=float(points),
                gap_usd_bn=money,
                note=figure_note(rec),
            )
        )

    median = exact_median([dec(r.pct_gdp) for r in shown if r.pct_gdp is not None])
    return ComplianceSummary(
        release=release,
        year=year,
        sourcing=sourcing(year, shown),
        target=target,
        target_asked=taken_from(asked, target),
        shortfall_to=float(floor),
        allies=tuple(allies),
        not_yet_allies=tuple(c for c in snap.countries.values() if not c.is_ally_in(year)),
        no_armed_forces=tuple(c for c in allies if not c.has_armed_forces),
        not_published=tuple(not_published),
        meeting=_ranked(groups[Verdict.MEETS]),
        open=_ranked(groups[Verdict.OPEN]),
        below=_ranked(groups[Verdict.BELOW]),
        nato_total=aggregate(snap, rid, NATO_TOTAL, year),
        europe_canada=aggregate(snap, rid, NATO_EUR_CAN, year),
        median_share=None if median is None else float(median),
        median_share_rounded=None if median is None else float(half_up(median)),
        previous=_previous_year(snap, release, year, target),
        alliance_gap_usd_bn=gap_total,
        gap_unknown=tuple(gap_unknown),
        all_estimates=bool(shown) and all(r.estimate for r in shown),
        footnotes=footnotes(year),
    )


def _previous_year(
    snap: Snapshot, release: Release, year: int, target: float
) -> PreviousYear | None:
    prev = year - 1
    rid = release.release_id
    if prev not in snap.years(rid):
        return None
    found = assessed(snap, rid, prev)
    judged = {c.iso3: judge(round_half_up(rec.pct_gdp), target) for c, rec in found if rec.pct_gdp}
    verdicts = list(judged.values())
    now = {
        c.iso3: (c, judge(round_half_up(rec.pct_gdp), target))
        for c, rec in assessed(snap, rid, year)
        if rec.pct_gdp
    }
    both = sorted(
        ((c, judged[iso3], verdict) for iso3, (c, verdict) in now.items() if iso3 in judged),
        key=lambda item: item[0].name,
    )
    now_total = aggregate(snap, rid, NATO_TOTAL, year)
    prev_total = aggregate(snap, rid, NATO_TOTAL, prev)
    change = None
    if now_total is not None and prev_total is not None:
        # On the shares as published (two decimals), so it is the difference a reader sees.
        change = float(round_half_up(now_total.share) - round_half_up(prev_total.share))
    return PreviousYear(
        year=prev,
        allies_count=len(snap.allies_in(prev)),
        assessed_count=len(found),
        meeting_count=verdicts.count(Verdict.MEETS),
        open_count=verdicts.count(Verdict.OPEN),
        nato_total=prev_total,
        nato_total_change=change,
        newly_clear=tuple(
            c for c, before, after in both if before is Verdict.BELOW and after is not Verdict.BELOW
        ),
        newly_below=tuple(
            c for c, before, after in both if before is not Verdict.BELOW and after is Verdict.BELOW
        ),
        newly_meeting=tuple(
            c for c, before, after in both if before is not Verdict.MEETS and after is Verdict.MEETS
        ),
        no_longer_meeting=tuple(
            c for c, before, after in both if before is Verdict.MEETS and after is not Verdict.MEETS
        ),
        first_to_meet=not any(
            _met_in(snap, rid, earlier, target) for earlier in snap.years(rid) if earlier < year
        ),
    )


def _met_in(snap: Snapshot, release_id: str, year: int, target: float) -> bool:
    """Some ally of that year met the target."""
    return any(
        judge(round_half_up(rec.pct_gdp), target) is Verdict.MEETS
        for _, rec in assessed(snap, release_id, year)
        if rec.pct_gdp is not None
    )
