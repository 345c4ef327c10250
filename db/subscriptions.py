"""SQL of scheduled posts (subscriptions). Each function takes its transaction; the store object
that composes them with the audit log is ``db/subscription_store.py`` (``Store.subscriptions``).

The exactly-once rules live in the statements' conditions, so two processes sharing the file
can never both win: a run is *claimed* by a conditional update (``WHERE id = ? AND next_run_at
= ?``) that records it as pending and advances ``next_run_at`` in one statement, and
*recorded* by another that clears exactly that pending run. The model, its enums and errors
are the domain's (``bot/subscriptions.py``).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from bot.schedule import (
    Cadence,
    Schedule,
    Weekday,
    format_time,
    parse_time,
)
from bot.subscriptions import (
    Content,
    State,
    Subscription,
)
from db.connection import Row, Transaction, iso

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
