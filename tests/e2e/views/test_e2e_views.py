"""End to end: bot/views/ (Confirm / Cancel, pages that outlive the bot, stale clicks)."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands

import bot.views.paginator as paginator
from bot.client import NatoBot
from bot.views import Confirm, live_pages
from tests.fakediscord import FakeDiscord, FakeGuild, FakeMessage
from tests.support.bot import bot_settings
from tests.support.discord_text import embed_json_text
from tests.support.waiting import SLOW, eventually

RANKING = {"release": "2024-06", "year": 2024}


def _page_ids(message: FakeMessage) -> list[str]:
    """The page buttons' ids (an Export CSV button may follow them; it never expires)."""
    return [c for c in message.custom_ids() if not c.startswith("export:")]


def _all_disabled(message: FakeMessage) -> bool:
    return all(message.component(c).get("disabled") for c in _page_ids(message))


# ---- Confirm / Cancel ------------------------------------------------------------------------


async def _with_ask_command(bot: NatoBot, answers: list[bool | None], expiry: float) -> None:
    @app_commands.command(name="ask", description="asks for a confirmation")
    async def ask(interaction: discord.Interaction) -> None:
        answers.append(await Confirm.ask(interaction, "Go ahead?", timeout=expiry))

    bot.tree.add_command(ask)
    await bot.tree.sync()


async def test_the_invoker_confirms_and_the_buttons_are_disabled(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    answers: list[bool | None] = []
    await _with_ask_command(natobot, answers, expiry=SLOW)
    inter = await fake_discord.invoke("ask")
    message = await inter.final_message()
    assert message.content == "Go ahead?"
    confirm_id, cancel_id = message.custom_ids()
    assert message.component(confirm_id)["label"] == "Confirm"
    assert message.component(cancel_id)["label"] == "Cancel"

    click = await fake_discord.click(message, confirm_id)
    assert (await click.response()).type == 7  # the question itself, edited
    await eventually(lambda: answers, "the command got its answer")
    assert answers == [True]
    assert _all_disabled(message)


async def test_someone_else_is_refused_and_the_invoker_can_still_cancel(
    natobot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    answers: list[bool | None] = []
    await _with_ask_command(natobot, answers, expiry=SLOW)
    message = await (await fake_discord.invoke("ask")).final_message()
    confirm_id, cancel_id = message.custom_ids()

    other = fake_discord.add_member(guild, name="other")
    edits = message.edits
    refused = await fake_discord.click(message, confirm_id, user=other)
    reply = await refused.final_message()
    assert reply.ephemeral
    assert reply.content == "Only the person who ran the command can answer this."
    assert message.edits == edits and not _all_disabled(message)
    assert answers == []

    cancelled = await fake_discord.click(message, cancel_id)
    assert (await cancelled.response()).type == 7
    await eventually(lambda: answers, "the command got its answer")
    assert answers == [False]
    assert _all_disabled(message)


async def test_an_unanswered_question_expires_and_disables_its_buttons(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    answers: list[bool | None] = []
    await _with_ask_command(natobot, answers, expiry=0.2)
    message = await (await fake_discord.invoke("ask")).final_message()
    await eventually(lambda: answers, "the question expired")
    assert answers == [None]
    await eventually(lambda: _all_disabled(message), "the buttons disabled on expiry")


async def test_an_open_question_ends_unanswered_at_shutdown(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path
) -> None:
    bot = NatoBot(bot_settings(tmp_path, fake_discord))
    answers: list[bool | None] = []
    async with fake_discord.running(bot, timeout=SLOW):
        await _with_ask_command(bot, answers, expiry=10 * SLOW)  # outlives the test's wait
        await (await fake_discord.invoke("ask")).final_message()
    await eventually(lambda: answers, "the waiting command finished")
    assert answers == [None]


# ---- pages -------------------------------------------------------------------------------------


async def test_ranking_makes_no_get_original(natobot: NatoBot, fake_discord: FakeDiscord) -> None:
    # The reply's own callback answer names the message: nothing to fetch, so a failing
    # GET @original cannot add an apology after the reply or leave the buttons enabled for good.
    message = await (await fake_discord.invoke("ranking", RANKING)).final_message()
    assert len(_page_ids(message)) == 3
    assert not [r for r in fake_discord.requests if r.method == "GET" and "@original" in r.path]
    # The bot reads the message id from that answer (just after the fake recorded the reply).
    await eventually(lambda: live_pages(natobot) == [message.id], "the page tracked for expiry")


async def test_pages_still_turn_after_a_restart(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = bot_settings(tmp_path, fake_discord)
    with monkeypatch.context() as crash:
        # The first process dies (SIGKILL, OOM): nothing of it disables its pages.
        crash.setattr(paginator, "_track", lambda *args: None)
        async with fake_discord.running(NatoBot(settings), timeout=SLOW):
            message = await (await fake_discord.invoke("ranking", RANKING)).final_message()
    page_one = message.embeds[0]
    prev_id, counter_id, next_id = _page_ids(message)
    pages = int(message.component(counter_id)["label"].split("/")[1])

    restarted = NatoBot(settings)
    async with fake_discord.running(restarted, timeout=SLOW):
        click = await fake_discord.click(message, next_id)
        assert (await click.response()).type == 7
        assert message.component(counter_id)["label"] == f"2 / {pages}"
        assert message.embeds[0] != page_one
        assert "2024-06" in embed_json_text(message.embeds[0])
        back = await fake_discord.click(message, prev_id)
        assert (await back.response()).type == 7
        assert message.embeds[0] == page_one
        # The new process took the page on: it disables it when it expires or stops.
        await eventually(lambda: live_pages(restarted) == [message.id], "the page taken on")
    assert _all_disabled(message)


async def test_an_expired_page_says_so_and_disables_its_buttons(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = bot_settings(tmp_path, fake_discord)
    with monkeypatch.context() as crash:
        crash.setattr(paginator, "_track", lambda *args: None)
        crash.setattr(paginator, "PAGINATOR_TIMEOUT", -5.0)  # already past when it is sent
        async with fake_discord.running(NatoBot(settings), timeout=SLOW):
            message = await (await fake_discord.invoke("ranking", RANKING)).final_message()
    _, _, next_id = _page_ids(message)
    edits = message.edits
    async with fake_discord.running(NatoBot(settings), timeout=SLOW):
        click = await fake_discord.click(message, next_id)
        notice = await click.followup()
        assert notice.ephemeral
        assert notice.content == "These buttons have expired: run /ranking again."
        assert message.edits == edits + 1 and _all_disabled(message)


async def test_shutdown_disables_live_pages(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path
) -> None:
    bot = NatoBot(bot_settings(tmp_path, fake_discord))
    async with fake_discord.running(bot, timeout=SLOW):
        message = await (await fake_discord.invoke("ranking", RANKING)).final_message()
        await eventually(lambda: live_pages(bot) == [message.id], "the page tracked")
        assert not _all_disabled(message)
    assert _all_disabled(message)
    assert live_pages(bot) == []


async def test_timed_out_pages_are_freed(
    natobot: NatoBot, fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    views: list[weakref.ref[discord.ui.View]] = []
    records: list[weakref.ref[object]] = []
    real_page_view, real_track = paginator.page_view, paginator._track

    def spy_view(*args: Any, **kwargs: Any) -> discord.ui.View:
        view = real_page_view(*args, **kwargs)
        views.append(weakref.ref(view))
        return view

    def spy_track(interaction: Any, message_id: int, *args: Any) -> None:
        real_track(interaction, message_id, *args)
        records.append(weakref.ref(paginator._LIVE[message_id]))

    monkeypatch.setattr(paginator, "page_view", spy_view)
    monkeypatch.setattr(paginator, "_track", spy_track)
    message = await (await fake_discord.invoke("ranking", RANKING)).final_message()
    _, _, next_id = _page_ids(message)
    await (await fake_discord.click(message, next_id)).response()
    await eventually(lambda: records, "the page tracked for expiry")
    await eventually(lambda: paginator._LIVE[message.id].index == 1, "the turn recorded")
    assert live_pages(natobot) == [message.id]

    # Time passes: the page's expiry timer fires (called now rather than waited for).
    timer = paginator._LIVE[message.id].timer
    assert timer is not None and not timer.cancelled()
    timer.cancel()
    paginator._expire_soon(message.id)
    await eventually(lambda: _all_disabled(message), "the buttons disabled on expiry")

    assert live_pages(natobot) == []
    # What a page keeps until it expires is plain data: freed the moment it is dropped.
    assert [ref for ref in records if ref() is not None] == []
    store = natobot._connection._view_store
    assert message.id not in store._views and message.id not in store._synced_message_views
    gc.collect()  # views hold cycles (items <-> view): freed by the collector, not held by anyone
    assert len(views) >= 3  # sent, turned, disabled
    assert [ref for ref in views if ref() is not None] == []


async def test_the_pages_remembered_for_expiry_are_capped_and_the_oldest_still_turn(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path
) -> None:
    """A server asking faster than pages expire cannot grow the bot without end: past the cap
    the oldest page's record (and its timer) goes; its buttons keep working from their state."""
    bot = NatoBot(bot_settings(tmp_path, fake_discord), live_page_limit=3)
    async with fake_discord.running(bot, timeout=SLOW):
        messages = [
            await (await fake_discord.invoke("ranking", {**RANKING, "year": year})).final_message()
            for year in (2019, 2020, 2021, 2022, 2023)
        ]
        newest = [m.id for m in messages[-3:]]
        await eventually(lambda: live_pages(bot) == newest, "only the newest three tracked")
        oldest = messages[0]
        _, counter_id, next_id = _page_ids(oldest)
        assert (await (await fake_discord.click(oldest, next_id)).response()).type == 7
        assert oldest.component(counter_id)["label"].startswith("2 / ")
        # Turned, it is taken on again as the newest; the next oldest makes room.
        await eventually(
            lambda: live_pages(bot) == [*newest[1:], oldest.id], "the turned page tracked"
        )
    assert _all_disabled(oldest) and not _all_disabled(messages[2])


# ---- clicks nothing handles ----------------------------------------------------------------------


async def test_a_click_on_a_component_the_bot_does_not_know_is_answered(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    @app_commands.command(name="orphan", description="sends a button nothing listens to")
    async def orphan(interaction: discord.Interaction) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(discord.ui.Button(label="?", custom_id="from-an-old-version"))
        await interaction.response.send_message("old", view=view)
        view.stop()  # forgotten, as after a restart

    natobot.tree.add_command(orphan)
    await natobot.tree.sync()
    message = await (await fake_discord.invoke("orphan")).final_message()
    click = await fake_discord.click(message, "from-an-old-version")
    reply = await click.final_message()
    assert reply.ephemeral
    assert reply.content == "These buttons have expired: run the command again."
