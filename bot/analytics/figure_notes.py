"""Figures with known doubts, as the data notes (``db/data/SOURCES.md``) name them.

A release file holds a number, not how sure anyone is of it; the notes say which press figures
are single-sourced, shown to fewer decimals than NATO's two, or possibly never published by
NATO. A note holds only while the stored figure is still the one it was written for: a release
file corrected (reloaded with another value) loses it.
"""

from __future__ import annotations

from enum import StrEnum

from bot.analytics._common import round_half_up
from bot.models import FrozenModel, SpendingRecord


class Doubt(StrEnum):
    #: Reported by one outlet (or one extraction) only.
    SINGLE_SOURCE = "single_source"
    #: Reported by most outlets, but one says NATO published no such figure (Germany's 2025
    #: estimate in 2025-08, while its budget was pending).
    MAY_BE_UNPUBLISHED = "may_be_unpublished"


class FigureNote(FrozenModel):
    """What is known to be uncertain about one published share."""

    doubt: Doubt
    #: The decimals the figure was given to (the Netherlands' 2.5: one); NATO publishes two.
    decimals: int = 2


_SINGLE = FigureNote(doubt=Doubt.SINGLE_SOURCE)

#: (release, ally, year) -> (the share the note was written for, the note).
NOTES: dict[tuple[str, str, int], tuple[float, FigureNote]] = {
    ("2025-08", "DEU", 2025): (2.0, FigureNote(doubt=Doubt.MAY_BE_UNPUBLISHED)),
    ("2025-08", "NLD", 2025): (2.5, FigureNote(doubt=Doubt.SINGLE_SOURCE, decimals=1)),
    ("2025-08", "NOR", 2025): (3.35, _SINGLE),
    ("2025-08", "FRA", 2025): (2.05, _SINGLE),
    ("2025-08", "GRC", 2025): (2.85, _SINGLE),
    ("2025-08", "ROU", 2025): (2.28, _SINGLE),
    ("2025-08", "BGR", 2025): (2.06, _SINGLE),
    ("2025-08", "HUN", 2025): (2.06, _SINGLE),
    ("2025-08", "HRV", 2025): (2.03, _SINGLE),
    ("2025-08", "ALB", 2023): (1.75, _SINGLE),
    ("2025-08", "ALB", 2024): (1.70, _SINGLE),
}


def figure_note(rec: SpendingRecord | None) -> FigureNote | None:
    """The note on a record's share, while the share is the one the note was written for."""
    if rec is None or rec.pct_gdp is None:
        return None
    found = NOTES.get((rec.release_id, rec.iso3, rec.year))
    if found is None or round_half_up(rec.pct_gdp) != round_half_up(found[0]):
        return None
    return found[1]
