"""Scheduled posts (subscriptions) in the database: their SQL, and ``SubscriptionStore``, the
store object reached as ``Store.subscriptions`` that composes it with the audit log.

Each SQL function takes its transaction. The exactly-once rules live in the statements'
conditions, so two processes sharing the file can never both win: a run is *claimed* by a
conditional update (``WHERE id = ? AND next_run_at = ?``) that records it as pending and
advances ``next_run_at`` in one statement, and *recorded* by another that clears exactly that
pending run. The model, its enums and errors are the domain's (``bot/subscriptions.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from bot.analytics.targets import MAX_TARGET, MIN_TARGET
from bot.errors import InvalidTarget
from bot.schedule import (
    Cadence,
    Claim,
    Schedule,
    Weekday,
    format_time,
    next_run_after,
    parse_time,
)
from bot.subscriptions import (
    MAX_PER_GUILD,
    Content,
    State,
    Subscription,
    SubscriptionLimitReached,
    UnknownSubscription,
)
from db import audit, datasets
from db.connection import Database, Row, Transaction, iso

_COLUMNS = (
    "id, guild_id, channel_id, cadence, time, weekday, day, target, content, created_by, "
    "created_at, next_run_at, pending_run_at, pending_version_id, pending_since, last_run_at, "
    "last_posted_at, last_message_id, last_notified_version_id, state, paused_reason, "
    "only_on_change, thread_id, last_shown_version_id"
)


def _moment(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _of(row: Row) -> Subscription:
    weekday = None if row[5] is None else list(Weekday)[row[5]]
    schedule = Schedule(
        cadence=Cadence(row[3]), time=parse_time(row[4]), weekday=weekday, day=row[6]
    )
    created_at = _moment(row[10])
    assert created_at is not None
    return Subscription(
        id=row[0],
        guild_id=row[1],
        channel_id=row[2],
        schedule=schedule,
        target=row[7],
        content=Content(row[8]),
        created_by=row[9],
        created_at=created_at,
        next_run_at=_moment(row[11]),
        pending_run_at=_moment(row[12]),
        pending_version_id=row[13],
        pending_since=_moment(row[14]),
        last_run_at=_moment(row[15]),
        last_posted_at=_moment(row[16]),
        last_message_id=row[17],
        last_notified_version_id=row[18],
        state=State(row[19]),
        paused_reason=row[20],
        only_on_change=bool(row[21]),
        thread_id=row[22],
        last_shown_version_id=row[23],
    )


async def count(tx: Transaction) -> int:
    row = await tx.fetchone("SELECT count(*) FROM subscriptions")
    return int(row[0]) if row else 0


async def count_in_guild(tx: Transaction, guild_id: int) -> int:
    row = await tx.fetchone("SELECT count(*) FROM subscriptions WHERE guild_id = ?", (guild_id,))
    return int(row[0]) if row else 0


async def insert(
    tx: Transaction,
    *,
    guild_id: int,
    channel_id: int,
    schedule: Schedule,
    target: float | None,
    content: Content,
    created_by: int,
    created_at: datetime,
    next_run_at: datetime | None,
    last_notified_version_id: int | None,
    only_on_change: bool,
    thread_id: int | None,
) -> int:
    return await tx.insert(
        "INSERT INTO subscriptions (guild_id, channel_id, cadence, time, weekday, day, target, "
        "content, created_by, created_at, next_run_at, last_notified_version_id, "
        "only_on_change, thread_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            guild_id,
            channel_id,
            schedule.cadence.value,
            format_time(schedule.time),
            None if schedule.weekday is None else schedule.weekday.number,
            schedule.day,
            target,
            content.value,
            created_by,
            iso(created_at),
            None if next_run_at is None else iso(next_run_at),
            last_notified_version_id,
            int(only_on_change),
            thread_id,
        ),
    )


async def get(tx: Transaction, subscription_id: int) -> Subscription | None:
    row = await tx.fetchone(
        f"SELECT {_COLUMNS} FROM subscriptions WHERE id = ?", (subscription_id,)
    )
    return None if row is None else _of(row)


async def in_guild(tx: Transaction, guild_id: int) -> list[Subscription]:
    rows = await tx.fetchall(
        f"SELECT {_COLUMNS} FROM subscriptions WHERE guild_id = ? ORDER BY id", (guild_id,)
    )
    return [_of(row) for row in rows]


async def needing_work(
    tx: Transaction,
    *,
    now: datetime,
    active_version_id: int | None,
    shard_count: int,
    shard_ids: Collection[int] | None,
) -> list[Subscription]:
    """Active rows of these shards' guilds with a pending post, a run due or news to announce.

    ``shard_ids`` None: every shard (one process runs them all).
    """
    where = [
        "state = 'active'",
        "(pending_since IS NOT NULL OR next_run_at <= ? "
        "OR (cadence = 'on-new-data' AND last_notified_version_id IS NOT ?))",
    ]
    params: list[Any] = [iso(now), active_version_id]
    if shard_ids is not None:
        marks = ", ".join("?" for _ in shard_ids) or "NULL"
        where.append(f"((guild_id >> 22) % ?) IN ({marks})")
        params += [shard_count, *sorted(shard_ids)]
    rows = await tx.fetchall(
        f"SELECT {_COLUMNS} FROM subscriptions WHERE {' AND '.join(where)} ORDER BY id", params
    )
    return [_of(row) for row in rows]


async def _changed(tx: Transaction, sql: str, params: Collection[Any]) -> list[int]:
    rows = await tx.fetchall(sql + " RETURNING id", tuple(params))
    return [int(row[0]) for row in rows]


async def claim_run(
    tx: Transaction,
    subscription_id: int,
    *,
    expected_next_run_at: datetime,
    run_at: datetime,
    next_run_at: datetime,
    since: datetime,
) -> bool:
    """Mark ``run_at`` pending and advance ``next_run_at``, only if nobody else did first."""
    return bool(
        await _changed(
            tx,
            "UPDATE subscriptions SET pending_run_at = ?, pending_since = ?, next_run_at = ? "
            "WHERE id = ? AND state = 'active' AND next_run_at = ? AND pending_since IS NULL",
            (iso(run_at), iso(since), iso(next_run_at), subscription_id, iso(expected_next_run_at)),
        )
    )


async def claim_notice(
    tx: Transaction,
    subscription_id: int,
    *,
    expected_version_id: int | None,
    version_id: int,
    since: datetime,
) -> bool:
    """Mark the notice of ``version_id`` pending, only if nobody announced or claimed one since."""
    return bool(
        await _changed(
            tx,
            "UPDATE subscriptions SET pending_version_id = ?, pending_since = ? "
            "WHERE id = ? AND state = 'active' AND cadence = 'on-new-data' "
            "AND last_notified_version_id IS ? AND pending_since IS NULL",
            (version_id, iso(since), subscription_id, expected_version_id),
        )
    )


async def record_run(
    tx: Transaction,
    subscription_id: int,
    *,
    run_at: datetime,
    message_id: int | None,
    shown_version_id: int,
    posted_at: datetime,
) -> bool:
    """The pending ``run_at`` is done: posted as ``message_id`` showing ``shown_version_id``,
    or (``message_id`` None) skipped, the figures being those of the last post. False if it is
    no longer pending."""
    posted = (
        ", last_posted_at = ?, last_message_id = ?, last_shown_version_id = ?"
        if message_id is not None
        else ""
    )
    params: list[Any] = [iso(run_at)]
    if message_id is not None:
        params += [iso(posted_at), message_id, shown_version_id]
    params += [subscription_id, iso(run_at)]
    return bool(
        await _changed(
            tx,
            "UPDATE subscriptions SET pending_run_at = NULL, pending_since = NULL, "
            f"last_run_at = ?{posted} WHERE id = ? AND pending_run_at = ?",
            params,
        )
    )


async def record_notice(
    tx: Transaction,
    subscription_id: int,
    *,
    version_id: int,
    message_id: int | None,
    posted_at: datetime,
) -> bool:
    """The pending notice of ``version_id`` is done (posted, or nothing to say: no message)."""
    posted = ", last_posted_at = ?, last_message_id = ?" if message_id is not None else ""
    params: list[Any] = [version_id]
    if message_id is not None:
        params += [iso(posted_at), message_id]
    params += [subscription_id, version_id]
    return bool(
        await _changed(
            tx,
            "UPDATE subscriptions SET pending_version_id = NULL, pending_since = NULL, "
            f"last_notified_version_id = ?{posted} WHERE id = ? AND pending_version_id = ?",
            params,
        )
    )


async def pause(tx: Transaction, subscription_id: int, reason: str) -> bool:
    """Pause with ``reason``; a pending post is dropped (it could not be delivered)."""
    return bool(
        await _changed(
            tx,
            "UPDATE subscriptions SET state = 'paused', paused_reason = ?, pending_run_at = NULL, "
            "pending_version_id = NULL, pending_since = NULL WHERE id = ?",
            (reason, subscription_id),
        )
    )


async def resume(
    tx: Transaction,
    subscription_id: int,
    *,
    next_run_at: datetime | None,
    last_notified_version_id: int | None,
) -> bool:
    """Active again, from ``next_run_at`` (timed) or the version now active (on-new-data)."""
    return bool(
        await _changed(
            tx,
            "UPDATE subscriptions SET state = 'active', paused_reason = NULL, next_run_at = ?, "
            "last_notified_version_id = CASE WHEN cadence = 'on-new-data' THEN ? END "
            "WHERE id = ? AND state = 'paused'",
            (
                None if next_run_at is None else iso(next_run_at),
                last_notified_version_id,
                subscription_id,
            ),
        )
    )


async def delete(tx: Transaction, subscription_id: int) -> bool:
    return bool(await _changed(tx, "DELETE FROM subscriptions WHERE id = ?", (subscription_id,)))


async def delete_in_guild(tx: Transaction, guild_id: int) -> list[int]:
    return await _changed(tx, "DELETE FROM subscriptions WHERE guild_id = ?", (guild_id,))


async def delete_in_channel(tx: Transaction, channel_id: int) -> list[int]:
    """A channel's subscriptions, and those posting into it as a thread."""
    return await _changed(
        tx,
        "DELETE FROM subscriptions WHERE channel_id = ? OR thread_id = ?",
        (channel_id, channel_id),
    )


async def _owned(tx: Transaction, subscription_id: int, guild_id: int | None) -> Subscription:
    """The subscription, if it is ``guild_id``'s (any server's with None): a server never
    sees or changes another's. UnknownSubscription otherwise, in the same words."""
    found = await get(tx, subscription_id)
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
            if await count_in_guild(tx, guild_id) >= limit:
                raise SubscriptionLimitReached(limit)
            active = await datasets.active_version(tx)
            subscription_id = await insert(
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
            return await in_guild(tx, guild_id)

    async def get(self, subscription_id: int, *, guild_id: int | None = None) -> Subscription:
        """One subscription; UnknownSubscription if there is none (or it is another server's)."""
        async with self._db.read() as tx:
            return await _owned(tx, subscription_id, guild_id)

    async def delete(self, subscription_id: int, *, guild_id: int, by: str) -> None:
        async with self._db.transaction() as tx:
            await _owned(tx, subscription_id, guild_id)
            await delete(tx, subscription_id)
            await audit.record(
                tx, by, "subscription.delete", f"subscription {subscription_id}", at=self._clock()
            )

    async def pause(
        self, subscription_id: int, reason: str, *, by: str, guild_id: int | None = None
    ) -> Subscription:
        """Pause with ``reason`` (shown in /updates list); a pending post is dropped."""
        async with self._db.transaction() as tx:
            await _owned(tx, subscription_id, guild_id)
            await pause(tx, subscription_id, reason)
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
            await resume(
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
            return await needing_work(
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
            return await claim_run(
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
            return await claim_notice(
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
                done = await record_run(
                    tx,
                    subscription.id,
                    run_at=subscription.pending_run_at,
                    message_id=message_id,
                    shown_version_id=shown_version_id,
                    posted_at=now,
                )
            elif subscription.pending_version_id is not None:
                what = f"notice of version {subscription.pending_version_id}"
                done = await record_notice(
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
                removed = await delete_in_guild(tx, guild_id)
            else:
                assert channel_id is not None
                removed = await delete_in_channel(tx, channel_id)
            if removed:
                await audit.record(
                    tx,
                    "updates",
                    "subscription.delete",
                    f"subscriptions {', '.join(map(str, removed))}: {why}",
                    at=self._clock(),
                )
            return removed
