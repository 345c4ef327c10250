"""End to end with real processes: ``natobot run`` (unmodified, in a subprocess) against the fake.

SIGKILL right after Discord accepted a post and before the bot recorded it, then a restart:
still one post. Two processes, one shard each, on one database file: every subscription
posted exactly once. The schedule runs on the wall clock here, so each subscription is made
already due (created "a day ago" for a run a minute ago).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.schedule import build_schedule, run_nonce
from bot.subscriptions import Content, Subscription
from db.store import Store
from tests.fakediscord import FakeChannel, FakeDiscord, FakeGuild, FakeMessage
from tests.support.natobot_process import RUN_AGAINST_FAKE
from tests.support.updates import posts, recorded, until

UTC = dt.UTC
TICK = "0.2"
#: Rounds of the SIGKILL test (the 20-in-a-row runs set UPDATES_SIGKILL_ROUNDS=20).
SIGKILL_ROUNDS = int(os.environ.get("UPDATES_SIGKILL_ROUNDS", "1"))
#: A process's start (imports, login, READY) on a loaded machine.
START_DEADLINE = 60.0


class BotProcess:
    """``natobot run`` in a subprocess; its log (stderr) goes to a file, read at the end."""

    def __init__(self, proc: asyncio.subprocess.Process, log: Path) -> None:
        self.proc = proc
        self.log = log

    async def kill(self) -> None:
        """SIGKILL the bot and everything it started (its session): no clean-up code runs."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> str:
        """SIGTERM; the log once the process has exited cleanly."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(self.proc.wait(), START_DEADLINE)
        text = self.log.read_text()
        assert self.proc.returncode == 0, text
        assert "Traceback" not in text
        return text


async def start_bot(fake: FakeDiscord, database: Path, name: str, **env: str) -> BotProcess:
    values = {
        **os.environ,
        "DISCORD_TOKEN": "fake-token",
        "DATABASE_PATH": str(database),
        "LOG_LEVEL": "INFO",
        "UPDATES_TICK_SECONDS": TICK,
        **env,
    }
    log = database.parent / f"{name}.log"
    with log.open("wb") as stderr:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(RUN_AGAINST_FAKE),
            fake.api_base,
            fake.gateway_url,
            cwd=database.parent,
            env=values,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,  # so kill() reaches the chart workers too
        )
    return BotProcess(proc, log)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """The test's own connection to the database the bot processes share."""
    opened = await Store.open(tmp_path / "shared.sqlite3")
    try:
        yield opened
    finally:
        await opened.close()


async def due_now(store: Store, channel: FakeChannel, *, content: Content) -> Subscription:
    """A daily subscription whose run a minute ago has not been posted yet."""
    now = dt.datetime.now(UTC)
    run = (now - dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
    assert channel.guild_id is not None
    sub = await store.subscriptions.create(
        guild_id=channel.guild_id,
        channel_id=channel.id,
        schedule=build_schedule("daily", time=run.time()),
        target=None,
        content=content,
        by=1,
        now=now - dt.timedelta(days=1),
    )
    assert sub.next_run_at is not None and sub.next_run_at <= now
    return sub


async def test_sigkill_after_discord_accepted_the_post_then_restart_still_one_post(
    fake_discord: FakeDiscord, guild: FakeGuild, store: Store
) -> None:
    channel = guild.channels[0]
    for round_ in range(SIGKILL_ROUNDS):
        sub = await due_now(store, channel, content=Content.SUMMARY)
        assert sub.next_run_at is not None
        nonce = run_nonce(sub.id, sub.next_run_at)
        # Discord creates the message, and the answer the bot gets is a 429 to wait 10 minutes
        # out: the bot is stuck between "accepted" and "recorded" until it is killed.
        fake_discord.fail_next(
            "POST", f"/channels/{channel.id}/messages", status=429, retry_after=600, applied=True
        )
        first = await start_bot(fake_discord, store.path, f"killed-{round_}")

        def accepted_post(nonce: str = nonce) -> list[FakeMessage]:
            return [m for m in posts(fake_discord, channel) if m.nonce == nonce]

        try:
            [accepted] = await until(accepted_post, "Discord accepted the post", START_DEADLINE)
        finally:
            await first.kill()
        row = await store.subscriptions.get(sub.id)
        assert row.pending_run_at == sub.next_run_at  # claimed, never recorded
        assert row.last_message_id is None

        second = await start_bot(fake_discord, store.path, f"restarted-{round_}")
        try:
            row = await recorded(store, sub.id, last_message_id=accepted.id, pending_run_at=None)
        finally:
            await second.stop()
        assert [m.id for m in posts(fake_discord, channel) if m.nonce == nonce] == [accepted.id]
        assert len(posts(fake_discord, channel)) == round_ + 1, f"round {round_}"
        assert row.last_run_at == sub.next_run_at
        await store.subscriptions.delete(sub.id, guild_id=guild.id, by="test")


def guilds_on_both_shards(fake: FakeDiscord, per_shard: int) -> dict[int, list[FakeGuild]]:
    """Guilds until each of 2 shards holds ``per_shard`` (a guild's shard: (id >> 22) % 2)."""
    by_shard: dict[int, list[FakeGuild]] = {0: [], 1: []}
    while min(len(g) for g in by_shard.values()) < per_shard:
        guild = fake.add_guild(f"guild {sum(len(g) for g in by_shard.values())}")
        by_shard[(guild.id >> 22) % 2].append(guild)
    return by_shard


@pytest.mark.fakediscord(shard_count=2)
async def test_two_processes_one_shard_each_post_every_subscription_once(
    fake_discord: FakeDiscord, store: Store
) -> None:
    by_shard = guilds_on_both_shards(fake_discord, per_shard=3)
    subs: list[Subscription] = []
    for guilds in by_shard.values():
        for guild in guilds[:3]:
            for content in (Content.SUMMARY, Content.GAPS):
                subs.append(await due_now(store, guild.channels[0], content=content))
    procs = [
        await start_bot(
            fake_discord, store.path, f"shard-{shard}", SHARD_COUNT="2", SHARD_IDS=str(shard)
        )
        for shard in (0, 1)
    ]
    try:
        rows = [
            await recorded(store, s.id, pending_run_at=None, last_run_at=s.next_run_at)
            for s in subs
        ]
    finally:
        logs = [await proc.stop() for proc in procs]
    for guilds in by_shard.values():
        for guild in guilds[:3]:
            assert len(posts(fake_discord, guild.channels[0])) == 2, guild.name
    assert {r.last_message_id for r in rows} == {
        m.id for gs in by_shard.values() for g in gs[:3] for m in posts(fake_discord, g.channels[0])
    }
    # Each process identified its own shard only, and posted for its own shard's guilds only.
    assert sorted(p["shard"] for p in fake_discord.identify_payloads) == [[0, 2], [1, 2]]
    for shard, log in enumerate(logs):
        posted = {int(g) for g in re.findall(r"subscription \d+ \(guild (\d+)\): run", log)}
        assert posted == {g.id for g in by_shard[shard][:3]}, f"shard {shard}"
