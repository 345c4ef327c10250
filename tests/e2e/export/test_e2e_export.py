"""End to end: the Export CSV button (bot/views/export.py) on /summary, /ranking, /compare and
/revisions, through the real bot and the fake Discord."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from bot.client import NatoBot
from bot.errors import echo
from bot.views import live_pages, register_page_source, send_pages
from bot.views.export import ExportButton
from bot.views.paginator import ANYONE, PageKey, page_view
from tests.fakediscord import FakeDiscord, FakeGuild, FakeMessage
from tests.support.bot import bot_settings
from tests.support.discord_text import embed_json_text
from tests.support.oracle import allies_of, cell, half_up, release_ids, release_years
from tests.support.waiting import SLOW, eventually

BOM = "\ufeff"


def export_id(message: FakeMessage) -> str:
    [found] = [c for c in message.custom_ids() if c.startswith("export:")]
    return found


def rows_of(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    text = data.decode("utf-8")
    assert text.startswith(BOM)  # Excel reads UTF-8 only with it
    lines = text.removeprefix(BOM).splitlines()
    comments = [line for line in lines if line.startswith("#")]
    table = [line for line in lines if not line.startswith("#")]
    return comments, list(csv.DictReader(io.StringIO("\n".join(table))))


async def click_export(
    fake: FakeDiscord, message: FakeMessage, guild: FakeGuild, *, name: str = "reader"
) -> tuple[FakeMessage, list[dict[str, str]], list[str]]:
    """Someone other than the invoker clicks: the file comes to them alone, the reply unchanged."""
    edits = message.edits
    reader = fake.add_member(guild, name=name)
    click = await fake.click(message, export_id(message), user=reader)
    sent = await click.final_message()
    assert sent.ephemeral
    [attached] = click.files
    assert attached.filename.endswith(".csv")
    comments, rows = rows_of(attached.data)
    assert message.edits == edits  # the public reply is left as it was
    return sent, rows, comments


async def test_summary_exports_its_table_privately(
    natobot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    options = {"release": "2024-06", "year": 2024, "target": 2}
    reply = await (await fake_discord.invoke("summary", options)).final_message()
    assert not reply.ephemeral
    button = reply.component(export_id(reply))
    assert button["label"] == "Export CSV" and not button.get("disabled")

    sent, rows, comments = await click_export(fake_discord, reply, guild)
    assert "release 2024-06, 2024" in sent.content
    assert comments[0] == "# Who meets 2% (Vilnius 2023 commitment) in 2024"
    assert sum(row["status"] == "meets" for row in rows) == 23
    spain = next(row for row in rows if row["iso3"] == "ESP")
    assert spain["share_as_released"] == cell("2024-06", "ESP", 2024, "pct_gdp")
    assert spain["share_pct_gdp"] == str(half_up(cell("2024-06", "ESP", 2024, "pct_gdp")))
    assert {row["iso3"] for row in rows} >= set(allies_of(2024))


async def test_the_export_asks_the_question_the_reply_answered(
    natobot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    # No options: the newest release, its latest year, and the server's target (set here).
    await natobot.store.set_guild_target(guild.id, 3.5, by=fake_discord.owner.id)
    reply = await (await fake_discord.invoke("summary")).final_message()
    newest = release_years("2026-07")[-1]
    assert export_id(reply) == f"export:summary:2026-07/{newest}/3.5"
    _, rows, _ = await click_export(fake_discord, reply, guild)
    assert {(row["release"], row["year"], row["target_pct_gdp"]) for row in rows} == {
        ("2026-07", str(newest), "3.5")
    }


async def test_compare_and_revisions_export(
    natobot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    reply = await (
        await fake_discord.invoke("compare", {"countries": "pl, de, fr", "release": "2024-06"})
    ).final_message()
    _, rows, _ = await click_export(fake_discord, reply, guild, name="first")
    assert [row["iso3"] for row in rows] == ["POL", "DEU", "FRA"]
    assert rows[0]["share_as_released"] == cell("2024-06", "POL", 2024, "pct_gdp")

    reply = await (
        await fake_discord.invoke("revisions", {"country": "Poland", "year": 2024})
    ).final_message()
    sent, rows, _ = await click_export(fake_discord, reply, guild, name="second")
    assert "Poland 2024, every release" in sent.content
    assert [row["release"] for row in rows][-1] == "2026-07"
    assert rows[0]["share_as_released"] == cell("2024-06", "POL", 2024, "pct_gdp")


async def test_ranking_keeps_its_export_button_on_every_page(
    natobot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    options = {"release": "2024-06", "year": 2024, "metric": "per_capita"}
    reply = await (await fake_discord.invoke("ranking", options)).final_message()
    before = export_id(reply)
    next_id = reply.custom_ids()[2]
    assert next_id.endswith(":next")
    await (await fake_discord.click(reply, next_id)).response()
    assert reply.component(reply.custom_ids()[1])["label"].startswith("2 / ")
    assert export_id(reply) == before == "export:ranking:2024-06/2024/per_capita/highest"

    _, rows, _ = await click_export(fake_discord, reply, guild)
    ranked = [row for row in rows if row["status"] == "ranked"]
    assert ranked[0]["iso3"] == "USA" and ranked[0]["rank"] == "1"
    assert ranked[0]["value_as_released"] == cell(
        "2024-06", "USA", 2024, "spend_per_capita_usd_2015"
    )


async def test_one_page_keeps_its_extras_without_page_buttons(
    natobot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    # A paged reply that fits on one page has no page buttons, but its extras still show.
    def one_page(bot: NatoBot, state: str) -> list[discord.Embed]:
        return [discord.Embed(title=f"only page {state}")]

    def export(bot: NatoBot, state: str) -> list[discord.ui.Item[Any]]:
        return [ExportButton("revisions", f"{state}/2024")]

    register_page_source("one-page", one_page, extras=export)

    @app_commands.command(name="one-page", description="a reply of one page")
    async def one_page_command(interaction: discord.Interaction) -> None:
        await send_pages(interaction, one_page(natobot, "POL"), source="one-page", state="POL")

    natobot.tree.add_command(one_page_command)
    await natobot.tree.sync()
    reply = await (await fake_discord.invoke("one-page")).final_message()
    assert reply.embeds[0]["title"] == "only page POL"
    assert reply.custom_ids() == ["export:revisions:POL/2024"]
    _, rows, _ = await click_export(fake_discord, reply, guild)
    assert {(row["iso3"], row["year"]) for row in rows} == {("POL", "2024")}


async def test_export_outlives_the_page_buttons_and_a_restart(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path
) -> None:
    settings = bot_settings(tmp_path, fake_discord)
    first = NatoBot(settings)
    async with fake_discord.running(first, timeout=SLOW):
        summary = await (
            await fake_discord.invoke("summary", {"release": "2024-06", "year": 2024})
        ).final_message()
        ranking = await (
            await fake_discord.invoke("ranking", {"release": "2024-06"})
        ).final_message()
        await eventually(lambda: live_pages(first) == [ranking.id], "the page tracked")
    # Shut down: the page buttons were disabled; the export button still works.
    assert all(ranking.component(c).get("disabled") for c in ranking.custom_ids()[:3])
    assert not ranking.component(export_id(ranking)).get("disabled")

    async with fake_discord.running(NatoBot(settings), timeout=SLOW):
        _, rows, _ = await click_export(fake_discord, ranking, guild, name="later")
        assert rows[0]["release"] == "2024-06"
        _, rows, _ = await click_export(fake_discord, summary, guild, name="later-still")
        assert sum(row["status"] == "meets" for row in rows) == 23


async def test_a_question_the_data_cannot_answer_gets_one_private_line(
    natobot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    # A reply sent when another release was loaded (or an id this bot never made).
    stale = {
        "gone": ExportButton("summary", "2019-01/2019/2"),
        "garbled": ExportButton("ranking", "2024-06/nope"),
    }

    @app_commands.command(name="old-reply", description="a reply from older data")
    async def old_reply(interaction: discord.Interaction, which: str) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(stale[which])
        await interaction.response.send_message("old", view=view)

    natobot.tree.add_command(old_reply)
    await natobot.tree.sync()
    expected = {
        "gone": f"No release “{echo('2019-01')}” is loaded. Loaded: {', '.join(release_ids())}.",
        "garbled": "This button does not say what to export: run the command again.",
    }
    for which, text in expected.items():
        reply = await (await fake_discord.invoke("old-reply", {"which": which})).final_message()
        click = await fake_discord.click(reply, export_id(reply))
        answer = await click.final_message()
        assert answer.ephemeral and answer.content == text
        assert click.files == [] and len(click.callbacks) == 1


async def test_a_ranking_question_has_one_encoding_for_pages_and_export(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    options = {"release": "2024-06", "year": 2024, "metric": "per_capita"}
    reply = await (await fake_discord.invoke("ranking", options)).final_message()
    page_state = reply.custom_ids()[2].split(":")[2]
    assert page_state == export_id(reply).split(":", 2)[2] == "2024-06/2024/per_capita/highest"


async def test_page_buttons_of_the_older_encoding_still_turn(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    # A /ranking reply sent by the bot before the one encoding (metric first, target last).
    key = PageKey("ranking", "per_capita/2024-06/2024/highest/", ANYONE, 2**31)

    @app_commands.command(name="old-pages", description="pages sent by an older bot")
    async def old_pages(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("old", view=page_view(key, 0, 3))

    natobot.tree.add_command(old_pages)
    await natobot.tree.sync()
    reply = await (await fake_discord.invoke("old-pages")).final_message()
    await (await fake_discord.click(reply, key.custom_id("next"))).response()
    await eventually(lambda: reply.embeds, "the page turned")
    assert "Defence spending per head" in embed_json_text(reply.embeds[0])
    assert reply.component(reply.custom_ids()[1])["label"].startswith("2 / ")
