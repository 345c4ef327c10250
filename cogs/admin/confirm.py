"""Confirm / Cancel on a dry run: only its invoker may press, and only while an owner."""

from __future__ import annotations

from typing import Any, cast

import discord

from bot.checks import NotOwner
from bot.replies import send_ephemeral
from bot.views import Confirm
from bot.views.confirm import NOT_YOURS
from cogs.admin.access import is_owner, record_attempt

#: How long a dry run's buttons work (s).
DRY_RUN_TIMEOUT = 300.0


class OwnerConfirm(Confirm):
    """``Confirm`` whose every press is checked against the owners and audited."""

    def __init__(self, *, owner_id: int, command: str, timeout: float = DRY_RUN_TIMEOUT) -> None:
        super().__init__(owner_id=owner_id, timeout=timeout)
        self.command = command

    def _button(self, interaction: discord.Interaction[Any]) -> str:
        data = cast(dict[str, Any], interaction.data or {})
        custom_id = data.get("custom_id")
        return "confirm" if custom_id == self.confirm.custom_id else "cancel"

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        command = f"{self.command}: {self._button(interaction)}"
        owner = await is_owner(interaction)
        invoker = interaction.user.id == self.owner_id
        why = "" if owner and invoker else "not an owner" if not owner else "not the invoker"
        await record_attempt(interaction, command, allowed=owner and invoker, why=why)
        if not owner:
            await send_ephemeral(interaction, str(NotOwner()))
            return False
        if not invoker:
            await send_ephemeral(interaction, NOT_YOURS)
            return False
        return True
