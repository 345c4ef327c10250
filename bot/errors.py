"""Errors a user can cause; each carries what a helpful reply needs (suggestions, valid years)."""

from __future__ import annotations

import re

#: How much of what someone typed an error message repeats back.
ECHO_LIMIT = 60


class UserFacingError(Exception):
    """An error whose message is safe and useful to show to the person who asked."""


#: Bidirectional controls: an unclosed U+202E would reverse the rest of the bot's line.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
#: Discord's markdown: emphasis, code, spoilers, strike, links, and quote/heading/list starts.
#: Every such character (and the backslash) gets a backslash, so the echo cannot restyle the
#: reply. Kept here rather than discord.utils.escape_markdown: the pure modules that raise
#: these errors must not import discord.
_MARKDOWN = re.compile(r"([\\*_~`|>#\[\]()-])")


def echo(text: str) -> str:
    """What the user typed, quoted back at most ECHO_LIMIT characters long, neutralised: bidi
    controls stripped and markdown escaped, so it reads as typed and cannot restyle the reply."""
    text = " ".join(_BIDI_CONTROLS.sub("", text).split())
    clipped = text if len(text) <= ECHO_LIMIT else text[: ECHO_LIMIT - 1] + "…"
    return _MARKDOWN.sub(r"\\\1", clipped)


#: A backslash that ``echo`` put before a markdown character (or a backslash).
_ESCAPED = re.compile(r"\\([\\*_~`|>#\[\]()-])")


def plain(message: str) -> str:
    """A message for a terminal, where markdown means nothing: ``echo``'s escapes taken off, so
    “2024-6” reads as typed. Exact, since the sentences around an echo hold no backslash."""
    return _ESCAPED.sub(r"\1", message)


class UnknownCountry(UserFacingError):
    def __init__(self, query: str, suggestions: list[str]) -> None:
        self.query = query
        #: Display names of the closest allies, best first (may be empty).
        self.suggestions = suggestions
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"No NATO ally matches “{echo(query)}”.{hint}")


class NotAnAlly(UnknownCountry):
    """The query names a country that is not a NATO ally (so no ally matches it either)."""

    def __init__(self, query: str, name: str, partner: bool, sipri: bool) -> None:
        self.query = query
        self.suggestions = []
        #: The non-ally's display name ("Ukraine"), even when the query was a typo of it.
        self.name = name
        #: Whether it is a NATO partner country.
        self.partner = partner
        #: Whether SIPRI's Military Expenditure Database has figures for it.
        self.sipri = sipri
        message = f"{name} is not a NATO ally: NATO publishes no figures for it."
        if partner and sipri:
            message += (
                f" {name} is a NATO partner; SIPRI's Military Expenditure Database covers it."
            )
        elif partner:
            message += f" {name} is a NATO partner."
        elif sipri:
            message += " SIPRI's Military Expenditure Database covers it."
        UserFacingError.__init__(self, message)


class NotAnAllyGroup(UnknownCountry):
    """The query names a group of countries that is neither an ally nor one of NATO's
    aggregates (the European Union): says which aggregate comes nearest."""

    def __init__(self, query: str, name: str, nearest: str) -> None:
        self.query = query
        self.suggestions = []
        #: What the group is called in a sentence ("the European Union").
        self.name = name
        #: How to type NATO's nearest aggregate ("Europe & Canada").
        self.nearest = nearest
        UserFacingError.__init__(
            self,
            f"“{echo(query)}” is {name}, not a NATO ally, and NATO publishes no figures for it; "
            f"the nearest NATO figure is European allies and Canada (“{nearest}” in "
            "/country and /compare).",
        )


class AggregateNotHere(UnknownCountry):
    """The query names one of NATO's aggregates where only an ally will do (/gap, /revisions)."""

    def __init__(self, query: str, name: str) -> None:
        self.query = query
        self.suggestions = []
        #: What the replies call the aggregate ("NATO as a whole").
        self.name = name
        UserFacingError.__init__(
            self,
            f"“{echo(query)}” is {name}, NATO's own aggregate, not an ally: "
            "/country and /compare show it; this command needs an ally.",
        )


class UnknownListItem(UnknownCountry):
    """One part of a list of allies matches nothing; says how a list is written."""

    def __init__(self, query: str, suggestions: list[str], example: str) -> None:
        self.query = query
        self.suggestions = suggestions
        #: A list written the accepted way ("pl, de, fr").
        self.example = example
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        UserFacingError.__init__(
            self,
            f"“{echo(query)}” matches no NATO ally.{hint}"
            f" Separate allies with commas, e.g. {example}.",
        )


class UnknownRelease(UserFacingError):
    def __init__(self, release_id: str, known: list[str]) -> None:
        self.release_id = release_id
        self.known = known
        super().__init__(f"No release “{echo(release_id)}” is loaded. Loaded: {', '.join(known)}.")


def span(years: list[int]) -> str:
    """'2014–2024', 'only 2023', 'no years'."""
    if not years:
        return "no years"
    return f"only {years[0]}" if years[0] == years[-1] else f"{years[0]}–{years[-1]}"


class YearNotCovered(UserFacingError):
    def __init__(self, release_id: str, year: int, years: list[int]) -> None:
        self.release_id = release_id
        self.year = year
        self.years = years
        super().__init__(
            f"Release {release_id} has no figures for {year}; it covers {span(years)}."
        )


class InvalidTarget(UserFacingError):
    """A target outside ``low``–``high`` % of GDP: the raiser passes the range it checked
    (the targets registry's), so this module needs nothing from it; ``hint`` follows the
    range (the registry's pointer for a target of another measure)."""

    def __init__(self, value: float, low: float, high: float, hint: str = "") -> None:
        self.value = value
        message = f"A target must be between {low:g} and {high:g} % of GDP; got {value:g}."
        super().__init__(f"{message} {hint}" if hint else message)


class AmbiguousRelease(UserFacingError):
    """What was typed fits several loaded releases ("2025": the annual report and the tables)."""

    def __init__(self, text: str, matches: list[str]) -> None:
        self.text = text
        #: The release ids it fits, oldest first.
        self.matches = matches
        count = _COUNT_WORDS.get(len(matches), str(len(matches)))
        super().__init__(f"{echo(text)} has {count} releases: {', '.join(matches)}. Pick one.")


_COUNT_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
