"""End to end: bot/checks.py, the permission hint and the run-time check in one decorator."""

from __future__ import annotations

from pathlib import Path

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import owner_only
from bot.client import NatoBot
from tests.fakediscord import FakeDiscord, FakeGuild
from tests.support.bot import bot_settings
from tests.support.waiting import SLOW

MANAGE_GUILD = discord.Permissions(manage_guild=True)


def _synced(fake: FakeDiscord, name: str) -> dict[str, object]:
    [schema] = [c for c in fake.commands() if c["name"] == name]
    return schema


async def test_a_member_without_manage_server_is_refused(
    natobot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    member = fake_discord.add_member(guild, name="member")
    # An admin re-granted /settings to everyone: Discord lets them run it, the bot does not.
    for command, options in (("settings target", {"value": 4}), ("settings show", {})):
        inter = await fake_discord.invoke(command, options, user=member, permission_override=True)
        reply = await inter.final_message()
        assert reply.ephemeral
        assert reply.content == "You need the Manage Server permission to do that."
        assert not reply.embeds
    assert await natobot.store.guild_target(guild.id) is None


async def test_a_member_with_manage_server_passes(
    natobot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    admin = fake_discord.add_member(guild, name="admin", permissions=MANAGE_GUILD)
    inter = await fake_discord.invoke("settings target", {"value": 4}, user=admin)
    assert "now 4% of GDP" in (await inter.final_message()).content
    assert await natobot.store.guild_target(guild.id) == 4
    shown = await fake_discord.invoke("settings show", user=admin)
    assert "4% of GDP (set here)" in (await shown.final_message()).embeds[0]["fields"][0]["value"]


async def test_settings_from_a_dm_says_it_only_works_in_a_server(
    natobot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    schema = _synced(fake_discord, "settings")
    assert schema.get("contexts") == [0] or schema.get("dm_permission") is False
    # Discord never offers it in a DM, but a client with a stale command list (or a forged
    # interaction) can still send one: model that by widening the synced command's contexts.
    schema["contexts"] = [0, 1]
    schema.pop("dm_permission", None)
    inter = await fake_discord.invoke("settings target", {"value": 4}, dm=True)
    reply = await inter.final_message()
    assert reply.ephemeral
    assert reply.content == "That command only works in a server."
    assert await natobot.store.guild_target(guild.id) is None


def _owner_command(bot: NatoBot, ran: list[int]) -> None:
    @app_commands.command(name="owner-thing", description="for the bot's owner")
    @owner_only()
    async def owner_thing(interaction: discord.Interaction) -> None:
        ran.append(interaction.user.id)
        await interaction.response.send_message("done", ephemeral=True)

    bot.tree.add_command(owner_thing)


async def test_owner_only_refuses_others_and_lets_the_owner_through(
    natobot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    ran: list[int] = []
    _owner_command(natobot, ran)
    await natobot.tree.sync()
    # The hint: no permission at all, so Discord shows it to server administrators only.
    assert int(str(_synced(fake_discord, "owner-thing")["default_member_permissions"])) == 0

    admin = fake_discord.add_member(guild, name="admin", permissions=discord.Permissions.all())
    refused = await fake_discord.invoke("owner-thing", user=admin)
    reply = await refused.final_message()
    assert reply.ephemeral
    assert reply.content == "Only the bot's owner can do that."
    assert ran == []

    fake_discord.add_member(guild, fake_discord.owner)
    allowed = await fake_discord.invoke(
        "owner-thing", user=fake_discord.owner, permission_override=True
    )
    assert (await allowed.final_message()).content == "done"
    assert ran == [fake_discord.owner.id]


async def test_without_owner_ids_the_application_owner_is_the_owner(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path
) -> None:
    # OWNER_IDS empty: discord.py asks Discord for the application's owner (or its team).
    settings = bot_settings(tmp_path, fake_discord, owner_ids=frozenset())
    bot = NatoBot(settings)
    ran: list[int] = []
    _owner_command(bot, ran)
    async with fake_discord.running(bot, timeout=SLOW):
        await fake_discord.wait_for_commands(timeout=SLOW)
        fake_discord.add_member(guild, fake_discord.owner)
        owner = await fake_discord.invoke(
            "owner-thing", user=fake_discord.owner, permission_override=True
        )
        assert (await owner.final_message()).content == "done"
        other = await fake_discord.invoke("owner-thing", permission_override=True)
        assert (await other.final_message()).content == "Only the bot's owner can do that."
    assert ran == [fake_discord.owner.id]


async def test_admin_uses_the_one_owner_policy(natobot: NatoBot) -> None:
    """/admin is refused by ``owner_only``'s check, not by a check of its own beside it."""
    admin = natobot.tree.get_command("admin")
    assert isinstance(admin, app_commands.Group)
    cog = natobot.get_cog("AdminCog")
    assert cog is not None
    assert type(cog).interaction_check is commands.GroupCog.interaction_check
    for command in admin.walk_commands():
        assert isinstance(command, app_commands.Command)
        assert [c.__qualname__.split(".")[0] for c in command.checks] == ["_owner_check"]
