"""Replies every command and component shares."""

from __future__ import annotations

from typing import Any

import discord

#: Discord's limit on a message's content.
MESSAGE_LIMIT = 2000


async def send_ephemeral(
    interaction: discord.Interaction[Any], content: str, **kwargs: Any
) -> None:
    """A private reply, as the first response or, once the interaction is answered, a follow-up.

    Content is clipped to Discord's limit: a refused reply would leave the user unanswered.
    """
    content = content[:MESSAGE_LIMIT]
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=True, **kwargs)
