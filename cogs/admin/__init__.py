"""/admin: the bot owners' data administration (reload, rollback, history, status, sync).

The group is registered only in ``ADMIN_GUILD_ID`` when it is set, so other servers never see
it; wherever it is seen, only the owners may use it (checked on every command and button).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from cogs.admin.cog import AdminCog

if TYPE_CHECKING:
    from bot.client import NatoBot

__all__ = ["AdminCog", "setup"]


async def setup(bot: NatoBot) -> None:
    guild = bot.settings.admin_guild_id
    if guild is None:
        await bot.add_cog(AdminCog(bot))
    else:
        await bot.add_cog(AdminCog(bot), guilds=[discord.Object(id=guild)])
