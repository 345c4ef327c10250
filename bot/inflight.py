"""Commands still being answered, so a shutdown can tell their users instead of leaving them on
"thinking…" forever.

The command tree registers every slash command as it starts (``track``); each leaves the
registry when its task ends, however it ends. At shutdown, ``tell_restarting`` stops the deferred
ones still running (a chart being drawn, say) and sends each a short note, within a grace period,
while the HTTP session is still open.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord

log = logging.getLogger(__name__)

RESTARTING = "The bot is restarting; try again in a minute."
#: How long shutdown may spend telling users, before closing regardless (s).
NOTICE_GRACE = 5.0


class InFlight:
    """Slash commands whose task has not finished yet, by interaction id."""

    def __init__(self) -> None:
        self._running: dict[int, tuple[discord.Interaction[Any], asyncio.Task[Any]]] = {}

    def __len__(self) -> int:
        return len(self._running)

    def track(self, interaction: discord.Interaction[Any]) -> None:
        """Register the interaction the current task is answering, until that task ends."""
        task = asyncio.current_task()
        if task is None:
            return
        self._running[interaction.id] = (interaction, task)
        task.add_done_callback(lambda _: self._running.pop(interaction.id, None))

    async def tell_restarting(self, grace: float = NOTICE_GRACE) -> int:
        """Stop every deferred command still running and tell its user the bot is restarting;
        the number of users told. Gives up on whoever is not told within ``grace`` seconds.

        A command not answered yet is left alone: it answers within milliseconds (only slow ones
        defer), and a note racing its answer would be refused by Discord.
        """
        thinking = [(i, task) for i, task in self._running.values() if _thinking(i)]
        self._running.clear()
        for _, task in thinking:
            task.cancel()  # its own late answer (or apology) must not follow the note
        if not thinking:
            return 0
        results = await asyncio.gather(
            *(asyncio.wait_for(_tell(interaction), grace) for interaction, _ in thinking),
            return_exceptions=True,
        )
        told = sum(1 for r in results if r is True)
        log.info(
            "told %d of %d users still waiting that the bot is restarting", told, len(thinking)
        )
        return told


def _thinking(interaction: discord.Interaction[Any]) -> bool:
    """Deferred: the user sees "thinking…" until a follow-up comes."""
    return interaction.response.type is discord.InteractionResponseType.deferred_channel_message


async def _tell(interaction: discord.Interaction[Any]) -> bool:
    try:
        await interaction.followup.send(RESTARTING)  # replaces "thinking…"
    except discord.HTTPException:
        log.warning("could not tell interaction %s that the bot is restarting", interaction.id)
        return False
    return True
