"""Store: the façade over the database. It owns the snapshot and composes transactions.

The database keeps every dataset version ever loaded; exactly one is active. Readers never
query figures: they use ``Store.snapshot``, an immutable in-memory view of the active version
that is swapped in one assignment after a version's transaction commits, so a command that
holds a snapshot sees one consistent dataset even while a reload happens. ``refresh()`` notices
a version another process (the CLI, a second bot) activated on the same file.

Its jobs are the dataset's life: opening, seeding, the snapshot, versions, activation and
rollback. Per-server settings, meta, the audit log and ``status()`` come from its base
(``db/records.py``); scheduled posts are their own store object, ``Store.subscriptions``
(``db/subscription_store.py``). The SQL lives in one module per aggregate; the connection,
transactions and migrations in ``db/connection.py``. Every fault reaches the caller as a
``StoreError`` (``db/errors.py``) whose one-line message names the file.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from datetime import UTC, datetime
from pathlib import Path

from bot.countries import alias_table
from bot.models import Dataset, DatasetVersion, Snapshot, unusable_figures
from db import audit, datasets, meta
from db.audit import AuditContext, AuditEntry
from db.connection import BUSY_TIMEOUT_MS, Database, Transaction, check_path, migrations, utc_now
from db.errors import (
    DatabaseBusy,
    DatabaseMissing,
    DatabaseUnusable,
    DataRejected,
    MigrationError,
    NoActiveDataset,
    NothingToChange,
    ReadOnlyDatabase,
    StaleVersion,
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
from db.records import Records, StoreStatus
from db.subscription_store import SubscriptionStore

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
    "UnknownVersion",
    "migrations",
]

log = logging.getLogger(__name__)

#: meta key: the ``bundled_fingerprint()`` of the bundled files last imported (or found equal).
BUNDLED_FINGERPRINT_KEY = "bundled_fingerprint"


@functools.cache
def _aliases() -> dict[str, str]:
    """The project's alias table (db/data/aliases.csv), read once."""
    return bundled_aliases()


def _snapshot(version: DatasetVersion, dataset: Dataset) -> Snapshot:
    return Snapshot.build(version, dataset, alias_table(dataset.members, _aliases()))


async def _read_snapshot(tx: Transaction, version: DatasetVersion) -> Snapshot:
    return _snapshot(version, await datasets.read_dataset(tx, version.version_id))


#: The version a snapshot built ahead of its activation carries until it gets its real one.
_UNSAVED = DatasetVersion(
    version_id=0,
    sha256="0" * 64,
    source="unsaved",
    loaded_at=datetime.min.replace(tzinfo=UTC),
    loaded_by="",
    active=False,
)


class Store(Records):
    """Async access to the bot's SQLite database. Open with ``await Store.open(path)``."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._snapshot: Snapshot | None = None
        #: PRAGMA data_version when the snapshot was last checked: refresh()'s cheap test.
        self._seen_data_version: int | None = None
        #: Scheduled posts: their own store object over the same database.
        self.subscriptions = SubscriptionStore(
            db, clock=utc_now, active_version_id=self._active_version_id
        )

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

    def _active_version_id(self) -> int | None:
        return self._snapshot.version.version_id if self._snapshot else None

    async def _load_snapshot(self) -> None:
        async with self._db.read() as tx:
            self._seen_data_version = await tx.data_version()
            version = await datasets.active_version(tx)
            if version is not None:
                self._snapshot = await _read_snapshot(tx, version)

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
            if version is None or (self._snapshot and self._snapshot.version == version):
                return False
            self._snapshot = await _read_snapshot(tx, version)
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
        loaded_at = utc_now()
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
            await datasets.switch_active(tx, target.version_id)
            await audit.record(
                tx,
                by,
                "dataset.rollback",
                f"version {target.version_id} active again"
                + (f", was {current.version_id}" if current else ""),
                at=utc_now(),
                context=context,
            )
            version = target.model_copy(update={"active": True})
            built = (
                dataclasses.replace(snapshot, version=version)
                if snapshot is not None
                else await _read_snapshot(tx, version)
            )
            await self._swap_on_commit(tx, built)
        return version


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
