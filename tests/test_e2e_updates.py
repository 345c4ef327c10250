"""End to end: /updates and the poster, the real bot against the fake Discord, a clock we move.

The loop ticks every 0.2 s of real time; the schedule runs on ``Clock``, which only moves when a
test says so, so no test waits for a due time. Every wait is on a condition with a generous
deadline (the fake's own waiters, or ``until`` below), never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

import discord
import pytest

from bot.client import NatoBot
from bot.schedule import run_nonce
from cogs.updates.cog import UpdatesCog
from db.store import Store
from db.subscriptions import Subscription
from tests.fakediscord import FakeChannel, FakeDiscord, FakeGuild, FakeMessage
from tests.support.bot import bot_settings

UTC = dt.UTC
MANAGE_GUILD = discord.Permissions(manage_guild=True)
TICK = 0.2
#: Deadline for anything the bot does within a few ticks (generous: the machine is shared).
DEADLINE = 30.0
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
        await asyncio.sleep(TICK / 4)


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
        await asyncio.sleep(TICK / 4)


async def more_ticks(bot: NatoBot, count: int = 3) -> None:
    """Wait until the poster has run ``count`` more ticks."""
    poster = updates_cog(bot).poster
    target = poster.ticks + count
    await until(lambda: poster.ticks >= target, f"{count} more ticks")


def updates_cog(bot: NatoBot) -> UpdatesCog:
    cog = bot.get_cog(UpdatesCog.__cog_name__)
    assert isinstance(cog, UpdatesCog)
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
        row = await store.subscription(subscription_id)
        ok = all(getattr(row, k) == v for k, v in expected.items())
        return row if ok else None

    result: Subscription = await until_async(check, f"subscription {subscription_id}: {expected}")
    return result


@pytest.fixture
def clock() -> Clock:
    return Clock(at(2026, 7, 1, 8, 0))


@pytest.fixture
async def updates_bot(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path, clock: Clock
) -> AsyncIterator[NatoBot]:
    bot = NatoBot(bot_settings(tmp_path, fake_discord, updates_tick_seconds=TICK), clock=clock)
    async with fake_discord.running(bot):
        await fake_discord.wait_for_commands()
        yield bot


def admin_of(fake: FakeDiscord, guild: FakeGuild) -> Any:
    return fake.add_member(guild, name="admin", permissions=MANAGE_GUILD)


async def subscribe(
    fake: FakeDiscord, guild: FakeGuild, channel: FakeChannel, **options: Any
) -> str:
    inter = await fake.invoke(
        "updates subscribe",
        {"channel": channel, "cadence": "daily", **options},
        guild=guild,
        user=admin_of(fake, guild),
    )
    message = await inter.final_message()
    assert message.ephemeral
    return message.content


async def test_a_due_post_appears_once_with_the_summary_embed(
    updates_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild, clock: Clock
) -> None:
    channel = guild.channels[0]
    reply = await subscribe(fake_discord, guild, channel, time="09:00")
    assert "Subscription #1" in reply
    assert "<t:" in reply  # the first post, as a Discord timestamp
    [sub] = await updates_bot.store.subscriptions(guild.id)
    assert sub.next_run_at == at(2026, 7, 1, 9, 0)

    # Not yet due: ticks pass, nothing is posted.
    await more_ticks(updates_bot)
    assert posts(fake_discord, channel) == []

    clock.set(at(2026, 7, 1, 9, 0))
    [message] = await wait_posts(fake_discord, channel, 1)
    row = await recorded(updates_bot.store, sub.id, last_message_id=message.id)
    assert row.next_run_at == at(2026, 7, 2, 9, 0)
    assert row.last_run_at == at(2026, 7, 1, 9, 0)
    assert row.pending_run_at is None
    assert message.nonce == run_nonce(sub.id, at(2026, 7, 1, 9, 0))
    [embed] = message.embeds
    assert embed["title"].startswith("Who meets 2%")
    assert "Source: NATO" in embed["footer"]["text"]  # cites the source and year
    assert "figures for" in embed["footer"]["text"]
    assert embed["author"]["name"] == "Scheduled post #1 · daily at 09:00 UTC"

    # More ticks at the same time: still one post.
    await more_ticks(updates_bot)
    audit = [e for e in await updates_bot.store.audit_log() if e.action == "subscription.post"]
    assert len(audit) == 1
    assert str(message.id) in audit[0].detail
    assert len(posts(fake_discord, channel)) == 1
