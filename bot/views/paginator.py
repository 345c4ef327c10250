"""Pages of embeds behind ◀ n/N ▶ buttons that carry their own state, so they outlive the bot.

Each button's custom id says which page source to rebuild the pages from (the command's name),
its state (the command's resolved options), who may turn the pages and until when: any process
of the bot can answer a click, so pages still turn after a restart. The page shown is read back
from the message's own counter. Nothing per message is kept in memory but a small record (ids and
a timer) until the buttons expire, when they are disabled on the message; at shutdown every live
page is disabled at once. No ``discord.ui.View`` outlives the reply that sent it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import discord

from bot.errors import UserFacingError, echo
from bot.replies import send_ephemeral

log = logging.getLogger(__name__)

#: How long the buttons work; then they are disabled on the message. 15 minutes, less a margin
#: so the reply's interaction token (valid 15 minutes) can still disable them at expiry.
PAGINATOR_TIMEOUT = 15 * 60 - 30.0

#: At shutdown, how long the bot waits for Discord to disable the live pages' buttons.
SHUTDOWN_BUDGET = 5.0

#: At most this many pages are remembered for disabling their buttons at expiry (each record
#: and its timer is under 1 KB): a server asking faster than pages expire must not grow the
#: bot without end. Past it the oldest record is dropped; its buttons still work until they
#: expire, and a click after that is refused and disables them, as after a restart.
MAX_LIVE_PAGES = 1000

#: Rebuilds the pages from a button's state: (the bot, state) -> pages. Raises UserFacingError
#: when the state no longer describes data the bot has (a release that was removed, say), and
#: UnreadableState when it is not a state the bot writes at all.
PageSource = Callable[[Any, str], Sequence[discord.Embed]]

_SOURCES: dict[str, PageSource] = {}

#: Items a page source shows beside the buttons (an Export CSV button), rebuilt from the state
#: like the pages: (the bot, state) -> items. They must be dynamic items (their custom id holds
#: their state), and they are left enabled when the page buttons expire.
PageExtras = Callable[[Any, str], Sequence[discord.ui.Item[Any]]]

_EXTRAS: dict[str, PageExtras] = {}

#: The owner id of pages anyone who sees them may turn.
ANYONE = 0

NOT_YOURS = "Only the person who ran the command can turn its pages; run it yourself to browse."


def register_page_source(
    name: str, source: PageSource, *, extras: PageExtras | None = None
) -> None:
    """Make pages named ``name`` (the command's name, shown in "run /name again") rebuildable,
    with ``extras`` beside their buttons."""
    if not re.fullmatch(r"[a-z_-]+", name):
        raise ValueError(f"a page source name is lower-case letters, '-' or '_': {name!r}")
    _SOURCES[name] = source
    if extras is not None:
        _EXTRAS[name] = extras


def _extras(client: Any, key: PageKey) -> Sequence[discord.ui.Item[Any]]:
    extras = _EXTRAS.get(key.source)
    if extras is None:
        return ()
    try:
        return extras(client, key.state)
    except UserFacingError:  # the state names data the bot no longer has: the pages say so
        return ()


class UnreadableState(UserFacingError):
    """A button's state that no page source of this bot wrote (a forged click): one part of it
    is not a value the command takes. Answered privately; the message is left as it is."""

    def __init__(self, source: str, part: str, value: str) -> None:
        self.part = part
        super().__init__(
            f"This button does not say which pages to show (its {part} “{echo(value)}” is not "
            f"one /{source} takes): run /{source} again."
        )


def expired_text(source: str) -> str:
    return f"These buttons have expired: run /{source} again."


@dataclass(frozen=True)
class PageKey:
    """What every button of one paged reply carries in its custom id."""

    source: str
    state: str
    owner_id: int
    expires: int  # unix seconds

    def custom_id(self, action: str) -> str:
        return f"page:{self.source}:{self.state}:{self.owner_id}:{self.expires}:{action}"

    @property
    def expired(self) -> bool:
        return time.time() > self.expires


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"page:(?P<source>[a-z_-]+):(?P<state>[^:]*):(?P<owner>\d+):(?P<expires>\d+)"
    r":(?P<action>prev|count|next)",
):
    """◀, the "n / N" counter (never clickable) or ▶, for whichever process receives the click."""

    LABELS: ClassVar[dict[str, str]] = {"prev": "◀", "next": "▶"}

    def __init__(self, key: PageKey, action: str, *, label: str, disabled: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=key.custom_id(action),
                disabled=disabled,
            )
        )
        self.key = key
        self.action = action

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PageButton:
        key = PageKey(match["source"], match["state"], int(match["owner"]), int(match["expires"]))
        label = getattr(item, "label", None) or cls.LABELS.get(match["action"], "")
        return cls(key, match["action"], label=label, disabled=False)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if self.key.owner_id in (ANYONE, interaction.user.id):
            return True
        await send_ephemeral(interaction, NOT_YOURS)
        return False

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        # discord.py only logs what a dynamic item raises: answer here, or Discord says it failed.
        try:
            await _turn(interaction, self.key, self.action)
        except Exception:
            log.exception("page turn failed (interaction %s)", interaction.id)
            with contextlib.suppress(discord.HTTPException):
                await send_ephemeral(
                    interaction,
                    f"Sorry, that didn't work. It has been logged (reference {interaction.id}).",
                )


def page_view(
    key: PageKey,
    index: int,
    count: int,
    *,
    disabled: bool = False,
    extras: Sequence[discord.ui.Item[Any]] = (),
) -> discord.ui.View:
    """The three buttons for page ``index`` of ``count``, then ``extras``. Every item is dynamic,
    so discord.py's view store keeps no reference to the view once it is sent."""
    view = discord.ui.View(timeout=None)
    view.add_item(PageButton(key, "prev", label="◀", disabled=disabled or index == 0))
    view.add_item(PageButton(key, "count", label=f"{index + 1} / {count}", disabled=True))
    view.add_item(PageButton(key, "next", label="▶", disabled=disabled or index >= count - 1))
    for item in extras:
        view.add_item(item)
    return view


async def send_pages(
    interaction: discord.Interaction[Any],
    pages: Sequence[discord.Embed],
    *,
    source: str,
    state: str,
    timeout: float | None = None,  # noqa: ASYNC109 - how long the buttons work, not a wait
    anyone: bool = False,
) -> None:
    """Reply with the first page; buttons only when there is more than one page.

    ``state`` is what ``source`` needs to rebuild the same pages (no ':'; it goes in custom ids).
    With ``anyone``, everyone who sees the reply may turn its pages, not only the invoker.
    """
    if source not in _SOURCES:
        raise ValueError(f"no page source {source!r}: register_page_source() it first")
    if timeout is None:  # the bot's own setting, if it has one (see NatoBot.page_timeout)
        timeout = getattr(interaction.client, "page_timeout", None)
    lifetime = PAGINATOR_TIMEOUT if timeout is None else timeout
    owner = ANYONE if anyone else interaction.user.id
    key = PageKey(source, state, owner, math.ceil(time.time() + lifetime))
    extras = _extras(interaction.client, key)
    if len(pages) == 1:
        if extras:
            alone = discord.ui.View(timeout=None)
            for item in extras:
                alone.add_item(item)
            await interaction.response.send_message(embed=pages[0], view=alone)
        else:
            await interaction.response.send_message(embed=pages[0])
        return
    sent = await interaction.response.send_message(
        embed=pages[0], view=page_view(key, 0, len(pages), extras=extras)
    )
    # The callback's answer names the message: no GET @original, which could fail after the
    # reply was already sent (and then leave the buttons never disabled).
    if sent.message_id is not None:
        _track(interaction, sent.message_id, key, 0, len(pages), lifetime)


def _shown(message: discord.Message | None) -> tuple[int, int]:
    """(page index, page count) a message shows, from its "n / N" counter: the message is the
    state. (0, 1) when it has none."""
    for row in message.components if message else []:
        for child in getattr(row, "children", []):
            if str(getattr(child, "custom_id", "")).endswith(":count"):
                shown, _, count = str(child.label).partition("/")
                with contextlib.suppress(ValueError):
                    return int(shown) - 1, int(count)
    return 0, 1


async def _turn(interaction: discord.Interaction[Any], key: PageKey, action: str) -> None:
    message = interaction.message
    source = _SOURCES.get(key.source)
    pages: Sequence[discord.Embed] = ()
    if source is not None and not key.expired:
        try:
            pages = source(interaction.client, key.state)
        except UnreadableState as unreadable:
            await send_ephemeral(interaction, str(unreadable))
            return
        except UserFacingError:
            pass  # the data it names is gone: as expired
    if not pages or message is None:
        await _refuse_expired(interaction, key)
        return
    step = {"prev": -1, "next": 1}.get(action, 0)
    index = max(0, min(_shown(message)[0] + step, len(pages) - 1))
    await interaction.response.edit_message(
        embed=pages[index],
        view=page_view(key, index, len(pages), extras=_extras(interaction.client, key)),
    )
    live = _LIVE.get(message.id)
    if live is not None:
        live.index, live.count = index, len(pages)
    else:  # a page sent before a restart: this process disables it when it expires
        _track(interaction, message.id, key, index, len(pages), key.expires - time.time())


async def _refuse_expired(interaction: discord.Interaction[Any], key: PageKey) -> None:
    """Disable the buttons on the message and say why, privately."""
    index, count = _shown(interaction.message)
    view = page_view(key, index, count, disabled=True, extras=_extras(interaction.client, key))
    await interaction.response.edit_message(view=view)
    await send_ephemeral(interaction, expired_text(key.source))


# ---- expiry and shutdown -----------------------------------------------------------------------


@dataclass(slots=True, weakref_slot=True)  # slots: thousands may be live; weakref: tests
class _Live:
    """A page whose buttons this process disables when they expire: plain ids, no cycles, so it
    is freed as soon as it is dropped (no wait for a full garbage collection)."""

    client: discord.Client
    application_id: int
    token: str  # the interaction's: it may edit its message for 15 minutes
    message_id: int
    key: PageKey
    index: int
    count: int
    timer: asyncio.TimerHandle | None = None


_LIVE: dict[int, _Live] = {}  # by message id
_DISABLING: set[asyncio.Task[None]] = set()


def live_pages(client: discord.Client) -> list[int]:
    """Message ids of this bot's pages whose buttons still work."""
    return [m for m, live in _LIVE.items() if live.client is client]


def _track(
    interaction: discord.Interaction[Any],
    message_id: int,
    key: PageKey,
    index: int,
    count: int,
    lifetime: float,
) -> None:
    live = _Live(
        interaction.client,
        interaction.application_id,
        interaction.token,
        message_id,
        key,
        index,
        count,
    )
    live.timer = asyncio.get_running_loop().call_later(max(lifetime, 0.0), _expire_soon, message_id)
    _LIVE[message_id] = live
    limit = getattr(interaction.client, "live_page_limit", None) or MAX_LIVE_PAGES
    while len(_LIVE) > limit:  # the oldest first: dicts keep their insertion order
        dropped = _LIVE.pop(next(iter(_LIVE)))
        if dropped.timer is not None:
            dropped.timer.cancel()


def _expire_soon(message_id: int) -> None:
    live = _LIVE.pop(message_id, None)
    if live is not None:
        task = asyncio.ensure_future(_disable(live))
        _DISABLING.add(task)
        task.add_done_callback(_DISABLING.discard)


async def _disable(live: _Live) -> None:
    webhook = discord.Webhook.partial(live.application_id, live.token, client=live.client)
    extras = _extras(live.client, live.key)
    view = page_view(live.key, live.index, live.count, disabled=True, extras=extras)
    # The message may be gone, or the interaction token expired (15 minutes).
    with contextlib.suppress(discord.HTTPException):
        await webhook.edit_message(live.message_id, view=view)


async def disable_all_pages(client: discord.Client) -> None:
    """At shutdown: disable every live page of this bot (within SHUTDOWN_BUDGET seconds)."""
    lives = [_LIVE.pop(m) for m in live_pages(client)]
    for live in lives:
        if live.timer is not None:
            live.timer.cancel()
    if lives:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(_disable(live) for live in lives), return_exceptions=True),
                SHUTDOWN_BUDGET,
            )
