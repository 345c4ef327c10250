"""Answers for clicks nothing in this process handles (a view from before a restart, a timed-out
one, an id the bot never made): without one, Discord tells the user "This interaction failed".

discord.py drops such clicks silently inside its view store, and by the time the ``interaction``
event runs, a view that did handle a click may already have stopped and left the store. So the
decision is taken where discord.py takes it: ``watch_for_stale_clicks`` wraps the store's two
dispatchers (``ViewStore.dispatch_view`` / ``dispatch_modal``, discord.py 2.x; no public hook).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord

from bot.replies import send_ephemeral

log = logging.getLogger(__name__)

STALE_COMPONENT = "These buttons have expired: run the command again."
STALE_MODAL = "This form has expired: run the command again."


def _handles_component(
    store: Any, component_type: int, custom_id: str, interaction: discord.Interaction[Any]
) -> bool:
    """What ``ViewStore.dispatch_view`` is about to find: a dynamic item or a stored view."""
    if any(pattern.fullmatch(custom_id) for pattern in store._dynamic_items):
        return True
    key = (component_type, custom_id)
    message_id = interaction.message.id if interaction.message else None
    item = store._views.get(message_id, {}).get(key) or store._views.get(None, {}).get(key)
    return item is not None and item.view is not None and not item.view.is_finished()


def watch_for_stale_clicks(client: discord.Client) -> None:
    """Answer, privately, every component click and modal that nothing in ``client`` handles."""
    store: Any = client._connection._view_store
    dispatch_view, dispatch_modal = store.dispatch_view, store.dispatch_modal

    def answer(interaction: discord.Interaction[Any], text: str) -> None:
        store.add_task(asyncio.create_task(_answer(interaction, text)))

    def dispatch_view_or_answer(
        component_type: int, custom_id: str, interaction: discord.Interaction[Any]
    ) -> None:
        handled = _handles_component(store, component_type, custom_id, interaction)
        dispatch_view(component_type, custom_id, interaction)
        if not handled:
            answer(interaction, STALE_COMPONENT)

    def dispatch_modal_or_answer(
        custom_id: str, interaction: discord.Interaction[Any], *args: Any
    ) -> None:
        handled = custom_id in store._modals
        dispatch_modal(custom_id, interaction, *args)
        if not handled:
            answer(interaction, STALE_MODAL)

    store.dispatch_view = dispatch_view_or_answer
    store.dispatch_modal = dispatch_modal_or_answer


async def _answer(interaction: discord.Interaction[Any], text: str) -> None:
    try:
        await send_ephemeral(interaction, text)
    except discord.HTTPException:
        log.warning("could not answer stale interaction %s", interaction.id)
