"""Slash-command option types shared by the cogs: parsing, validation and autocomplete.

Transformers turn what Discord sends into domain values (an ally, a release id) against the
Store's in-memory snapshot, so autocomplete answers without touching the disk. A value that
doesn't resolve raises a UserFacingError, which the tree's error handler shows ephemerally.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot import countries
from bot.analytics import targets as registry
from bot.analytics.targets import MAX_TARGET, MIN_TARGET, validate_target
from bot.errors import UnknownRelease, UserFacingError, echo
from bot.models import Country, Snapshot

if TYPE_CHECKING:
    from bot.client import NatoBot

    Interaction = discord.Interaction[NatoBot]
else:
    Interaction = discord.Interaction

#: Discord allows at most 25 autocomplete choices, each name 1-100 characters.
MAX_CHOICES = 25

# What each shared option says under its name in Discord (at most 100 characters).
COUNTRY_HELP = "Ally: name, ISO code or alias"
RELEASE_HELP = "NATO release (default: the newest)"
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
        found = countries.autocomplete(_snapshot(interaction), value, limit=MAX_CHOICES)
        return [app_commands.Choice(name=c.name, value=c.iso3) for c in found]


class ReleaseOption(app_commands.Transformer):
    """A loaded NATO release id (YYYY-MM); autocompletes newest first."""

    @property
    def max_value(self) -> int:  # for a string option: Discord's max_length
        return 20

    async def transform(self, interaction: Interaction, value: str) -> str:  # type: ignore[override]
        releases = _snapshot(interaction).releases
        release_id = value.strip()
        if release_id not in releases:
            raise UnknownRelease(release_id, list(releases))
        return release_id

    async def autocomplete(  # type: ignore[override]
        self, interaction: Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        needle = value.strip().casefold()
        choices = []
        for release in reversed(_snapshot(interaction).releases.values()):
            label = f"{release.release_id} — {release.title} ({release.basis})"
            if needle in label.casefold():
                choices.append(app_commands.Choice(name=label[:100], value=release.release_id))
        return choices[:MAX_CHOICES]


async def year_autocomplete(interaction: Interaction, value: str) -> list[app_commands.Choice[int]]:
    """Years covered by the release chosen so far (or the newest), latest first."""
    snap = _snapshot(interaction)
    release_id = getattr(interaction.namespace, "release", None)
    if release_id not in snap.releases:
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
ReleaseArg = app_commands.Transform[str, ReleaseOption]
YearArg = app_commands.Range[int, 1949, 2100]
TargetArg = app_commands.Range[float, MIN_TARGET, MAX_TARGET]
