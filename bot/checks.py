"""Who may run a command: each decorator sets Discord's hint AND checks at run time.

Discord's hints (``default_permissions``, server-only contexts) only decide who *sees* a command:
a server admin can re-grant it to anyone, and a client with an old command list can still send
it from a DM. So each decorator here also checks when the command runs (as RoboDanny's
``cogs/utils/checks.py`` pairs ``default_permissions`` with its runtime check), and fails with
the check errors that ``NatoTree.on_error`` answers with one private line.

Each decorator takes a command (or its callback) or a whole ``GroupCog`` class; on a class it
hints the group and checks every subcommand defined in it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands

if TYPE_CHECKING:
    from discord.app_commands.commands import Check

T = TypeVar("T")


class NotOwner(app_commands.CheckFailure):
    """Someone who does not own the bot ran an owner-only command."""

    def __init__(self) -> None:
        super().__init__("Only the bot's owner can do that.")


def _in_a_server(interaction: discord.Interaction[Any]) -> bool:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage("That command only works in a server.")
    return True


def _has_manage_guild(interaction: discord.Interaction[Any]) -> bool:
    # The member's permissions in this channel, as Discord computed them for this interaction.
    if not interaction.permissions.manage_guild:
        raise app_commands.MissingPermissions(["manage_guild"])
    return True


async def _is_owner(interaction: discord.Interaction[Any]) -> bool:
    # OWNER_IDS when set (passed to the bot as owner_ids), else the application's owner or its
    # team's admins and developers (discord.py fetches the application info once).
    is_owner = getattr(interaction.client, "is_owner", None)
    if is_owner is None or not await is_owner(interaction.user):
        raise NotOwner()
    return True


def _apply(
    obj: T, hints: list[Callable[[Any], Any]], checks: list[Check]
) -> T:  # a command, a callback or a GroupCog class
    for hint in hints:
        hint(obj)
    if isinstance(obj, type):
        commands = [c for c in vars(obj).values() if isinstance(c, app_commands.Command)]
        if not commands:
            raise TypeError(f"{obj.__name__} defines no app command to check")
        for command in commands:
            for check in checks:
                command.add_check(check)
    else:
        for check in checks:
            app_commands.check(check)(obj)
    return obj


def manage_guild_only() -> Callable[[T], T]:
    """Servers only, for members with Manage Server: hidden from others and refused at run time.

    The server check runs first, so a DM gets "only works in a server", not a permission error.
    """

    def decorator(obj: T) -> T:
        return _apply(
            obj,
            [app_commands.guild_only(), app_commands.default_permissions(manage_guild=True)],
            [_in_a_server, _has_manage_guild],
        )

    return decorator


def owner_only() -> Callable[[T], T]:
    """The bot's owners only: hidden from everyone but server admins, refused at run time."""

    def decorator(obj: T) -> T:
        # No permission at all: Discord shows the command to administrators only.
        return _apply(obj, [app_commands.default_permissions()], [_is_owner])

    return decorator
