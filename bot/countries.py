"""Turning what a person types into an ally: names, ISO codes and aliases, any case, any accents."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from rapidfuzz import fuzz, process

from bot.errors import UnknownCountry
from bot.models import Country, Snapshot


def normalise(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key: 'Türkiye' -> 'turkiye', 'U.S.A.' -> 'usa'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = (ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join("".join(ch if ch.isalnum() else " " for ch in kept).split()).replace(" ", "")


# --------------------------------------------------------------------------- the alias table


def alias_entries(
    members: Iterable[Country], aliases: Mapping[str, str]
) -> list[tuple[str, str, str]]:
    """(normalised alias, iso3, as written) for the given allies: aliases, names and codes.

    ``aliases`` maps a raw alias to an iso3 (``db/data/aliases.csv``); aliases of countries that
    are not among ``members`` are left out. Names and codes come last so that, should an alias
    collide with one, the name wins.
    """
    allies = list(members)
    codes = {c.iso3 for c in allies}
    entries = [(normalise(raw), iso3, raw) for raw, iso3 in aliases.items() if iso3 in codes]
    for country in allies:
        entries.append((normalise(country.name), country.iso3, country.name))
        entries.append((normalise(country.iso3), country.iso3, country.iso3))
    return [entry for entry in entries if entry[0]]


def alias_table(members: Iterable[Country], aliases: Mapping[str, str]) -> dict[str, str]:
    """Normalised alias -> iso3 for the given allies: what ``Snapshot.aliases`` holds.

    Pure, so a dataset that is not stored yet (a dry run, a diff) can be indexed too.
    """
    return {key: iso3 for key, iso3, _ in alias_entries(members, aliases)}


# --------------------------------------------------------------------------- lookups

#: How alike (0-100, rapidfuzz WRatio) a name must be to be suggested or offered. Typos of a
#: real name score 80 or more ("spian" 80, "polnad" 83, "germny" 92, "untied kingdom" 92);
#: other places stay below ("narnia" 72 for Lithuania, "greenland" 72, "atlantis" 67).
FUZZY_CUTOFF = 80.0
_SUGGESTIONS = 3
_CODE_LENGTH = 3
#: What separates allies in a list like "pl, de, fr".
_LIST_SEPARATORS = re.compile(r"[,;]")


def resolve(snap: Snapshot, query: str) -> Country:
    """The ally a name, code or alias means (any case, accents, punctuation).

    Raises ``UnknownCountry`` with up to three close names when nothing matches exactly.
    """
    iso3 = snap.aliases.get(normalise(query))
    if iso3 is not None and iso3 in snap.countries:
        return snap.countries[iso3]
    raise UnknownCountry(query.strip(), suggest(snap, query))


def suggest(snap: Snapshot, query: str, limit: int = _SUGGESTIONS) -> list[str]:
    """Display names of the allies ``query`` may mean, best first: names and aliases it begins,
    then close spellings. Empty when nothing is close: better no suggestion than a wild one."""
    return [c.name for c in _candidates(snap, normalise(query), limit)]


def resolve_many(snap: Snapshot, text: str) -> list[Country]:
    """Allies from a comma- or semicolon-separated list, in order, each once."""
    found: dict[str, Country] = {}
    for part in _LIST_SEPARATORS.split(text):
        if part.strip():
            country = resolve(snap, part)
            found.setdefault(country.iso3, country)
    return list(found.values())


def autocomplete(snap: Snapshot, current: str, limit: int = 25) -> list[Country]:
    """Allies to offer while someone types: name prefixes, then alias prefixes, then fuzzy.

    Empty input offers every ally alphabetically. Never more than ``limit``. Called on every
    keystroke, so it only scans the (small) alias table once and fuzzes only if still short.
    """
    if limit <= 0:
        return []
    key = normalise(current)
    if not key:
        return sorted(snap.countries.values(), key=lambda c: c.name)[:limit]
    return _candidates(snap, key, limit)


def _candidates(snap: Snapshot, key: str, limit: int) -> list[Country]:
    """Allies for a normalised ``key``: name prefixes, then alias prefixes, then close spellings."""
    if not key or limit <= 0:
        return []
    chosen: dict[str, Country] = {}
    for country in sorted(snap.countries.values(), key=lambda c: c.name):
        if normalise(country.name).startswith(key):
            chosen.setdefault(country.iso3, country)
    for alias, iso3 in sorted(snap.aliases.items()):
        if alias.startswith(key) and iso3 in snap.countries:
            chosen.setdefault(iso3, snap.countries[iso3])
    if len(chosen) < limit:
        for country in _fuzzy(snap, key, limit):
            chosen.setdefault(country.iso3, country)
    return list(chosen.values())[:limit]


def _fuzzy(snap: Snapshot, key: str, limit: int) -> list[Country]:
    """Allies whose name or alias is close to the normalised ``key``, best first, each once."""
    # A key of three letters or fewer scores 90 inside almost any name (WRatio matches
    # substrings): such keys get prefixes only.
    if len(key) <= _CODE_LENGTH:
        return []
    # Extract more than needed: several aliases may point at the same ally.
    # Two- and three-letter codes only match exactly: fuzzed, they match almost anything.
    matches = process.extract(
        key,
        [alias for alias in snap.aliases if len(alias) > _CODE_LENGTH],
        scorer=fuzz.WRatio,
        limit=limit * 4,
        score_cutoff=FUZZY_CUTOFF,
    )
    found: dict[str, Country] = {}
    for alias, _score, _index in matches:
        iso3 = snap.aliases[alias]
        if iso3 in snap.countries:
            found.setdefault(iso3, snap.countries[iso3])
        if len(found) == limit:
            break
    return list(found.values())
