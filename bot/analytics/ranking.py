"""/ranking: allies of one year ranked by a measure."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from bot.analytics._common import (
    Result,
    competition_ranks,
    release_of,
    round_half_up,
    sourcing,
    year_of,
)
from bot.analytics.targets import validate_target
from bot.errors import UserFacingError, span
from bot.models import NATO_TOTAL, Country, FrozenModel, Release, Snapshot, SpendingRecord


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


class Order(StrEnum):
    """Which end of a ranking comes first."""

    HIGHEST = "highest"
    LOWEST = "lowest"


class MetricNotPublished(UserFacingError):
    """No loaded release publishes the metric (for the year asked): which releases do."""

    def __init__(self, metric: Metric, year: int | None, releases: dict[str, list[int]]) -> None:
        self.metric = metric
        self.year = year
        #: Release id -> the years it publishes the metric for, oldest release first.
        self.releases = releases
        when = "" if year is None else f" for {year}"
        have = "; ".join(f"{rid} ({span(years)})" for rid, years in releases.items())
        tail = f" Releases with it: {have}." if have else ""
        super().__init__(f"No loaded release publishes “{metric.label}”{when}.{tail}")


class RankingRow(FrozenModel):
    #: Competition rank on the displayed (rounded) value: 1, 2, 2, 4.
    rank: int
    country: Country
    value: float
    #: The value as displayed, rounded half-up to ``metric.decimals``.
    value_rounded: float
    estimate: bool


class AggregateValue(FrozenModel):
    """NATO's own aggregate row for a ranking's metric."""

    code: str
    value: float
    #: The value as displayed, rounded half-up to ``metric.decimals``.
    value_rounded: float
    estimate: bool


class Ranking(Result):
    metric: Metric
    rows: tuple[RankingRow, ...]
    #: Allies of that year for whom this release publishes no such figure (Iceland among them).
    missing: tuple[Country, ...]
    #: NATO's own all-allies figure for the metric, when published.
    nato_total: AggregateValue | None
    #: Every value listed is a NATO estimate (said once instead of marking each).
    all_estimates: bool
    order: Order = Order.HIGHEST
    #: The share of GDP a line is drawn at in the table (share rankings only).
    target: float | None = None
    #: How many rows come before that line (those above it, or below it when lowest first).
    rows_before_line: int | None = None
    #: The release asked for (or the default) when it lacks the metric and ``release`` is the
    #: newest that has it.
    instead_of: str | None = None


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


def years_with(snap: Snapshot, release: Release, metric: Metric) -> list[int]:
    """Years for which the release publishes ``metric`` for at least one ally."""
    rid = release.release_id
    return [
        y
        for y in snap.years(rid)
        if any(
            (rec := snap.record(rid, c.iso3, y)) is not None and metric.value_of(rec) is not None
            for c in snap.allies_in(y)
        )
    ]


def _release_with(
    snap: Snapshot, release: Release, metric: Metric, year: int | None
) -> tuple[Release, int, str | None]:
    """The release and year to rank: the one asked for when it has the metric (in ``year``, or
    in its latest year that has it), else the newest release that does, and the one replaced."""
    own = years_with(snap, release, metric)
    if year is None and own:
        return release, own[-1], None
    if year is not None and year in own:
        return release, year, None
    year_of(snap, release, year)  # a year the release does not cover at all is an error first
    for other in reversed(snap.releases.values()):
        theirs = years_with(snap, other, metric)
        if year is None and theirs:
            return other, theirs[-1], release.release_id
        if year is not None and year in theirs:
            return other, year, release.release_id
    having = {
        r.release_id: ys for r in snap.releases.values() if (ys := years_with(snap, r, metric))
    }
    raise MetricNotPublished(metric, year, having)


def ranking(
    snap: Snapshot,
    *,
    metric: Metric | str = Metric.SHARE,
    release_id: str | None = None,
    year: int | None = None,
    order: Order | str = Order.HIGHEST,
    target: float | None = None,
) -> Ranking:
    """Allies of ``year`` ranked by ``metric`` (highest first, or lowest); those without the
    figure apart. A release without the metric gives way to the newest release that has it
    (``instead_of`` names it); with none, ``MetricNotPublished``. ``target`` draws a line
    between the shares at or above it and those below (share rankings only)."""
    metric = Metric(metric)
    order = Order(order)
    if target is not None:
        target = validate_target(target)
    release, year, instead_of = _release_with(snap, release_of(snap, release_id), metric, year)
    rid = release.release_id

    scored: list[tuple[Decimal, float, Country, bool]] = []
    missing: list[Country] = []
    shown = []
    for country in snap.allies_in(year):
        rec = snap.record(rid, country.iso3, year)
        value = None if rec is None else metric.value_of(rec)
        if rec is None or value is None:
            missing.append(country)
            continue
        shown.append(rec)
        scored.append((round_half_up(value, metric.decimals), value, country, rec.estimate))
    if order is Order.HIGHEST:
        scored.sort(key=lambda s: (-s[0], -s[1], s[2].name))
    else:
        scored.sort(key=lambda s: (s[0], s[1], s[2].name))
    ranks = competition_ranks([s[0] for s in scored])
    line = None
    if target is not None and metric is Metric.SHARE:
        at = Decimal(str(target))
        line = sum(1 for s in scored if (s[0] >= at) == (order is Order.HIGHEST))
    return Ranking(
        release=release,
        year=year,
        sourcing=sourcing(year, shown),
        metric=metric,
        rows=tuple(
            RankingRow(
                rank=rank,
                country=country,
                value=value,
                value_rounded=float(shown_value),
                estimate=estimate,
            )
            for rank, (shown_value, value, country, estimate) in zip(ranks, scored, strict=True)
        ),
        missing=tuple(missing),
        nato_total=_aggregate_value(snap, rid, NATO_TOTAL, year, metric),
        all_estimates=bool(scored) and all(s[3] for s in scored),
        order=order,
        target=target if metric is Metric.SHARE else None,
        rows_before_line=line,
        instead_of=instead_of,
    )
