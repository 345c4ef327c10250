"""Helpers of the /updates tests: a clock the tests move, and waiting on the bot's state.

Waits poll the bot's own state (its store rows, the fake's messages) every ``POLL`` seconds up
to a generous deadline: no test depends on how fast the machine is.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from bot.subscriptions import Subscription
from db.store import Store
from tests.fakediscord import FakeChannel, FakeDiscord, FakeMessage

if TYPE_CHECKING:
    from bot.client import NatoBot

UTC = dt.UTC
#: Deadline for anything the bot does within a few ticks (generous: the machine is shared).
DEADLINE = 30.0
POLL = 0.05
T = TypeVar("T")


class Clock:
    """The wall clock the bot's schedule reads; moves only when told."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, moment: dt.datetime) -> None:
        self.now = moment


async def until(found: Callable[[], T | None], what: str, timeout: float = DEADLINE) -> T:  # noqa: ASYNC109
    """Poll a condition of the bot's own state (the store), every tick or so, until true."""
    deadline = time.monotonic() + timeout
    while True:
        value = found()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(POLL)


async def until_async(
    found: Callable[[], Any],
    what: str,
    timeout: float = DEADLINE,  # noqa: ASYNC109
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await found()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(POLL)


async def more_ticks(bot: NatoBot, count: int = 3) -> None:
    """Wait until the poster has run ``count`` more ticks."""
    poster = updates_cog(bot).poster
    target = poster.ticks + count
    await until(lambda: poster.ticks >= target, f"{count} more ticks")


def updates_cog(bot: NatoBot) -> Any:
    """The running UpdatesCog (its module is imported afresh at each extension load, so a class
    imported here would not be the running cog's: look it up by name)."""
    cog = bot.get_cog("UpdatesCog")
    assert cog is not None and type(cog).__name__ == "UpdatesCog"
    return cog


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def posts(fake: FakeDiscord, channel: FakeChannel) -> list[FakeMessage]:
    """The bot's own messages in the channel, not answers to interactions."""
    return [
        m
        for m in fake.channel_messages(channel)
        if m.author.id == fake.bot_user.id and m.interaction_id is None and not m.deleted
    ]


async def wait_posts(fake: FakeDiscord, channel: FakeChannel, count: int) -> list[FakeMessage]:
    def enough() -> list[FakeMessage] | None:
        found = posts(fake, channel)
        return found if len(found) >= count else None

    return await until(enough, f"{count} post(s) in #{channel.name}")


async def recorded(store: Store, subscription_id: int, **expected: Any) -> Subscription:
    """Wait until the row shows what the poster should have recorded."""

    async def check() -> Subscription | None:
        row = await store.subscriptions.get(subscription_id)
        ok = all(getattr(row, k) == v for k, v in expected.items())
        return row if ok else None

    result: Subscription = await until_async(check, f"subscription {subscription_id}: {expected}")
    return result
