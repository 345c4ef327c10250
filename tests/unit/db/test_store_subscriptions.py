"""Subscriptions in the Store, on real SQLite files: the rules exactly-once posting rests on."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from bot.errors import InvalidTarget
from bot.schedule import Schedule, advance, build_schedule
from bot.subscriptions import (
    MAX_PER_GUILD,
    Content,
    State,
    Subscription,
    SubscriptionLimitReached,
    UnknownSubscription,
)
from db.errors import DataRejected
from db.store import Store, migrations

UTC = dt.UTC
NOW = dt.datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def guild_on_shard(shard: int, count: int = 2, n: int = 0) -> int:
    """A guild id on ``shard`` of ``count``: Discord's rule is (id >> 22) % count."""
    return ((1000 + n) * count + shard) << 22 | 12345


async def add(
    store: Store,
    guild_id: int = 1 << 22,
    channel_id: int = 10,
    schedule: Schedule | None = None,
    *,
    now: dt.datetime = NOW,
) -> Subscription:
    return await store.subscriptions.create(
        guild_id=guild_id,
        channel_id=channel_id,
        schedule=schedule or build_schedule("daily"),
        target=None,
        content=Content.SUMMARY,
        by=7,
        now=now,
    )


async def test_every_cadence_round_trips(store: Store) -> None:
    schedules = [
        build_schedule("daily", time="23:59"),
        build_schedule("weekly", weekday="sunday", time="0:05"),
        build_schedule("monthly", day=28),
        build_schedule("on-new-data"),
    ]
    for schedule in schedules:
        created = await add(store, schedule=schedule)
        again = await store.subscriptions.get(created.id)
        assert again == created
        assert again.schedule == schedule
        assert again.state is State.ACTIVE
    daily, weekly, monthly, news = await store.subscriptions.in_guild(1 << 22)
    assert daily.next_run_at == dt.datetime(2026, 7, 1, 23, 59, tzinfo=UTC)
    assert weekly.next_run_at == dt.datetime(2026, 7, 5, 0, 5, tzinfo=UTC)  # a Sunday
    assert monthly.next_run_at == dt.datetime(2026, 7, 28, 9, 0, tzinfo=UTC)
    assert news.next_run_at is None
    # A notice subscription starts from the data active now: that is not news.
    assert news.last_notified_version_id == store.snapshot.version.version_id
    assert await store.schema_version() == len(migrations())


async def test_the_database_refuses_impossible_rows(store: Store) -> None:
    await add(store)
    bad_updates = [
        "UPDATE subscriptions SET weekday = 3",  # a weekday on a daily schedule
        "UPDATE subscriptions SET day = 29",
        "UPDATE subscriptions SET state = 'paused'",  # paused without a reason
        "UPDATE subscriptions SET pending_run_at = next_run_at",  # pending without since
        "UPDATE subscriptions SET next_run_at = NULL",  # a daily schedule with no next run
        "UPDATE subscriptions SET content = 'everything'",
        "UPDATE subscriptions SET target = 11",
    ]
    for sql in bad_updates:
        with pytest.raises(DataRejected):
            async with store._db.transaction() as tx:
                await tx.execute(sql)


async def test_at_most_ten_per_server_even_when_created_at_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    first, second = await Store.open(path), await Store.open(path)
    try:
        results = await asyncio.gather(
            *(add(s, channel_id=n) for n in range(7) for s in (first, second)),
            return_exceptions=True,
        )
        created = [r for r in results if isinstance(r, Subscription)]
        refused = [r for r in results if isinstance(r, SubscriptionLimitReached)]
        assert (len(created), len(refused)) == (MAX_PER_GUILD, 14 - MAX_PER_GUILD)
        assert len(await first.subscriptions.in_guild(1 << 22)) == MAX_PER_GUILD
        assert "already has 10 scheduled posts" in str(refused[0])
        await add(first, guild_id=2 << 22)  # another server has room
    finally:
        await first.close()
        await second.close()


async def test_a_target_out_of_range_is_refused(store: Store) -> None:
    with pytest.raises(InvalidTarget):
        await store.subscriptions.create(
            guild_id=1,
            channel_id=2,
            schedule=build_schedule("daily"),
            target=12,
            content=Content.GAPS,
            by=1,
        )
    assert await store.subscriptions.in_guild(1) == []


async def test_only_one_of_two_processes_claims_a_run(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    first, second = await Store.open(path), await Store.open(path)
    try:
        sub = await add(first)
        assert sub.next_run_at is not None
        now = sub.next_run_at + dt.timedelta(seconds=5)
        claim = advance(sub.schedule, sub.next_run_at, now)
        wins = await asyncio.gather(
            first.subscriptions.claim_run(sub, claim, now=now),
            second.subscriptions.claim_run(sub, claim, now=now),
        )
        assert sorted(wins) == [False, True]
        row = await second.subscriptions.get(sub.id)
        assert row.pending_run_at == claim.run_at
        assert row.pending_since == now
        assert row.next_run_at == claim.next_run_at
        # The same stale row claims nothing again (its next_run_at moved on).
        assert not await first.subscriptions.claim_run(sub, claim, now=now)
    finally:
        await first.close()
        await second.close()


async def test_record_post_clears_the_pending_run_and_audits_it(store: Store) -> None:
    sub = await add(store)
    assert sub.next_run_at is not None
    now = sub.next_run_at
    claim = advance(sub.schedule, sub.next_run_at, now)
    assert await store.subscriptions.claim_run(sub, claim, now=now)
    pending = await store.subscriptions.get(sub.id)
    assert pending.is_pending
    assert [s.id for s in await store.subscriptions.due(now)] == [sub.id]  # retried if left
    assert await store.subscriptions.record_post(
        pending, message_id=555, now=now, shown_version_id=1
    )
    done = await store.subscriptions.get(sub.id)
    assert (done.pending_run_at, done.pending_since) == (None, None)
    assert (done.last_run_at, done.last_posted_at, done.last_message_id) == (now, now, 555)
    assert await store.subscriptions.due(now) == []
    [entry] = [e for e in await store.audit_log() if e.action == "subscription.post"]
    assert "message 555" in entry.detail
    # Recording twice (a retry that raced) changes nothing and audits nothing.
    assert not await store.subscriptions.record_post(
        pending, message_id=556, now=now, shown_version_id=1
    )
    assert (await store.subscriptions.get(sub.id)).last_message_id == 555


async def test_pause_drops_the_pending_run_and_resume_starts_after_now(store: Store) -> None:
    sub = await add(store)
    assert sub.next_run_at is not None
    claim = advance(sub.schedule, sub.next_run_at, sub.next_run_at)
    assert await store.subscriptions.claim_run(sub, claim, now=sub.next_run_at)
    pending = await store.subscriptions.get(sub.id)
    paused = await store.subscriptions.pause(sub.id, "403 Missing Permissions", by="updates")
    assert paused.state is State.PAUSED
    assert paused.paused_reason == "403 Missing Permissions"
    assert not paused.is_pending
    assert not await store.subscriptions.record_post(
        pending, message_id=1, now=sub.next_run_at, shown_version_id=1
    )
    later = sub.next_run_at + dt.timedelta(days=3, hours=2)
    assert await store.subscriptions.due(later) == []  # paused rows are never due
    resumed = await store.subscriptions.resume(sub.id, guild_id=sub.guild_id, by="7", now=later)
    assert resumed.state is State.ACTIVE and resumed.paused_reason is None
    assert resumed.next_run_at == dt.datetime(2026, 7, 5, 9, 0, tzinfo=UTC)
    with pytest.raises(UnknownSubscription):  # another server cannot touch it
        await store.subscriptions.resume(sub.id, guild_id=sub.guild_id + 1, by="7")


async def test_due_rows_are_filtered_by_this_processs_shards(store: Store) -> None:
    on_zero = await add(store, guild_id=guild_on_shard(0))
    on_one = await add(store, guild_id=guild_on_shard(1))
    on_one_too = await add(store, guild_id=guild_on_shard(1, n=1))
    later = NOW + dt.timedelta(days=1)

    async def due(shard_ids: list[int] | None) -> list[int]:
        rows = await store.subscriptions.due(later, shard_count=2, shard_ids=shard_ids)
        return [r.id for r in rows]

    assert await due([0]) == [on_zero.id]
    assert await due([1]) == [on_one.id, on_one_too.id]
    assert await due([0, 1]) == await due(None) == [on_zero.id, on_one.id, on_one_too.id]
    assert await due([]) == []
    assert await store.subscriptions.due(NOW) == []  # not due before 09:00


async def test_notices_are_due_when_another_version_is_active(store: Store) -> None:
    news = await add(store, schedule=build_schedule("on-new-data"))
    assert await store.subscriptions.due(NOW) == []
    data = await store.load_version(store.snapshot.version.version_id)
    changed = data.model_copy(update={"records": data.records[1:]})
    version = await store.activate(changed, source="test", loaded_by="test")
    [due] = await store.subscriptions.due(NOW)
    assert due.id == news.id
    assert await store.subscriptions.claim_notice(due, version.version_id, now=NOW)
    assert not await store.subscriptions.claim_notice(due, version.version_id, now=NOW)  # once
    pending = await store.subscriptions.get(news.id)
    assert pending.pending_version_id == version.version_id
    # nothing to say
    assert await store.subscriptions.record_post(pending, message_id=None, now=NOW)
    done = await store.subscriptions.get(news.id)
    assert done.last_notified_version_id == version.version_id
    assert done.last_message_id is None and not done.is_pending
    assert await store.subscriptions.due(NOW) == []


async def test_removing_a_channels_or_a_servers_subscriptions(store: Store) -> None:
    a = await add(store, guild_id=1 << 22, channel_id=1)
    await add(store, guild_id=1 << 22, channel_id=2)
    await add(store, guild_id=2 << 22, channel_id=3)
    assert await store.subscriptions.remove(channel_id=2, why="deleted") == [a.id + 1]
    assert await store.subscriptions.remove(guild_id=1 << 22, why="left") == [a.id]
    assert await store.subscriptions.remove(guild_id=1 << 22, why="left") == []
    assert [s.channel_id for s in await store.subscriptions.in_guild(2 << 22)] == [3]
    with pytest.raises(ValueError, match="exactly one"):
        await store.subscriptions.remove(why="?")
    with pytest.raises(UnknownSubscription, match="no subscription #99"):
        await store.subscriptions.delete(99, guild_id=1, by="7")


async def test_another_servers_subscription_is_unknown_to_every_command(store: Store) -> None:
    """One ownership check: get, pause, resume and delete all refuse another server's id, in
    the same words, and change nothing."""
    theirs = await add(store, guild_id=2 << 22)
    paused = await store.subscriptions.pause(theirs.id, "test", by="7")
    ours = 1 << 22
    refusals = [
        store.subscriptions.get(theirs.id, guild_id=ours),
        store.subscriptions.pause(theirs.id, "x", by="7", guild_id=ours),
        store.subscriptions.resume(theirs.id, guild_id=ours, by="7", now=NOW),
        store.subscriptions.delete(theirs.id, guild_id=ours, by="7"),
    ]
    for refusal in refusals:
        with pytest.raises(UnknownSubscription, match=f"no subscription #{theirs.id} in this"):
            await refusal
    assert await store.subscriptions.get(theirs.id, guild_id=2 << 22) == paused


async def test_status_counts_versions_audit_entries_and_subscriptions(store: Store) -> None:
    before = await store.status()
    assert (before.versions, before.subscriptions) == (1, 0)
    await add(store)
    await add(store, channel_id=11)
    after = await store.status()
    assert (after.versions, after.subscriptions) == (1, 2)
    assert after.audit_entries == before.audit_entries + 2  # one per subscription created
    assert after.size_bytes > 0 and after.path == store.path


async def test_a_skipped_run_is_recorded_and_advanced_without_a_post(store: Store) -> None:
    """only_on_change: a run whose figures are those of the last post is claimed and recorded
    (the schedule moves on, the audit says so) with no message; a posted run records the
    version it showed."""
    sub = await store.subscriptions.create(
        guild_id=1 << 22,
        channel_id=10,
        schedule=build_schedule("daily"),
        target=None,
        content=Content.SUMMARY,
        by=7,
        now=NOW,
        only_on_change=True,
    )
    assert sub.only_on_change and sub.last_shown_version_id is None
    assert sub.next_run_at is not None
    first = sub.next_run_at
    assert await store.subscriptions.claim_run(sub, advance(sub.schedule, first, first), now=first)
    pending = await store.subscriptions.get(sub.id)
    assert await store.subscriptions.record_post(
        pending, message_id=555, now=first, shown_version_id=1
    )
    posted = await store.subscriptions.get(sub.id)
    assert (posted.last_shown_version_id, posted.last_message_id) == (1, 555)

    second = posted.next_run_at
    assert second is not None and second > first
    claim = advance(posted.schedule, second, second)
    assert await store.subscriptions.claim_run(posted, claim, now=second)
    pending = await store.subscriptions.get(sub.id)
    assert await store.subscriptions.record_post(
        pending, message_id=None, now=second, shown_version_id=1
    )
    skipped = await store.subscriptions.get(sub.id)
    assert not skipped.is_pending
    assert skipped.last_run_at == second and skipped.next_run_at == claim.next_run_at
    assert (skipped.last_posted_at, skipped.last_message_id) == (first, 555)
    entries = [e.detail for e in await store.audit_log() if e.action == "subscription.post"]
    assert "figures unchanged since the last post, not posted" in entries[0]  # newest first
