"""End to end: /updates and the poster, the real bot against the fake Discord, a clock we move.

The loop ticks every 0.2 s of real time; the schedule runs on ``Clock``, which only moves when a
test says so, so no test waits for a due time. Every wait is on a condition with a generous
deadline (the fake's own waiters, or ``until`` below), never a fixed sleep.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.client import NatoBot
from bot.models import Dataset, SpendingRecord
from bot.schedule import build_schedule, notice_nonce, run_nonce
from bot.subscriptions import Content, State
from cogs.updates.poster import CONCURRENT_POSTS
from db.store import Store
from tests.fakediscord import FakeChannel, FakeDiscord, FakeDiscordError, FakeGuild
from tests.support.bot import bot_settings
from tests.support.updates import (
    Clock,
    at,
    more_ticks,
    posts,
    recorded,
    until,
    until_async,
    updates_cog,
    wait_posts,
)

MANAGE_GUILD = discord.Permissions(manage_guild=True)
TICK = 0.2


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
    [sub] = await updates_bot.store.subscriptions.in_guild(guild.id)
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


# --------------------------------------------------------------------------- commands


async def test_list_shows_next_runs_as_discord_timestamps_and_utc(
    updates_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    channel = guild.channels[0]
    await subscribe(fake_discord, guild, channel, cadence="weekly", weekday="friday", time="18:30")
    await subscribe(fake_discord, guild, channel, cadence="on-new-data", content="gaps")
    inter = await fake_discord.invoke(
        "updates list", guild=guild, user=admin_of(fake_discord, guild)
    )
    message = await inter.final_message()
    assert message.ephemeral
    [embed] = message.embeds
    first, second = embed["fields"]
    assert first["name"] == "#1 · weekly on Friday at 18:30 UTC"
    friday = int(at(2026, 7, 3, 18, 30).timestamp())  # 2026-07-01 is a Wednesday
    assert f"<t:{friday}:F>" in first["value"]
    assert f"<t:{friday}:R>" in first["value"]
    assert "2026-07-03 18:30 UTC" in first["value"]
    assert f"<#{channel.id}>" in first["value"]
    assert "State: active" in first["value"]
    assert "Last post: none yet" in first["value"]
    assert second["name"] == "#2 · when new data is loaded"
    assert "allies below the target" in second["value"]


async def test_subscribe_names_each_missing_permission_and_stores_nothing(
    updates_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    channel = await fake_discord.create_channel(guild, "announcements")
    bot_member = guild.member(fake_discord.bot_user.id)
    await fake_discord.revoke(
        channel, bot_member, discord.Permissions(embed_links=True, attach_files=True)
    )

    def revoked() -> bool:
        cached = updates_bot.get_channel(channel.id)
        assert cached is None or isinstance(cached, discord.TextChannel)
        return cached is not None and not cached.permissions_for(cached.guild.me).embed_links

    await until(revoked, "the bot's cache saw the overwrite")
    reply = await subscribe(fake_discord, guild, channel)
    assert "missing Embed Links, Attach Files" in reply
    assert "Send Messages" not in reply
    assert await updates_bot.store.subscriptions.in_guild(guild.id) == []


async def test_bad_schedules_and_members_without_manage_server_are_refused(
    updates_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    channel = guild.channels[0]
    assert "HH:MM" in await subscribe(fake_discord, guild, channel, time="25:61")
    assert "weekly posts only" in await subscribe(fake_discord, guild, channel, weekday="monday")
    member = fake_discord.add_member(guild, name="member")
    inter = await fake_discord.invoke(
        "updates subscribe",
        {"channel": channel, "cadence": "daily"},
        guild=guild,
        user=member,
        permission_override=True,
    )
    assert "Manage Server" in (await inter.final_message()).content
    assert await updates_bot.store.subscriptions.in_guild(guild.id) == []


async def test_ten_subscriptions_per_server_at_most(
    updates_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    channel = guild.channels[0]
    for hour in range(10):
        reply = await subscribe(fake_discord, guild, channel, time=f"{hour:02d}:00")
        assert f"Subscription #{hour + 1}" in reply
    refused = await subscribe(fake_discord, guild, channel, time="23:00")
    assert "already has 10 scheduled posts" in refused
    assert "/updates unsubscribe" in refused
    assert len(await updates_bot.store.subscriptions.in_guild(guild.id)) == 10
    # Another server has its own ten.
    other = fake_discord.add_guild("Elsewhere")
    await fake_discord.dispatch("GUILD_CREATE", other.to_payload(), guild=other)
    await until(lambda: updates_bot.get_guild(other.id), "the bot saw the new guild")
    assert "Subscription #11" in await subscribe(fake_discord, other, other.channels[0])


async def test_unsubscribe_pause_resume_and_another_servers_ids(
    updates_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild, clock: Clock
) -> None:
    channel = guild.channels[0]
    await subscribe(fake_discord, guild, channel, time="09:00")
    admin = admin_of(fake_discord, guild)

    async def run(command: str, **options: Any) -> str:
        inter = await fake_discord.invoke(f"updates {command}", options, guild=guild, user=admin)
        message = await inter.final_message()
        assert message.ephemeral
        return message.content

    assert "paused" in await run("pause", id=1)
    [sub] = await updates_bot.store.subscriptions.in_guild(guild.id)
    assert sub.state is State.PAUSED
    assert sub.paused_reason == "paused by admin with /updates pause"
    clock.set(at(2026, 7, 1, 9, 30))  # due, but paused: nothing is posted
    await more_ticks(updates_bot)
    assert posts(fake_discord, channel) == []

    clock.set(at(2026, 7, 1, 10, 0))
    assert "resumed: next post" in await run("resume", id=1)
    [sub] = await updates_bot.store.subscriptions.in_guild(guild.id)
    assert sub.state is State.ACTIVE
    assert sub.next_run_at == at(2026, 7, 2, 9, 0)  # what was missed while paused is not posted
    await more_ticks(updates_bot)
    assert posts(fake_discord, channel) == []
    assert "is not paused" in await run("resume", id=1)

    assert "no subscription #7" in await run("unsubscribe", id=7)
    assert "removed" in await run("unsubscribe", id=1)
    assert await updates_bot.store.subscriptions.in_guild(guild.id) == []


async def test_preview_shows_the_post_privately_now(
    updates_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    channel = guild.channels[0]
    await subscribe(fake_discord, guild, channel, content="gaps", target=3.5)
    await subscribe(fake_discord, guild, channel, content="ranking")
    admin = admin_of(fake_discord, guild)
    inter = await fake_discord.invoke("updates preview", {"id": 1}, guild=guild, user=admin)
    message = await inter.final_message()
    assert message.ephemeral
    [embed] = message.embeds
    assert embed["title"].startswith("Below 3.5% in ")
    assert embed["fields"][0]["name"].startswith("Largest gaps to 3.5%")
    assert " pts" in embed["fields"][0]["value"]
    assert "Source: NATO" in embed["footer"]["text"]
    ranking = await fake_discord.invoke("updates preview", {"id": 2}, guild=guild, user=admin)
    [embed] = (await ranking.final_message()).embeds
    assert embed["title"].startswith("Defence spending, % of GDP, ")
    assert embed["description"].count("\n") > 10  # the table of allies
    assert posts(fake_discord, channel) == []  # nothing in the channel itself


async def test_a_deleted_channel_or_a_server_left_removes_its_subscriptions(
    updates_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    doomed = await fake_discord.create_channel(guild, "doomed")
    await until(lambda: updates_bot.get_channel(doomed.id), "the bot saw the channel")
    await subscribe(fake_discord, guild, doomed)
    await subscribe(fake_discord, guild, guild.channels[0])
    await fake_discord.delete_channel(doomed)

    async def only_general() -> bool:
        rows = await updates_bot.store.subscriptions.in_guild(guild.id)
        return [r.channel_id for r in rows] == [guild.channels[0].id]

    await until_async(only_general, "the deleted channel's subscription removed")
    await fake_discord.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild=guild)

    async def none_left() -> bool:
        return await updates_bot.store.subscriptions.in_guild(guild.id) == []

    await until_async(none_left, "the server's subscriptions removed")


# --------------------------------------------------------------------------- restarts and faults

#: Rounds of the restart test (the 20-in-a-row runs set it higher: UPDATES_RESTART_ROUNDS=20).
RESTART_ROUNDS = int(os.environ.get("UPDATES_RESTART_ROUNDS", "2"))


async def test_stopped_across_due_times_then_restarted_posts_once_per_restart(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path, clock: Clock
) -> None:
    """Each round: the bot is stopped before a due time and started after it (the first round
    just after; later rounds one to three periods later) -> exactly one catch-up post."""
    settings = bot_settings(tmp_path, fake_discord, updates_tick_seconds=TICK)
    channel = guild.channels[0]
    async with fake_discord.running(NatoBot(settings, clock=clock)):
        await fake_discord.wait_for_commands()
        await subscribe(fake_discord, guild, channel, time="09:00")
    store = await Store.open(settings.database_path)
    try:
        for round_ in range(RESTART_ROUNDS):
            before = await store.subscriptions.get(1)
            assert before.next_run_at is not None and before.pending_run_at is None
            # Down across 1 to 3 due times (just over a period late from round 1 on).
            downtime = dt.timedelta(days=round_ % 3, minutes=1 + round_)
            clock.set(before.next_run_at + downtime)
            expected_run = before.next_run_at + dt.timedelta(days=round_ % 3)
            async with fake_discord.running(NatoBot(settings, clock=clock)) as bot:
                assert isinstance(bot, NatoBot)
                messages = await wait_posts(fake_discord, channel, round_ + 1)
                row = await recorded(store, 1, last_message_id=messages[-1].id)
                await more_ticks(bot)
            assert len(posts(fake_discord, channel)) == round_ + 1, f"round {round_}"
            assert row.last_run_at == expected_run
            assert row.next_run_at == expected_run + dt.timedelta(days=1)
            assert messages[-1].nonce == run_nonce(1, expected_run)
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("status", "times", "applied"),
    [
        (500, 1, False),  # discord.py retries a 500 itself after 1 s
        (500, 1, True),  # ... and when the first one was created, its nonce returns it
        (503, 2, False),  # 503 is not retried by discord.py: pending, retried next tick
        (503, 1, True),
    ],
)
async def test_server_errors_then_success_give_one_post(
    updates_bot: NatoBot,
    fake_discord: FakeDiscord,
    guild: FakeGuild,
    clock: Clock,
    status: int,
    times: int,
    applied: bool,
) -> None:
    channel = guild.channels[0]
    await subscribe(fake_discord, guild, channel, time="09:00")
    fake_discord.fail_next(
        "POST", f"/channels/{channel.id}/messages", status=status, times=times, applied=applied
    )
    clock.set(at(2026, 7, 1, 9, 1))
    [message] = await wait_posts(fake_discord, channel, 1)
    await recorded(updates_bot.store, 1, last_message_id=message.id, pending_run_at=None)
    await more_ticks(updates_bot)
    assert len(posts(fake_discord, channel)) == 1
    assert len(fake_discord.faulted_requests("injected")) == times


async def test_a_429_storm_delays_every_post_but_loses_none(
    updates_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild, clock: Clock
) -> None:
    channels = [guild.channels[0]]
    for name in ("alpha", "bravo", "charlie"):
        channels.append(await fake_discord.create_channel(guild, name))
    await until(
        lambda: all(updates_bot.get_channel(c.id) for c in channels), "the bot saw the channels"
    )
    for channel in channels:
        await subscribe(fake_discord, guild, channel, time="09:00")
    # 16 429s (per-route and global) for 4 sends of at most 5 tries each: a send that runs out
    # of tries stays pending and goes out on a later tick; none is lost or doubled.
    fake_discord.fail_next(
        "POST", "/channels/{channel_id}/messages", status=429, times=12, retry_after=0.05
    )
    fake_discord.fail_next(
        "POST",
        "/channels/{channel_id}/messages",
        status=429,
        times=4,
        retry_after=0.05,
        is_global=True,
    )
    clock.set(at(2026, 7, 1, 9, 0))
    for channel in channels:
        await wait_posts(fake_discord, channel, 1)
    for number in range(1, len(channels) + 1):
        await recorded(updates_bot.store, number, pending_run_at=None, last_run_at=clock.now)
    await more_ticks(updates_bot)
    assert [len(posts(fake_discord, c)) for c in channels] == [1, 1, 1, 1]
    assert len(fake_discord.faulted_requests("injected")) == 16


async def test_403_pauses_with_the_reason_and_other_channels_still_post(
    updates_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild, clock: Clock
) -> None:
    locked = guild.channels[0]
    fine = await fake_discord.create_channel(guild, "fine")
    await until(lambda: updates_bot.get_channel(fine.id), "the bot saw the channel")
    await subscribe(fake_discord, guild, locked, time="09:00")
    await subscribe(fake_discord, guild, fine, time="09:00")
    bot_member = guild.member(fake_discord.bot_user.id)
    await fake_discord.revoke(locked, bot_member, discord.Permissions(send_messages=True))
    clock.set(at(2026, 7, 1, 9, 0))
    await wait_posts(fake_discord, fine, 1)
    paused = await recorded(updates_bot.store, 1, state=State.PAUSED)
    assert paused.paused_reason is not None
    assert "403 Missing Permissions" in paused.paused_reason
    assert paused.pending_run_at is None
    assert [v.kind for v in fake_discord.take_violations()] == ["missing_permissions"]

    inter = await fake_discord.invoke(
        "updates list", guild=guild, user=admin_of(fake_discord, guild)
    )
    [embed] = (await inter.final_message()).embeds
    assert "⏸ paused: the bot may not post in" in embed["fields"][0]["value"]
    assert "403 Missing Permissions" in embed["fields"][0]["value"]
    assert "State: active" in embed["fields"][1]["value"]
    assert "Last post: <t:" in embed["fields"][1]["value"]
    await more_ticks(updates_bot)
    assert posts(fake_discord, locked) == []


# --------------------------------------------------------------------------- new-data notices


def changed_data(data: Dataset) -> tuple[Dataset, str, str]:
    """The data with one ally lifted over 2% in the newest release's latest year, and another
    ally's year before revised down 0.4 points; (data, lifted ally, revised ally)."""
    newest = max(r.release_id for r in data.releases)
    latest = max(r.year for r in data.records if r.release_id == newest)
    members = {c.iso3: c for c in data.members}
    below = sorted(
        r.iso3
        for r in data.records
        if (r.release_id, r.year) == (newest, latest)
        and r.iso3 in members
        and members[r.iso3].has_armed_forces
        and r.pct_gdp is not None
        and r.pct_gdp < 1.9
    )
    lifted = below[0]
    revised = "POL"

    def change(rec: SpendingRecord) -> SpendingRecord:
        if (rec.release_id, rec.iso3, rec.year) == (newest, lifted, latest):
            return rec.model_copy(update={"pct_gdp": 2.5})
        if (rec.release_id, rec.iso3, rec.year) == (newest, revised, latest - 1):
            assert rec.pct_gdp is not None
            return rec.model_copy(update={"pct_gdp": rec.pct_gdp - 0.4})
        return rec

    changed = data.model_copy(update={"records": tuple(change(r) for r in data.records)})
    return changed, members[lifted].name, members[revised].name


async def test_a_version_activated_by_another_process_is_announced_once(
    updates_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    channel = guild.channels[0]
    reply = await subscribe(fake_discord, guild, channel, cadence="on-new-data")
    assert "posts when NATO's figures change" in reply
    await more_ticks(updates_bot)
    assert posts(fake_discord, channel) == []  # the data it was created with is not news

    data = await updates_bot.store.load_version(updates_bot.store.snapshot.version.version_id)
    changed, lifted, revised = changed_data(data)
    other = await Store.open(updates_bot.store.path)  # the CLI, or another bot process
    try:
        version = await other.activate(changed, source="test", loaded_by="test")
    finally:
        await other.close()

    [message] = await wait_posts(fake_discord, channel, 1)
    row = await recorded(updates_bot.store, 1, last_notified_version_id=version.version_id)
    assert row.last_message_id == message.id and row.pending_version_id is None
    assert message.nonce == notice_nonce(1, version.version_id)
    [embed] = message.embeds
    assert embed["title"] == "Corrected NATO defence-spending figures"  # no release added
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert f"✅ {lifted} now meets 2%: 2.50% in 2026" in fields["Crossed 2% (1)"]
    [revisions] = [v for k, v in fields.items() if k.startswith("Largest revisions")]
    assert f"{revised} 2025 revised down" in revisions
    assert "(−0.40 pts)" in revisions
    assert embed["footer"]["text"].startswith("Source: NATO, ")
    await more_ticks(updates_bot)
    assert len(posts(fake_discord, channel)) == 1


def without_newest_release(data: Dataset) -> Dataset:
    newest = max(r.release_id for r in data.releases)
    return data.model_copy(
        update={
            "releases": tuple(r for r in data.releases if r.release_id != newest),
            "records": tuple(r for r in data.records if r.release_id != newest),
        }
    )


async def test_the_notice_of_2026_07_after_2025_08_lists_every_crossing_newest_years_first(
    updates_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    """Issue 19.1: crossings across every year both releases cover, not only the latest one."""
    channel = guild.channels[0]
    bundled = await updates_bot.store.load_version(updates_bot.store.snapshot.version.version_id)
    await updates_bot.store.activate(
        without_newest_release(bundled), source="test", loaded_by="test"
    )
    await subscribe(fake_discord, guild, channel, cadence="on-new-data", target=2)
    await subscribe(fake_discord, guild, channel, cadence="on-new-data", target=5)
    other = await Store.open(updates_bot.store.path)
    try:
        await other.activate(bundled, source="test", loaded_by="test")
    finally:
        await other.close()

    messages = await wait_posts(fake_discord, channel, 2)
    by_author = {m.embeds[0]["author"]["name"].split(" · ")[0]: m.embeds[0] for m in messages}
    at_2 = {f["name"]: f["value"] for f in by_author["Scheduled post #1"]["fields"]}
    assert "No ally crossed" not in by_author["Scheduled post #1"]["description"]
    assert at_2["Crossed 2% (5)"].splitlines() == [
        "✅ Montenegro now meets 2%: 2.17% in 2026 (release 2026-07), was 1.72% in 2024 (2025-08)",
        "✅ Slovakia now meets 2%: 2.02% in 2026 (release 2026-07), was 1.96% in 2024 (2025-08)",
        "❌ Albania is now below 2%: 1.48% in 2025 (release 2026-07), was 2.01% in 2025 (2025-08)",
        "❌ Czechia is now below 2%: 1.86% in 2025 (release 2026-07), was 2.00% in 2025 (2025-08)",
        "❌ Czechia is now below 2%: 1.99% in 2024 (release 2026-07), was 2.08% in 2024 (2025-08)",
    ]
    at_5 = {f["name"]: f["value"] for f in by_author["Scheduled post #2"]["fields"]}
    lines = at_5["Crossed 5% (4)"].splitlines()
    assert (
        "❔ Greece now meets the 3.5% core element of 5%: 3.65% in 2026 (release 2026-07), "
        "was 2.85% in 2025 (2025-08)"
    ) in lines
    assert any(line.startswith("✅ Lithuania now meets 5%: 5.33% in 2026") for line in lines)
    assert any(line.startswith("✅ Estonia now meets 5%: 5.10% in 2026") for line in lines)


async def test_dataset_updated_wakes_the_loop_and_a_version_missed_while_down_is_announced(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path, clock: Clock
) -> None:
    # A tick of an hour: only the event can make the loop look again within the test.
    settings = bot_settings(tmp_path, fake_discord, updates_tick_seconds=3600)
    channel = guild.channels[0]
    async with fake_discord.running(NatoBot(settings, clock=clock)) as running:
        assert isinstance(running, NatoBot)
        await fake_discord.wait_for_commands()
        await subscribe(fake_discord, guild, channel, cadence="on-new-data", target=2)
        await until(lambda: updates_cog(running).poster.ticks >= 1, "the first tick")
        data = await running.store.load_version(running.store.snapshot.version.version_id)
        changed, lifted, _ = changed_data(data)
        version = await running.store.activate(changed, source="test", loaded_by="test")
        running.dispatch("dataset_updated", version)
        [message] = await wait_posts(fake_discord, channel, 1)
        assert lifted in message.embeds[0]["fields"][0]["value"]

    # Down while the data changes back: the restarted bot announces it once.
    store = await Store.open(settings.database_path)
    try:
        back = await store.rollback(by="test")
    finally:
        await store.close()
    async with fake_discord.running(NatoBot(settings, clock=clock)) as restarted:
        assert isinstance(restarted, NatoBot)
        messages = await wait_posts(fake_discord, channel, 2)
        await recorded(restarted.store, 1, last_notified_version_id=back.version_id)
        assert f"{lifted} is now below 2%" in messages[1].embeds[0]["fields"][0]["value"]
    assert len(posts(fake_discord, channel)) == 2


async def test_the_loop_ticks_every_updates_tick_seconds_and_stops_with_the_cog(
    natobot: NatoBot,
) -> None:
    """Default settings: one loop, every 60 s, started when the cog loaded (it waits for READY
    itself), and stopped when the cog is unloaded."""
    cog = updates_cog(natobot)
    assert cog.ticker.seconds == 60
    assert cog.ticker.is_running()
    await until(lambda: cog.poster.ticks >= 1, "the first tick, right after READY")
    await natobot.unload_extension("cogs.updates")
    assert not cog.ticker.is_running()


async def test_more_posts_due_at_once_than_the_poster_sends_at_once_each_go_out_once(
    updates_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild, clock: Clock
) -> None:
    count = CONCURRENT_POSTS + 5  # every worker takes more than one row
    channels = [await fake_discord.create_channel(guild, f"digest-{n}") for n in range(count)]
    daily = build_schedule("daily", time="09:00")
    for channel in channels:
        await updates_bot.store.subscriptions.create(
            guild_id=guild.id,
            channel_id=channel.id,
            schedule=daily,
            target=None,
            content=Content.SUMMARY,
            by=fake_discord.owner.id,
            now=clock(),
            limit=count,
        )
    clock.set(at(2026, 7, 1, 9, 0))
    for channel in channels:
        await wait_posts(fake_discord, channel, 1)
    for number in range(1, count + 1):
        await recorded(updates_bot.store, number, pending_run_at=None, last_run_at=clock.now)
    await more_ticks(updates_bot)
    assert [len(posts(fake_discord, c)) for c in channels] == [1] * count


# --------------------------------------------------------------------------- post options


async def test_a_summary_post_carries_the_chart_the_summary_command_shows(
    updates_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild, clock: Clock
) -> None:
    channel = guild.channels[0]
    await subscribe(fake_discord, guild, channel, time="09:00", target=3.5)
    clock.set(at(2026, 7, 1, 9, 0))
    [message] = await wait_posts(fake_discord, channel, 1)
    [chart] = message.attachments
    assert chart.data.startswith(b"\x89PNG") and chart.filename.startswith("summary-")
    assert chart.description  # the alt text /summary gives it
    [embed] = message.embeds
    assert embed["image"]["url"] == f"attachment://{chart.filename}"
    await recorded(updates_bot.store, 1, last_message_id=message.id)
    await more_ticks(updates_bot)
    assert len(posts(fake_discord, channel)) == 1


async def test_a_chart_that_cannot_be_drawn_does_not_lose_the_post(
    updates_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild, clock: Clock
) -> None:
    channel = guild.channels[0]
    await subscribe(fake_discord, guild, channel, time="09:00")
    updates_bot.charts.close()  # the chart workers are gone: every chart fails
    clock.set(at(2026, 7, 1, 9, 0))
    [message] = await wait_posts(fake_discord, channel, 1)
    assert message.attachments == []
    [embed] = message.embeds
    assert embed["title"].startswith("Who meets 2%") and "image" not in embed
    await recorded(updates_bot.store, 1, last_message_id=message.id, pending_run_at=None)


async def test_only_when_the_figures_change_skips_a_run_but_records_it(
    updates_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild, clock: Clock
) -> None:
    channel = guild.channels[0]
    reply = await subscribe(
        fake_discord, guild, channel, time="09:00", content="gaps", only_on_change=True
    )
    assert "only when the figures change" in reply
    admin = admin_of(fake_discord, guild)
    listed = await (
        await fake_discord.invoke("updates list", guild=guild, user=admin)
    ).final_message()
    assert "Only when the figures change" in listed.embeds[0]["fields"][0]["value"]

    clock.set(at(2026, 7, 1, 9, 0))
    [first] = await wait_posts(fake_discord, channel, 1)
    shown = updates_bot.store.snapshot.version.version_id
    await recorded(updates_bot.store, 1, last_message_id=first.id, last_shown_version_id=shown)

    # The next day, the same data: the run is claimed, advanced and recorded, not posted.
    clock.set(at(2026, 7, 2, 9, 0))
    row = await recorded(
        updates_bot.store, 1, last_run_at=at(2026, 7, 2, 9, 0), pending_run_at=None
    )
    assert row.next_run_at == at(2026, 7, 3, 9, 0)
    assert row.last_message_id == first.id and row.last_posted_at == at(2026, 7, 1, 9, 0)
    await more_ticks(updates_bot)
    assert len(posts(fake_discord, channel)) == 1
    [skip, post] = [
        e for e in await updates_bot.store.audit_log() if e.action == "subscription.post"
    ]
    assert "not posted" in skip.detail and f"message {first.id}" in post.detail

    # New figures: the next run posts them.
    data = await updates_bot.store.load_version(shown)
    version = await updates_bot.store.activate(
        changed_data(data)[0], source="test", loaded_by="test"
    )
    clock.set(at(2026, 7, 3, 9, 0))
    [_, second] = await wait_posts(fake_discord, channel, 2)
    await recorded(
        updates_bot.store, 1, last_message_id=second.id, last_shown_version_id=version.version_id
    )


async def test_only_on_change_is_refused_for_an_on_new_data_subscription(
    updates_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    reply = await subscribe(
        fake_discord, guild, guild.channels[0], cadence="on-new-data", only_on_change=True
    )
    assert reply.count("\n") == 0 and "`only_on_change` is for daily, weekly or monthly" in reply
    assert await updates_bot.store.subscriptions.in_guild(guild.id) == []


async def test_posts_go_into_a_thread_or_a_forums_post_never_the_forum_itself(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path, clock: Clock
) -> None:
    general = guild.channels[0]
    thread = fake_discord.add_thread(general, "weekly figures")
    forum = fake_discord.add_channel(guild, "reports", type=15)
    post = fake_discord.add_thread(forum, "NATO spending")
    bot = NatoBot(bot_settings(tmp_path, fake_discord, updates_tick_seconds=TICK), clock=clock)
    async with fake_discord.running(bot):
        await fake_discord.wait_for_commands()
        reply = await subscribe(fake_discord, guild, thread, time="09:00", content="gaps")
        assert f"<#{thread.id}> gets" in reply
        await subscribe(fake_discord, guild, post, time="09:00", content="ranking")
        # A forum takes posts only as threads: Discord's picker offers its posts, not it.
        with pytest.raises(FakeDiscordError, match="channel type 15 not in"):
            await subscribe(fake_discord, guild, forum, time="09:00")
        first, second = await bot.store.subscriptions.in_guild(guild.id)
        assert (first.channel_id, first.thread_id) == (general.id, thread.id)
        assert (second.channel_id, second.thread_id) == (forum.id, post.id)
        admin = admin_of(fake_discord, guild)
        listed = await (
            await fake_discord.invoke("updates list", guild=guild, user=admin)
        ).final_message()
        assert f"thread <#{thread.id}>" in listed.embeds[0]["fields"][0]["value"]

        clock.set(at(2026, 7, 1, 9, 0))
        [in_thread] = await wait_posts(fake_discord, thread, 1)
        [in_post] = await wait_posts(fake_discord, post, 1)
        assert in_thread.embeds[0]["title"].startswith("Below 2% in ")
        assert posts(fake_discord, general) == [] and posts(fake_discord, forum) == []
        await recorded(bot.store, first.id, last_message_id=in_thread.id)
        await recorded(bot.store, second.id, last_message_id=in_post.id)

        # The thread deleted: its subscription goes; the forum's stays.
        await fake_discord.delete_channel(thread)
        await until_async(
            lambda: _ids_are(bot, guild, [second.id]), "the thread's subscription removed"
        )


async def _ids_are(bot: NatoBot, guild: FakeGuild, ids: list[int]) -> bool:
    return [s.id for s in await bot.store.subscriptions.in_guild(guild.id)] == ids


async def test_a_thread_without_send_messages_in_threads_is_refused_by_that_name(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path, clock: Clock
) -> None:
    general = guild.channels[0]
    thread = fake_discord.add_thread(general, "weekly figures")
    bot = NatoBot(bot_settings(tmp_path, fake_discord, updates_tick_seconds=TICK), clock=clock)
    async with fake_discord.running(bot):
        await fake_discord.wait_for_commands()
        in_threads = discord.Permissions(send_messages_in_threads=True)
        await fake_discord.revoke(general, fake_discord.bot_user, in_threads)

        def refused_in_cache() -> bool:
            cached = bot.get_channel(thread.id)
            assert isinstance(cached, discord.Thread)
            return not cached.permissions_for(cached.guild.me).send_messages_in_threads

        await until(refused_in_cache, "the bot's cache sees the revoke")
        reply = await subscribe(fake_discord, guild, thread, time="09:00")
        assert "I am missing Send Messages in Threads" in reply and "\n" not in reply
        assert await bot.store.subscriptions.in_guild(guild.id) == []
