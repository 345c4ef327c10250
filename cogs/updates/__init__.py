"""/updates: scheduled posts and new-data notices (the cog in ``cog``, the poster in ``poster``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.updates.cog import UpdatesCog

if TYPE_CHECKING:
    from bot.client import NatoBot


async def setup(bot: NatoBot) -> None:
    await bot.add_cog(UpdatesCog(bot))
