"""What changes between two datasets: the dry run of a reload, and the new-data notice.

``diff(old, new)`` is pure: it takes two ``Dataset`` values (a candidate need not be stored yet;
the active ``Snapshot`` is accepted too) and returns a frozen ``DatasetDiff`` holding facts
only (ids, values, enums). ``bot.render`` words them.

Rules kept here, in one place:
- a record's figures are compared field by field (``RecordField``); the share of GDP on the
  two-decimal share NATO publishes (rounded half-up), so float noise (1.995 vs 1.9951, both
  2.00) is not a change; every other field exactly, as stored.
- share revisions and target crossings concern members (not NATO's aggregate rows; a
  revision may be of a year before the ally joined, a crossing may not) and come from pairings
  (``Pairing``):
  * ``same_release``: the same release's figure for the same ally-year, in both datasets
    (a release file corrected in place);
  * ``newest_release``: the old newest release's figure and the new newest release's for the
    same ally-year, for every year both cover, whenever the newest release changed (so when
    2026-07 arrives on top of 2025-08, "Poland 2024 revised down" and "Czechia 2024 is now
    below 2%");
  * ``latest_figure`` (crossings only): what the bot answers by default for an ally, its latest
    published share in the newest release, before and after, when that is of another year (so
    "Montenegro now meets 2%" compares its 2026 share with the 2024 share shown until now, as
    2025-08 published none for 2025). The same year is one of the pairings above.
- a crossing needs a published share on both sides and an ally of that year with armed forces
  (in each dataset's members); it is a change of verdict (``targets.judge``: the rounded share
  against the target; for 5% below, at the 3.5% core element (open), or meeting). Crossings are
  listed per target, newest years first.
- ``diff(b, a)`` is the mirror image of ``diff(a, b)``: added and removed swap, old and new
  swap, directions flip; the order of every tuple is the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from bot.analytics._common import round_half_up
from bot.analytics.targets import HAGUE_CORE, WALES, Verdict, judge
from bot.models import (
    AGGREGATE_CODES,
    Country,
    Dataset,
    FrozenModel,
    Release,
    Snapshot,
    SpendingRecord,
)

#: Targets whose crossings a diff reports unless told otherwise (% of GDP).
DEFAULT_TARGETS: tuple[float, ...] = (WALES.value, HAGUE_CORE.value)
#: How many of the largest share revisions a diff keeps unless told otherwise.
DEFAULT_TOP_REVISIONS = 10


class RecordField(StrEnum):
    """A figure of ``SpendingRecord`` that a diff compares."""

    PCT_GDP = "pct_gdp"
    SPEND_USD_M = "spend_usd_m"
    GDP_USD_BN = "gdp_usd_bn"
    EQUIPMENT_PCT = "equipment_pct"
    PERSONNEL_K = "personnel_k"
    SPEND_PER_CAPITA_USD_2015 = "spend_per_capita_usd_2015"
    REAL_CHANGE_PCT = "real_change_pct"
    ESTIMATE = "estimate"


class ReleaseField(StrEnum):
    TITLE = "title"
    PUBLISHED = "published"
    BASIS = "basis"
    PRICE_BASE = "price_base"
    COVERAGE = "coverage"


class MemberField(StrEnum):
    NAME = "name"
    JOINED = "joined"
    HAS_ARMED_FORCES = "has_armed_forces"


class Pairing(StrEnum):
    """Which two figures a revision or a crossing compares (see the module doc)."""

    SAME_RELEASE = "same_release"
    NEWEST_RELEASE = "newest_release"
    LATEST_FIGURE = "latest_figure"


class Direction(StrEnum):
    #: A better verdict now: below the target before and meets it (or, for 5%, its core
    #: element) now.
    UP = "up"
    #: A worse verdict now.
    DOWN = "down"


#: Verdicts from worst to best, for a crossing's direction.
_VERDICT_ORDER = (Verdict.BELOW, Verdict.OPEN, Verdict.MEETS)


class AllyYear(FrozenModel):
    """One record's key: an ally (or aggregate) and year in one release."""

    release_id: str
    iso3: str
    year: int


class FigureChange(FrozenModel):
    release_id: str
    iso3: str
    year: int
    field: RecordField
    #: As stored (the share unrounded); None = not published.
    old: float | bool | None
    new: float | bool | None


class ReleaseChange(FrozenModel):
    release_id: str
    fields: tuple[ReleaseField, ...]
    old: Release
    new: Release


class MemberChange(FrozenModel):
    iso3: str
    fields: tuple[MemberField, ...]
    old: Country
    new: Country


class YearsChange(FrozenModel):
    """Years a release present in both datasets gained or lost."""

    release_id: str
    added: tuple[int, ...]
    removed: tuple[int, ...]


class ShareRevision(FrozenModel):
    """An ally-year's published (two-decimal) share, before and after."""

    pairing: Pairing
    iso3: str
    year: int
    old_release_id: str
    new_release_id: str
    old: float
    new: float
    #: new - old, in points of GDP, exact to the cent.
    points: float


class Crossing(FrozenModel):
    """An ally whose published share is now on the other side of a target (for 5%, of the
    target or of its core element)."""

    pairing: Pairing
    target: float
    iso3: str
    direction: Direction
    old_verdict: Verdict
    new_verdict: Verdict
    old_release_id: str
    old_year: int
    old_share: float
    new_release_id: str
    new_year: int
    new_share: float


class DiffCounts(FrozenModel):
    releases_added: int
    releases_removed: int
    releases_changed: int
    members_added: int
    members_removed: int
    members_changed: int
    ally_years_added: int
    ally_years_removed: int
    figures_changed: int
    #: All share revisions found, of which ``DatasetDiff.revisions`` keeps the largest.
    share_revisions: int
    crossings: int


class DatasetDiff(FrozenModel):
    """Everything that differs between two datasets, ``old`` -> ``new``; tuples in stable order."""

    targets: tuple[float, ...]
    releases_added: tuple[Release, ...]
    releases_removed: tuple[Release, ...]
    releases_changed: tuple[ReleaseChange, ...]
    members_added: tuple[Country, ...]
    members_removed: tuple[Country, ...]
    members_changed: tuple[MemberChange, ...]
    #: Records added or removed in releases present in both datasets.
    ally_years_added: tuple[AllyYear, ...]
    ally_years_removed: tuple[AllyYear, ...]
    figures_changed: tuple[FigureChange, ...]
    #: Per release present in both, the years it gained or lost (only releases with any).
    years_changed: tuple[YearsChange, ...]
    #: The newest release id and the latest year of any release, in each dataset.
    newest_release_old: str | None
    newest_release_new: str | None
    latest_year_old: int | None
    latest_year_new: int | None
    #: The largest share revisions, largest first (at most the ``top`` asked for).
    revisions: tuple[ShareRevision, ...]
    share_revision_count: int
    crossings: tuple[Crossing, ...]

    @property
    def is_empty(self) -> bool:
        """Nothing changed (revisions and crossings follow from the changes listed here)."""
        return not (
            self.releases_added
            or self.releases_removed
            or self.releases_changed
            or self.members_added
            or self.members_removed
            or self.members_changed
            or self.ally_years_added
            or self.ally_years_removed
            or self.figures_changed
        )

    @property
    def new_latest_year(self) -> int | None:
        """The latest year overall, when the new dataset reaches further than the old."""
        if self.latest_year_new is None:
            return None
        if self.latest_year_old is None or self.latest_year_new > self.latest_year_old:
            return self.latest_year_new
        return None

    @property
    def counts(self) -> DiffCounts:
        return DiffCounts(
            releases_added=len(self.releases_added),
            releases_removed=len(self.releases_removed),
            releases_changed=len(self.releases_changed),
            members_added=len(self.members_added),
            members_removed=len(self.members_removed),
            members_changed=len(self.members_changed),
            ally_years_added=len(self.ally_years_added),
            ally_years_removed=len(self.ally_years_removed),
            figures_changed=len(self.figures_changed),
            share_revisions=self.share_revision_count,
            crossings=len(self.crossings),
        )


# --------------------------------------------------------------------------- indexing


Key = tuple[str, int]
_Field = TypeVar("_Field", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class _Side:
    """One dataset, indexed the way a diff reads it."""

    members: dict[str, Country]
    releases: dict[str, Release]
    records: dict[str, dict[Key, SpendingRecord]]

    @classmethod
    def of(cls, data: Dataset | Snapshot) -> _Side:
        if isinstance(data, Snapshot):
            return cls(dict(data.countries), dict(data.releases), data.records)
        records: dict[str, dict[Key, SpendingRecord]] = {r.release_id: {} for r in data.releases}
        for rec in data.records:
            records.setdefault(rec.release_id, {})[(rec.iso3, rec.year)] = rec
        return cls(
            {c.iso3: c for c in data.members}, {r.release_id: r for r in data.releases}, records
        )

    def by_release(self, release_id: str) -> dict[Key, SpendingRecord]:
        return self.records.get(release_id, {})

    @property
    def newest_release(self) -> str | None:
        return max(self.releases, default=None)

    def latest_figures(self, release_id: str) -> dict[str, int]:
        """Per ally, the latest year of the release with an assessed share."""
        latest: dict[str, int] = {}
        for iso3, year in self.by_release(release_id):
            if self.assessed_share(release_id, iso3, year) is not None:
                latest[iso3] = max(year, latest.get(iso3, year))
        return latest

    @property
    def latest_year_overall(self) -> int | None:
        return max((y for by in self.records.values() for (_, y) in by), default=None)

    def assessed_share(self, release_id: str, iso3: str, year: int) -> Decimal | None:
        """The published share of an ally of that year with armed forces, else None."""
        country = self.members.get(iso3)
        rec = self.by_release(release_id).get((iso3, year))
        if country is None or rec is None or rec.pct_gdp is None:
            return None
        if not (country.has_armed_forces and country.is_ally_in(year)):
            return None
        return round_half_up(rec.pct_gdp)


def _published(value: float | bool | None, field: RecordField) -> object:
    """The value as compared: the share as published (two decimals), the rest as stored."""
    if field is RecordField.PCT_GDP and isinstance(value, float):
        return round_half_up(value)
    return value


def _changed_fields(old: FrozenModel, new: FrozenModel, fields: type[_Field]) -> tuple[_Field, ...]:
    return tuple(f for f in fields if getattr(old, f.value) != getattr(new, f.value))


# --------------------------------------------------------------------------- the diff


def diff(
    old: Dataset | Snapshot,
    new: Dataset | Snapshot,
    *,
    targets: Sequence[float] = DEFAULT_TARGETS,
    top: int = DEFAULT_TOP_REVISIONS,
) -> DatasetDiff:
    """What changes from ``old`` to ``new`` (see the module doc for the rules)."""
    if top < 0:
        raise ValueError(f"top must be 0 or more; got {top}")
    targets = tuple(dict.fromkeys(float(t) for t in targets))  # each target once
    a, b = _Side.of(old), _Side.of(new)
    shared = sorted(a.releases.keys() & b.releases.keys())

    ally_years_added: list[AllyYear] = []
    ally_years_removed: list[AllyYear] = []
    figures: list[FigureChange] = []
    years: list[YearsChange] = []
    revisions: list[ShareRevision] = []
    crossings: list[Crossing] = []
    for rid in shared:
        before, after = a.by_release(rid), b.by_release(rid)
        ally_years_added += [
            AllyYear(release_id=rid, iso3=k[0], year=k[1])
            for k in sorted(after.keys() - before.keys())
        ]
        ally_years_removed += [
            AllyYear(release_id=rid, iso3=k[0], year=k[1])
            for k in sorted(before.keys() - after.keys())
        ]
        for key in sorted(before.keys() & after.keys()):
            figures += _figure_changes(before[key], after[key])
        old_years = {year for (_, year) in before}
        new_years = {year for (_, year) in after}
        if old_years != new_years:
            years.append(
                YearsChange(
                    release_id=rid,
                    added=tuple(sorted(new_years - old_years)),
                    removed=tuple(sorted(old_years - new_years)),
                )
            )
        pairs = [(iso3, year, year) for (iso3, year) in sorted(before.keys() & after.keys())]
        revisions += _revisions(a, b, Pairing.SAME_RELEASE, rid, rid, pairs)
        crossings += _crossings(a, b, Pairing.SAME_RELEASE, rid, rid, pairs, targets)

    newest_a, newest_b = a.newest_release, b.newest_release
    if newest_a is not None and newest_b is not None:
        if newest_a != newest_b:
            keys = sorted(a.by_release(newest_a).keys() & b.by_release(newest_b).keys())
            pairs = [(iso3, year, year) for (iso3, year) in keys]
            revisions += _revisions(a, b, Pairing.NEWEST_RELEASE, newest_a, newest_b, pairs)
            crossings += _crossings(
                a, b, Pairing.NEWEST_RELEASE, newest_a, newest_b, pairs, targets
            )
        latest_a, latest_b = a.latest_figures(newest_a), b.latest_figures(newest_b)
        pairs = [
            (iso3, latest_a[iso3], latest_b[iso3])
            for iso3 in sorted(latest_a.keys() & latest_b.keys())
            if latest_a[iso3] != latest_b[iso3]
        ]
        crossings += _crossings(a, b, Pairing.LATEST_FIGURE, newest_a, newest_b, pairs, targets)

    revisions.sort(key=_revision_order)
    crossings.sort(key=_crossing_order)
    return DatasetDiff(
        targets=targets,
        releases_added=tuple(b.releases[r] for r in sorted(b.releases.keys() - a.releases.keys())),
        releases_removed=tuple(
            a.releases[r] for r in sorted(a.releases.keys() - b.releases.keys())
        ),
        releases_changed=tuple(
            ReleaseChange(release_id=r, fields=fields, old=a.releases[r], new=b.releases[r])
            for r in shared
            if (fields := _changed_fields(a.releases[r], b.releases[r], ReleaseField))
        ),
        members_added=tuple(b.members[c] for c in sorted(b.members.keys() - a.members.keys())),
        members_removed=tuple(a.members[c] for c in sorted(a.members.keys() - b.members.keys())),
        members_changed=tuple(
            MemberChange(iso3=c, fields=differ, old=a.members[c], new=b.members[c])
            for c in sorted(a.members.keys() & b.members.keys())
            if (differ := _changed_fields(a.members[c], b.members[c], MemberField))
        ),
        ally_years_added=tuple(ally_years_added),
        ally_years_removed=tuple(ally_years_removed),
        figures_changed=tuple(figures),
        years_changed=tuple(years),
        newest_release_old=newest_a,
        newest_release_new=newest_b,
        latest_year_old=a.latest_year_overall,
        latest_year_new=b.latest_year_overall,
        revisions=tuple(revisions[:top]),
        share_revision_count=len(revisions),
        crossings=tuple(crossings),
    )


def _figure_changes(old: SpendingRecord, new: SpendingRecord) -> Iterable[FigureChange]:
    for field in RecordField:
        before, after = getattr(old, field.value), getattr(new, field.value)
        if _published(before, field) != _published(after, field):
            yield FigureChange(
                release_id=new.release_id,
                iso3=new.iso3,
                year=new.year,
                field=field,
                old=before,
                new=after,
            )


def _revisions(
    a: _Side,
    b: _Side,
    pairing: Pairing,
    old_release: str,
    new_release: str,
    pairs: Iterable[tuple[str, int, int]],
) -> Iterable[ShareRevision]:
    for iso3, old_year, new_year in pairs:
        if iso3 in AGGREGATE_CODES:
            continue
        before = _any_share(a, old_release, iso3, old_year)
        after = _any_share(b, new_release, iso3, new_year)
        if before is None or after is None or before == after:
            continue
        yield ShareRevision(
            pairing=pairing,
            iso3=iso3,
            year=new_year,
            old_release_id=old_release,
            new_release_id=new_release,
            old=float(before),
            new=float(after),
            points=float(after - before),
        )


def _any_share(side: _Side, release_id: str, iso3: str, year: int) -> Decimal | None:
    """The published share of any member's record (revisions include years before accession)."""
    rec = side.by_release(release_id).get((iso3, year))
    if rec is None or rec.pct_gdp is None or iso3 not in side.members:
        return None
    return round_half_up(rec.pct_gdp)


def _crossings(
    a: _Side,
    b: _Side,
    pairing: Pairing,
    old_release: str,
    new_release: str,
    pairs: Iterable[tuple[str, int, int]],
    targets: Sequence[float],
) -> Iterable[Crossing]:
    for iso3, old_year, new_year in pairs:
        before = a.assessed_share(old_release, iso3, old_year)
        after = b.assessed_share(new_release, iso3, new_year)
        if before is None or after is None:
            continue
        for target in targets:
            was, now = judge(before, target), judge(after, target)
            if was is now:
                continue
            up = _VERDICT_ORDER.index(now) > _VERDICT_ORDER.index(was)
            yield Crossing(
                pairing=pairing,
                target=float(target),
                iso3=iso3,
                direction=Direction.UP if up else Direction.DOWN,
                old_verdict=was,
                new_verdict=now,
                old_release_id=old_release,
                old_year=old_year,
                old_share=float(before),
                new_release_id=new_release,
                new_year=new_year,
                new_share=float(after),
            )


# Sort keys that read the same from both sides, so diff(b, a) lists in diff(a, b)'s order.


def _revision_order(rev: ShareRevision) -> tuple[object, ...]:
    releases = sorted((rev.old_release_id, rev.new_release_id))
    return (-abs(rev.points), rev.iso3, rev.year, list(Pairing).index(rev.pairing), releases)


def _crossing_order(crossing: Crossing) -> tuple[object, ...]:
    """Per target, newest years first."""
    years = sorted((crossing.old_year, crossing.new_year), reverse=True)
    return (
        crossing.target,
        [-year for year in years],
        list(Pairing).index(crossing.pairing),
        crossing.iso3,
        sorted((crossing.old_release_id, crossing.new_release_id)),
    )
