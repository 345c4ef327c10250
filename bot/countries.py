"""Turning what a person types into an ally: names, ISO codes and aliases, any case, any accents."""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources

from rapidfuzz import fuzz, process

from bot.analytics import aggregate_country
from bot.errors import (
    AggregateNotHere,
    NotAnAlly,
    NotAnAllyGroup,
    UnknownCountry,
    UnknownListItem,
)
from bot.models import NATO_EUR_CAN, NATO_TOTAL, Country, Snapshot

#: Letters Unicode does not decompose into a base letter and an accent, folded by hand so that
#: 'Łotwa', 'Hırvatistan' or 'Włochy' match what people type on a plain keyboard.
_UNDECOMPOSED = str.maketrans({"ł": "l", "ı": "i", "ø": "o", "đ": "d", "ħ": "h", "æ": "ae"})


def normalise(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key: 'Türkiye' -> 'turkiye', 'U.S.A.' -> 'usa'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_UNDECOMPOSED))
    kept = (ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join("".join(ch if ch.isalnum() else " " for ch in kept).split()).replace(" ", "")


# --------------------------------------------------------------------------- bundled name tables

NON_ALLIES_FILE = "non_allies.csv"
PARTS_FILE = "parts.csv"


@dataclass(frozen=True, slots=True)
class NonAlly:
    """A country people ask about that is not a NATO ally (a row of ``non_allies.csv``)."""

    iso3: str
    name: str
    #: A NATO partner country (Partnership for Peace, Mediterranean Dialogue, Istanbul
    #: Cooperation Initiative or partners across the globe).
    partner: bool
    #: SIPRI's Military Expenditure Database has figures for it (a pointer for the reply).
    sipri: bool


def _bundled_csv(filename: str) -> Iterator[dict[str, str]]:
    text = resources.files("db").joinpath("data", filename).read_text(encoding="utf-8")
    yield from csv.DictReader(io.StringIO(text))


@functools.cache
def non_allies() -> dict[str, NonAlly]:
    """Normalised name or alias (codes included) -> the non-ally it names (non_allies.csv)."""
    table: dict[str, NonAlly] = {}
    for row in _bundled_csv(NON_ALLIES_FILE):
        for column in ("partner", "sipri"):
            if row[column] not in ("true", "false"):
                raise ValueError(
                    f"{NON_ALLIES_FILE}: {column} of {row['name']} must be true or false"
                )
        country = NonAlly(
            row["iso3"], row["name"], row["partner"] == "true", row["sipri"] == "true"
        )
        # The ISO code is not a key by itself: Andorra's, AND, is a word.
        for raw in [row["name"], *row["aliases"].split("|")]:
            key = normalise(raw)
            if key and table.get(key, country) != country:
                raise ValueError(f"{NON_ALLIES_FILE}: {raw!r} names {table[key].name} too")
            if key:
                table[key] = country
    return table


@functools.cache
def ally_parts() -> dict[str, str]:
    """Normalised name of a part of an ally -> the ally's iso3 (db/data/parts.csv).

    England is not the United Kingdom, so it is no alias of it; but NATO's figures for the
    United Kingdom are what someone asking about England will find.
    """
    return {normalise(row["part"]): row["iso3"] for row in _bundled_csv(PARTS_FILE)}


#: What people type for NATO's own aggregate rows, by the row's code; the first is what a
#: "did you mean" offers. Aggregates are not allies: only the commands that show one
#: (/country, /compare) look these up.
AGGREGATE_TYPED: dict[str, tuple[str, ...]] = {
    NATO_TOTAL: (
        "NATO",
        "alliance",
        "the alliance",
        "all allies",
        "NATO total",
        "NATO as a whole",
    ),
    NATO_EUR_CAN: (
        "Europe & Canada",
        "Europe and Canada",
        "European allies and Canada",
        "European allies & Canada",
        "NATO Europe and Canada",
        "NATO Europe & Canada",
        "Europe+Canada",
    ),
}
#: The same, normalised -> the row's code.
AGGREGATE_ALIASES: dict[str, str] = {
    normalise(raw): code for code, names in AGGREGATE_TYPED.items() for raw in names
}

#: What people type for the European Union, normalised: neither an ally nor a row of NATO's
#: tables; the reply points to the nearest one, European allies and Canada.
EUROPEAN_UNION: frozenset[str] = frozenset(
    normalise(raw)
    for raw in (
        "EU",
        "the EU",
        "European Union",
        "the European Union",
        "UE",
        "Union européenne",
        "Europäische Union",
        "Unia Europejska",
        "Unión Europea",
        "Unione europea",
        "Europese Unie",
        "Avrupa Birliği",
        "União Europeia",
    )
)


def aggregate_of(query: str) -> Country | None:
    """NATO's aggregate (as a profile subject) that ``query`` names, if any."""
    code = AGGREGATE_ALIASES.get(normalise(query))
    return None if code is None else aggregate_country(code)


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

#: How alike (0-100, rapidfuzz ratio of the normalised keys) a name must be to be suggested or
#: offered. Typos of a real name score 80 or more ("spian" 80, "polnad" 83, "germny" 92,
#: "untied kingdom" 92, "ukriane" 86); other places stay below ("narnia" 77 for Armenia,
#: "hello" 73 for Hellas, "atlantis" 67). Not WRatio: with names in many languages, its
#: partial matching finds "hello" inside "Hellenic Republic".
FUZZY_CUTOFF = 80.0
_SUGGESTIONS = 3
_CODE_LENGTH = 3
#: Separators that never occur inside a name.
_LIST_SEPARATORS = re.compile(r"[,;+/]")
#: Words that separate allies in "Poland vs Germany", unless part of a name ("Bosnia and …"),
#: and "the" of "Poland and the UK" (kept in "The Netherlands").
_SEPARATOR_WORDS = frozenset({"", "and", "vs", "v", "versus", "the"})
#: "&" separates like "and"; split it off even when written without spaces ("pl&de").
_WORDS = re.compile(r"&|[^\s&]+")
#: The longest name, in words, looked for in a list ("Democratic People's Republic of Korea").
_LONGEST_NAME_WORDS = 6
#: How the error for an unknown part of a list shows the accepted form.
LIST_EXAMPLE = "pl, de, fr"


def resolve(snap: Snapshot, query: str, *, aggregates: bool = False) -> Country:
    """The ally a name, code or alias means (any case, accents, punctuation); with
    ``aggregates``, "NATO" or "Europe & Canada" give NATO's aggregate rows too.

    Exact matches first: an ally's name, code or alias, then a part of an ally ("England"),
    then a non-ally ("Ukraine" raises ``NotAnAlly``). Otherwise, close spellings of allies
    raise ``UnknownCountry`` with up to three suggestions, unless a non-ally is closer
    ("ukriane" raises ``NotAnAlly``; on a tie, "rieland", the ally is suggested).
    """
    key = normalise(query)
    ally = _exact_ally(snap, key)
    if ally is not None:
        return ally
    whole = aggregate_of(query)
    if whole is not None:
        if aggregates:
            return whole
        raise AggregateNotHere(query.strip(), whole.name)
    if key in EUROPEAN_UNION:
        raise NotAnAllyGroup(query.strip(), "the European Union", AGGREGATE_TYPED[NATO_EUR_CAN][0])
    non_ally = non_allies().get(key)
    if non_ally is not None:
        raise NotAnAlly(query.strip(), non_ally.name, non_ally.partner, non_ally.sipri)
    close = _fuzzy_non_ally(key)
    if close is not None and close[1] > _best_ally_score(snap, key):
        raise NotAnAlly(query.strip(), close[0].name, close[0].partner, close[0].sipri)
    raise UnknownCountry(query.strip(), suggest(snap, query, aggregates=True))


def suggest(
    snap: Snapshot, query: str, limit: int = _SUGGESTIONS, *, aggregates: bool = False
) -> list[str]:
    """Display names of the allies ``query`` may mean, best first: names and aliases it begins,
    then close spellings. Empty when nothing is close: better no suggestion than a wild one.
    With ``aggregates``, NATO's aggregates it begins or nearly spells come first, as typed
    ("europe": Europe & Canada); a command that needs an ally then says where they show."""
    key = normalise(query)
    wholes = _aggregates_close_to(key) if aggregates else []
    return (wholes + [c.name for c in _candidates(snap, key, limit)])[:limit]


def _aggregates_close_to(key: str) -> list[str]:
    """How to type each aggregate one of whose names begins with ``key``, or nearly does
    ("europa", "natoo"): what someone would have typed next, whole or misspelt."""
    if len(key) <= _CODE_LENGTH:  # "eu", "na": too short to mean one
        return []
    scores: dict[str, float] = {}
    for alias, code in AGGREGATE_ALIASES.items():
        scores[code] = max(scores.get(code, 0.0), fuzz.ratio(key, alias[: len(key)]))
    best = max(scores.values())
    return [AGGREGATE_TYPED[c][0] for c, score in scores.items() if score == best >= FUZZY_CUTOFF]


def resolve_many(snap: Snapshot, text: str, *, aggregates: bool = False) -> list[Country]:
    """Allies from a list, in order, each once: "pl, de, fr", "Poland vs Germany", "us uk".

    Commas, semicolons, "+" and "/" always separate; within what they separate, the longest
    names are matched first, so "United Kingdom" and "Bosnia and Herzegovina" stay whole while
    spaces, "and", "&" and "vs" separate the rest. A part that names a non-ally raises
    ``NotAnAlly``; one that names nothing raises ``UnknownListItem`` naming it. With
    ``aggregates``, NATO's aggregate rows may be named too ("Poland vs NATO").
    """
    found: dict[str, Country] = {}
    for chunk in _LIST_SEPARATORS.split(text):
        for country in _resolve_words(snap, _WORDS.findall(chunk), aggregates):
            found.setdefault(country.iso3, country)
    return list(found.values())


@dataclass(frozen=True, slots=True, eq=False)
class LocalNames:
    """The allies' names in one reader's language, keyed for matching once, not on every
    keystroke."""

    #: iso3 -> the name as written ('Niemcy').
    shown: Mapping[str, str]
    #: normalised name -> iso3 ('niemcy' -> 'DEU').
    keys: Mapping[str, str]
    #: (normalised name, iso3), alphabetically (accents ignored: 'Çekya' among the Cs).
    order: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, shown: Mapping[str, str]) -> LocalNames:
        keys = {normalise(name): iso3 for iso3, name in shown.items()}
        return cls(dict(shown), keys, tuple(sorted(keys.items())))


def autocomplete(
    snap: Snapshot, current: str, limit: int = 25, names: LocalNames | None = None
) -> list[Country]:
    """Allies to offer while someone types: name prefixes, then alias prefixes, then fuzzy.

    ``names``, the allies' names in the reader's language, are matched first and order the
    list; today's names, exonyms and codes still match. Empty input offers every
    ally alphabetically. Never more than ``limit``. Called on every keystroke, so it only
    scans the (small) alias table once and fuzzes only if still short. Never offers a
    non-ally: only allies have figures to show.
    """
    if limit <= 0:
        return []
    key = normalise(current)
    if not key:
        return _by_name(snap, names)[:limit]
    return _candidates(snap, key, limit, names)


def _by_name(snap: Snapshot, names: LocalNames | None) -> list[Country]:
    """Every ally, alphabetically by its name in the reader's language."""
    if names is None or not names.shown:
        return sorted(snap.countries.values(), key=lambda c: c.name)
    local = [snap.countries[iso3] for _, iso3 in names.order if iso3 in snap.countries]
    others = [c for c in snap.countries.values() if c.iso3 not in names.shown]
    return local + sorted(others, key=lambda c: c.name)


def _exact_ally(snap: Snapshot, key: str) -> Country | None:
    """The ally a normalised name, code, alias or part names exactly."""
    iso3 = snap.aliases.get(key) or ally_parts().get(key)
    return snap.countries.get(iso3) if iso3 is not None else None


def _ally_keys(snap: Snapshot) -> dict[str, str]:
    """Normalised key -> iso3 of every ally's name, code, alias and part."""
    return {**ally_parts(), **snap.aliases}


def _resolve_words(snap: Snapshot, words: list[str], aggregates: bool) -> Iterator[Country]:
    """The allies in a run of words, longest names first; separator words are skipped."""
    keys = [normalise(word) for word in words]
    start = 0
    while start < len(words):
        end = _longest_name_at(snap, keys, start, aggregates)
        if end is not None:
            yield resolve(snap, " ".join(words[start:end]), aggregates=aggregates)
            start = end
        elif keys[start] in _SEPARATOR_WORDS:
            start += 1
        else:
            # Unknown words run on until a name starts: "untied kingdom" is one typo, not two.
            end = start + 1
            while end < len(words) and _longest_name_at(snap, keys, end, aggregates) is None:
                end += 1
            while keys[end - 1] in _SEPARATOR_WORDS:
                end -= 1
            yield _resolve_list_item(snap, words[start:end])
            start = end


def _longest_name_at(snap: Snapshot, keys: list[str], start: int, aggregates: bool) -> int | None:
    """End (exclusive) of the longest run of words from ``start`` that names a country."""
    if keys[start] in _SEPARATOR_WORDS:
        return None  # a name may contain "and" ("Bosnia and Herzegovina"), never start with it
    for end in range(min(len(keys), start + _LONGEST_NAME_WORDS), start, -1):
        key = "".join(keys[start:end])
        if _exact_ally(snap, key) is not None or key in non_allies() or key in EUROPEAN_UNION:
            return end
        if aggregates and key in AGGREGATE_ALIASES:
            return end
    return None


def _resolve_list_item(snap: Snapshot, words: list[str]) -> Country:
    """Unmatched words of a list: a non-ally's close spelling ("ukriane"), or an error naming them.

    The words are tried whole first ("Trinidad and Tobago", "untied kingdom"); when that finds
    nothing close, the pieces between separator words are, so "germny and narnia" still
    suggests Germany.
    """
    pieces = [words]
    piece: list[str] = []
    for word in words:
        if normalise(word) in _SEPARATOR_WORDS:
            pieces.append(piece)
            piece = []
        else:
            piece.append(word)
    pieces.append(piece)
    first: UnknownCountry | None = None
    for candidate in (p for p in pieces if p):
        try:
            return resolve(snap, " ".join(candidate))
        except (NotAnAlly, NotAnAllyGroup):
            raise
        except UnknownCountry as unknown:
            if unknown.suggestions:
                raise UnknownListItem(unknown.query, unknown.suggestions, LIST_EXAMPLE) from None
            first = first or unknown
    assert first is not None  # words is never empty
    raise UnknownListItem(first.query, [], LIST_EXAMPLE)


def _candidates(
    snap: Snapshot, key: str, limit: int, names: LocalNames | None = None
) -> list[Country]:
    """Allies for a normalised ``key``: name prefixes (in the reader's language first), then
    alias prefixes, then close spellings."""
    if not key or limit <= 0:
        return []
    chosen: dict[str, Country] = {}
    if names is not None:
        for name, iso3 in names.order:
            if iso3 in snap.countries and name.startswith(key):
                chosen.setdefault(iso3, snap.countries[iso3])
    for country in sorted(snap.countries.values(), key=lambda c: c.name):
        if normalise(country.name).startswith(key):
            chosen.setdefault(country.iso3, country)
    for alias, iso3 in sorted(snap.aliases.items()):
        if alias.startswith(key) and iso3 in snap.countries:
            chosen.setdefault(iso3, snap.countries[iso3])
    if len(chosen) < limit:
        for country in _fuzzy(snap, key, limit, names):
            chosen.setdefault(country.iso3, country)
    return list(chosen.values())[:limit]


def _fuzzy_matches(key: str, table: Mapping[str, object], limit: int) -> list[tuple[str, float]]:
    """(key of ``table``, score) close to the normalised ``key``, best first; codes excluded."""
    # Two or three letters are close to too many names and codes: such keys get prefixes only,
    # and codes only match exactly.
    if len(key) <= _CODE_LENGTH:
        return []
    matches = process.extract(
        key,
        [name for name in table if len(name) > _CODE_LENGTH],
        scorer=fuzz.ratio,
        limit=limit,
        score_cutoff=FUZZY_CUTOFF,
    )
    return [(name, score) for name, score, _index in matches]


def _fuzzy(snap: Snapshot, key: str, limit: int, names: LocalNames | None = None) -> list[Country]:
    """Allies whose name (in the reader's language too), alias or part is close to the
    normalised ``key``, best first, once."""
    table = {**names.keys, **_ally_keys(snap)} if names else _ally_keys(snap)
    found: dict[str, Country] = {}
    # Extract more than needed: several aliases may point at the same ally.
    for alias, _score in _fuzzy_matches(key, table, limit * 4):
        iso3 = table[alias]
        if iso3 in snap.countries:
            found.setdefault(iso3, snap.countries[iso3])
        if len(found) == limit:
            break
    return list(found.values())


def _best_ally_score(snap: Snapshot, key: str) -> float:
    """How well the best ally fits the normalised ``key``: 100 for a name or alias it begins."""
    if any(alias.startswith(key) for alias in snap.aliases):
        return 100.0
    best = _fuzzy_matches(key, _ally_keys(snap), 1)
    return best[0][1] if best else 0.0


def _fuzzy_non_ally(key: str) -> tuple[NonAlly, float] | None:
    """The non-ally whose name or alias is closest to the normalised ``key``, and how close."""
    table = non_allies()
    best = _fuzzy_matches(key, table, 1)
    return (table[best[0][0]], best[0][1]) if best else None
