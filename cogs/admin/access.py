"""Who may administer the data, checked and written to the audit log on every attempt."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from db.audit import ALLOWED, REFUSED, AuditContext

if TYPE_CHECKING:
    from bot.client import NatoBot

#: The audit log's action for an attempt at an admin command or button.
ATTEMPT = "admin.attempt"


def actor(user: discord.abc.User) -> str:
    """How the audit log and a version's loaded_by name a Discord user."""
    return f"discord:{user.id} ({user.name})"


def context(
    interaction: discord.Interaction[NatoBot], command: str, outcome: str | None = None
) -> AuditContext:
    return AuditContext(
        user_id=interaction.user.id,
        guild_id=interaction.guild_id,
        command=command,
        outcome=outcome,
    )


async def is_owner(interaction: discord.Interaction[NatoBot]) -> bool:
    """OWNER_IDS when set, else the application's owner or its team members (discord.py
    fetches the application once)."""
    return await interaction.client.is_owner(interaction.user)


async def record_attempt(
    interaction: discord.Interaction[NatoBot],
    command: str,
    *,
    allowed: bool,
    why: str = "",
    outcome: str | None = None,
) -> None:
    """Write an attempt to the audit log: who, where, which command, allowed or refused (or
    ``outcome``, e.g. expired)."""
    outcome = outcome or (ALLOWED if allowed else REFUSED)
    await interaction.client.store.audit(
        actor(interaction.user),
        ATTEMPT,
        f"{command}: {outcome}" + (f" ({why})" if why else ""),
        context=context(interaction, command, outcome),
    )


async def audited_owner_check(interaction: discord.Interaction[NatoBot], command: str) -> bool:
    """Whether the user is an owner; the attempt is audited either way."""
    allowed = await is_owner(interaction)
    await record_attempt(
        interaction, command, allowed=allowed, why="" if allowed else "not an owner"
    )
    return allowed
