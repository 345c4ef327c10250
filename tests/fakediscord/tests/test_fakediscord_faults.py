"""The fake's injected faults (`fake.fail_next`), met by the real discord.py client.

discord.py's own retry logic is what is under test here: a 429 is slept on for its `retry_after`
and retried, a 500 is retried after discord.py's fixed 1 s back-off, a 403 or 404 is raised.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest

from tests.fakediscord import BareBot, FakeChannel, FakeDiscord, running_bare_bot
from tests.fakediscord.faults import FaultPlan, route_pattern
from tests.fakediscord.pytest_plugin import running_fake

MESSAGES = "/channels/{channel_id}/messages"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with running_fake() as fake:
        fake.add_guild("Faults", channels=["general", "news"])
        yield fake


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[BareBot]:
    async with running_bare_bot(fake) as bot:
        yield bot


def text_channel(bot: discord.Client, channel: FakeChannel) -> discord.TextChannel:
    found = bot.get_channel(channel.id)
    assert isinstance(found, discord.TextChannel)
    return found


def general(fake: FakeDiscord) -> FakeChannel:
    return next(iter(fake.guilds.values())).channel("general")


def posts(fake: FakeDiscord, channel: FakeChannel) -> list[tuple[int, str | None]]:
    path = f"/channels/{channel.id}/messages"
    return [(r.status, r.fault) for r in fake.requests if r.method == "POST" and r.path == path]


async def test_a_429_is_retried_after_retry_after_and_the_message_arrives_once(
    fake: FakeDiscord, bot: BareBot
) -> None:
    channel = general(fake)
    fake.fail_next("POST", MESSAGES, status=429, retry_after=0.1)
    sent = await text_channel(bot, channel).send("hello")
    assert [(m.id, m.content) for m in fake.channel_messages(channel)] == [(sent.id, "hello")]
    assert posts(fake, channel) == [(429, "injected"), (200, None)]
    limited, retried = [r for r in fake.requests if r.path == f"/channels/{channel.id}/messages"]
    assert limited.response == {
        "message": "You are being rate limited.",
        "retry_after": 0.1,
        "global": False,
        "code": 0,
    }
    headers = limited.response_headers
    assert headers["Retry-After"] == "1"  # whole seconds, as Discord sends it
    assert headers["X-RateLimit-Remaining"] == "0"
    assert headers["X-RateLimit-Scope"] == "user"
    assert {"X-RateLimit-Limit", "X-RateLimit-Reset", "X-RateLimit-Bucket"} <= set(headers)
    # discord.py slept at least retry_after before retrying (a lower bound: load only adds).
    assert retried.at - limited.at >= 0.1


async def test_a_global_429_holds_every_request_then_all_arrive(
    fake: FakeDiscord, bot: BareBot
) -> None:
    channel = general(fake)
    fake.fail_next("POST", MESSAGES, status=429, retry_after=0.05, is_global=True)
    await text_channel(bot, channel).send("once")
    [limited] = fake.faulted_requests("injected")
    assert limited.response["global"] is True
    assert limited.response_headers["X-RateLimit-Global"] == "true"
    assert limited.response_headers["X-RateLimit-Scope"] == "global"
    assert [m.content for m in fake.channel_messages(channel)] == ["once"]


async def test_a_500_is_retried_by_discord_py_then_succeeds(
    fake: FakeDiscord, bot: BareBot
) -> None:
    channel = general(fake)
    fake.fail_next("POST", MESSAGES, status=500)
    await text_channel(bot, channel).send("after the outage")
    assert posts(fake, channel) == [(500, "injected"), (200, None)]
    assert [m.content for m in fake.channel_messages(channel)] == ["after the outage"]


async def test_a_response_lost_after_the_message_was_made_is_not_sent_twice(
    fake: FakeDiscord, bot: BareBot
) -> None:
    """applied=True: Discord created the message but answered 500; discord.py retries with the
    same nonce (enforce_nonce), so the retry gets the same message back."""
    channel = general(fake)
    fake.fail_next("POST", MESSAGES, status=500, applied=True)
    sent = await text_channel(bot, channel).send("exactly once")
    assert posts(fake, channel) == [(500, "injected"), (200, None)]
    assert [m.id for m in fake.channel_messages(channel)] == [sent.id]


async def test_a_403_surfaces_as_forbidden_and_posts_nothing(
    fake: FakeDiscord, bot: BareBot
) -> None:
    channel = general(fake)
    fake.fail_next("POST", MESSAGES, status=403)
    with pytest.raises(discord.Forbidden) as raised:
        await text_channel(bot, channel).send("refused")
    assert (raised.value.status, raised.value.code) == (403, 50013)
    assert fake.channel_messages(channel) == []
    assert posts(fake, channel) == [(403, "injected")]
    await text_channel(bot, channel).send("the next one passes")
    assert [m.content for m in fake.channel_messages(channel)] == ["the next one passes"]


async def test_a_404_surfaces_as_not_found(fake: FakeDiscord, bot: BareBot) -> None:
    channel = general(fake)
    fake.fail_next("GET", "/channels/{channel_id}", status=404)
    with pytest.raises(discord.NotFound) as raised:
        await bot.fetch_channel(channel.id)
    assert raised.value.code == 10003
    assert (await bot.fetch_channel(channel.id)).id == channel.id


async def test_a_fault_on_one_channel_leaves_the_others_alone(
    fake: FakeDiscord, bot: BareBot
) -> None:
    guild = next(iter(fake.guilds.values()))
    news, channel = guild.channel("news"), general(fake)
    fake.fail_next("POST", f"/channels/{news.id}/messages", status=403, times=2)
    await text_channel(bot, channel).send("fine")
    for _ in range(2):
        with pytest.raises(discord.Forbidden):
            await text_channel(bot, news).send("refused")
    await text_channel(bot, news).send("fine again")
    assert posts(fake, news) == [(403, "injected"), (403, "injected"), (200, None)]
    assert posts(fake, channel) == [(200, None)]


async def test_an_interaction_callback_429_is_retried_by_discord_py(
    fake: FakeDiscord, bot: BareBot
) -> None:
    fake.fail_next("POST", "/interactions/{interaction_id}/{token}/callback", status=429)
    interaction = await fake.invoke("ping")
    response = await interaction.response()
    assert response.accepted and response.content == "pong"
    assert [r.status for r in interaction.requests] == [429, 200]
    assert [c.content for c in interaction.callbacks] == ["pong"]  # one answer reached Discord


def test_a_route_template_matches_one_segment_per_parameter() -> None:
    pattern = route_pattern("/channels/{channel_id}/messages")
    assert pattern.fullmatch("/channels/123/messages")
    assert not pattern.fullmatch("/channels/123/messages/456")
    assert not pattern.fullmatch("/channels/messages")
    assert route_pattern("/channels/123/messages").fullmatch("/channels/123/messages")
    assert not route_pattern("/channels/123/messages").fullmatch("/channels/124/messages")


def test_faults_are_used_up_in_order_and_match_their_method() -> None:
    plan = FaultPlan()
    plan.add("POST", MESSAGES, status=503, times=2)
    plan.add("*", "/channels/{channel_id}", status=404)
    assert plan.take("GET", "/channels/1/messages") is None
    taken = [plan.take("POST", "/channels/1/messages") for _ in range(3)]
    assert [f.status if f else None for f in taken] == [503, 503, None]
    any_method = plan.take("DELETE", "/channels/1")
    assert any_method is not None and any_method.body() == {
        "code": 10003,
        "message": "Unknown Channel",
    }
    assert plan.pending == []
    with pytest.raises(ValueError, match="path"):
        plan.add("POST", "channels/{channel_id}", status=500)
    with pytest.raises(ValueError, match="status"):
        plan.add("POST", MESSAGES, status=200)
