"""Domain models shared by db/, analytics and render.

Everything here is plain data: validated pydantic models for what NATO publishes, and
``Snapshot``, the immutable in-memory view of the active dataset version that every read
path (slash commands, autocomplete, the preview CLI) works on. Nothing here does I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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

#: The one rule for a release id: ``YYYY-MM`` in ASCII digits (``2025-08``). Python's ``\d``
#: also takes Arabic-Indic (٢٠٢٥) and fullwidth (２０２５) digits, which no NATO file holds.
RELEASE_ID = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_JOINED = re.compile(r"^\d{4}(-\d{2}-\d{2})?$")


def is_release_id(text: str) -> bool:
    """Whether ``text`` is a release id by ``RELEASE_ID`` (the whole text, nothing around it)."""
    return RELEASE_ID.fullmatch(text) is not None


#: Decimal places a figure may carry. NATO's workbook gives up to 11; more is noise, and a
#: bound keeps every non-zero share far from the float underflow that would break arithmetic
#: on it (a yearly pace of 1e-320 points makes "years to reach the target" infinite).
MAX_DECIMALS = 12


@dataclass(frozen=True)
class NumericRange:
    """The plausible values (inclusive) of one numeric column."""

    low: float
    high: float
    unit: str
    #: Why nothing above ``high`` is plausible; empty when low–high is the scale itself.
    high_why: str = ""
    #: Why nothing below ``low`` is plausible, when ``low`` is not simply zero.
    low_why: str = ""

    def problem(self, shown: str, number: Decimal) -> str | None:
        """Why ``number`` is out of range, or None when it is in range."""
        if self.low <= number <= self.high:
            return None
        low, high = bound_text(self.low), bound_text(self.high)
        if not self.high_why:
            return f"{shown} is outside {low}–{high} {self.unit}"
        if number < self.low:
            if self.low == 0:
                return f"{shown} is negative ({self.unit} cannot be below 0)"
            return f"{shown} is below {low} {self.unit}: {self.low_why}"
        return f"{shown} is too large: above {high} {self.unit} ({self.high_why})"


def bound_text(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"


#: Each numeric column's plausible range. The upper bounds are several times the largest figure
#: NATO has published (the bundled releases peak at: NATO as a whole spending USD 1.8 trillion
#: with a GDP of USD 63 trillion and 3.4 million personnel; an ally at USD 2,240 per head at
#: 2015 prices, a real rise of +125%), so no real figure is refused, while a typo of a few
#: digits or a hostile 1e308 is. They also keep every sum the bot makes and NATO's two-decimal
#: rounding (in 28-digit ``Decimal``) far from overflowing.
NUMERIC_RANGES: dict[str, NumericRange] = {
    # A share of GDP: the highest published is 5.33%; 20% would be a war economy.
    "pct_gdp": NumericRange(0, 20, "% of GDP"),
    "spend_usd_m": NumericRange(
        0, 5_000_000, "million USD", "USD 5 trillion: over twice what all of NATO spends"
    ),
    "gdp_usd_bn": NumericRange(
        0, 200_000, "billion USD", "USD 200 trillion: over three times NATO's GDP"
    ),
    "equipment_pct": NumericRange(0, 100, "% of defence expenditure"),
    "personnel_k": NumericRange(
        0, 10_000, "thousand personnel", "10 million: about three times NATO's armed forces"
    ),
    "spend_per_capita_usd_2015": NumericRange(
        0, 100_000, "USD per capita", "over 40 times the most any ally spends per head"
    ),
    "real_change_pct": NumericRange(
        -100,
        1_000,
        "%",
        "an elevenfold rise in a year; the largest published is +125%",
        "spending cannot fall by more than all of it",
    ),
}


def _few_places(value: float) -> bool:
    """At most MAX_DECIMALS places in the shortest decimal that reads back as ``value``."""
    text = repr(float(value))
    if "e" in text:
        return False  # 1e-05 or 1e+16: leave it to the exact check
    return len(text) - text.index(".") - 1 <= MAX_DECIMALS


def figure_problems(figures: Mapping[str, float | None]) -> dict[str, str]:
    """Why each of a record's figures cannot be used (column -> reason); empty when all can.

    The bot's guarantee that analytics never overflows: every figure finite, within its
    column's range and with at most MAX_DECIMALS places, and a GDP derived from spending and
    share (when none is given) within the GDP range too.
    """
    problems: dict[str, str] = {}
    for column, bounds in NUMERIC_RANGES.items():
        value = figures.get(column)
        if value is None:
            continue
        if not math.isfinite(value):
            problems[column] = f"{value} is not a finite number"
            continue
        if bounds.low <= value <= bounds.high and _few_places(value):
            continue  # the usual case, decided without Decimal (records are built by the 1,000)
        exact = Decimal(repr(float(value)))  # the shortest decimal that reads back as value
        if (reason := bounds.problem(f"{value:g}", exact)) is not None:
            problems[column] = reason
            continue
        exponent = exact.as_tuple().exponent
        assert isinstance(exponent, int)  # finite
        if value and -exponent > MAX_DECIMALS:
            problems[column] = f"{value:g} has more than {MAX_DECIMALS} decimal places"
    share, spend = figures.get("pct_gdp"), figures.get("spend_usd_m")
    if figures.get("gdp_usd_bn") is None and share and spend and not problems:
        most = NUMERIC_RANGES["gdp_usd_bn"].high
        if (derived := spend / 1000 / (share / 100)) > most:
            problems["pct_gdp"] = (
                f"{share:g}% of GDP with spending of {spend:g} million USD means a GDP of "
                f"{derived:.3g} billion USD, above {bound_text(most)}"
            )
    return problems


_BOUNDS = tuple((column, bounds.low, bounds.high) for column, bounds in NUMERIC_RANGES.items())
_MOST_GDP = NUMERIC_RANGES["gdp_usd_bn"].high


def _plainly_usable(values: Mapping[str, object]) -> bool:
    """True only when ``figure_problems`` would find nothing: the usual record, checked without
    building its figures (records are validated by the 100,000). False means: ask it."""
    for column, low, high in _BOUNDS:
        value = values[column]
        # NaN and the infinities fail the comparison: they go the long way.
        if value is not None and not (
            isinstance(value, float) and low <= value <= high and _few_places(value)
        ):
            return False
    share, spend = values["pct_gdp"], values["spend_usd_m"]
    if values["gdp_usd_bn"] is None and share and spend:
        assert isinstance(share, float) and isinstance(spend, float)
        return spend / 1000 / (share / 100) <= _MOST_GDP
    return True


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
        if not is_release_id(value):
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

    @classmethod
    def from_checked(cls, values: dict[str, object]) -> SpendingRecord:
        """A record of values already checked as validation checks them (every field given,
        of its type, its figures usable): what ``model_construct`` makes, without its generic
        per-field loop, which costs ~7 µs a record, most of a 100,000-row reload.

        For the loader (which checks every cell, then ``figure_problems``) and the reload's
        rebuild of records the loader made in a child process; ``values`` is kept, not copied.
        tests/unit/bot/test_figure_bounds.py checks the result equals the validated record.
        """
        record = cls.__new__(cls)
        _object_setattr(record, "__dict__", values)
        _object_setattr(record, "__pydantic_fields_set__", _RECORD_FIELDS_SET)
        _object_setattr(record, "__pydantic_extra__", None)
        _object_setattr(record, "__pydantic_private__", None)
        return record

    @model_validator(mode="after")
    def _figures_usable(self) -> SpendingRecord:
        # Whoever builds a record (the loader, the Store reading a database, a test), no figure
        # that would overflow analytics or rendering gets in.
        if problems := record_problems(self.__dict__):
            raise ValueError("; ".join(f"{column}: {why}" for column, why in problems.items()))
        return self

    @property
    def figures(self) -> dict[str, float | None]:
        """The numeric columns (``NUMERIC_RANGES``' keys) and their values."""
        return {column: getattr(self, column) for column in NUMERIC_RANGES}

    @property
    def is_aggregate(self) -> bool:
        return self.iso3 in AGGREGATE_CODES


#: Every field of a record is given, so every one is "set" (shared: never mutated, since
#: records are frozen and model_copy copies it first).
_RECORD_FIELDS_SET = set(SpendingRecord.model_fields)
_object_setattr = object.__setattr__  # a frozen model refuses its own __setattr__


def record_problems(values: Mapping[str, object]) -> dict[str, str]:
    """``figure_problems`` of a record's field values (column -> reason), with the usual
    record's answer (none) found without building its figures."""
    if _plainly_usable(values):
        return {}
    figures = {column: values[column] for column in NUMERIC_RANGES}
    return figure_problems(figures)  # type: ignore[arg-type]  # the fields are typed so


def unusable_figures(records: Iterable[SpendingRecord]) -> list[str]:
    """Every figure of ``records`` that ``figure_problems`` refuses, one line each: for records
    built without validation (``model_construct``, ``model_copy(update=...)``)."""
    return [
        f"{record.iso3} {record.year} (release {record.release_id}) {column}: {why}"
        for record in records
        for column, why in record_problems(record.__dict__).items()
    ]


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
