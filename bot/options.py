"""Slash-command option types shared by the cogs: parsing, validation and autocomplete.

Transformers turn what Discord sends into domain values (an ally, a release id) against the
Store's in-memory snapshot, so autocomplete answers without touching the disk. A value that
doesn't resolve raises a UserFacingError, which the tree's error handler shows ephemerally.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot import countries
from bot.analytics import AGGREGATE_NAMES, aggregate_country
from bot.analytics import targets as registry
from bot.analytics.targets import MAX_TARGET, MIN_TARGET, validate_target
from bot.countries import AGGREGATE_ALIASES
from bot.errors import UserFacingError, echo
from bot.i18n import negotiate
from bot.i18n.names import country_names
from bot.models import Country, Snapshot
from bot.releases import release_choices, resolve_release

if TYPE_CHECKING:
    from bot.client import NatoBot

    Interaction = discord.Interaction[NatoBot]
else:
    Interaction = discord.Interaction

#: Discord allows at most 25 autocomplete choices, each name 1-100 characters.
MAX_CHOICES = 25

# What each shared option says under its name in Discord (at most 100 characters).
COUNTRY_HELP = "Ally: name, ISO code or alias"
SUBJECT_HELP = "Ally (name, ISO code or alias), or NATO / Europe & Canada"
COUNTRIES_HELP = "2 to 5 allies (or NATO), e.g. “pl, de, fr” or “Poland vs Germany”"
RELEASE_HELP = "NATO release, e.g. 2024-06 or 2025 (default: the newest)"
YEAR_HELP = "Year of the figures (default: the release's latest)"
_NAMED = ", ".join(t.label.rstrip("%") for t in registry.GDP_TARGETS)
TARGET_HELP = (
    f"% of GDP: {_NAMED} or any number {MIN_TARGET:g}-{MAX_TARGET:g} (default: this server's)"
)

#: The named targets as autocomplete suggestions, from the registry.
STANDARD_TARGETS: tuple[tuple[float, str], ...] = tuple(
    (t.value, f"{t.label} — {t.name}"[:100]) for t in registry.GDP_TARGETS
)


def _snapshot(interaction: Interaction) -> Snapshot:
    return interaction.client.store.snapshot


def _names(interaction: Interaction) -> countries.LocalNames:
    """The allies' names in the language of the person typing (none in English)."""
    return country_names(negotiate(interaction.locale.value))


class CountryOption(app_commands.Transformer):
    """An ally by name, ISO code or alias; autocompletes from the alias table."""

    @property
    def max_value(self) -> int:  # for a string option: Discord's max_length
        return 100

    async def transform(self, interaction: Interaction, value: str) -> Country:  # type: ignore[override]
        return countries.resolve(_snapshot(interaction), value)

    async def autocomplete(  # type: ignore[override]
        self, interaction: Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        names = _names(interaction)
        found = countries.autocomplete(_snapshot(interaction), value, MAX_CHOICES, names)
        shown = names.shown
        return [app_commands.Choice(name=shown.get(c.iso3, c.name), value=c.iso3) for c in found]


class SubjectOption(CountryOption):
    """An ally, or one of NATO's aggregates ("NATO", "Europe & Canada"), for /country."""

    async def transform(self, interaction: Interaction, value: str) -> Country:  # type: ignore[override]
        return countries.resolve(_snapshot(interaction), value, aggregates=True)

    async def autocomplete(  # type: ignore[override]
        self, interaction: Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        return subject_choices(_snapshot(interaction), value, names=_names(interaction))


def subject_choices(
    snap: Snapshot, typed: str, prefix: str = "", names: countries.LocalNames | None = None
) -> list[app_commands.Choice[str]]:
    """Allies (and the aggregates whose names begin with what was typed) to offer, by
    ``names`` (iso3 -> the name in the reader's language) where given; each value is
    ``prefix`` + the code, so a list being typed keeps its earlier parts."""
    shown = names.shown if names else {}
    key = countries.normalise(typed)
    # NATO as a whole first, then European allies and Canada (the registry's order).
    wholes = [
        code
        for code in AGGREGATE_NAMES
        if key and any(a.startswith(key) and c == code for a, c in AGGREGATE_ALIASES.items())
    ]
    found = [aggregate_country(code) for code in wholes]
    found += countries.autocomplete(snap, typed, MAX_CHOICES, names)
    choices = []
    for country in found[:MAX_CHOICES]:
        value = f"{prefix}{country.iso3}"
        if len(value) > 100:  # Discord caps a choice's value; offer only what fits
            continue
        name = f"{prefix}{shown.get(country.iso3, country.name)}"
        choices.append(app_commands.Choice(name=name[-100:], value=value))
    return choices


#: Where the ally being typed in a list starts: after the last comma-like separator or word.
_LAST_PART = re.compile(
    r"^(.*(?:[,;+/&]|\s(?:vs|v|versus|and)\s))\s*(.*)$", re.IGNORECASE | re.DOTALL
)


async def countries_autocomplete(
    interaction: Interaction, value: str
) -> list[app_commands.Choice[str]]:
    """/compare: completes the ally being typed (the last part of the list), keeping the rest."""
    snap, names = _snapshot(interaction), _names(interaction)
    found = _LAST_PART.match(value)
    done, current = (found[1], found[2]) if found else ("", value)
    prefix = done.rstrip() + " " if done.strip() else ""
    choices = subject_choices(snap, current, prefix, names)
    if not choices and not found and " " in value.strip():
        # "pl de": spaces separate too; complete the last word.
        done, _, current = value.strip().rpartition(" ")
        choices = subject_choices(snap, current, done + " ", names)
    return choices


class ReleaseOption(app_commands.Transformer):
    """A loaded NATO release: "2024-06", "2024-6", "June 2024", "latest"; autocompletes newest
    first ("2025" offers that year's releases)."""

    @property
    def max_value(self) -> int:  # for a string option: Discord's max_length
        return 20

    async def transform(self, interaction: Interaction, value: str) -> str:  # type: ignore[override]
        return resolve_release(_snapshot(interaction), value).release_id

    async def autocomplete(  # type: ignore[override]
        self, interaction: Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(
                name=f"{r.release_id} — {r.title} ({r.basis})"[:100], value=r.release_id
            )
            for r in release_choices(_snapshot(interaction), value)[:MAX_CHOICES]
        ]


async def year_autocomplete(interaction: Interaction, value: str) -> list[app_commands.Choice[int]]:
    """Years covered by the release chosen so far (or the newest), latest first."""
    snap = _snapshot(interaction)
    typed = getattr(interaction.namespace, "release", None)
    try:
        release_id = resolve_release(snap, str(typed)).release_id
    except UserFacingError:  # nothing (or nothing valid yet) typed: the newest
        release_id = snap.newest_release.release_id
    years = [y for y in reversed(snap.years(release_id)) if str(y).startswith(value.strip())]
    return [app_commands.Choice(name=str(y), value=y) for y in years[:MAX_CHOICES]]


def read_number(text: str) -> float | None:
    """A target as people type it: ``3.5``, ``3,5`` (decimal comma), ``3.5%``; None if not a
    number."""
    typed = text.strip().removesuffix("%").strip().replace(",", ".")
    try:
        number = float(typed)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def parse_target(text: str) -> float:
    """A target typed as text (the terminal's ``--target``), read like the option: in range and
    taken to two decimals, or a UserFacingError saying what a target is."""
    number = read_number(text)
    if number is None:
        raise UserFacingError(
            f"A target must be a number of % of GDP between {MIN_TARGET:g} and {MAX_TARGET:g}; "
            f"got “{echo(text)}” (write it 3.5, 3,5 or 3.5%)."
        )
    return validate_target(number)


async def target_autocomplete(
    interaction: Interaction, value: str
) -> list[app_commands.Choice[float]]:
    """The three NATO targets as suggestions; any number in range may still be typed."""
    choices = [app_commands.Choice(name=label, value=v) for v, label in STANDARD_TARGETS]
    number = read_number(value)
    if number is None:
        return choices
    if MIN_TARGET <= number <= MAX_TARGET and number not in {v for v, _ in STANDARD_TARGETS}:
        choices.insert(0, app_commands.Choice(name=f"{number:g}% of GDP", value=number))
    return choices


CountryArg = app_commands.Transform[Country, CountryOption]
SubjectArg = app_commands.Transform[Country, SubjectOption]
ReleaseArg = app_commands.Transform[str, ReleaseOption]
YearArg = app_commands.Range[int, 1949, 2100]
TargetArg = app_commands.Range[float, MIN_TARGET, MAX_TARGET]
