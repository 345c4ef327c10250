"""/summary /ranking /gap /country /compare /revisions /targets /about.

Each command is a thin layer: parse options -> snapshot from the Store -> analytics -> render.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import analytics
from bot.countries import resolve_many
from bot.options import (
    COUNTRY_HELP,
    RELEASE_HELP,
    TARGET_HELP,
    YEAR_HELP,
    CountryArg,
    ReleaseArg,
    TargetArg,
    YearArg,
    target_autocomplete,
    year_autocomplete,
)
from bot.render import embeds
from bot.views import register_page_source, send_pages

if TYPE_CHECKING:
    from bot.client import NatoBot

    Interaction = discord.Interaction[NatoBot]
else:
    Interaction = discord.Interaction

#: /country uses per person: CHART_RATE within CHART_PER_SECONDS.
CHART_RATE, CHART_PER_SECONDS = 5, 30.0

METRIC_CHOICES = [
    app_commands.Choice(name=metric.label, value=metric.value) for metric in analytics.Metric
]


class SpendingCog(commands.Cog):
    def __init__(self, bot: NatoBot) -> None:
        self.bot = bot

    @app_commands.command(name="summary", description="Who meets the target, who doesn't")
    @app_commands.describe(
        year=YEAR_HELP,
        target=TARGET_HELP,
        release=RELEASE_HELP,
    )
    @app_commands.autocomplete(year=year_autocomplete)
    @app_commands.autocomplete(target=target_autocomplete)
    async def summary(
        self,
        interaction: Interaction,
        year: YearArg | None = None,
        target: TargetArg | None = None,
        release: ReleaseArg | None = None,
    ) -> None:
        goal = await self.bot.effective_target(interaction.guild_id, target)
        result = analytics.summary(
            self.bot.store.snapshot, release_id=release, year=year, target=goal
        )
        await interaction.response.send_message(embed=embeds.summary_embed(result))

    @app_commands.command(name="ranking", description="Allies ranked by a measure")
    @app_commands.describe(
        metric="What to rank by (default: share of GDP)",
        year=YEAR_HELP,
        release=RELEASE_HELP,
    )
    @app_commands.choices(metric=METRIC_CHOICES)
    @app_commands.autocomplete(year=year_autocomplete)
    async def ranking(
        self,
        interaction: Interaction,
        metric: app_commands.Choice[str] | None = None,
        year: YearArg | None = None,
        release: ReleaseArg | None = None,
    ) -> None:
        chosen = analytics.Metric(metric.value) if metric else analytics.Metric.SHARE
        result = analytics.ranking(
            self.bot.store.snapshot, metric=chosen, release_id=release, year=year
        )
        state = f"{chosen.value}/{result.release_id}/{result.year}"  # what the buttons rebuild
        await send_pages(interaction, embeds.ranking_pages(result), source="ranking", state=state)

    @app_commands.command(name="gap", description="How far an ally is from the target")
    @app_commands.describe(
        country=COUNTRY_HELP,
        target=TARGET_HELP,
        year=YEAR_HELP,
        release=RELEASE_HELP,
    )
    @app_commands.autocomplete(year=year_autocomplete)
    @app_commands.autocomplete(target=target_autocomplete)
    async def gap(
        self,
        interaction: Interaction,
        country: CountryArg,
        target: TargetArg | None = None,
        year: YearArg | None = None,
        release: ReleaseArg | None = None,
    ) -> None:
        goal = await self.bot.effective_target(interaction.guild_id, target)
        result = analytics.gap(
            self.bot.store.snapshot, country.iso3, release_id=release, year=year, target=goal
        )
        await interaction.response.send_message(embed=embeds.gap_embed(result))

    @app_commands.command(name="country", description="An ally's profile with its trend chart")
    @app_commands.describe(country=COUNTRY_HELP, release=RELEASE_HELP)
    # A new chart costs ~200 ms of a worker's CPU: one person cannot queue dozens of them.
    @app_commands.checks.cooldown(CHART_RATE, CHART_PER_SECONDS, key=lambda i: i.user.id)
    async def country(
        self, interaction: Interaction, country: CountryArg, release: ReleaseArg | None = None
    ) -> None:
        snap = self.bot.store.snapshot
        result = analytics.profile(snap, country.iso3, release_id=release)
        await interaction.response.defer(thinking=True)
        png = await self.bot.charts.trend_chart(result, version_id=snap.version.version_id)
        filename = f"{result.country.iso3.lower()}-{result.release_id}.png"
        embed = embeds.profile_embed(result).set_image(url=f"attachment://{filename}")
        await interaction.followup.send(
            embed=embed, file=discord.File(io.BytesIO(png), filename=filename)
        )

    @app_commands.command(name="compare", description="Compare 2 to 5 allies side by side")
    @app_commands.describe(
        countries="2 to 5 allies, comma-separated (e.g. “pl, de, fr”)",
        year=YEAR_HELP,
        release=RELEASE_HELP,
    )
    @app_commands.autocomplete(year=year_autocomplete)
    async def compare(
        self,
        interaction: Interaction,
        countries: app_commands.Range[str, 1, 200],
        year: YearArg | None = None,
        release: ReleaseArg | None = None,
    ) -> None:
        snap = self.bot.store.snapshot
        allies = resolve_many(snap, countries)
        goal = await self.bot.effective_target(interaction.guild_id, None)
        result = analytics.compare(
            snap, [c.iso3 for c in allies], release_id=release, year=year, target=goal
        )
        await interaction.response.send_message(embed=embeds.compare_embed(result))

    @app_commands.command(
        name="revisions", description="An ally's figure as each NATO release published it"
    )
    @app_commands.describe(
        country=COUNTRY_HELP,
        year="Year of the figure (default: the latest with a revision to show)",
    )
    async def revisions(
        self, interaction: Interaction, country: CountryArg, year: YearArg | None = None
    ) -> None:
        result = analytics.revisions(self.bot.store.snapshot, country.iso3, year=year)
        await interaction.response.send_message(embed=embeds.revisions_embed(result))

    @app_commands.command(name="targets", description="What NATO's spending targets mean")
    async def targets(self, interaction: Interaction) -> None:
        await interaction.response.send_message(embed=embeds.targets_embed(self.bot.store.snapshot))

    @app_commands.command(name="about", description="Data loaded, its source, and the bot's health")
    async def about(self, interaction: Interaction) -> None:
        embed = embeds.about_embed(
            self.bot.store.snapshot,
            uptime_seconds=self.bot.uptime_seconds,
            latency_seconds=self.bot.latency,
            guild_count=len(self.bot.guilds),
        )
        await interaction.response.send_message(embed=embed)


def ranking_pages(bot: NatoBot, state: str) -> list[discord.Embed]:
    """The /ranking pages a button's state names, rebuilt (after a restart, say)."""
    metric, release, year = state.split("/")
    result = analytics.ranking(
        bot.store.snapshot, metric=analytics.Metric(metric), release_id=release, year=int(year)
    )
    return embeds.ranking_pages(result)


async def setup(bot: NatoBot) -> None:
    register_page_source("ranking", ranking_pages)
    await bot.add_cog(SpendingCog(bot))
