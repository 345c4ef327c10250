"""Turning what a person types into an ally: names, ISO codes and aliases, any case, any accents."""

from __future__ import annotations

import unicodedata


def normalise(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key: 'Türkiye' -> 'turkiye', 'U.S.A.' -> 'usa'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = (ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join("".join(ch if ch.isalnum() else " " for ch in kept).split()).replace(" ", "")
