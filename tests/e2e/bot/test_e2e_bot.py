"""End to end: the bot's life cycle, command sync, /settings and the shared error handler."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.client import NatoBot, discover_extensions
from bot.config import Settings
from tests.fakediscord import FakeDiscord, FakeGuild
from tests.fakediscord.pytest_plugin import running_fake
from tests.support.bot import bot_settings
from tests.support.natobot_process import start_natobot
from tests.support.waiting import SLOW

MANAGE_GUILD = discord.Permissions(manage_guild=True)


def _command_syncs(fake: FakeDiscord) -> int:
    return sum(1 for r in fake.requests if r.method == "PUT" and r.path.endswith("/commands"))


async def test_every_extension_loads_and_every_command_is_described(tmp_path: Path) -> None:
    """A cheap guard over all cogs: names unique, every command and option described."""
    assert {"cogs.spending", "cogs.settings"} <= set(discover_extensions())
    settings = Settings(_env_file=None, discord_token="unused", database_path=tmp_path / "x")
    async with NatoBot(settings) as bot:  # set up, never logged in
        for extension in discover_extensions():
            await bot.load_extension(extension)  # duplicate names would raise here
        names: list[str] = []
        for command in bot.tree.walk_commands():
            names.append(command.qualified_name)
            assert 1 <= len(command.description) <= 100, command.qualified_name
            if isinstance(command, app_commands.Command):
                for param in command.parameters:
                    assert param.description and param.description != "…", (
                        command.qualified_name,
                        param.name,
                    )
        assert len(names) == len(set(names))
        assert len([n for n in names if " " not in n]) <= 100  # Discord's global command cap


async def test_commands_sync_only_when_the_tree_changed(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path
) -> None:
    settings = bot_settings(tmp_path, fake_discord)
    async with fake_discord.running(NatoBot(settings), timeout=SLOW):
        await fake_discord.wait_for_commands(timeout=SLOW)
    assert _command_syncs(fake_discord) == 1

    # Same database, same commands: a restart does not sync again (Discord rate-limits it).
    bot = NatoBot(settings)
    async with fake_discord.running(bot, timeout=SLOW):
        assert _command_syncs(fake_discord) == 1

        # A changed tree is synced.
        @app_commands.command(name="extra", description="a command added later")
        async def extra(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("hi")

        bot.tree.add_command(extra)
        assert await bot.sync_commands_if_changed() is True
    assert _command_syncs(fake_discord) == 2
    assert "extra" in {c["name"] for c in fake_discord.commands()}


async def test_another_application_on_the_same_database_syncs(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path
) -> None:
    settings = bot_settings(tmp_path, fake_discord)
    async with fake_discord.running(NatoBot(settings), timeout=SLOW):
        await fake_discord.wait_for_commands(timeout=SLOW)
    async with running_fake() as other_app:  # a new application id, the same database file
        other_app.add_guild("Elsewhere")
        async with other_app.running(NatoBot(settings), timeout=SLOW):
            commands = await other_app.wait_for_commands(timeout=SLOW)
    assert "summary" in {c["name"] for c in commands}


async def test_sync_guild_id_syncs_to_that_guild_only(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path
) -> None:
    settings = bot_settings(tmp_path, fake_discord, sync_guild_id=guild.id)
    async with fake_discord.running(NatoBot(settings), timeout=SLOW):
        commands = await fake_discord.wait_for_commands(guild, timeout=SLOW)
    assert "summary" in {c["name"] for c in commands}
    assert fake_discord.commands() == []


async def test_bad_token_is_a_login_failure(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path
) -> None:
    bot = NatoBot(bot_settings(tmp_path, fake_discord, discord_token="bad-token"))
    with pytest.raises(discord.LoginFailure):
        async with fake_discord.running(bot, token="bad-token"):
            pass


async def test_run_with_a_rejected_token_says_so_in_one_line(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path
) -> None:
    proc = await start_natobot(
        fake_discord.api_base, fake_discord.gateway_url, tmp_path, token="bad-token"
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1
    text = stderr.decode()
    assert "Discord rejected DISCORD_TOKEN" in text
    assert "Traceback" not in text


async def _first_request(fake: FakeDiscord) -> None:
    async with asyncio.timeout(60):
        while not fake.requests:  # noqa: ASYNC110 - polls the fake's request log
            await asyncio.sleep(0.01)


@pytest.mark.parametrize(
    ("sig", "when"),
    [
        (signal.SIGTERM, "running"),
        (signal.SIGINT, "running"),
        # A signal while logging in / opening the store / syncing must not race the close.
        (signal.SIGTERM, "starting"),
    ],
)
async def test_run_shuts_down_cleanly_on_signal(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path, sig: signal.Signals, when: str
) -> None:
    proc = await start_natobot(
        fake_discord.api_base, fake_discord.gateway_url, tmp_path, token="fake-token"
    )
    try:
        if when == "running":
            await fake_discord.wait_for_commands(timeout=60)
        else:
            await _first_request(fake_discord)
        proc.send_signal(sig)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    text = stderr.decode()
    assert proc.returncode == 0, text
    assert "Traceback" not in text
    assert "shutting down" in text
    # The store was closed: SQLite removes the write-ahead log when the last connection closes.
    # (A signal during login may come before the store was even created.)
    assert (tmp_path / "proc.sqlite3").exists() or when == "starting"
    assert not (tmp_path / "proc.sqlite3-wal").exists()


async def test_settings_need_manage_server_even_when_discord_shows_them(
    natobot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    member = fake_discord.add_member(guild, name="member")
    # Discord hides the command from them (default_member_permissions) ...
    [settings] = [c for c in fake_discord.commands() if c["name"] == "settings"]
    assert int(settings["default_member_permissions"]) == MANAGE_GUILD.value
    assert settings.get("contexts") == [0] or settings.get("dm_permission") is False
    # ... but a server can re-grant it: the bot checks at run time too.
    inter = await fake_discord.invoke(
        "settings target", {"value": 3.5}, user=member, permission_override=True
    )
    reply = await inter.final_message()
    assert reply.ephemeral
    assert "Manage Server" in reply.content
    assert await natobot.store.guild_target(guild.id) is None


async def test_settings_target_changes_the_server_default(
    natobot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    admin = fake_discord.add_member(guild, name="admin", permissions=MANAGE_GUILD)
    inter = await fake_discord.invoke("settings target", {"value": 3.5}, user=admin)
    assert "3.5%" in (await inter.final_message()).content
    assert await natobot.store.guild_target(guild.id) == 3.5

    shown = await fake_discord.invoke("settings show", user=admin)
    message = await shown.final_message()
    assert message.ephemeral
    assert "3.5% of GDP (set here)" in message.embeds[0]["fields"][0]["value"]

    # Commands without a target now use the server's: 5 allies meet 3.5% core in 2026.
    summary = await fake_discord.invoke("summary", {"release": "2026-07", "year": 2026})
    embed = (await summary.final_message()).embeds[0]
    assert "3.5%" in embed["title"]
    assert "5 of" in embed["description"]

    # Leaving the value empty goes back to the bot's default.
    reset = await fake_discord.invoke("settings target", user=admin)
    assert "bot's default" in (await reset.final_message()).content
    assert await natobot.store.guild_target(guild.id) is None


async def test_unexpected_errors_get_a_short_apology_and_are_logged(
    natobot: NatoBot, fake_discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    @app_commands.command(name="boom", description="fails")
    async def boom(interaction: discord.Interaction) -> None:
        raise RuntimeError("kaboom")

    @app_commands.command(name="boom-later", description="fails after deferring")
    async def boom_later(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        raise RuntimeError("kaboom later")

    natobot.tree.add_command(boom)
    natobot.tree.add_command(boom_later)
    await natobot.tree.sync()
    caplog.set_level(logging.ERROR, logger="bot.client")

    for name in ("boom", "boom-later"):
        inter = await fake_discord.invoke(name)
        if name == "boom":
            message = await inter.final_message()
        else:
            message = await inter.followup()
        assert message.ephemeral
        assert "Sorry" in message.content
        assert str(inter.id) in message.content
        assert "kaboom" not in message.content  # no internals shown to users
        assert any(str(inter.id) in r.getMessage() for r in caplog.records)


async def test_guild_only_commands_refuse_dms(natobot: NatoBot, fake_discord: FakeDiscord) -> None:
    # /summary works in DMs (no server setting: the bot's default target).
    inter = await fake_discord.invoke("summary", {"release": "2024-06", "year": 2024}, dm=True)
    assert "2%" in (await inter.final_message()).embeds[0]["title"]
