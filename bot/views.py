"""Interactive message components: a paginator for replies longer than one embed."""

from __future__ import annotations

import contextlib
import logging
import weakref
from collections.abc import Sequence
from typing import Any, ClassVar

import discord

log = logging.getLogger(__name__)

#: How long the buttons work; then they are disabled on the message.
PAGINATOR_TIMEOUT = 300.0


class Paginator(discord.ui.View):
    """Previous / page x of n / next buttons over a list of embeds. Only the invoker may page."""

    _live: ClassVar[weakref.WeakSet[Paginator]] = weakref.WeakSet()

    @classmethod
    def stop_all(cls) -> None:
        """discord.py's close() leaves views' timeout tasks pending: stop them at shutdown."""
        for view in list(cls._live):
            view.stop()

    def __init__(
        self, pages: Sequence[discord.Embed], *, owner_id: int, timeout: float | None = None
    ) -> None:
        super().__init__(timeout=PAGINATOR_TIMEOUT if timeout is None else timeout)
        self.pages = list(pages)
        self.owner_id = owner_id
        self.index = 0
        self.message: discord.InteractionMessage | None = None
        Paginator._live.add(self)
        self._refresh_buttons()

    @classmethod
    async def send(
        cls, interaction: discord.Interaction[Any], pages: Sequence[discord.Embed]
    ) -> None:
        """Reply with the first page; buttons only when there is more than one page."""
        if len(pages) == 1:
            await interaction.response.send_message(embed=pages[0])
            return
        view = cls(pages, owner_id=interaction.user.id)
        await interaction.response.send_message(embed=pages[0], view=view)
        view.message = await interaction.original_response()

    def _refresh_buttons(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index == len(self.pages) - 1
        self.counter.label = f"{self.index + 1} / {len(self.pages)}"

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "Only the person who ran the command can turn its pages; run it yourself to browse.",
            ephemeral=True,
        )
        return False

    async def _show(self, interaction: discord.Interaction[Any], index: int) -> None:
        self.index = max(0, min(index, len(self.pages) - 1))
        self._refresh_buttons()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    @discord.ui.button(label="◀", style=discord.ButtonStyle.secondary)
    async def previous(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Paginator]
    ) -> None:
        await self._show(interaction, self.index - 1)

    @discord.ui.button(label="1 / 1", style=discord.ButtonStyle.secondary, disabled=True)
    async def counter(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Paginator]
    ) -> None:  # a label, never clickable
        await interaction.response.defer()

    @discord.ui.button(label="▶", style=discord.ButtonStyle.secondary)
    async def next(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Paginator]
    ) -> None:
        await self._show(interaction, self.index + 1)

    async def on_error(
        self,
        interaction: discord.Interaction[Any],
        error: Exception,
        item: discord.ui.Item[Any],
    ) -> None:
        """A failed click still gets an answer (Discord would otherwise say it failed)."""
        log.error("paginator click failed (interaction %s)", interaction.id, exc_info=error)
        with contextlib.suppress(discord.HTTPException):
            text = f"Sorry, that didn't work. It has been logged (reference {interaction.id})."
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is not None:
            # The message may be gone, or the interaction token expired (15 minutes).
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(view=self)
