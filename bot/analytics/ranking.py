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
from bot.models import NATO_TOTAL, Country, FrozenModel, Snapshot, SpendingRecord


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


def ranking(
    snap: Snapshot,
    *,
    metric: Metric | str = Metric.SHARE,
    release_id: str | None = None,
    year: int | None = None,
) -> Ranking:
    """Allies of ``year`` ranked by ``metric``, highest first; those without the figure apart."""
    metric = Metric(metric)
    release = release_of(snap, release_id)
    year = year_of(snap, release, year)
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
    scored.sort(key=lambda s: (-s[0], -s[1], s[2].name))
    ranks = competition_ranks([s[0] for s in scored])
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
    )
