"""/settings: a server's default target, for members with Manage Server."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.analytics import targets as registry
from bot.analytics.targets import MAX_TARGET, MIN_TARGET
from bot.checks import manage_guild_only

if TYPE_CHECKING:
    from bot.client import NatoBot

TargetValue = app_commands.Range[float, MIN_TARGET, MAX_TARGET]
#: What the value option says, from the targets registry (Discord allows 100 characters).
VALUE_HELP = (
    f"% of GDP, {MIN_TARGET:g}-{MAX_TARGET:g} ("
    + ", ".join(f"{t.label.rstrip('%')} = {t.short}" for t in registry.GDP_TARGETS)
    + "); empty = the bot's default"
)


# Hidden from members without Manage Server, and checked again when run (admins can re-grant it).
@manage_guild_only()
class SettingsCog(
    commands.GroupCog, group_name="settings", group_description="This server's settings"
):
    def __init__(self, bot: NatoBot) -> None:
        self.bot = bot

    @app_commands.command(name="target", description="Set the default target (% of GDP) here")
    @app_commands.describe(value=VALUE_HELP)
    async def target(
        self, interaction: discord.Interaction[NatoBot], value: TargetValue | None = None
    ) -> None:
        assert interaction.guild_id is not None  # manage_guild_only
        await self.bot.store.set_guild_target(interaction.guild_id, value, by=interaction.user.id)
        if value is None:
            default = self.bot.settings.default_target
            text = (
                f"This server's default target is back to the bot's default, {default:g}% of GDP."
            )
        else:
            text = f"This server's default target is now {value:g}% of GDP."
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="show", description="Show this server's settings")
    async def show(self, interaction: discord.Interaction[NatoBot]) -> None:
        assert interaction.guild_id is not None  # manage_guild_only
        saved = await self.bot.store.guild_target(interaction.guild_id)
        default = self.bot.settings.default_target
        embed = discord.Embed(title="Settings for this server", colour=discord.Colour.blurple())
        embed.add_field(
            name="Default target",
            value=f"{saved:g}% of GDP (set here)"
            if saved is not None
            else f"{default:g}% of GDP (bot default)",
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: NatoBot) -> None:
    await bot.add_cog(SettingsCog(bot))
