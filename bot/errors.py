"""Errors a user can cause; each carries what a helpful reply needs (suggestions, valid years)."""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose message is safe and useful to show to the person who asked."""


class UnknownCountry(UserFacingError):
    def __init__(self, query: str, suggestions: list[str]) -> None:
        self.query = query
        #: Display names of the closest allies, best first (may be empty).
        self.suggestions = suggestions
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"No NATO ally matches “{query}”.{hint}")


class UnknownRelease(UserFacingError):
    def __init__(self, release_id: str, known: list[str]) -> None:
        self.release_id = release_id
        self.known = known
        super().__init__(f"No release “{release_id}” is loaded. Loaded: {', '.join(known)}.")


class YearNotCovered(UserFacingError):
    def __init__(self, release_id: str, year: int, years: list[int]) -> None:
        self.release_id = release_id
        self.year = year
        self.years = years
        span = f"{years[0]}–{years[-1]}" if years else "no years"
        super().__init__(f"Release {release_id} has no figures for {year}; it covers {span}.")


class InvalidTarget(UserFacingError):
    def __init__(self, value: float) -> None:
        self.value = value
        super().__init__(f"A target must be between 0.5 and 10 % of GDP; got {value:g}.")
