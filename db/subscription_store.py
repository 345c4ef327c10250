"""Scheduled posts' store object, reached as ``Store.subscriptions``: each method one
transaction over the SQL of ``db/subscriptions.py``, with its audit entry, and one ownership
check (a server never sees or changes another's subscription).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime

from bot.analytics.targets import MAX_TARGET, MIN_TARGET
from bot.errors import InvalidTarget
from bot.schedule import Claim, Schedule, next_run_after
from bot.subscriptions import (
    MAX_PER_GUILD,
    Content,
    Subscription,
    SubscriptionLimitReached,
    UnknownSubscription,
)
from db import audit, datasets
from db import subscriptions as sql
from db.connection import Database, Transaction, iso


async def _owned(tx: Transaction, subscription_id: int, guild_id: int | None) -> Subscription:
    """The subscription, if it is ``guild_id``'s (any server's with None): a server never
    sees or changes another's. UnknownSubscription otherwise, in the same words."""
    found = await sql.get(tx, subscription_id)
    if found is None or (guild_id is not None and found.guild_id != guild_id):
        raise UnknownSubscription(subscription_id)
    return found


class SubscriptionStore:
    """Scheduled posts, as ``Store.subscriptions``: each method one transaction with its audit."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], datetime],
        active_version_id: Callable[[], int | None],
    ) -> None:
        self._db = db
        self._clock = clock
        #: The version the Store serves: what a notice is due for.
        self._active_version_id = active_version_id

    async def create(
        self,
        *,
        guild_id: int,
        channel_id: int,
        schedule: Schedule,
        target: float | None,
        content: Content,
        by: int,
        now: datetime | None = None,
        limit: int = MAX_PER_GUILD,
        only_on_change: bool = False,
        thread_id: int | None = None,
    ) -> Subscription:
        """Add a subscription; SubscriptionLimitReached when the server has ``limit`` already.

        The count and the insert share one write transaction, so two commands at once cannot
        both take the last place. An on-new-data subscription starts from the active version:
        it announces the next one, not the data it was created with.
        """
        if target is not None and not MIN_TARGET <= target <= MAX_TARGET:
            raise InvalidTarget(target, MIN_TARGET, MAX_TARGET)
        now = now or self._clock()
        async with self._db.transaction() as tx:
            if await sql.count_in_guild(tx, guild_id) >= limit:
                raise SubscriptionLimitReached(limit)
            active = await datasets.active_version(tx)
            subscription_id = await sql.insert(
                tx,
                guild_id=guild_id,
                channel_id=channel_id,
                schedule=schedule,
                target=target,
                content=content,
                created_by=by,
                created_at=now,
                next_run_at=next_run_after(schedule, now),
                last_notified_version_id=(
                    active.version_id if active is not None and not schedule.is_timed else None
                ),
                only_on_change=only_on_change,
                thread_id=thread_id,
            )
            await audit.record(
                tx,
                str(by),
                "subscription.create",
                f"subscription {subscription_id}: guild {guild_id} channel {channel_id}, "
                f"{schedule.cadence.value}, {content.value}"
                + (f", thread {thread_id}" if thread_id is not None else "")
                + (", only when the figures change" if only_on_change else ""),
                at=now,
            )
            return await _owned(tx, subscription_id, guild_id)

    async def in_guild(self, guild_id: int) -> list[Subscription]:
        """A server's subscriptions, oldest first."""
        async with self._db.read() as tx:
            return await sql.in_guild(tx, guild_id)

    async def get(self, subscription_id: int, *, guild_id: int | None = None) -> Subscription:
        """One subscription; UnknownSubscription if there is none (or it is another server's)."""
        async with self._db.read() as tx:
            return await _owned(tx, subscription_id, guild_id)

    async def delete(self, subscription_id: int, *, guild_id: int, by: str) -> None:
        async with self._db.transaction() as tx:
            await _owned(tx, subscription_id, guild_id)
            await sql.delete(tx, subscription_id)
            await audit.record(
                tx, by, "subscription.delete", f"subscription {subscription_id}", at=self._clock()
            )

    async def pause(
        self, subscription_id: int, reason: str, *, by: str, guild_id: int | None = None
    ) -> Subscription:
        """Pause with ``reason`` (shown in /updates list); a pending post is dropped."""
        async with self._db.transaction() as tx:
            await _owned(tx, subscription_id, guild_id)
            await sql.pause(tx, subscription_id, reason)
            await audit.record(
                tx,
                by,
                "subscription.pause",
                f"subscription {subscription_id}: {reason}",
                at=self._clock(),
            )
            return await _owned(tx, subscription_id, guild_id)

    async def resume(
        self, subscription_id: int, *, guild_id: int, by: str, now: datetime | None = None
    ) -> Subscription:
        """Active again from the next run after ``now`` (what was missed while paused is not
        posted); an on-new-data one announces the version after the one active now."""
        now = now or self._clock()
        async with self._db.transaction() as tx:
            found = await _owned(tx, subscription_id, guild_id)
            active = await datasets.active_version(tx)
            await sql.resume(
                tx,
                subscription_id,
                next_run_at=next_run_after(found.schedule, now),
                last_notified_version_id=active.version_id if active else None,
            )
            await audit.record(
                tx, by, "subscription.resume", f"subscription {subscription_id}", at=now
            )
            return await _owned(tx, subscription_id, guild_id)

    async def due(
        self, now: datetime, *, shard_count: int = 1, shard_ids: Collection[int] | None = None
    ) -> list[Subscription]:
        """Active subscriptions of these shards' guilds that have something to post now: a
        pending post to retry, a run due, or a dataset version newer than their last notice."""
        async with self._db.read() as tx:
            return await sql.needing_work(
                tx,
                now=now,
                active_version_id=self._active_version_id(),
                shard_count=shard_count,
                shard_ids=shard_ids,
            )

    async def claim_run(self, subscription: Subscription, claim: Claim, *, now: datetime) -> bool:
        """Claim ``claim.run_at`` for posting and advance the schedule, in one transaction.

        False when another process (or an edit) got there first: then do not post.
        """
        assert subscription.next_run_at is not None
        async with self._db.transaction() as tx:
            return await sql.claim_run(
                tx,
                subscription.id,
                expected_next_run_at=subscription.next_run_at,
                run_at=claim.run_at,
                next_run_at=claim.next_run_at,
                since=now,
            )

    async def claim_notice(
        self, subscription: Subscription, version_id: int, *, now: datetime
    ) -> bool:
        """Claim the notice of ``version_id``; False when someone else already did."""
        async with self._db.transaction() as tx:
            return await sql.claim_notice(
                tx,
                subscription.id,
                expected_version_id=subscription.last_notified_version_id,
                version_id=version_id,
                since=now,
            )

    async def record_post(
        self,
        subscription: Subscription,
        *,
        message_id: int | None,
        now: datetime,
        shown_version_id: int | None = None,
    ) -> bool:
        """Record the pending post as delivered (message id, last post, audit), one transaction.

        ``message_id`` None: a notice with nothing to say, or a run skipped because the figures
        are those of its last post, done without a message. ``shown_version_id``: the dataset
        version a run's post showed (a run needs it). False when the post was no longer
        pending (paused or removed meanwhile).
        """
        async with self._db.transaction() as tx:
            if subscription.pending_run_at is not None:
                assert shown_version_id is not None
                what = f"run {iso(subscription.pending_run_at)}"
                done = await sql.record_run(
                    tx,
                    subscription.id,
                    run_at=subscription.pending_run_at,
                    message_id=message_id,
                    shown_version_id=shown_version_id,
                    posted_at=now,
                )
            elif subscription.pending_version_id is not None:
                what = f"notice of version {subscription.pending_version_id}"
                done = await sql.record_notice(
                    tx,
                    subscription.id,
                    version_id=subscription.pending_version_id,
                    message_id=message_id,
                    posted_at=now,
                )
            else:
                raise ValueError(f"subscription {subscription.id} has no pending post")
            if done:
                where = (
                    f"message {message_id} in channel {subscription.destination_id}"
                    if message_id is not None
                    else "figures unchanged since the last post, not posted"
                    if subscription.pending_run_at is not None
                    else "nothing to announce"
                )
                await audit.record(
                    tx,
                    "updates",
                    "subscription.post",
                    f"subscription {subscription.id} {what}: {where}",
                    at=now,
                )
            return done

    async def remove(
        self, *, guild_id: int | None = None, channel_id: int | None = None, why: str
    ) -> list[int]:
        """Delete every subscription of a server (the bot left it) or a channel (deleted)."""
        if (guild_id is None) == (channel_id is None):
            raise ValueError("give exactly one of guild_id and channel_id")
        async with self._db.transaction() as tx:
            if guild_id is not None:
                removed = await sql.delete_in_guild(tx, guild_id)
            else:
                assert channel_id is not None
                removed = await sql.delete_in_channel(tx, channel_id)
            if removed:
                await audit.record(
                    tx,
                    "updates",
                    "subscription.delete",
                    f"subscriptions {', '.join(map(str, removed))}: {why}",
                    at=self._clock(),
                )
            return removed
