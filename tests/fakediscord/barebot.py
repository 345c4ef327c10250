"""The smallest bot shaped like ours, for the fake's own tests and the benchmarks' floor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import discord
from discord import app_commands
from discord.ext import commands

from .server import FakeDiscord


@app_commands.command(description="Check that the bot answers")
async def ping(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("pong")


class BareBot(commands.AutoShardedBot):
    """Sharded, app commands only, one /ping, synced in setup_hook."""

    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            help_command=None,
        )

    async def setup_hook(self) -> None:
        self.tree.add_command(ping)
        await self.tree.sync()


@asynccontextmanager
async def running_bare_bot(fake: FakeDiscord) -> AsyncIterator[BareBot]:
    """The bare bot logged in to `fake` (inside `fake.patched()`), ready; closed on exit."""
    bot = BareBot()
    async with fake.running(bot):
        yield bot
