"""The poster: one tick finds what is due on this process's shards, claims it, posts, records.

Exactly once, whatever stops the bot:
- a run is *claimed* first (``Store.claim_run``: pending run recorded and ``next_run_at``
  advanced in one conditional transaction), so two processes on one database never both post
  it, and a restart does not claim it again;
- it is posted with a nonce derived from (subscription, run) and ``enforce_nonce``, so when the
  bot dies after Discord accepted the post but before the record, the retry at the next start
  is answered with the first message instead of a second one (Discord keeps a nonce for a few
  minutes; a retry after longer downtime posts, rather than silently skipping);
- it is then *recorded* (message id, last post, audit entry) in one transaction.
A 429 or 5xx that outlasts discord.py's own retries leaves the run pending for a later tick;
403 and 404 pause the subscription with the reason; one channel's fault never stops the others.
New-data notices follow the same claim → post → record steps, keyed by the dataset version.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot import analytics, chart_replies
from bot.analytics import dataset_diff
from bot.errors import UserFacingError
from bot.models import Dataset, Snapshot
from bot.render import updates as render
from bot.schedule import advance, is_due, notice_nonce, run_nonce
from bot.subscriptions import Content, Subscription
from db.errors import StoreError

if TYPE_CHECKING:
    from bot.client import NatoBot

log = logging.getLogger(__name__)

#: Posts in flight at once: enough to keep up with Discord's 50/s, few enough that one slow
#: channel (discord.py sleeping out its 429) holds up only its own post.
CONCURRENT_POSTS = 16
#: How long Discord remembers a message nonce (its documented window is "a few minutes").
NONCE_WINDOW = timedelta(minutes=5)
#: Seconds a summary post waits for its chart (a cold one takes ~0.1 s; a busy pool longer).
CHART_TIMEOUT = 30.0


@dataclass
class TickReport:
    """What one tick did, for logs and tests."""

    posted: list[int] = field(default_factory=list)
    #: Left pending after a transient fault (429 / 5xx / network): retried next tick.
    deferred: list[int] = field(default_factory=list)
    paused: list[int] = field(default_factory=list)
    #: Claimed by another process first, or nothing to announce.
    skipped: list[int] = field(default_factory=list)


class Undeliverable(Exception):
    """Discord refused the post for good (403, 404): the subscription is paused with this."""


class Poster:
    """Claims, posts and records due subscriptions for the shards this process runs."""

    def __init__(self, bot: NatoBot) -> None:
        self.bot = bot
        self._slots = asyncio.Semaphore(CONCURRENT_POSTS)
        #: Ticks finished since start (logs, and tests waiting for "a few more ticks").
        self.ticks = 0

    # --- which guilds are ours ----------------------------------------------------------------

    def _shards(self) -> tuple[int, list[int] | None]:
        """(shard count, this process's shard ids, None = all of them)."""
        return self.bot.shard_count or 1, self.bot.shard_ids

    # --- one tick ------------------------------------------------------------------------------

    async def tick(self) -> TickReport:
        """Everything due now; never raises (a failing tick is logged and retried next time)."""
        report = TickReport()
        try:
            return await self._tick(report)
        finally:
            self.ticks += 1

    async def _tick(self, report: TickReport) -> TickReport:
        try:
            await self.bot.store.refresh()  # a version activated elsewhere counts too
            now = self.bot.clock()
            shard_count, shard_ids = self._shards()
            due = await self.bot.store.subscriptions.due(
                now, shard_count=shard_count, shard_ids=shard_ids
            )
        except StoreError as exc:
            log.warning("scheduled posts: cannot read the store this tick: %s", exc)
            return report
        datasets: dict[int, asyncio.Task[Dataset]] = {}
        # A few workers taking rows in turn, not a task per row: 1,000 rows due at once would
        # otherwise be 1,000 tasks created and first run in one pass of the event loop.
        rows = iter(due)

        async def worker() -> None:
            for sub in rows:
                await self._one(sub, now, report, datasets)

        await asyncio.gather(*(worker() for _ in range(min(CONCURRENT_POSTS, len(due)))))
        if report.posted or report.paused or report.deferred:
            log.info(
                "scheduled posts: %d posted, %d paused, %d retried later",
                len(report.posted),
                len(report.paused),
                len(report.deferred),
            )
        return report

    async def _one(
        self,
        sub: Subscription,
        now: datetime,
        report: TickReport,
        datasets: dict[int, asyncio.Task[Dataset]],
    ) -> None:
        async with self._slots:
            try:
                if sub.schedule.is_timed:
                    done = await self._run(sub, now)
                else:
                    done = await self._notice(sub, now, datasets)
                (report.posted if done else report.skipped).append(sub.id)
            except Undeliverable as exc:
                await self._pause(sub, str(exc))
                report.paused.append(sub.id)
            except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as exc:
                log.warning(
                    "subscription %d: post not delivered, retried next tick: %s", sub.id, exc
                )
                report.deferred.append(sub.id)
            except StoreError as exc:
                log.warning("subscription %d: store fault, retried next tick: %s", sub.id, exc)
                report.deferred.append(sub.id)
            except UserFacingError as exc:  # e.g. its target no longer valid: tell the server
                await self._pause(sub, f"cannot build the post: {exc}")
                report.paused.append(sub.id)
            except Exception:
                log.exception("subscription %d: unexpected failure, retried next tick", sub.id)
                report.deferred.append(sub.id)

    async def _pause(self, sub: Subscription, reason: str) -> None:
        log.warning("subscription %d paused: %s", sub.id, reason)
        try:
            await self.bot.store.subscriptions.pause(sub.id, reason, by="updates")
        except StoreError as exc:
            log.warning("subscription %d: could not record the pause: %s", sub.id, exc)

    # --- timed runs ------------------------------------------------------------------------------

    async def _run(self, sub: Subscription, now: datetime) -> bool:
        if sub.pending_run_at is None:
            if sub.next_run_at is None or not is_due(sub.next_run_at, now):
                return False
            claim = advance(sub.schedule, sub.next_run_at, now)
            if not await self.bot.store.subscriptions.claim_run(sub, claim, now=now):
                return False  # another process claimed it first
            if claim.skipped:
                log.info(
                    "subscription %d: back after downtime, posting once for %s (%d earlier "
                    "runs not posted)",
                    sub.id,
                    claim.run_at.isoformat(),
                    claim.skipped,
                )
            sub = sub.model_copy(
                update={
                    "pending_run_at": claim.run_at,
                    "pending_since": now,
                    "next_run_at": claim.next_run_at,
                }
            )
        else:
            self._note_retry(sub, now)
        assert sub.pending_run_at is not None
        snap = self.bot.store.snapshot  # one version for the post, its chart and its record
        shown = snap.version.version_id
        message_id: int | None = None
        if sub.only_on_change and sub.last_shown_version_id == shown:
            log.info("subscription %d: figures unchanged since its last post, run skipped", sub.id)
        else:
            target = await self.bot.effective_target(sub.guild_id, sub.target)
            embed = render.scheduled_post(snap, sub, target)
            nonce = run_nonce(sub.id, sub.pending_run_at)
            with await self._chart(sub, snap, target, embed) as chart:
                message_id = await self._send(sub, embed, nonce, file=chart)
        done = await self.bot.store.subscriptions.record_post(
            sub, message_id=message_id, now=self.bot.clock(), shown_version_id=shown
        )
        if done and message_id is not None:
            log.info(
                "subscription %d (guild %d): run %s posted as message %d",
                sub.id,
                sub.guild_id,
                sub.pending_run_at.isoformat(),
                message_id,
            )
        return done and message_id is not None

    async def _chart(
        self, sub: Subscription, snap: Snapshot, target: float, embed: discord.Embed
    ) -> contextlib.AbstractContextManager[discord.File | None]:
        """A summary post's chart, the one /summary shows, drawn by the chart workers (off the
        event loop), shown in ``embed``, as an attachment for one send. None for other posts,
        or when it cannot be drawn in time: the post then goes without it rather than not at
        all."""
        none: contextlib.AbstractContextManager[discord.File | None] = contextlib.nullcontext()
        if sub.content is not Content.SUMMARY:
            return none
        chart = chart_replies.summary_reply(snap, analytics.summary(snap, target=target))
        if chart.job is None:
            return none
        try:
            png = await asyncio.wait_for(self.bot.charts.chart(chart.job), CHART_TIMEOUT)
        except Exception as exc:  # a dead pool, a closed renderer, a timeout: post without
            log.warning("subscription %d: chart not drawn, posting without it: %r", sub.id, exc)
            return none
        embed.set_image(url=f"attachment://{chart.filename}")
        return chart.file(png)

    # --- new-data notices ------------------------------------------------------------------------

    async def _notice(
        self, sub: Subscription, now: datetime, datasets: dict[int, asyncio.Task[Dataset]]
    ) -> bool:
        store = self.bot.store
        if sub.pending_version_id is None:
            active = store.snapshot.version.version_id
            if sub.last_notified_version_id == active:
                return False
            if not await store.subscriptions.claim_notice(sub, active, now=now):
                return False
            sub = sub.model_copy(update={"pending_version_id": active, "pending_since": now})
        else:
            self._note_retry(sub, now)
        assert sub.pending_version_id is not None
        new = await self._dataset(sub.pending_version_id, datasets)
        old = (
            await self._dataset(sub.last_notified_version_id, datasets)
            if sub.last_notified_version_id is not None
            else None
        )
        target = await self.bot.effective_target(sub.guild_id, sub.target)
        message_id: int | None = None
        if old is not None:
            diff = dataset_diff.diff(old, new, targets=(target,))
            if not diff.is_empty:
                embed = render.notice_embed(diff, new, old, target=target, subscription=sub)
                nonce = notice_nonce(sub.id, sub.pending_version_id)
                message_id = await self._send(sub, embed, nonce)
        done = await store.subscriptions.record_post(
            sub, message_id=message_id, now=self.bot.clock()
        )
        return done and message_id is not None

    async def _dataset(
        self, version_id: int, datasets: dict[int, asyncio.Task[Dataset]]
    ) -> Dataset:
        """A version's dataset, read once per tick however many notices need it."""
        if version_id not in datasets:
            datasets[version_id] = asyncio.ensure_future(self.bot.store.load_version(version_id))
        return await datasets[version_id]

    # --- Discord ---------------------------------------------------------------------------------

    def _note_retry(self, sub: Subscription, now: datetime) -> None:
        if sub.pending_since is not None and now - sub.pending_since > NONCE_WINDOW:
            log.warning(
                "subscription %d: retrying a post claimed at %s; Discord remembers a nonce for "
                "a few minutes only, so if the first attempt was accepted it shows twice",
                sub.id,
                sub.pending_since.isoformat(),
            )

    async def _send(
        self,
        sub: Subscription,
        embed: discord.Embed,
        nonce: str,
        *,
        file: discord.File | None = None,
    ) -> int:
        where = sub.destination_id
        channel = self.bot.get_partial_messageable(where, guild_id=sub.guild_id)
        try:
            if file is None:
                message = await channel.send(embed=embed, nonce=nonce)
            else:
                message = await channel.send(embed=embed, file=file, nonce=nonce)
        except discord.Forbidden as exc:
            why = f"{exc.status} {exc.text or 'Forbidden'}"
            send = "Send Messages in Threads" if sub.thread_id is not None else "Send Messages"
            raise Undeliverable(
                f"the bot may not post in <#{where}> ({why}); give it View Channel, "
                f"{send} and Embed Links there, then /updates resume"
            ) from exc
        except discord.NotFound as exc:
            raise Undeliverable(
                f"the channel <#{where}> is gone ({exc.status} {exc.text or 'Not Found'})"
            ) from exc
        return message.id
