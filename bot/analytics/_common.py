"""Lookups and rules shared by every question: rounding, release/year/ally lookups, GDP, NATO's
aggregates, where figures came from, and the errors a query raises."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from bot.errors import UnknownCountry, UnknownRelease, UserFacingError, YearNotCovered
from bot.models import (
    AGGREGATE_CODES,
    NATO_EUR_CAN,
    NATO_TOTAL,
    Basis,
    Country,
    FrozenModel,
    Provenance,
    Release,
    Snapshot,
    SpendingRecord,
)

_CENT = Decimal("0.01")


class NoFigures(UserFacingError):
    """The asked-for ally has no published share where one is needed (e.g. Iceland)."""


@functools.cache  # a dataset holds ~1,300 distinct figures; Decimal is immutable
def round_half_up(value: float, places: int = 2) -> Decimal:
    """NATO's presentation rounding: 1.995 -> 2.00 (not banker's rounding, not binary artefacts)."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def half_up(value: Decimal, places: int = 2) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def rounded_share(share: float) -> float:
    """The two-decimal share NATO publishes and judges compliance on."""
    return float(round_half_up(share))


def dec(value: float) -> Decimal:
    return Decimal(str(value))


def exact_median(values: Sequence[Decimal]) -> Decimal | None:
    """The median in exact decimals (1.735 stays 1.735; floats would give 1.7349999)."""
    ordered = sorted(values)
    if not ordered:
        return None
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def competition_ranks(values: Sequence[Decimal]) -> list[int]:
    """'1, 2, 2, 4' ranks for values already sorted descending."""
    ranks: list[int] = []
    for i, value in enumerate(values):
        ranks.append(ranks[-1] if i and value == values[i - 1] else i + 1)
    return ranks


class Sourcing(FrozenModel):
    """Where the figures of one year in a reply were read, when not NATO's own table."""

    year: int
    #: The non-table sources among them, in a fixed order.
    provenances: tuple[Provenance, ...]
    #: False when some figures shown did come from NATO's own table.
    all_of_them: bool


def sourcing(year: int, records: Iterable[SpendingRecord | None]) -> Sourcing | None:
    found = {r.provenance for r in records if r is not None}
    others = tuple(p for p in ("press", "extraction") if p in found)
    if not others:
        return None
    return Sourcing(year=year, provenances=others, all_of_them="table" not in found)


class Footnote(StrEnum):
    """NATO's own footnotes that a summary of a year repeats."""

    #: Lithuania met 2% in 2018 and 2021 on the OECD GDP figures of the time.
    LITHUANIA_OECD_GDP = "lithuania_oecd_gdp"


#: (footnote, ally, years) as NATO's workbook prints them.
FOOTNOTES: tuple[tuple[Footnote, str, frozenset[int]], ...] = (
    (Footnote.LITHUANIA_OECD_GDP, "LTU", frozenset({2018, 2021})),
)


def footnotes(year: int) -> tuple[Footnote, ...]:
    return tuple(note for note, _, years in FOOTNOTES if year in years)


class Result(FrozenModel):
    """What every result carries: the release (id, title, published, basis) and the year."""

    release: Release
    year: int
    #: Where this year's figures came from when not NATO's own table (press, extraction).
    sourcing: Sourcing | None = None

    @property
    def release_id(self) -> str:
        return self.release.release_id

    @property
    def basis(self) -> Basis:
        return self.release.basis


def release_of(snap: Snapshot, release_id: str | None) -> Release:
    if release_id is None:
        return snap.newest_release
    try:
        return snap.releases[release_id]
    except KeyError:
        raise UnknownRelease(release_id, list(snap.releases)) from None


def year_of(snap: Snapshot, release: Release, year: int | None) -> int:
    years = snap.years(release.release_id)
    if year is None:
        if not years:
            raise YearNotCovered(release.release_id, 0, years)
        return years[-1]
    if year not in years:
        raise YearNotCovered(release.release_id, year, years)
    return year


#: NATO's own aggregate rows of the release files, by what the replies call them.
AGGREGATE_NAMES: dict[str, str] = {
    NATO_TOTAL: "NATO as a whole",
    NATO_EUR_CAN: "European allies and Canada",
}


@functools.cache
def aggregate_country(code: str) -> Country:
    """An aggregate row (``NATO_TOTAL``) standing where an ally does in a profile or comparison.

    Built without validation: its code is no ISO code. It counts from NATO's founding, so every
    year of a release is one it covers; ``is_aggregate`` tells it from an ally.
    """
    if code not in AGGREGATE_CODES:
        raise ValueError(f"not an aggregate code: {code!r}")
    return Country.model_construct(iso3=code, name=AGGREGATE_NAMES[code], joined="1949")


def is_aggregate(country: Country) -> bool:
    return country.iso3 in AGGREGATE_CODES


def subject_of(snap: Snapshot, code: str) -> Country:
    """An ally by code, or one of NATO's aggregates (``NATO_TOTAL``, ``NATO_EUR_CAN``)."""
    if code.upper() in AGGREGATE_CODES:
        return aggregate_country(code.upper())
    return country_of(snap, code)


def country_of(snap: Snapshot, iso3: str) -> Country:
    try:
        return snap.countries[iso3.upper()]
    except KeyError:
        raise UnknownCountry(iso3, []) from None


def share_of(snap: Snapshot, release_id: str, iso3: str, year: int) -> float | None:
    rec = snap.record(release_id, iso3, year)
    return None if rec is None else rec.pct_gdp


def gdp_bn(rec: SpendingRecord | None) -> tuple[float | None, bool]:
    """GDP in USD bn, and whether it was derived (spending ÷ share)."""
    if rec is None:
        return None, False
    if rec.gdp_usd_bn is not None:
        return rec.gdp_usd_bn, False
    if rec.spend_usd_m is not None and rec.pct_gdp:
        return rec.spend_usd_m / 1000 / (rec.pct_gdp / 100), True
    return None, False


def assessed(snap: Snapshot, release_id: str, year: int) -> list[tuple[Country, SpendingRecord]]:
    """Allies of the year with armed forces and a published share."""
    out = []
    for country in snap.allies_in(year):
        rec = snap.record(release_id, country.iso3, year)
        if country.has_armed_forces and rec is not None and rec.pct_gdp is not None:
            out.append((country, rec))
    return out


class AggregateShare(FrozenModel):
    """NATO's own aggregate row (all allies, or European allies and Canada)."""

    code: str
    share: float
    share_rounded: float
    estimate: bool


def aggregate(snap: Snapshot, release_id: str, code: str, year: int) -> AggregateShare | None:
    rec = snap.record(release_id, code, year)
    if rec is None or rec.pct_gdp is None:
        return None
    return AggregateShare(
        code=code,
        share=rec.pct_gdp,
        share_rounded=rounded_share(rec.pct_gdp),
        estimate=rec.estimate,
    )


def nearest_figure(snap: Snapshot, release: Release, country: Country, year: int) -> str:
    """Where a share for ``country`` is published nearest to what was asked, for an error:
    the nearest year of the same release, else the release nearest in time with that year."""
    rid = release.release_id
    years = [r.year for r in snap.series(rid, country.iso3) if r.pct_gdp is not None]
    if years:
        near = min(years, key=lambda y: (abs(y - year), -y))
        return f"nearest in this release: {near}"
    ids = list(snap.releases)
    here = ids.index(rid) if rid in ids else 0
    with_year = [
        other
        for other in ids
        if (rec := snap.record(other, country.iso3, year)) is not None and rec.pct_gdp is not None
    ]
    if with_year:
        other = min(with_year, key=lambda o: (abs(ids.index(o) - here), -ids.index(o)))
        return f"release {other} publishes one for {year}"
    return "no loaded release publishes one"


def no_share_message(snap: Snapshot, release: Release, country: Country, year: int) -> str:
    if not country.has_armed_forces:
        return f"{country.name} has no armed forces; NATO reports no defence spending for it."
    hint = nearest_figure(snap, release, country, year)
    return (
        f"Release {release.release_id} publishes no share of GDP for {country.name} in {year}; "
        f"{hint}."
    )
