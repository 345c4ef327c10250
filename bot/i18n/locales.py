"""Which language answers: Discord's locales of the allies' languages and their catalogs."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from babel import Locale

from bot.i18n import catalogs

#: Discord's locales for the allies' languages (Albanian, Estonian, Icelandic, Latvian,
#: Luxembourgish, Macedonian, Montenegrin, Slovak and Slovenian have none in Discord).
ALLIED_LOCALES: tuple[str, ...] = (
    "bg", "cs", "da", "de", "el", "en-GB", "en-US", "es-ES", "fi", "fr", "hr", "hu", "it",
    "lt", "nl", "no", "pl", "pt-BR", "ro", "sv-SE", "tr",
)  # fmt: skip

#: Discord's locale -> the catalog of its language, where the names differ. Discord's "no" is
#: Norwegian Bokmål; Latin American Spanish reads the Spanish catalog too.
_CATALOG_OF: dict[str, str] = {
    "en-GB": "en",
    "en-US": "en",
    "es-ES": "es",
    "es-419": "es",
    "no": "nb",
    "pt-BR": "pt_BR",
    "sv-SE": "sv",
}


@dataclass(frozen=True, slots=True)
class Language:
    """What a reply is written in: a catalog, and the locale its numbers and dates follow."""

    #: The catalog: 'en' (the source), 'pl', 'pt_BR', ...
    catalog: str
    #: Babel's locale for numbers, dates and country names: 'en_GB', 'de', 'pt_BR', ...
    locale: Locale

    @property
    def code(self) -> str:
        return str(self.locale)


def catalog_of(discord_locale: str) -> str:
    """The catalog a Discord locale would read, offered or not: 'es-ES' -> 'es', 'no' -> 'nb'."""
    return _CATALOG_OF.get(discord_locale, discord_locale.replace("-", "_"))


ENGLISH = Language(catalogs.SOURCE, Locale.parse("en"))


@functools.cache
def negotiate(discord_locale: str | None) -> Language:
    """The language for a Discord locale ('pl', 'es-ES', 'en-GB'): its catalog if that is
    offered (complete), else English; numbers then follow English too, never a mix."""
    if not discord_locale:
        return ENGLISH
    catalog = catalog_of(discord_locale)
    if catalog not in catalogs.offered():
        return ENGLISH
    if catalog == catalogs.SOURCE:
        return Language(catalog, Locale.parse(discord_locale.replace("-", "_")))
    return Language(catalog, Locale.parse(catalog))


def shipped_discord_locales() -> tuple[str, ...]:
    """The allies' Discord locales whose catalog is offered, English left out: the ones
    commands are translated into."""
    offered = set(catalogs.offered()) - {catalogs.SOURCE}
    return tuple(loc for loc in ALLIED_LOCALES if catalog_of(loc) in offered)
