"""The fake's world changing under a running bot, and message nonces, with the real discord.py.

A change is made in the fake, told to the bot on the gateway (CHANNEL_DELETE, CHANNEL_UPDATE,
GUILD_ROLE_UPDATE, …), and from then on enforced over REST: the tests wait for discord.py's own
event, then check both its cache and what the fake answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import aiohttp
import discord
import pytest

from tests.fakediscord import (
    BareBot,
    FakeChannel,
    FakeDiscord,
    FakeDiscordError,
    FakeGuild,
    running_bare_bot,
)
from tests.fakediscord.pytest_plugin import running_fake
from tests.support.waiting import SLOW

SEND = discord.Permissions(send_messages=True)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with running_fake() as fake:
        fake.add_guild("World", channels=["general", "news"])
        yield fake


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[BareBot]:
    async with running_bare_bot(fake) as bot:
        yield bot


def the_guild(fake: FakeDiscord) -> FakeGuild:
    return next(iter(fake.guilds.values()))


def text_channel(bot: discord.Client, channel: FakeChannel) -> discord.TextChannel:
    found = bot.get_channel(channel.id)
    assert isinstance(found, discord.TextChannel)
    return found


# ---- nonces ------------------------------------------------------------------------------------


async def test_a_repeated_nonce_returns_the_first_message(fake: FakeDiscord, bot: BareBot) -> None:
    general = the_guild(fake).channel("general")
    first = await text_channel(bot, general).send("scheduled post", nonce="post-1")
    again = await text_channel(bot, general).send("scheduled post", nonce="post-1")
    assert again.id == first.id
    assert [m.content for m in fake.channel_messages(general)] == ["scheduled post"]
    bodies = [r.json for r in fake.requests if r.path == f"/channels/{general.id}/messages"]
    assert [(b["nonce"], b["enforce_nonce"]) for b in bodies] == [("post-1", True)] * 2


async def test_a_nonce_counts_per_channel_and_only_when_enforced(
    fake: FakeDiscord, bot: BareBot
) -> None:
    guild = the_guild(fake)
    general, news = guild.channel("general"), guild.channel("news")
    await text_channel(bot, general).send("here", nonce=7)
    await text_channel(bot, news).send("there", nonce=7)
    assert len(fake.channel_messages(news)) == 1
    url = f"{fake.api_base}/channels/{general.id}/messages"
    body = {"content": "not enforced", "nonce": "7", "enforce_nonce": False}
    headers = {"Authorization": "Bot fake-token"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=headers) as response,
    ):
        assert response.status == 200
    assert [m.content for m in fake.channel_messages(general)] == ["here", "not enforced"]


async def test_a_nonce_over_25_characters_is_invalid_form_body(
    fake: FakeDiscord, bot: BareBot
) -> None:
    general = the_guild(fake).channel("general")
    with pytest.raises(discord.HTTPException) as raised:
        await text_channel(bot, general).send("x", nonce="n" * 26)
    assert raised.value.code == 50035
    [violation] = fake.take_violations("invalid_form_body")
    assert "nonce" in violation.message
    assert fake.channel_messages(general) == []


# ---- creating and deleting channels -----------------------------------------------------------


async def test_a_channel_created_mid_test_reaches_the_cache_and_takes_posts(
    fake: FakeDiscord, bot: BareBot
) -> None:
    created = bot.wait_for("guild_channel_create", timeout=SLOW)
    alerts = await fake.create_channel(the_guild(fake), "alerts")
    assert (await created).id == alerts.id
    await text_channel(bot, alerts).send("first post")
    assert [m.content for m in fake.channel_messages(alerts)] == ["first post"]


async def test_a_deleted_channel_is_gone_from_the_cache_and_unknown_over_rest(
    fake: FakeDiscord, bot: BareBot
) -> None:
    news = the_guild(fake).channel("news")
    stale = text_channel(bot, news)
    deleted = bot.wait_for("guild_channel_delete", timeout=SLOW)
    await fake.delete_channel(news)
    channel = await deleted
    assert channel.id == news.id
    assert bot.get_channel(news.id) is None
    with pytest.raises(discord.NotFound) as raised:
        await stale.send("into the void")
    assert raised.value.code == 10003
    with pytest.raises(discord.NotFound):
        await bot.fetch_channel(news.id)
    assert [c.name for c in the_guild(fake).channels] == ["general"]
    with pytest.raises(FakeDiscordError, match="does not exist"):
        await fake.delete_channel(news)


# ---- threads and forums --------------------------------------------------------------------------


@pytest.fixture
async def threads() -> AsyncIterator[tuple[FakeDiscord, FakeChannel, FakeChannel, FakeChannel]]:
    """A text channel's thread, a forum and one of its posts, there before the bot connects."""
    async with running_fake() as fake:
        guild = fake.add_guild("Threads", channels=["general"])
        forum = fake.add_channel(guild, "reports", type=15)
        thread = fake.add_thread(guild.channel("general"), "weekly")
        post = fake.add_thread(forum, "NATO figures")
        yield fake, thread, forum, post


async def test_threads_reach_the_cache_and_take_posts_a_forum_takes_none(
    threads: tuple[FakeDiscord, FakeChannel, FakeChannel, FakeChannel],
) -> None:
    fake, thread, forum, post = threads
    async with running_bare_bot(fake) as bot:
        cached = bot.get_channel(thread.id)
        assert isinstance(cached, discord.Thread) and cached.parent_id == thread.parent_id
        in_forum = bot.get_channel(post.id)
        assert isinstance(in_forum, discord.Thread)
        assert isinstance(in_forum.parent, discord.ForumChannel) and in_forum.parent.id == forum.id
        await cached.send("in the thread")
        await in_forum.send("in the forum's post")
        assert [m.content for m in fake.channel_messages(thread)] == ["in the thread"]
        assert [m.content for m in fake.channel_messages(post)] == ["in the forum's post"]
        with pytest.raises(discord.HTTPException) as raised:
            await bot.get_partial_messageable(forum.id).send("into the forum itself")
        assert (raised.value.status, raised.value.code) == (400, 50008)
        assert len(fake.take_violations("non_text_channel")) == 1


async def test_a_thread_takes_its_parents_permissions_and_send_in_threads(
    threads: tuple[FakeDiscord, FakeChannel, FakeChannel, FakeChannel],
) -> None:
    fake, thread, _, _ = threads
    guild = the_guild(fake)
    parent = fake.channels[thread.parent_id or 0]
    async with running_bare_bot(fake) as bot:
        cached = bot.get_channel(thread.id)
        assert isinstance(cached, discord.Thread)
        # Send Messages denied in the parent: a thread still takes posts (Send in Threads).
        await fake.revoke(parent, fake.bot_user, SEND)
        await cached.send("still fine")
        await fake.revoke(parent, fake.bot_user, discord.Permissions(send_messages_in_threads=True))
        with pytest.raises(discord.Forbidden) as raised:
            await cached.send("refused")
        assert raised.value.code == 50013
        assert len(fake.take_violations("missing_permissions")) == 1
        assert [m.content for m in fake.channel_messages(thread)] == ["still fine"]
        locked = fake.add_thread(guild.channel("general"), "locked", locked=True)
        await fake.grant(parent, fake.bot_user, discord.Permissions(send_messages_in_threads=True))
        with pytest.raises(discord.Forbidden):
            await bot.get_partial_messageable(locked.id).send("locked")
        assert len(fake.take_violations("missing_permissions")) == 1
        await bot.get_partial_messageable(thread.id).send("the unlocked one takes it")


async def test_a_deleted_thread_is_a_thread_delete_event(
    threads: tuple[FakeDiscord, FakeChannel, FakeChannel, FakeChannel],
) -> None:
    fake, thread, _, _ = threads
    async with running_bare_bot(fake) as bot:
        deleted = bot.wait_for("raw_thread_delete", timeout=SLOW)
        await fake.delete_channel(thread)
        event = await deleted
        assert (event.thread_id, event.parent_id) == (thread.id, thread.parent_id)
        assert bot.get_channel(thread.id) is None


# ---- permissions ---------------------------------------------------------------------------------


async def test_revoked_send_messages_in_a_channel_gives_403(
    fake: FakeDiscord, bot: BareBot
) -> None:
    guild = the_guild(fake)
    general = guild.channel("general")
    me = guild.member(fake.bot_user)
    updated = bot.wait_for("guild_channel_update", timeout=SLOW)
    await fake.revoke(general, me, SEND)
    await updated
    cached = text_channel(bot, general)
    assert cached.guild.me is not None
    assert not cached.permissions_for(cached.guild.me).send_messages  # the cache agrees
    with pytest.raises(discord.Forbidden) as raised:
        await cached.send("not allowed")
    assert (raised.value.status, raised.value.code) == (403, 50013)
    assert len(fake.take_violations("missing_permissions")) == 1
    assert fake.channel_messages(general) == []
    await text_channel(bot, guild.channel("news")).send("other channels are fine")

    interaction = await fake.invoke("ping", channel=general)
    assert not discord.Permissions(int(interaction.payload["app_permissions"])).send_messages
    assert (await interaction.response()).accepted  # answering an interaction needs no Send

    regranted = bot.wait_for("guild_channel_update", timeout=SLOW)
    await fake.grant(general, me, SEND)
    await regranted
    await cached.send("allowed again")
    posted = [m.content for m in fake.channel_messages(general) if m.interaction_id is None]
    assert posted == ["allowed again"]


async def test_an_overwrite_for_a_role_hides_the_channel_from_its_members(
    fake: FakeDiscord, bot: BareBot
) -> None:
    guild = the_guild(fake)
    general = guild.channel("general")
    updated = bot.wait_for("guild_channel_update", timeout=SLOW)
    await fake.revoke(general, guild.everyone_role, discord.Permissions(view_channel=True))
    await updated
    assert text_channel(bot, general).overwrites_for(guild_role(bot, guild)).view_channel is False
    with pytest.raises(discord.Forbidden) as raised:
        await text_channel(bot, general).send("unseen")
    assert raised.value.code == 50001  # Missing Access: the bot cannot even see it
    assert len(fake.take_violations("missing_access")) == 1


def updated_role(role_id: int) -> Callable[[discord.Role, discord.Role], bool]:
    return lambda before, after: after.id == role_id


def guild_role(bot: discord.Client, guild: FakeGuild) -> discord.Role:
    cached = bot.get_guild(guild.id)
    assert cached is not None
    return cached.default_role


async def test_revoking_guild_wide_changes_the_roles_the_bot_has(
    fake: FakeDiscord, bot: BareBot
) -> None:
    guild = the_guild(fake)
    me = guild.member(fake.bot_user)
    with pytest.raises(FakeDiscordError, match="@everyone grants"):
        await fake.revoke(guild, me, SEND)  # Discord has no guild-wide deny for one member
    roles_updated = [
        bot.wait_for("guild_role_update", check=updated_role(role.id), timeout=SLOW)
        for role in [guild.everyone_role, *me.roles]
    ]
    await fake.revoke(guild, guild.everyone_role, SEND)
    await fake.revoke(guild, me, SEND)
    for update in roles_updated:
        await update
    cached = bot.get_guild(guild.id)
    assert cached is not None and cached.me is not None
    assert not cached.me.guild_permissions.send_messages
    with pytest.raises(discord.Forbidden):
        await text_channel(bot, guild.channel("news")).send("no")
    assert len(fake.take_violations("missing_permissions")) == 1


async def test_granting_a_member_guild_wide_gives_them_a_role(
    fake: FakeDiscord, bot: BareBot
) -> None:
    guild = the_guild(fake)
    tester = guild.member(fake.tester)
    created = bot.wait_for("guild_role_create", timeout=SLOW)
    await fake.grant(guild, tester, discord.Permissions(manage_guild=True))
    role = await created
    assert role.permissions.manage_guild and role.name == "tester-role"
    assert [r.name for r in tester.roles] == ["tester-role"]
    interaction = await fake.invoke("ping")
    assert discord.Permissions(int(interaction.payload["member"]["permissions"])).manage_guild
    assert (await interaction.response()).accepted


def test_overwrites_apply_in_discords_order() -> None:
    """@everyone's overwrite, then the member's roles' (allow beats deny), then the member's own."""
    world = FakeDiscord()
    guild = world.add_guild("Order")
    general = guild.channel("general")
    helper_role = world.add_role(guild, "helpers", 0)
    member = world.add_member(guild, name="pat", roles=[helper_role])
    send = SEND.value
    world.change_overwrite(general, guild.everyone_role, deny=send)
    assert not member.permissions_in(general) & send
    world.change_overwrite(general, helper_role, allow=send)
    assert member.permissions_in(general) & send
    world.change_overwrite(general, member, deny=send)
    assert not member.permissions_in(general) & send
    owner = guild.member(world.owner)
    assert owner.permissions_in(general) == discord.Permissions.all().value  # owners see all
    assert member.permissions & send  # guild-wide, overwrites do not count
