"""Store: the façade over the database. It owns the snapshot and composes transactions.

The database keeps every dataset version ever loaded; exactly one is active. Readers never
query figures: they use ``Store.snapshot``, an immutable in-memory view of the active version
that is swapped in one assignment after a version's transaction commits, so a command that
holds a snapshot sees one consistent dataset even while a reload happens. ``refresh()`` notices
a version another process (the CLI, a second bot) activated on the same file.

The SQL lives in one module per aggregate (``db/datasets.py``, ``guilds.py``, ``audit.py``,
``meta.py``); the connection, transactions and migrations in ``db/connection.py``. Every fault
reaches the caller as a ``StoreError`` (``db/errors.py``) whose one-line message names the file.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.analytics.targets import MAX_TARGET, MIN_TARGET
from bot.countries import alias_table
from bot.errors import InvalidTarget
from bot.models import Dataset, DatasetVersion, Snapshot, unusable_figures
from bot.schedule import Claim, Schedule, next_run_after
from db import audit, datasets, guilds, meta
from db import subscriptions as subs
from db.audit import AuditContext, AuditEntry
from db.connection import BUSY_TIMEOUT_MS, Database, Transaction, check_path, iso, migrations
from db.errors import (
    DatabaseBusy,
    DatabaseMissing,
    DatabaseUnusable,
    DataRejected,
    MigrationError,
    NoActiveDataset,
    NothingToChange,
    ReadOnlyDatabase,
    StoreError,
    UnknownVersion,
)
from db.loader import (
    BUNDLED_SOURCE,
    bundled_aliases,
    bundled_fingerprint,
    dataset_sha256,
    load_bundled,
)
from db.subscriptions import (
    MAX_PER_GUILD,
    Content,
    Subscription,
    SubscriptionLimitReached,
    UnknownSubscription,
)

__all__ = [
    "BUSY_TIMEOUT_MS",
    "AuditContext",
    "AuditEntry",
    "DataRejected",
    "DatabaseBusy",
    "DatabaseMissing",
    "DatabaseUnusable",
    "MigrationError",
    "NoActiveDataset",
    "NothingToChange",
    "ReadOnlyDatabase",
    "StaleVersion",
    "Store",
    "StoreError",
    "StoreStatus",
    "Subscription",
    "SubscriptionLimitReached",
    "UnknownSubscription",
    "UnknownVersion",
    "migrations",
]

log = logging.getLogger(__name__)

#: meta key: the ``bundled_fingerprint()`` of the bundled files last imported (or found equal).
BUNDLED_FINGERPRINT_KEY = "bundled_fingerprint"


def _now() -> datetime:
    return datetime.now(UTC)


@functools.cache
def _aliases() -> dict[str, str]:
    """The project's alias table (db/data/aliases.csv), read once."""
    return bundled_aliases()


def _snapshot(version: DatasetVersion, dataset: Dataset) -> Snapshot:
    return Snapshot.build(version, dataset, alias_table(dataset.members, _aliases()))


#: The version a snapshot built ahead of its activation carries until it gets its real one.
_UNSAVED = DatasetVersion(
    version_id=0,
    sha256="0" * 64,
    source="unsaved",
    loaded_at=datetime.min.replace(tzinfo=UTC),
    loaded_by="",
    active=False,
)


class StaleVersion(StoreError):
    """The active version is no longer the one a prepared change was computed against."""


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """What /admin status shows of the database."""

    path: Path
    #: The file and its WAL, in bytes.
    size_bytes: int
    versions: int
    audit_entries: int
    #: Scheduled-post subscriptions, or None when this database has no such table.
    subscriptions: int | None


class Store:
    """Async access to the bot's SQLite database. Open with ``await Store.open(path)``."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._snapshot: Snapshot | None = None
        #: PRAGMA data_version when the snapshot was last checked: refresh()'s cheap test.
        self._seen_data_version: int | None = None
        self._guild_targets: dict[int, float | None] = {}

    @property
    def path(self) -> Path:
        return self._db.path

    @property
    def readonly(self) -> bool:
        return self._db.readonly

    # --- opening and closing ------------------------------------------------------------------

    @classmethod
    async def open(cls, path: str | Path, *, seed: bool = True, readonly: bool = False) -> Store:
        """Open (creating and migrating if needed) the database at ``path``.

        With ``seed`` and no dataset version yet, the bundled dataset becomes version 1.
        ``readonly`` opens an existing, up-to-date database without writing anything to it
        (no migration, no seeding): for inspection, e.g. ``natobot data validate``.
        A read-write open proves the file writable before it returns. Any fault is a
        StoreError with one line naming the file (DatabaseMissing, a FileNotFoundError too,
        for a read-only open of no file).
        """
        db = await Database.open(Path(path), readonly=readonly)
        store = cls(db)
        try:
            await db.check_integrity()
            if readonly:
                await db.check_schema_current()
            else:
                await db.migrate()
                if seed:
                    await store._seed_or_upgrade_bundled()
            if store._snapshot is None:  # seeding built it already
                await store._load_snapshot()
        except BaseException:
            await db.close()
            raise
        db.opening = False
        return store

    @staticmethod
    def check_path(path: str | Path) -> None:
        """Refuse, creating nothing, a path that can never hold the database (empty, blank, a
        folder, a file that is not SQLite): the same words as ``open`` would use."""
        check_path(Path(path), readonly=False)

    @classmethod
    async def read_snapshot(cls, path: str | Path) -> Snapshot:
        """Open (seeding if new), take the active dataset, close: for one-shot readers."""
        store = await cls.open(path)
        try:
            return store.snapshot
        finally:
            await store.close()

    async def _seed_or_upgrade_bundled(self) -> None:
        """Seed an empty database from the bundled dataset, and follow the bundled dataset when
        it changed (a new release of the bot) while the active data is still the bundled one.

        Data an owner loaded from elsewhere is never replaced this way. The decision is made
        again under the write lock, so two processes starting together seed once.
        """
        fingerprint = bundled_fingerprint()
        async with self._db.read() as tx:
            active = await datasets.active_version(tx)
            imported = await meta.get(tx, BUNDLED_FINGERPRINT_KEY)
        if active is not None and active.source != BUNDLED_SOURCE:
            return
        # The bundled files are the very bytes last imported: nothing new shipped. Skipping the
        # parse saves most of an open's work, and an owner's rollback to an older bundled
        # version is not undone at the next start.
        if active is not None and imported == fingerprint:
            return
        bundled = load_bundled()
        sha256 = dataset_sha256(bundled)
        if active is not None and active.sha256 == sha256:
            async with self._db.transaction() as tx:
                await meta.put(tx, BUNDLED_FINGERPRINT_KEY, fingerprint)
            return
        async with self._db.transaction() as tx:
            current = await datasets.active_version(tx)
            if current is not None and (
                current.source != BUNDLED_SOURCE or current.sha256 == sha256
            ):
                return  # another process got there first
            version = await self._write_version(
                tx,
                bundled,
                sha256,
                source=BUNDLED_SOURCE,
                loaded_by="seed" if current is None else "upgrade",
                previous=current,
            )
            await meta.put(tx, BUNDLED_FINGERPRINT_KEY, fingerprint)
        if current is not None:
            log.info(
                "bundled dataset changed: version %d replaces %d",
                version.version_id,
                current.version_id,
            )

    async def close(self) -> None:
        """Close after any statement in flight, so shutdown never cuts a transaction."""
        await self._db.close()

    async def schema_version(self) -> int:
        async with self._db.read() as tx:
            return await tx.user_version()

    # --- the active dataset -------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        """The active dataset, in memory. Hold on to it for the length of one command."""
        if self._snapshot is None:
            raise NoActiveDataset(f"the database {self.path} holds no active dataset version")
        return self._snapshot

    async def _load_snapshot(self) -> None:
        async with self._db.read() as tx:
            self._seen_data_version = await tx.data_version()
            version = await datasets.active_version(tx)
            if version is None:
                return
            snapshot = _snapshot(version, await datasets.read_dataset(tx, version.version_id))
        self._snapshot = snapshot

    async def refresh(self) -> bool:
        """Take up a version another process activated on the same file; True if it did.

        Cheap when nothing changed: one PRAGMA, no table read. Settings another process wrote
        are read again too (the per-server cache is dropped).
        """
        async with self._db.read() as tx:
            seen = await tx.data_version()
            if seen == self._seen_data_version:
                return False
            self._seen_data_version = seen
            self._guild_targets.clear()
            version = await datasets.active_version(tx)
            current = self._snapshot.version if self._snapshot else None
            if version is None or (current is not None and current == version):
                return False
            snapshot = _snapshot(version, await datasets.read_dataset(tx, version.version_id))
        self._snapshot = snapshot
        log.info("dataset version %d was activated elsewhere: now serving it", version.version_id)
        return True

    async def load_version(self, version_id: int) -> Dataset:
        """The dataset a version holds, exactly as it was activated (same sha256)."""
        async with self._db.read() as tx:
            await datasets.version(tx, version_id)
            return await datasets.read_dataset(tx, version_id)

    async def previous_version(self) -> DatasetVersion:
        """The version the active one replaced (what a plain rollback returns to);
        UnknownVersion when there is none."""
        async with self._db.read() as tx:
            return await datasets.previous_of(tx, await datasets.active_version(tx))

    async def versions(self) -> list[DatasetVersion]:
        """Every dataset version, newest first."""
        async with self._db.read() as tx:
            return await datasets.versions(tx)

    @staticmethod
    def build_snapshot(dataset: Dataset) -> Snapshot:
        """The snapshot ``dataset`` will be served as, built ahead (in a worker thread, say) so
        that activating a large dataset does no indexing on the event loop."""
        return _snapshot(_UNSAVED, dataset)

    async def activate(
        self,
        dataset: Dataset,
        *,
        source: str,
        loaded_by: str,
        sha256: str | None = None,
        snapshot: Snapshot | None = None,
        expected_active: int | None = None,
        context: AuditContext | None = None,
        checked: bool = False,
    ) -> DatasetVersion:
        """Write ``dataset`` as a new version and make it the active one, all or nothing.

        Raises NothingToChange (writing nothing) when it equals the active version. If anything
        fails, the transaction is rolled back: the previous version stays active and the
        snapshot is untouched (DataRejected when the database's constraints refused it, or a
        figure analytics could not use: out of range, not finite).
        ``sha256`` and ``snapshot`` (from ``build_snapshot``) may be computed ahead;
        ``expected_active`` refuses (StaleVersion) when another version became active since
        the caller looked; ``context`` goes into the audit entry written with the version;
        ``checked``: the caller found no ``unusable_figures`` already (a reload's child does,
        off the event loop: 100,000 records take ~0.3 s), so they are not looked for again.
        """
        if not checked and (unusable := unusable_figures(dataset.records)):
            more = f" (and {len(unusable) - 1:,} more)" if len(unusable) > 1 else ""
            raise DataRejected(
                f"the dataset was not activated: a figure the bot cannot use: {unusable[0]}{more}"
            )
        sha256 = sha256 or dataset_sha256(dataset)
        async with self._db.transaction() as tx:
            previous = await datasets.active_version(tx)
            _check_expected(previous, expected_active)
            if previous is not None and previous.sha256 == sha256:
                raise NothingToChange(
                    f"the dataset is identical to the active version {previous.version_id}"
                )
            return await self._write_version(
                tx,
                dataset,
                sha256,
                source=source,
                loaded_by=loaded_by,
                previous=previous,
                snapshot=snapshot,
                context=context,
            )

    async def _write_version(
        self,
        tx: Transaction,
        dataset: Dataset,
        sha256: str,
        *,
        source: str,
        loaded_by: str,
        previous: DatasetVersion | None,
        snapshot: Snapshot | None = None,
        context: AuditContext | None = None,
    ) -> DatasetVersion:
        """Insert, switch to and audit a new version in ``tx``; the snapshot follows on commit."""
        loaded_at = _now()
        version_id = await datasets.insert_version(
            tx,
            dataset,
            aliases=_aliases(),
            sha256=sha256,
            source=source,
            loaded_at=loaded_at,
            loaded_by=loaded_by,
            previous=previous,
        )
        await datasets.switch_active(tx, version_id)
        await audit.record(
            tx,
            loaded_by,
            "dataset.activate",
            f"version {version_id} from {source}: {len(dataset.records)} figures, "
            f"{len(dataset.releases)} releases, sha256 {sha256[:12]}"
            + (f"; replaces version {previous.version_id}" if previous else ""),
            at=loaded_at,
            context=context,
        )
        version = DatasetVersion(
            version_id=version_id,
            sha256=sha256,
            source=source,
            loaded_at=loaded_at,
            loaded_by=loaded_by,
            active=True,
            record_count=len(dataset.records),
        )
        built = (
            dataclasses.replace(snapshot, version=version)
            if snapshot is not None
            else _snapshot(version, dataset)
        )
        await self._swap_on_commit(tx, built)
        return version

    async def _swap_on_commit(self, tx: Transaction, snapshot: Snapshot) -> None:
        """Serve ``snapshot`` once ``tx`` commits, and count the commits seen so far.

        Read inside the write transaction, no other process can commit in between: what
        refresh() later sees changed is really someone else's. (Their earlier commits may
        have been settings: the per-server cache is read again.)
        """
        seen = await tx.data_version()

        def swap() -> None:
            if seen != self._seen_data_version:
                self._guild_targets.clear()
            self._seen_data_version = seen
            self._snapshot = snapshot

        tx.on_commit(swap)

    async def rollback(
        self,
        *,
        to_version: int | None = None,
        by: str,
        expected_active: int | None = None,
        snapshot: Snapshot | None = None,
        context: AuditContext | None = None,
    ) -> DatasetVersion:
        """Make an earlier version active again; by default the one the current one replaced.

        ``expected_active``, ``snapshot`` (of the target version's dataset, from
        ``build_snapshot``) and ``context`` as for ``activate``.
        """
        async with self._db.transaction() as tx:
            current = await datasets.active_version(tx)
            _check_expected(current, expected_active)
            if to_version is None:
                target = await datasets.previous_of(tx, current)
            else:
                target = await datasets.version(tx, to_version)
            if current is not None and target.version_id == current.version_id:
                raise NothingToChange(f"version {target.version_id} is already active")
            dataset = (
                None if snapshot is not None else await datasets.read_dataset(tx, target.version_id)
            )
            await datasets.switch_active(tx, target.version_id)
            await audit.record(
                tx,
                by,
                "dataset.rollback",
                f"version {target.version_id} active again"
                + (f", was {current.version_id}" if current else ""),
                at=_now(),
                context=context,
            )
            version = target.model_copy(update={"active": True})
            if snapshot is not None:
                built = dataclasses.replace(snapshot, version=version)
            else:
                assert dataset is not None
                built = _snapshot(version, dataset)
            await self._swap_on_commit(tx, built)
        return version

    # --- per-guild settings, meta, audit ------------------------------------------------------

    async def guild_target(self, guild_id: int) -> float | None:
        """The server's default target (% of GDP), or None when it has not set one."""
        if guild_id in self._guild_targets:
            return self._guild_targets[guild_id]
        async with self._db.read() as tx:
            target = await guilds.default_target(tx, guild_id)
        self._guild_targets[guild_id] = target
        return target

    async def set_guild_target(self, guild_id: int, target: float | None, *, by: int) -> None:
        """Set (or, with None, clear) a server's default target. Raises InvalidTarget."""
        if target is not None and not MIN_TARGET <= target <= MAX_TARGET:
            raise InvalidTarget(target)
        async with self._db.transaction() as tx:
            at = _now()
            await guilds.set_default_target(tx, guild_id, target, at=at, by=by)
            shown = "cleared" if target is None else f"{target:g}"
            await audit.record(tx, str(by), "guild.target", f"guild {guild_id}: {shown}", at=at)
            # The cache follows only once committed.
            tx.on_commit(lambda: self._guild_targets.__setitem__(guild_id, target))

    async def get_meta(self, key: str) -> str | None:
        async with self._db.read() as tx:
            return await meta.get(tx, key)

    async def set_meta(self, key: str, value: str) -> None:
        async with self._db.transaction() as tx:
            await meta.put(tx, key, value)

    async def claim_meta(self, key: str, value: str) -> bool:
        """Set ``key`` only when it holds nothing yet; True if this call set it. Under the write
        lock, so of two callers (or two processes) exactly one gets True: for "only once"."""
        async with self._db.transaction() as tx:
            if await meta.get(tx, key) is not None:
                return False
            await meta.put(tx, key, value)
        return True

    async def audit(
        self, actor: str, action: str, detail: str = "", *, context: AuditContext | None = None
    ) -> None:
        async with self._db.transaction() as tx:
            await audit.record(tx, actor, action, detail, at=_now(), context=context)

    async def audit_log(self, limit: int = 50) -> list[AuditEntry]:
        """The newest ``limit`` audit entries, newest first."""
        async with self._db.read() as tx:
            return await audit.entries(tx, limit)

    # --- scheduled posts (subscriptions) ------------------------------------------------------

    async def create_subscription(
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
    ) -> Subscription:
        """Add a subscription; SubscriptionLimitReached when the server has ``limit`` already.

        The count and the insert share one write transaction, so two commands at once cannot
        both take the last place. An on-new-data subscription starts from the active version:
        it announces the next one, not the data it was created with.
        """
        if target is not None and not MIN_TARGET <= target <= MAX_TARGET:
            raise InvalidTarget(target)
        now = now or _now()
        async with self._db.transaction() as tx:
            if await subs.count_in_guild(tx, guild_id) >= limit:
                raise SubscriptionLimitReached(limit)
            active = await datasets.active_version(tx)
            subscription_id = await subs.insert(
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
            )
            await audit.record(
                tx,
                str(by),
                "subscription.create",
                f"subscription {subscription_id}: guild {guild_id} channel {channel_id}, "
                f"{schedule.cadence.value}, {content.value}",
                at=now,
            )
            created = await subs.get(tx, subscription_id)
        assert created is not None
        return created

    async def subscriptions(self, guild_id: int) -> list[Subscription]:
        """A server's subscriptions, oldest first."""
        async with self._db.read() as tx:
            return await subs.in_guild(tx, guild_id)

    async def subscription(
        self, subscription_id: int, *, guild_id: int | None = None
    ) -> Subscription:
        """One subscription; UnknownSubscription if there is none (or it is another server's)."""
        async with self._db.read() as tx:
            found = await subs.get(tx, subscription_id)
        if found is None or (guild_id is not None and found.guild_id != guild_id):
            raise UnknownSubscription(subscription_id)
        return found

    async def delete_subscription(self, subscription_id: int, *, guild_id: int, by: str) -> None:
        async with self._db.transaction() as tx:
            found = await subs.get(tx, subscription_id)
            if found is None or found.guild_id != guild_id:
                raise UnknownSubscription(subscription_id)
            await subs.delete(tx, subscription_id)
            await audit.record(
                tx, by, "subscription.delete", f"subscription {subscription_id}", at=_now()
            )

    async def pause_subscription(
        self, subscription_id: int, reason: str, *, by: str, guild_id: int | None = None
    ) -> Subscription:
        """Pause with ``reason`` (shown in /updates list); a pending post is dropped."""
        async with self._db.transaction() as tx:
            found = await subs.get(tx, subscription_id)
            if found is None or (guild_id is not None and found.guild_id != guild_id):
                raise UnknownSubscription(subscription_id)
            await subs.pause(tx, subscription_id, reason)
            await audit.record(
                tx, by, "subscription.pause", f"subscription {subscription_id}: {reason}", at=_now()
            )
            paused = await subs.get(tx, subscription_id)
        assert paused is not None
        return paused

    async def resume_subscription(
        self, subscription_id: int, *, guild_id: int, by: str, now: datetime | None = None
    ) -> Subscription:
        """Active again from the next run after ``now`` (what was missed while paused is not
        posted); an on-new-data one announces the version after the one active now."""
        now = now or _now()
        async with self._db.transaction() as tx:
            found = await subs.get(tx, subscription_id)
            if found is None or found.guild_id != guild_id:
                raise UnknownSubscription(subscription_id)
            active = await datasets.active_version(tx)
            await subs.resume(
                tx,
                subscription_id,
                next_run_at=next_run_after(found.schedule, now),
                last_notified_version_id=active.version_id if active else None,
            )
            await audit.record(
                tx, by, "subscription.resume", f"subscription {subscription_id}", at=now
            )
            resumed = await subs.get(tx, subscription_id)
        assert resumed is not None
        return resumed

    async def due_subscriptions(
        self, now: datetime, *, shard_count: int = 1, shard_ids: Collection[int] | None = None
    ) -> list[Subscription]:
        """Active subscriptions of these shards' guilds that have something to post now: a
        pending post to retry, a run due, or a dataset version newer than their last notice."""
        active = self._snapshot.version.version_id if self._snapshot else None
        async with self._db.read() as tx:
            return await subs.needing_work(
                tx, now=now, active_version_id=active, shard_count=shard_count, shard_ids=shard_ids
            )

    async def claim_run(self, subscription: Subscription, claim: Claim, *, now: datetime) -> bool:
        """Claim ``claim.run_at`` for posting and advance the schedule, in one transaction.

        False when another process (or an edit) got there first: then do not post.
        """
        assert subscription.next_run_at is not None
        async with self._db.transaction() as tx:
            return await subs.claim_run(
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
            return await subs.claim_notice(
                tx,
                subscription.id,
                expected_version_id=subscription.last_notified_version_id,
                version_id=version_id,
                since=now,
            )

    async def record_post(
        self, subscription: Subscription, *, message_id: int | None, now: datetime
    ) -> bool:
        """Record the pending post as delivered (message id, last post, audit), one transaction.

        ``message_id`` None: a notice with nothing to say, done without a message. False when
        the post was no longer pending (paused or removed meanwhile).
        """
        async with self._db.transaction() as tx:
            if subscription.pending_run_at is not None:
                assert message_id is not None
                what = f"run {iso(subscription.pending_run_at)}"
                done = await subs.record_run(
                    tx,
                    subscription.id,
                    run_at=subscription.pending_run_at,
                    message_id=message_id,
                    posted_at=now,
                )
            elif subscription.pending_version_id is not None:
                what = f"notice of version {subscription.pending_version_id}"
                done = await subs.record_notice(
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
                    f"message {message_id} in channel {subscription.channel_id}"
                    if message_id is not None
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

    async def remove_subscriptions(
        self, *, guild_id: int | None = None, channel_id: int | None = None, why: str
    ) -> list[int]:
        """Delete every subscription of a server (the bot left it) or a channel (deleted)."""
        if (guild_id is None) == (channel_id is None):
            raise ValueError("give exactly one of guild_id and channel_id")
        async with self._db.transaction() as tx:
            if guild_id is not None:
                removed = await subs.delete_in_guild(tx, guild_id)
            else:
                assert channel_id is not None
                removed = await subs.delete_in_channel(tx, channel_id)
            if removed:
                await audit.record(
                    tx,
                    "updates",
                    "subscription.delete",
                    f"subscriptions {', '.join(map(str, removed))}: {why}",
                    at=_now(),
                )
            return removed

    async def status(self) -> StoreStatus:
        """The database's size and what it holds, for the owners."""
        async with self._db.read() as tx:
            versions = await tx.fetchone("SELECT count(*) FROM dataset_versions")
            entries = await tx.fetchone("SELECT count(*) FROM audit_log")
            has_subscriptions = await tx.fetchone(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'subscriptions'"
            )
            subscriptions = (
                await tx.fetchone("SELECT count(*) FROM subscriptions")
                if has_subscriptions
                else None
            )
        size = sum(
            p.stat().st_size
            for p in (self.path, self.path.with_name(self.path.name + "-wal"))
            if p.exists()
        )
        return StoreStatus(
            path=self.path,
            size_bytes=size,
            versions=int(versions[0]) if versions else 0,
            audit_entries=int(entries[0]) if entries else 0,
            subscriptions=int(subscriptions[0]) if subscriptions else None,
        )


def _check_expected(active: DatasetVersion | None, expected: int | None) -> None:
    """Refuse a change computed against a version that is no longer the active one."""
    if expected is None:
        return
    if active is None or active.version_id != expected:
        now = f"version {active.version_id}" if active else "no version"
        raise StaleVersion(
            f"the active data changed since this was prepared (version {expected} then, "
            f"{now} now): prepare it again"
        )
