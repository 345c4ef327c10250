"""The audit of /admin: every attempt at a command or button, allowed or refused (who may is
``bot.checks``' one owner policy)."""

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


async def audit_owner_check(interaction: discord.Interaction[NatoBot], allowed: bool) -> None:
    """``owner_only``'s report of an /admin command: audited, allowed or refused."""
    command = f"/{interaction.command.qualified_name}" if interaction.command else "/admin"
    await record_attempt(
        interaction, command, allowed=allowed, why="" if allowed else "not an owner"
    )
