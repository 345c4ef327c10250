"""Domain models shared by db/, analytics and render.

Everything here is plain data: validated pydantic models for what NATO publishes, and
``Snapshot``, the immutable in-memory view of the active dataset version that every read
path (slash commands, autocomplete, the preview CLI) works on. Nothing here does I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Basis = Literal["total", "core"]
#: Where a row's figures were read: NATO's own workbook, a third-party extraction of NATO's
#: table, or press reports of the release (which may round or be single-sourced).
Provenance = Literal["table", "extraction", "press"]
PROVENANCES: tuple[Provenance, ...] = ("table", "extraction", "press")

#: NATO's own aggregate rows of a release file: all allies, and European allies and Canada.
NATO_TOTAL = "NATO_TOTAL"
NATO_EUR_CAN = "NATO_EUR_CAN"
#: Rows of a release file that are NATO's own aggregates, not allies.
AGGREGATE_CODES: frozenset[str] = frozenset({NATO_TOTAL, NATO_EUR_CAN})

_RELEASE_ID = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_JOINED = re.compile(r"^\d{4}(-\d{2}-\d{2})?$")


class FrozenModel(BaseModel):
    """Immutable, and refuses unknown fields: the base of every domain model and result."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Country(FrozenModel):
    """An ally, as listed in ``members.csv``."""

    iso3: str = Field(pattern=r"^[A-Z]{3}$")
    name: str = Field(min_length=1)
    #: Accession as published: a year (``2009``) or a date (``2023-04-04``).
    joined: str
    #: Iceland has no armed forces: it is an ally, but NATO reports no spending for it.
    has_armed_forces: bool = True

    @field_validator("joined")
    @classmethod
    def _joined_is_year_or_date(cls, value: str) -> str:
        if not _JOINED.match(value):
            raise ValueError("joined must be YYYY or YYYY-MM-DD")
        if len(value) > 4:
            date.fromisoformat(value)  # raises on 2023-02-30
        return value

    @property
    def accession_year(self) -> int:
        """NATO's aggregates count an ally from the year it joined (Finland 2023, Sweden 2024)."""
        return int(self.joined[:4])

    def is_ally_in(self, year: int) -> bool:
        return self.accession_year <= year


class Release(FrozenModel):
    """One NATO publication, a row of ``releases.csv``."""

    release_id: str
    title: str = Field(min_length=1)
    #: ``YYYY-MM-DD`` or ``YYYY-MM`` where the day is unknown.
    published: str
    basis: Basis
    price_base: int | None = None
    coverage: str = ""

    @field_validator("release_id")
    @classmethod
    def _release_id_format(cls, value: str) -> str:
        if not _RELEASE_ID.match(value):
            raise ValueError("release id must be YYYY-MM")
        return value


class SpendingRecord(FrozenModel):
    """One ally (or aggregate) and year, as one release published it. ``None`` = not published."""

    release_id: str
    iso3: str
    year: int
    estimate: bool = False
    #: Defence expenditure as % of (real) GDP, NATO Table 3. Core basis in ``core`` releases.
    pct_gdp: float | None = None
    #: Million US dollars, current prices and exchange rates (Table 2).
    spend_usd_m: float | None = None
    #: Billion US dollars, current prices (Table 5).
    gdp_usd_bn: float | None = None
    #: Major equipment incl. related R&D, % of defence expenditure (Table 8a; 20% guideline).
    equipment_pct: float | None = None
    #: Military personnel, thousands (Table 7).
    personnel_k: float | None = None
    #: Defence expenditure per capita, US dollars at 2015 prices (Table 6).
    spend_per_capita_usd_2015: float | None = None
    #: Annual real change in defence expenditure, % (Table 3).
    real_change_pct: float | None = None
    #: Where these figures were read (release files without the column: NATO's own table).
    provenance: Provenance = "table"

    @property
    def is_aggregate(self) -> bool:
        return self.iso3 in AGGREGATE_CODES


class Dataset(FrozenModel):
    """A complete, validated dataset: what one dataset version holds."""

    members: tuple[Country, ...]
    releases: tuple[Release, ...]
    records: tuple[SpendingRecord, ...]


class DatasetVersion(FrozenModel):
    """A row of the store's dataset_versions table."""

    version_id: int
    sha256: str
    source: str
    loaded_at: datetime
    loaded_by: str
    active: bool
    record_count: int = 0


def _release_key(release: Release) -> str:
    return release.release_id


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The active dataset, indexed for fast reads. Built by the Store; never mutated.

    A reload builds a new Snapshot and swaps the Store's reference in one assignment, so a
    reader holding the old one keeps a consistent view for the whole of its command.
    """

    version: DatasetVersion
    countries: dict[str, Country]
    #: Normalised alias (see ``bot.countries.normalise``) -> iso3. Includes names and codes.
    aliases: dict[str, str]
    #: Ordered oldest -> newest release id.
    releases: dict[str, Release]
    #: release_id -> (iso3, year) -> record
    records: dict[str, dict[tuple[str, int], SpendingRecord]] = field(repr=False)
    #: release_id -> the years it covers, ascending (asked on every command and keystroke)
    years_by_release: dict[str, tuple[int, ...]] = field(repr=False, default_factory=dict)

    @classmethod
    def build(
        cls,
        version: DatasetVersion,
        dataset: Dataset,
        aliases: dict[str, str],
    ) -> Snapshot:
        records: dict[str, dict[tuple[str, int], SpendingRecord]] = {
            r.release_id: {} for r in sorted(dataset.releases, key=_release_key)
        }
        for rec in dataset.records:
            records.setdefault(rec.release_id, {})[(rec.iso3, rec.year)] = rec
        return cls(
            version=version,
            countries={c.iso3: c for c in sorted(dataset.members, key=lambda c: c.name)},
            aliases=dict(aliases),
            releases={r.release_id: r for r in sorted(dataset.releases, key=_release_key)},
            records=records,
            years_by_release={
                rid: tuple(sorted({year for (_, year) in by_key}))
                for rid, by_key in records.items()
            },
        )

    @property
    def newest_release(self) -> Release:
        return next(reversed(self.releases.values()))

    def years(self, release_id: str) -> list[int]:
        """Years the release covers, ascending."""
        return list(self.years_by_release.get(release_id, ()))

    def record(self, release_id: str, iso3: str, year: int) -> SpendingRecord | None:
        return self.records.get(release_id, {}).get((iso3, year))

    def series(self, release_id: str, iso3: str) -> list[SpendingRecord]:
        """One ally's records in a release, ascending by year."""
        recs = [r for (code, _), r in self.records.get(release_id, {}).items() if code == iso3]
        return sorted(recs, key=lambda r: r.year)

    def allies_in(self, year: int) -> list[Country]:
        return [c for c in self.countries.values() if c.is_ally_in(year)]
