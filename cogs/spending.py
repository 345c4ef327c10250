"""/summary /ranking /gap /country /compare /revisions /targets /about.

Each command is a thin layer: parse options -> snapshot from the Store -> analytics -> render.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import analytics, chart_replies
from bot.analytics.targets import MAX_TARGET, MIN_TARGET
from bot.countries import resolve_many
from bot.errors import UserFacingError
from bot.options import (
    COUNTRIES_HELP,
    COUNTRY_HELP,
    RELEASE_HELP,
    SUBJECT_HELP,
    TARGET_HELP,
    YEAR_HELP,
    CountryArg,
    ReleaseArg,
    SubjectArg,
    TargetArg,
    YearArg,
    countries_autocomplete,
    read_number,
    target_autocomplete,
    year_autocomplete,
)
from bot.render import embeds, wording
from bot.views import UnreadableState, register_page_source, send_pages
from bot.views.export import ExportButton, export_view

if TYPE_CHECKING:
    from bot.client import NatoBot

    Interaction = discord.Interaction[NatoBot]
else:
    Interaction = discord.Interaction

#: metric/release/year/order/target in a ranking button's state.
RANKING_STATE_PARTS = 5

#: /country uses per person: CHART_RATE within CHART_PER_SECONDS.
CHART_RATE, CHART_PER_SECONDS = 5, 30.0

METRIC_CHOICES = [
    app_commands.Choice(name=metric.label, value=metric.value) for metric in analytics.Metric
]
ORDER_CHOICES = [
    app_commands.Choice(name="Highest first", value=analytics.Order.HIGHEST.value),
    app_commands.Choice(name="Lowest first", value=analytics.Order.LOWEST.value),
]


class SpendingCog(commands.Cog):
    def __init__(self, bot: NatoBot) -> None:
        self.bot = bot
        # Spent only once a lookup is valid (not as a check, which runs before the options are
        # parsed): a typo costs no chart, so it costs none of the person's allowance.
        self._chart_cooldown: commands.CooldownMapping[Interaction] = commands.CooldownMapping(
            app_commands.Cooldown(CHART_RATE, CHART_PER_SECONDS), lambda i: i.user.id
        )

    def _spend_chart_allowance(self, interaction: Interaction) -> None:
        bucket = self._chart_cooldown.get_bucket(interaction)
        retry_after = None if bucket is None else bucket.update_rate_limit()
        if bucket is not None and retry_after:
            raise app_commands.CommandOnCooldown(bucket, retry_after)

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
        snap = self.bot.store.snapshot  # one version for the reply and its chart
        result = analytics.summary(snap, release_id=release, year=year, target=goal)
        chart = chart_replies.summary_reply(snap, result)
        await chart_replies.send(
            self.bot, interaction, embeds.summary_embed(result), chart, view=export_view(result)
        )

    @app_commands.command(name="ranking", description="Allies ranked by a measure")
    @app_commands.describe(
        metric="What to rank by (default: share of GDP)",
        year=YEAR_HELP,
        release=RELEASE_HELP,
        order="Highest first (default) or lowest first",
        target="Draw a line at this % of GDP in a share ranking (e.g. 2, 3.5, 5)",
    )
    @app_commands.choices(metric=METRIC_CHOICES, order=ORDER_CHOICES)
    @app_commands.autocomplete(year=year_autocomplete)
    @app_commands.autocomplete(target=target_autocomplete)
    async def ranking(
        self,
        interaction: Interaction,
        metric: app_commands.Choice[str] | None = None,
        year: YearArg | None = None,
        release: ReleaseArg | None = None,
        order: app_commands.Choice[str] | None = None,
        target: TargetArg | None = None,
    ) -> None:
        chosen = analytics.Metric(metric.value) if metric else analytics.Metric.SHARE
        snap = self.bot.store.snapshot  # one version for the pages and their chart
        result = analytics.ranking(
            snap,
            metric=chosen,
            release_id=release,
            year=year,
            order=order.value if order else analytics.Order.HIGHEST,
            target=target,
        )
        # What the buttons rebuild: the release asked for (so a page still says it was replaced).
        asked = result.instead_of or result.release_id
        wanted = "" if target is None else f"{target:g}"
        state = f"{chosen.value}/{asked}/{year or ''}/{result.order.value}/{wanted}"
        await send_pages(
            interaction,
            _ranking_embeds(result, target),
            source="ranking",
            state=state,
            anyone=True,  # anyone in the channel may browse them
        )
        # One chart for every page, in a message of its own (the pages turn above it).
        chart = chart_replies.ranking_reply(snap, result, target)
        await chart_replies.send_after(self.bot, interaction, chart)

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
        snap = self.bot.store.snapshot  # one version for the reply and its chart
        result = analytics.gap(snap, country.iso3, release_id=release, year=year, target=goal)
        chart = chart_replies.gap_reply(snap, result)
        await chart_replies.send(self.bot, interaction, embeds.gap_embed(result), chart)

    @app_commands.command(name="country", description="An ally's profile with its trend chart")
    @app_commands.describe(
        country=SUBJECT_HELP,
        release=RELEASE_HELP,
        year="Year of the figures (default: the latest with a share)",
    )
    @app_commands.autocomplete(year=year_autocomplete)
    async def country(
        self,
        interaction: Interaction,
        country: SubjectArg,
        release: ReleaseArg | None = None,
        year: YearArg | None = None,
    ) -> None:
        snap = self.bot.store.snapshot
        result = analytics.profile(snap, country.iso3, release_id=release, year=year)
        # A new chart costs ~200 ms of a worker's CPU: one person cannot queue dozens of them.
        self._spend_chart_allowance(interaction)
        chart = chart_replies.profile_reply(snap, result)
        await chart_replies.send(self.bot, interaction, embeds.profile_embed(result), chart)

    @app_commands.command(name="compare", description="Compare 2 to 5 allies side by side")
    @app_commands.describe(
        countries=COUNTRIES_HELP,
        year=YEAR_HELP,
        release=RELEASE_HELP,
        target=TARGET_HELP,
    )
    @app_commands.autocomplete(year=year_autocomplete)
    @app_commands.autocomplete(target=target_autocomplete)
    @app_commands.autocomplete(countries=countries_autocomplete)
    async def compare(
        self,
        interaction: Interaction,
        countries: app_commands.Range[str, 1, 200],
        year: YearArg | None = None,
        release: ReleaseArg | None = None,
        target: TargetArg | None = None,
    ) -> None:
        snap = self.bot.store.snapshot
        allies = resolve_many(snap, countries, aggregates=True)
        goal = await self.bot.effective_target(interaction.guild_id, target)
        result = analytics.compare(
            snap, [c.iso3 for c in allies], release_id=release, year=year, target=goal
        )
        chart = chart_replies.compare_reply(snap, result)
        await chart_replies.send(
            self.bot, interaction, embeds.compare_embed(result), chart, view=export_view(result)
        )

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
        await interaction.response.send_message(
            embed=embeds.revisions_embed(result), view=export_view(result)
        )

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


def _ranking_embeds(result: analytics.Ranking, target: float | None) -> list[discord.Embed]:
    """The pages, saying so when a target line was asked of a ranking that is not by share."""
    note = wording.TARGET_SHARE_ONLY if target is not None and result.target is None else None
    return embeds.ranking_pages(result, note=note)


def _ranking_of(bot: NatoBot, state: str) -> tuple[analytics.Ranking, float | None]:
    """The ranking a button's state names, and the target line asked for."""
    parts = state.split("/")
    if len(parts) != RANKING_STATE_PARTS:  # buttons of an older version: run it again
        raise UserFacingError("These pages are from an older version of the bot.")
    metric, release, year, order, wanted = parts
    # A state this bot did not write (a forged click) is refused naming its first bad part.
    try:
        chosen = analytics.Metric(metric)
    except ValueError:
        raise UnreadableState("ranking", "metric", metric) from None
    if year and not (year.isascii() and year.isdigit()):
        raise UnreadableState("ranking", "year", year)
    try:
        ordered = analytics.Order(order)
    except ValueError:
        raise UnreadableState("ranking", "order", order) from None
    target = read_number(wanted) if wanted else None
    if wanted and (target is None or not MIN_TARGET <= target <= MAX_TARGET):
        raise UnreadableState("ranking", "target", wanted)
    result = analytics.ranking(
        bot.store.snapshot,
        metric=chosen,
        release_id=release,
        year=int(year) if year else None,
        order=ordered,
        target=target,
    )
    return result, target


def ranking_pages(bot: NatoBot, state: str) -> list[discord.Embed]:
    """The /ranking pages a button's state names, rebuilt (after a restart, say)."""
    result, target = _ranking_of(bot, state)
    return _ranking_embeds(result, target)


def ranking_export(bot: NatoBot, state: str) -> list[discord.ui.Item[Any]]:
    """The Export CSV button beside the /ranking pages a state names."""
    result, _ = _ranking_of(bot, state)
    return [ExportButton.of(result)]


async def setup(bot: NatoBot) -> None:
    register_page_source("ranking", ranking_pages, extras=ranking_export)
    await bot.add_cog(SpendingCog(bot))
