"""End to end: /help and the welcome message on joining a server, through the real bot and the
fake Discord (which refuses over-long embeds and posts without permission)."""

from __future__ import annotations

import logging
from pathlib import Path

import discord
import pytest

from bot.client import NatoBot
from cogs.help import welcomed_key
from tests.fakediscord import FakeDiscord, FakeGuild
from tests.fakediscord.models import DEFAULT_BOT_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS
from tests.support.bot import bot_settings
from tests.support.discord_text import embed_json_text
from tests.support.waiting import SLOW, eventually


async def test_help_is_private_and_lists_every_synced_command(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    inter = await fake_discord.invoke("help")
    message = await inter.final_message()
    assert message.ephemeral
    listing, questions = message.embeds
    text = embed_json_text(listing)
    synced = [
        f"{c['name']} {sub['name']}" if sub else c["name"]
        for c in fake_discord.commands()
        for sub in [o for o in c.get("options", []) if o["type"] == 1] or [None]
    ]
    assert "settings show" in synced and "summary" in synced
    for name in synced:
        assert f"**/{name}**" in text, name
    assert "**/settings target** `[value]`" in text
    assert "e.g. `/compare countries:pl, de, fr target:3.5`" in text
    faq = embed_json_text(questions)
    assert "Why is Iceland not assessed?" in faq
    assert "here 2% of GDP" in faq


async def test_help_names_the_servers_own_target(
    natobot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    await natobot.store.set_guild_target(guild.id, 3.5, by=fake_discord.owner.id)
    message = await (await fake_discord.invoke("help")).final_message()
    assert "here 3.5% of GDP" in embed_json_text(message.embeds[1])


# ---- the welcome ---------------------------------------------------------------------------------


def with_system_channel(guild: FakeGuild, name: str = "general") -> FakeGuild:
    guild.system_channel_id = guild.channel(name).id
    return guild


def posts(fake: FakeDiscord) -> list[str]:
    return [r.path for r in fake.requests if r.method == "POST" and r.path.startswith("/channels/")]


@pytest.fixture
def welcome_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="cogs.help")
    return caplog


async def joined(caplog: pytest.LogCaptureFixture, fake: FakeDiscord, guild: FakeGuild) -> str:
    """Add the bot to ``guild`` and wait until it decided about the welcome; what it logged."""
    seen = len(caplog.records)
    await fake.join_guild(guild)

    def decided() -> str | None:
        for record in caplog.records[seen:]:
            if record.name == "cogs.help" and str(guild.id) in record.getMessage():
                return record.getMessage()
        return None

    await eventually(decided, f"the welcome decision for guild {guild.id}")
    message = decided()
    assert message is not None
    return message


async def test_one_welcome_in_the_system_channel_and_never_twice(
    natobot: NatoBot, fake_discord: FakeDiscord, welcome_log: pytest.LogCaptureFixture
) -> None:
    new = with_system_channel(fake_discord.add_guild("New Server", channels=("rules", "general")))
    assert "welcome posted" in await joined(welcome_log, fake_discord, new)
    [welcome] = fake_discord.channel_messages(new.channel("general"))
    assert fake_discord.channel_messages(new.channel("rules")) == []
    assert welcome.embeds[0]["title"] == f"Thanks for adding me: {fake_discord.bot_user.name}"
    assert "`/help`" in embed_json_text(welcome.embeds[0])
    assert await natobot.store.get_meta(welcomed_key(new.id)) == str(new.channel("general").id)

    # Removed and added again: nothing more.
    assert "no second welcome" in await joined(welcome_log, fake_discord, new)
    assert len(fake_discord.channel_messages(new.channel("general"))) == 1


async def test_a_restarted_bot_remembers_whom_it_welcomed(
    fake_discord: FakeDiscord, tmp_path: Path, welcome_log: pytest.LogCaptureFixture
) -> None:
    settings = bot_settings(tmp_path, fake_discord)
    new = with_system_channel(fake_discord.add_guild("New Server"))
    async with fake_discord.running(NatoBot(settings), timeout=SLOW):
        await joined(welcome_log, fake_discord, new)
    async with fake_discord.running(NatoBot(settings), timeout=SLOW):
        assert "no second welcome" in await joined(welcome_log, fake_discord, new)
    assert len(fake_discord.channel_messages(new.channel("general"))) == 1


async def test_servers_the_bot_was_already_in_get_no_welcome(
    fake_discord: FakeDiscord, tmp_path: Path, welcome_log: pytest.LogCaptureFixture
) -> None:
    # At start-up the bot's servers arrive as GUILD_CREATE after READY: on_guild_available.
    old = with_system_channel(fake_discord.add_guild("Old Server"))
    bot = NatoBot(bot_settings(tmp_path, fake_discord))
    async with fake_discord.running(bot, timeout=SLOW):
        await fake_discord.wait_for_commands()
        # A join after start-up is decided in order: once it is, the start-up is long past.
        new = with_system_channel(fake_discord.add_guild("New Server"))
        await joined(welcome_log, fake_discord, new)
        assert await bot.store.get_meta(welcomed_key(old.id)) is None
    assert fake_discord.channel_messages(old.channel("general")) == []


@pytest.mark.parametrize(
    "refused",
    [
        discord.Permissions(send_messages=True),
        discord.Permissions(embed_links=True),
        discord.Permissions(view_channel=True),
    ],
)
async def test_no_welcome_where_the_bot_may_not_post_an_embed(
    natobot: NatoBot,
    fake_discord: FakeDiscord,
    welcome_log: pytest.LogCaptureFixture,
    refused: discord.Permissions,
) -> None:
    # Refused to the bot's role and to @everyone, whose permissions the bot has too.
    bot = discord.Permissions(DEFAULT_BOT_PERMISSIONS.value & ~refused.value)
    everyone = discord.Permissions(DEFAULT_EVERYONE_PERMISSIONS.value & ~refused.value)
    new = with_system_channel(
        fake_discord.add_guild("Locked", bot_permissions=bot, everyone_permissions=everyone)
    )
    sent = posts(fake_discord)
    decision = await joined(welcome_log, fake_discord, new)
    assert "may not post an embed in its system channel" in decision
    assert posts(fake_discord) == sent
    assert await natobot.store.get_meta(welcomed_key(new.id)) is None


async def test_no_system_channel_no_welcome_anywhere(
    natobot: NatoBot, fake_discord: FakeDiscord, welcome_log: pytest.LogCaptureFixture
) -> None:
    new = fake_discord.add_guild("Quiet", channels=("general", "random"))
    sent = posts(fake_discord)
    assert "it has no system channel; no welcome" in await joined(welcome_log, fake_discord, new)
    assert posts(fake_discord) == sent

    # Given a system channel later and added again: welcomed then, once.
    with_system_channel(new, "random")
    assert "welcome posted" in await joined(welcome_log, fake_discord, new)
    assert len(fake_discord.channel_messages(new.channel("random"))) == 1


async def test_a_channel_overwrite_against_the_bot_is_respected(
    natobot: NatoBot, fake_discord: FakeDiscord, welcome_log: pytest.LogCaptureFixture
) -> None:
    # Allowed server-wide, denied in the system channel itself: still no welcome.
    new = with_system_channel(
        fake_discord.add_guild("Announcements only", channels=("news",)), "news"
    )
    bot_member = new.member(fake_discord.bot_user)
    fake_discord.change_overwrite(
        new.channel("news"), bot_member, deny=discord.Permissions(send_messages=True).value
    )
    sent = posts(fake_discord)
    assert "may not post an embed" in await joined(welcome_log, fake_discord, new)
    assert posts(fake_discord) == sent
