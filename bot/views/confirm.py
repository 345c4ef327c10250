"""Confirm / Cancel for the person who ran a command, after discord.py's examples/views/confirm.py.

answer = await Confirm.ask(interaction, "Roll back to version 3?", ephemeral=True)
if answer:  # True: confirmed; False: cancelled; None: nobody answered in time
    ...

``ask`` sends the question (as the response, or as a follow-up once the interaction was
answered) and keeps the sent message in ``view.message``, so expiry disables the buttons there.
A caller that sends the buttons itself sets ``view.message`` and awaits ``view.wait()``.
"""

from __future__ import annotations

import contextlib
import logging
import weakref
from typing import Any, ClassVar

import discord

from bot.replies import send_ephemeral

log = logging.getLogger(__name__)

#: How long the question waits for an answer, by default.
CONFIRM_TIMEOUT = 60.0

NOT_YOURS = "Only the person who ran the command can answer this."


class Confirm(discord.ui.View):
    """Two buttons only ``owner_id`` may press; ``value`` is True, False, or None once expired.

    Pressing either button, or expiry, disables both on the message.
    """

    _open: ClassVar[weakref.WeakSet[Confirm]] = weakref.WeakSet()

    @classmethod
    def stop_all(cls) -> None:
        """At shutdown: end every open question unanswered (discord.py's close() leaves views'
        timeout tasks pending, and the commands waiting on them would never finish)."""
        for view in list(cls._open):
            view.stop()

    def __init__(self, *, owner_id: int, timeout: float = CONFIRM_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        Confirm._open.add(self)
        self.owner_id = owner_id
        self.value: bool | None = None
        #: The message carrying the buttons: expiry disables them there.
        self.message: discord.InteractionMessage | discord.WebhookMessage | None = None

    @classmethod
    async def ask(
        cls,
        interaction: discord.Interaction[Any],
        question: str,
        *,
        timeout: float = CONFIRM_TIMEOUT,  # noqa: ASYNC109 - how long the buttons work
        ephemeral: bool = False,
    ) -> bool | None:
        """Ask the person who ran the command; their answer, or None when nobody answered.

        As the response, or as a follow-up once the interaction was answered (deferred, say).
        """
        view = cls(owner_id=interaction.user.id, timeout=timeout)
        if interaction.response.is_done():
            view.message = await interaction.followup.send(
                question, view=view, ephemeral=ephemeral, wait=True
            )
        else:
            sent = await interaction.response.send_message(question, view=view, ephemeral=ephemeral)
            if isinstance(sent.resource, discord.InteractionMessage):
                view.message = sent.resource
        await view.wait()
        return view.value

    def _disable_all(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await send_ephemeral(interaction, NOT_YOURS)
        return False

    async def _answer(self, interaction: discord.Interaction[Any], value: bool) -> None:
        self.value = value
        self._disable_all()
        self.stop()
        await interaction.response.edit_message(view=self)
        self.message = None  # nothing left to edit: drop the reference

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.green)
    async def confirm(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Confirm]
    ) -> None:
        await self._answer(interaction, True)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.grey)
    async def cancel(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Confirm]
    ) -> None:
        await self._answer(interaction, False)

    async def on_timeout(self) -> None:
        self._disable_all()
        message, self.message = self.message, None
        if message is not None:
            # The message may be gone, or the interaction token expired (15 minutes).
            with contextlib.suppress(discord.HTTPException):
                await message.edit(view=self)

    async def on_error(
        self,
        interaction: discord.Interaction[Any],
        error: Exception,
        item: discord.ui.Item[Any],
    ) -> None:
        """A failed press still gets an answer (Discord would otherwise say it failed)."""
        log.error("confirm press failed (interaction %s)", interaction.id, exc_info=error)
        with contextlib.suppress(discord.HTTPException):
            await send_ephemeral(
                interaction,
                f"Sorry, that didn't work. It has been logged (reference {interaction.id}).",
            )
