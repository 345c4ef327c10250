"""Commands in the reader's language: discord.py's Translator over the catalogs.

discord.py asks it, at sync time, for every command's, group's, option's and choice's name
and description in every Discord locale; what it answers is sent as their
``name_localizations`` / ``description_localizations``. A translation Discord would refuse
(a name with a capital or a space, a description over 100 characters) is left out with a
warning: a bad catalog line must never fail the whole sync.
"""

from __future__ import annotations

import logging
import unicodedata

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.i18n import catalogs, lookup
from bot.i18n.locales import catalog_of

log = logging.getLogger(__name__)

#: The catalog context of each kind of string: the same word may be a command's name and an
#: option's ("country", "target"), and translate differently.
CONTEXT: dict[Where, str] = {
    Where.command_name: "command name",
    Where.group_name: "command name",
    Where.command_description: "command description",
    Where.group_description: "command description",
    Where.parameter_name: "option name",
    Where.parameter_description: "option description",
    Where.choice_name: "choice name",
}
NAMES = frozenset({"command name", "option name"})
MAX_NAME = 32
#: Descriptions and choice names.
MAX_TEXT = 100
#: Scripts whose combining marks Discord allows in names besides letters and digits.
_NAME_SCRIPT_RANGES = ((0x0900, 0x097F), (0xA8E0, 0xA8FF), (0x0E00, 0x0E7F))


def _name_character(ch: str) -> bool:
    if ch in "-_'":
        return True
    if unicodedata.category(ch)[0] in "LN":
        return True
    return any(low <= ord(ch) <= high for low, high in _NAME_SCRIPT_RANGES)


def name_problem(name: str) -> str | None:
    """Why Discord would refuse a command or option name, or None: 1-32 characters, each a
    letter, digit, '-', '_' or apostrophe (or Devanagari / Thai), and lowercase."""
    if not 1 <= len(name) <= MAX_NAME:
        return f"{name!r} must be 1-{MAX_NAME} characters"
    if not all(_name_character(ch) for ch in name):
        return f"{name!r} may hold only letters, digits, '-', '_' and apostrophes"
    if name != name.lower():
        return f"{name!r} must be lowercase"
    return None


def text_problem(text: str) -> str | None:
    """Why Discord would refuse a description or choice name, or None."""
    return None if 1 <= len(text) <= MAX_TEXT else f"{text!r} must be 1-{MAX_TEXT} characters"


def problem(context: str, translation: str) -> str | None:
    return name_problem(translation) if context in NAMES else text_problem(translation)


class CatalogTranslator(app_commands.Translator):
    """Names and descriptions from the offered catalogs; None (Discord shows the English)
    for a locale without one."""

    async def load(self) -> None:
        # Parsed once here, at sync time, not on the first interaction in each language.
        for catalog in catalogs.offered():
            catalogs.translations(catalog)

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        catalog = catalog_of(locale.value)
        where = CONTEXT.get(context.location)
        if where is None or catalog == catalogs.SOURCE or catalog not in catalogs.offered():
            return None
        translation = lookup(catalog, where, string.message)
        if translation is None:
            return None
        refused = problem(where, translation)
        if refused is not None:
            log.warning("%s: %s %r left untranslated: %s", catalog, where, string.message, refused)
            return None
        return translation
