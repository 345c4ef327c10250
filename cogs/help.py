"""/help, and the one welcome message when the bot joins a server.

/help answers privately (ephemeral): it is one person's question, two embeds of guidance would
crowd the channel every time someone asks, and nothing in it is a finding worth sharing.

The welcome goes to the server's system channel only, only when the bot may post there (send
messages and embed links), and once per server ever: the server is remembered in the database
(meta key ``welcomed:<guild id>``) before the message is sent, so a second join — or two
processes seeing the same join — posts nothing more.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.render import help as words

if TYPE_CHECKING:
    from bot.client import NatoBot

    Interaction = discord.Interaction[NatoBot]
else:
    Interaction = discord.Interaction

log = logging.getLogger(__name__)


def welcomed_key(guild_id: int) -> str:
    return f"welcomed:{guild_id}"


def _permission(command: app_commands.Command[Any, ..., Any]) -> str | None:
    """Who Discord shows the command to, when not everyone."""
    permissions = (command.root_parent or command).default_permissions
    if permissions is None:
        return None
    # bot.checks.owner_only hints "no permission", /admin "administrator": both shown to server
    # administrators only, and answered for the bot's owners only.
    if permissions.value == 0 or permissions.administrator:
        return "bot owners only"
    if permissions.manage_guild:
        return "Manage Server"
    return ", ".join(name.replace("_", " ").title() for name, on in permissions if on)


def command_helps(tree: app_commands.CommandTree[NatoBot]) -> list[words.CommandHelp]:
    """Every command of the tree (subcommands by their full name), in the tree's order."""
    return [
        words.CommandHelp(
            name=command.qualified_name,
            description=command.description,
            options=tuple((p.name, p.required) for p in command.parameters),
            permission=_permission(command),
        )
        for command in tree.walk_commands()
        if isinstance(command, app_commands.Command)
    ]


def welcome_channel(guild: discord.Guild) -> tuple[discord.TextChannel | None, str]:
    """The system channel when the bot may post an embed there, else None and why not."""
    channel, me = guild.system_channel, guild.me
    if channel is None or me is None:
        return None, "it has no system channel"
    allowed = channel.permissions_for(me)
    if not (allowed.send_messages and allowed.embed_links):
        return None, f"the bot may not post an embed in its system channel {channel.id}"
    return channel, ""


class HelpCog(commands.Cog):
    def __init__(self, bot: NatoBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="Every command with an example, and a FAQ")
    async def help(self, interaction: Interaction) -> None:
        target = await self.bot.effective_target(interaction.guild_id, None)
        first, *more = words.help_messages(
            command_helps(self.bot.tree), self.bot.store.snapshot, target
        )
        await interaction.response.send_message(embeds=first, ephemeral=True)
        for embeds in more:  # only when the commands and the questions overflow one message
            await interaction.followup.send(embeds=embeds, ephemeral=True)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        channel, why_not = welcome_channel(guild)
        if channel is None:
            log.info("joined guild %s: %s; no welcome", guild.id, why_not)
            return
        # Claimed before sending: whatever happens next, this server is never welcomed twice.
        if not await self.bot.store.claim_meta(welcomed_key(guild.id), str(channel.id)):
            log.info("joined guild %s again: welcomed before; no second welcome", guild.id)
            return
        target = await self.bot.effective_target(guild.id, None)
        name = self.bot.user.name if self.bot.user else "the NATO spending bot"
        embed = words.welcome_embed(self.bot.store.snapshot, name, target)
        try:
            await channel.send(embed=embed)
            log.info("joined guild %s: welcome posted in channel %s", guild.id, channel.id)
        except discord.HTTPException as error:
            log.warning("could not post the welcome in guild %s: %s", guild.id, error)


async def setup(bot: NatoBot) -> None:
    await bot.add_cog(HelpCog(bot))
