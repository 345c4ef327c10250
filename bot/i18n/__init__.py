"""The allies' languages: catalogs, which one answers, and numbers, dates and names as each
language writes them. Pure: no Discord, no I/O beyond reading the bundled catalogs.

``bot/locales`` holds one gettext catalog per language (docs/TRANSLATING.md); the messages are
marked for extraction with ``N_`` / ``gettext`` / ``ngettext`` / ``pgettext`` below.
"""

from __future__ import annotations

from bot.i18n import catalogs
from bot.i18n.locales import ALLIED_LOCALES, ENGLISH, Language, negotiate, shipped_discord_locales

__all__ = [
    "ALLIED_LOCALES",
    "ENGLISH",
    "N_",
    "Language",
    "allies",
    "gettext",
    "lookup",
    "negotiate",
    "ngettext",
    "pgettext",
    "shipped_discord_locales",
]


def N_(message: str) -> str:  # gettext's own name for "mark now, translate where shown"
    """Marks a message for extraction where it is defined; translated where it is shown."""
    return message


def gettext(language: Language, message: str) -> str:
    return catalogs.translations(language.catalog).gettext(message)


def pgettext(language: Language, context: str, message: str) -> str:
    translated = catalogs.translations(language.catalog).pgettext(context, message)
    return translated if isinstance(translated, str) else message


def ngettext(language: Language, singular: str, plural: str, n: int) -> str:
    """The form for ``n`` by the catalog's own plural rule (Polish and Czech have three)."""
    return catalogs.translations(language.catalog).ngettext(singular, plural, n)


def lookup(catalog: str, context: str | None, message: str) -> str | None:
    """A message's translation in a catalog, or None when it has none (or only a fuzzy one)."""
    if catalog == catalogs.SOURCE:
        return message
    found = catalogs.read(catalog).get(message, context)
    if found is None or found.fuzzy or not isinstance(found.string, str) or not found.string:
        return None
    return found.string


def allies(language: Language, n: int) -> str:
    """'1 ally', '5 allies'; '22 państwa sojusznicze' but '25 państw sojuszniczych'."""
    return ngettext(language, "{n} ally", "{n} allies", n).format(n=n)
