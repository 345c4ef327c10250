"""What a person types into a loaded NATO release: "2024-6", "June 2024", "2025", "latest"."""

from __future__ import annotations

import re

from bot.errors import AmbiguousRelease, UnknownRelease
from bot.models import Release, Snapshot

#: English month names; the release ids are ``YYYY-MM``. (Not ``calendar``: it follows the locale.)
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
#: Words that mean the newest loaded release.
NEWEST_WORDS = frozenset({"latest", "newest", "last", "current", "new"})
_SEPARATOR = r"\s*[-/.\s]\s*"
_YEAR_MONTH = re.compile(rf"(\d{{4}}){_SEPARATOR}(\d{{1,2}})(?:{_SEPARATOR}\d{{1,2}})?")
_MONTH_YEAR = re.compile(rf"(\d{{1,2}}){_SEPARATOR}(\d{{4}})")
_YEAR = re.compile(r"\d{4}")
_WORDS = re.compile(r"[a-z]+|\d+")
#: At least this much of a month's name is a month ("jun", "sept").
_MONTH_PREFIX = 3


def resolve_release(snap: Snapshot, text: str) -> Release:
    """The loaded release ``text`` names: ``2024-06``, ``2024-6``, ``2024/06``, ``June 2024``,
    ``jun 2024``, ``6/2024``, a year with one release (``2026``), or ``latest``/``newest``.

    A year with several releases raises ``AmbiguousRelease`` listing them; anything else
    raises ``UnknownRelease`` with the loaded ids.
    """
    matches = _matches(snap, text)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise AmbiguousRelease(text.strip(), [r.release_id for r in matches])
    raise UnknownRelease(text.strip(), list(snap.releases))


def release_choices(snap: Snapshot, current: str) -> list[Release]:
    """Releases to offer while someone types, newest first.

    Empty input offers every release; otherwise the releases what was typed names (all of a
    year's for ``2025``), else those whose id or month begins with it (``2024-0``, ``jun``),
    else those whose title mentions it (``annual``).
    """
    newest_first = list(reversed(snap.releases.values()))
    typed = current.strip().casefold()
    if not typed:
        return newest_first
    matches = _matches(snap, typed)
    if matches:
        return list(reversed(matches))
    return [r for r in newest_first if _begins(r, typed)] or [
        r for r in newest_first if typed in r.title.casefold()
    ]


def _matches(snap: Snapshot, text: str) -> list[Release]:
    """Every loaded release ``text`` names, oldest first (several only for a bare year)."""
    typed = text.strip().casefold()
    if typed in NEWEST_WORDS and snap.releases:
        return [snap.newest_release]
    release_id = _release_id(typed)
    if release_id is not None:
        return [snap.releases[release_id]] if release_id in snap.releases else []
    if _YEAR.fullmatch(typed):
        return [r for r in snap.releases.values() if r.release_id.startswith(f"{typed}-")]
    return []


def _release_id(typed: str) -> str | None:
    """``YYYY-MM`` for a year and a month written any of the accepted ways, else None."""
    year: str | None = None
    month: int | None = None
    if found := _YEAR_MONTH.fullmatch(typed):
        year, month = found[1], int(found[2])
    elif found := _MONTH_YEAR.fullmatch(typed):
        month, year = int(found[1]), found[2]
    else:
        words = _WORDS.findall(typed)
        if len(words) == 2:
            first, second = words
            name, year = (first, second) if second.isdigit() else (second, first)
            month = _month_number(name)
    if year is None or month is None or not 1 <= month <= 12 or not _YEAR.fullmatch(year):
        return None
    return f"{year}-{month:02d}"


def _month_number(word: str) -> int | None:
    """1-12 for an English month name or its abbreviation of three letters or more."""
    if len(word) < _MONTH_PREFIX or not word.isalpha():
        return None
    for number, name in enumerate(MONTHS, start=1):
        if name.startswith(word):
            return number
    return None


def _begins(release: Release, typed: str) -> bool:
    """Whether the release id, or its month's name, begins with what was typed."""
    if release.release_id.startswith(typed.replace("/", "-")):
        return True
    month = MONTHS[int(release.release_id[5:7]) - 1]
    return typed.isalpha() and month.startswith(typed)
