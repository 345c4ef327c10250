"""The fake's rate limits (per-route buckets, the global 50 per second) with the real discord.py.

The fake's windows run on a `ManualClock` here, so which request is refused does not depend on how
fast the machine sends them; discord.py itself sleeps real (short) `retry_after`s.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import discord
import pytest

from tests.fakediscord import (
    FakeChannel,
    FakeDiscord,
    ManualClock,
    RateLimits,
    RecordedRequest,
    running_bare_bot,
)
from tests.fakediscord.pytest_plugin import running_fake
from tests.fakediscord.ratelimits import RateLimiter, Window

HEADERS = {
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-RateLimit-Reset-After",
    "X-RateLimit-Bucket",
}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(100.0)


@pytest.fixture
async def fake(clock: ManualClock) -> AsyncIterator[FakeDiscord]:
    async with running_fake(rate_limits=RateLimits(clock=clock)) as fake:
        yield fake


def text_channel(bot: discord.Client, channel: FakeChannel) -> discord.TextChannel:
    found = bot.get_channel(channel.id)
    assert isinstance(found, discord.TextChannel)
    return found


def message_posts(fake: FakeDiscord) -> list[RecordedRequest]:
    return [r for r in fake.requests if r.method == "POST" and r.path.endswith("/messages")]


async def test_every_response_carries_its_buckets_headers(
    fake: FakeDiscord, clock: ManualClock
) -> None:
    guild = fake.add_guild("Limits", channels=["general", "news"])
    async with running_bare_bot(fake) as bot:
        for name in ("general", "general", "news"):
            await text_channel(bot, guild.channel(name)).send(name)
    assert fake.requests and all(set(r.response_headers) >= HEADERS for r in fake.requests)
    general, _, news = (r.response_headers for r in message_posts(fake))
    assert (general["X-RateLimit-Limit"], general["X-RateLimit-Remaining"]) == ("5", "4")
    assert news["X-RateLimit-Remaining"] == "4"  # each channel is a bucket of its own
    assert general["X-RateLimit-Bucket"] == news["X-RateLimit-Bucket"]
    second = message_posts(fake)[1].response_headers
    assert second["X-RateLimit-Remaining"] == "3"
    assert float(second["X-RateLimit-Reset-After"]) == pytest.approx(5.0)  # clock at 100 of 5 s


async def test_a_full_channel_bucket_makes_discord_py_wait_and_nothing_is_lost(
    fake: FakeDiscord, clock: ManualClock
) -> None:
    guild = fake.add_guild("Limits")
    general = guild.channel("general")
    async with running_bare_bot(fake) as bot:
        # 0.5 s left in this 5 s window: discord.py's retries (4 after a 429) span 2 s, ample
        # time for this test to move the clock on however loaded the machine.
        clock.now = 104.5
        channel = text_channel(bot, general)
        sending = asyncio.gather(*(channel.send(f"post {n}") for n in range(7)))
        await fake.wait_for_requests(5, path=f"/channels/{general.id}/messages", status=200)
        in_first_window = [r for r in message_posts(fake) if r.status == 200]
        clock.now = 105.0  # the window resets; discord.py retries (or has waited) and sends
        sent = await sending
    assert len(in_first_window) == 5
    assert sorted(m.content for m in fake.channel_messages(general)) == [
        f"post {n}" for n in range(7)
    ]
    assert len({m.id for m in sent}) == 7
    limited = [r for r in message_posts(fake) if r.status == 429]
    assert all(r.fault == "rate_limit" and r.response["global"] is False for r in limited)


async def test_a_burst_over_50_per_second_gets_global_429s_and_every_message_arrives_once(
    fake: FakeDiscord, clock: ManualClock
) -> None:
    guild = fake.add_guild("Fan-out", channels=[f"channel-{n}" for n in range(60)])
    async with running_bare_bot(fake) as bot:
        clock.now = 200.5  # a fresh second, 0.5 s of it left; startup requests are behind us
        channels = [text_channel(bot, c) for c in guild.channels]
        sending = asyncio.gather(*(c.send(f"to {c.name}") for c in channels))
        await fake.wait_for_requests(10, status=429)
        accepted_in_that_second = sum(r.status == 200 for r in message_posts(fake))
        clock.now = 201.0  # the next second: the refused ones go through on retry
        sent = await sending
    assert accepted_in_that_second == 50
    limited = fake.faulted_requests("global_rate_limit")
    assert len(limited) >= 10
    for request in limited:
        assert request.status == 429
        assert request.response == {
            "message": "You are being rate limited.",
            "retry_after": 0.5,
            "global": True,
            "code": 0,
        }
        assert request.response_headers["X-RateLimit-Global"] == "true"
        assert request.response_headers["Retry-After"] == "1"
    for channel in guild.channels:
        assert [m.content for m in fake.channel_messages(channel)] == [f"to {channel.name}"]
    assert len({m.id for m in sent}) == 60


async def test_interaction_callbacks_do_not_count_against_the_global_limit(
    fake: FakeDiscord, clock: ManualClock
) -> None:
    fake.add_guild("Burst")
    async with running_bare_bot(fake):
        interactions = [await fake.invoke("ping") for _ in range(60)]
        responses = await asyncio.gather(*(i.response() for i in interactions))
    assert all(r.accepted and r.content == "pong" for r in responses)
    assert fake.faulted_requests() == []


async def test_limits_switched_off_never_refuse() -> None:
    async with running_fake(rate_limits=RateLimits(enabled=False)) as fake:
        general = fake.add_guild("Off").channel("general")
        async with running_bare_bot(fake) as bot:
            channel = text_channel(bot, general)
            await asyncio.gather(*(channel.send(str(n)) for n in range(12)))
        assert len(fake.channel_messages(general)) == 12
        assert fake.faulted_requests() == []
        assert all(set(r.response_headers) >= HEADERS for r in fake.requests)


def test_a_window_counts_within_its_period_and_resets_on_the_next() -> None:
    window = Window(limit=2, period=1.0)
    assert [window.take(5.1), window.take(5.5), window.take(5.9)] == [True, True, False]
    assert window.remaining(5.9) == 0
    assert window.reset_after(5.9) == pytest.approx(0.1)
    assert window.take(6.0) and window.remaining(6.0) == 1


def test_the_global_limit_is_per_bot_token() -> None:
    clock = ManualClock(10.0)
    limiter = RateLimiter(RateLimits(global_limit=2, clock=clock))
    route: tuple[str, str, dict[str, str]] = ("GET", "/users/@me", {})
    verdicts = [limiter.check(*route, bot_token="a") for _ in range(3)]
    assert [v.refused for v in verdicts] == [None, None, "global_rate_limit"]
    assert limiter.check(*route, bot_token="b").refused is None
    assert limiter.check(*route, bot_token=None).refused is None  # interaction routes
