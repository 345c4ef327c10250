"""/revisions: one ally-year as every loaded release published it.

One measure across all releases: NATO renamed it "core defence expenditure" at the Hague summit,
but it is the same agreed definition, so every change between releases is a revision.
"""

from __future__ import annotations

from itertools import pairwise

from bot.analytics._common import NoFigures, country_of, dec, rounded_share
from bot.analytics.figure_notes import FigureNote, figure_note
from bot.errors import span
from bot.models import Country, FrozenModel, Provenance, Release, Snapshot


class RevisionRow(FrozenModel):
    release: Release
    share: float | None
    share_rounded: float | None
    estimate: bool
    #: Where this release's figure was read (None when it publishes none).
    provenance: Provenance | None = None
    #: What the data notes doubt about the share (a single press report, say).
    note: FigureNote | None = None


class RevisionChange(FrozenModel):
    """How far the published share moved from one release to the next that publishes it."""

    before: RevisionRow
    after: RevisionRow
    #: ``after`` minus ``before``, rounded shares.
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
    def changes(self) -> tuple[RevisionChange, ...]:
        """Each published share against the one before it."""
        shown = self.published_rows
        out = []
        for before, after in pairwise(shown):
            assert before.share_rounded is not None and after.share_rounded is not None
            points = dec(after.share_rounded) - dec(before.share_rounded)
            out.append(RevisionChange(before=before, after=after, points=float(points)))
        return tuple(out)

    @property
    def renamed_in(self) -> Release | None:
        """The first release shown that calls the measure by a new name (core), if any."""
        first = self.rows[0].release.basis if self.rows else None
        return next((r.release for r in self.rows if r.release.basis != first), None)


def _revisions_year(snap: Snapshot, country: Country) -> int:
    """The latest year published by at least two releases, else the latest published."""
    counts: dict[int, int] = {}
    for rid in snap.releases:
        for rec in snap.series(rid, country.iso3):
            if rec.pct_gdp is not None:
                counts[rec.year] = counts.get(rec.year, 0) + 1
    if not counts:
        raise NoFigures(f"No loaded release publishes a share of GDP for {country.name}.")
    twice = [year for year, n in counts.items() if n >= 2]
    return max(twice or counts)


def revisions(snap: Snapshot, iso3: str, *, year: int | None = None) -> Revisions:
    """How each loaded release published one ally-year, oldest release first."""
    country = country_of(snap, iso3)
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
                provenance=None if share is None or found is None else found.provenance,
                note=figure_note(found),
            )
        )
    if not rows:
        covered = sorted({y for rid in snap.releases for y in snap.years(rid)})
        raise NoFigures(f"No loaded release covers {year}; together they cover {span(covered)}.")
    return Revisions(country=country, year=year, rows=tuple(rows))
