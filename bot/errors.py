"""Errors a user can cause; each carries what a helpful reply needs (suggestions, valid years)."""

from __future__ import annotations

#: How much of what someone typed an error message repeats back.
ECHO_LIMIT = 60


class UserFacingError(Exception):
    """An error whose message is safe and useful to show to the person who asked."""


def echo(text: str) -> str:
    """What the user typed, quoted back at most ECHO_LIMIT characters long."""
    text = " ".join(text.split())
    return text if len(text) <= ECHO_LIMIT else text[: ECHO_LIMIT - 1] + "…"


class UnknownCountry(UserFacingError):
    def __init__(self, query: str, suggestions: list[str]) -> None:
        self.query = query
        #: Display names of the closest allies, best first (may be empty).
        self.suggestions = suggestions
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"No NATO ally matches “{echo(query)}”.{hint}")


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
    def __init__(self, value: float, low: float | None = None, high: float | None = None) -> None:
        if low is None or high is None:
            # The range lives in the targets registry, which itself raises this error.
            from bot.analytics.targets import MAX_TARGET, MIN_TARGET

            low, high = MIN_TARGET, MAX_TARGET
        self.value = value
        super().__init__(f"A target must be between {low:g} and {high:g} % of GDP; got {value:g}.")
