"""Answers for clicks nothing in this process handles (a view from before a restart, a timed-out
one, an id the bot never made): without one, Discord tells the user "This interaction failed"."""

from __future__ import annotations

from typing import Any

import discord

from bot.replies import send_ephemeral

STALE_COMPONENT = "These buttons have expired: run the command again."
STALE_MODAL = "This form has expired: run the command again."


def is_handled(client: discord.Client, interaction: discord.Interaction[Any]) -> bool:
    """Whether discord.py's view store dispatched this component or modal to anything.

    The store has no public lookup; this mirrors ``ViewStore.dispatch_view`` and
    ``dispatch_modal`` (discord.py 2.x), which ran just before the ``interaction`` event.
    """
    store = client._connection._view_store
    data: Any = interaction.data or {}
    custom_id = str(data.get("custom_id", ""))
    if interaction.type is discord.InteractionType.modal_submit:
        return custom_id in store._modals
    if any(pattern.fullmatch(custom_id) for pattern in store._dynamic_items):
        return True
    key = (int(data.get("component_type", 0)), custom_id)
    message_id = interaction.message.id if interaction.message else None
    return key in store._views.get(message_id, {}) or key in store._views.get(None, {})


async def answer_if_stale(client: discord.Client, interaction: discord.Interaction[Any]) -> bool:
    """Answer a component click or modal nothing handles, privately; True if it was one."""
    if interaction.type not in (
        discord.InteractionType.component,
        discord.InteractionType.modal_submit,
    ):
        return False
    if is_handled(client, interaction) or interaction.response.is_done():
        return False
    is_modal = interaction.type is discord.InteractionType.modal_submit
    await send_ephemeral(interaction, STALE_MODAL if is_modal else STALE_COMPONENT)
    return True
