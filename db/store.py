"""Store: the only place that speaks SQL (aiosqlite, WAL, parameters only).

The database keeps every dataset version ever loaded; exactly one is active. Readers never
query figures: they use ``Store.snapshot``, an immutable in-memory view of the active version
that is swapped in one assignment after a version's transaction commits, so a command that
holds a snapshot sees one consistent dataset even while a reload happens.

Schema changes are numbered files in ``db/migrations`` (``NNNN_name.sql``), each applied in one
transaction at open and counted by ``PRAGMA user_version``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite
from pydantic import BaseModel, ConfigDict

from bot.countries import normalise
from bot.errors import InvalidTarget
from bot.models import (
    MAX_TARGET,
    MIN_TARGET,
    Country,
    Dataset,
    DatasetVersion,
    Release,
    Snapshot,
    SpendingRecord,
)
from db.loader import RECORD_COLUMNS, bundled_aliases, dataset_sha256, load_bundled

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
#: ``source`` of a dataset version that came with the code (db/data).
BUNDLED_SOURCE = "bundled"

#: How long a write waits for another connection's lock before failing (ms).
BUSY_TIMEOUT_MS = 5000

#: The figures table's value columns: a release file's columns after the ally and the year.
_FIGURE_COLUMNS = RECORD_COLUMNS[2:]


class StoreError(Exception):
    """Base class of the Store's own errors."""


class NothingToChange(StoreError):
    """The requested activation or rollback would leave the active dataset as it is."""


class NoActiveDataset(StoreError):
    """The database holds no active dataset version (opened with seed=False, or read-only)."""


class UnknownVersion(StoreError, LookupError):
    """No dataset version with that id (or no earlier version to roll back to)."""


class MigrationError(StoreError):
    """The database's schema cannot be brought to the version this code expects."""


class AuditEntry(BaseModel):
    """A row of the audit log: who did what to the data or settings, and when."""

    model_config = ConfigDict(frozen=True)

    id: int
    at: datetime
    actor: str
    action: str
    detail: str = ""


def migrations() -> list[tuple[int, str]]:
    """(number, SQL) of every migration shipped with the package, in order; checks numbering."""
    folder = resources.files("db").joinpath("migrations")
    found: list[tuple[int, str]] = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            match = _MIGRATION_NAME.match(entry.name)
            if not match:
                raise MigrationError(f"migration file name {entry.name!r} is not NNNN_name.sql")
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [n for n, _ in found]
    if numbers != list(range(1, len(found) + 1)):
        raise MigrationError(f"migrations must be numbered 1, 2, 3… without gaps; found {numbers}")
    return found


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def _version_from_row(row: Sequence[Any]) -> DatasetVersion:
    version_id, sha256, source, loaded_at, loaded_by, active, record_count = row
    return DatasetVersion(
        version_id=version_id,
        sha256=sha256,
        source=source,
        loaded_at=datetime.fromisoformat(loaded_at),
        loaded_by=loaded_by,
        active=bool(active),
        record_count=record_count,
    )


_VERSION_COLUMNS = "id, sha256, source, loaded_at, loaded_by, active, record_count"


async def _connect(database: str | Path, *, uri: bool = False) -> aiosqlite.Connection:
    """aiosqlite.connect that closes what it opened if the caller is cancelled meanwhile.

    The connection is made in aiosqlite's own thread; a cancelled plain ``await`` would leave
    that thread and its connection running with nobody to close them.
    """
    opening = asyncio.ensure_future(aiosqlite.connect(database, uri=uri, isolation_level=None))
    try:
        return await asyncio.shield(opening)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await (await opening).close()
        raise


class Store:
    """Async access to the bot's SQLite database. Open with ``await Store.open(path)``."""

    path: Path

    def __init__(self, conn: aiosqlite.Connection, path: Path, *, readonly: bool) -> None:
        self._conn = conn
        self.path = path
        self.readonly = readonly
        self._snapshot: Snapshot | None = None
        # One connection: a transaction spans awaits, so every use of it takes this lock, and
        # no other coroutine's statement can run inside (or read the middle of) a transaction.
        self._lock = asyncio.Lock()
        self._guild_targets: dict[int, float | None] = {}
        self._closed = False

    # --- opening and closing ------------------------------------------------------------------

    @classmethod
    async def open(cls, path: str | Path, *, seed: bool = True, readonly: bool = False) -> Store:
        """Open (creating and migrating if needed) the database at ``path``.

        With ``seed`` and no dataset version yet, the bundled dataset becomes version 1.
        ``readonly`` opens an existing, up-to-date database without writing anything to it
        (no migration, no seeding): for inspection, e.g. ``natobot data validate``.
        """
        path = Path(path)
        if readonly:
            if not path.is_file():
                raise FileNotFoundError(f"no database at {path}")
            conn = await _connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = await _connect(path)
        store = cls(conn, path, readonly=readonly)
        try:
            await store._configure()
            if readonly:
                await store._check_schema_current()
            else:
                await store._migrate()
                if seed:
                    await store._seed_or_upgrade_bundled()
            if store._snapshot is None:
                await store._load_snapshot()
        except BaseException:
            await conn.close()
            raise
        return store

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

        Data an owner loaded from elsewhere is never replaced this way.
        """
        active = await self._active_version()
        if active is not None and active.source != BUNDLED_SOURCE:
            return
        bundled = load_bundled()
        if active is not None and active.sha256 == dataset_sha256(bundled):
            return
        try:
            version = await self.activate(
                bundled,
                source=BUNDLED_SOURCE,
                loaded_by="seed" if active is None else "upgrade",
            )
        except NothingToChange:  # another process got there first
            return
        if active is not None:
            log.info(
                "bundled dataset changed: version %d replaces %d",
                version.version_id,
                active.version_id,
            )

    async def close(self) -> None:
        """Close after any statement in flight (the lock), so shutdown never cuts a transaction."""
        async with self._lock:
            if self._closed:
                return
            self._closed = True
            await self._conn.close()

    async def _configure(self) -> None:
        if not self.readonly:
            await self._conn.execute("PRAGMA journal_mode = WAL")
            # WAL makes NORMAL durable across application crashes; only power loss can drop the
            # last commits, never corrupt the file.
            await self._conn.execute("PRAGMA synchronous = NORMAL")
        await self._conn.execute("PRAGMA foreign_keys = ON")
        await self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")

    async def schema_version(self) -> int:
        async with self._conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def _check_schema_current(self) -> None:
        current, latest = await self.schema_version(), len(migrations())
        if current != latest:
            raise MigrationError(
                f"database schema is version {current}, this code expects {latest}: "
                "open it read-write once (e.g. start the bot) to migrate it"
            )

    async def _migrate(self) -> None:
        """Apply each pending migration in its own transaction, bumping user_version with it."""
        current = await self.schema_version()
        pending = migrations()
        if current > len(pending):
            raise MigrationError(
                f"database schema is version {current}, newer than this code ({len(pending)})"
            )
        for number, sql in pending[current:]:
            # One script so BEGIN…COMMIT surround the whole file; user_version is transactional.
            script = f"BEGIN IMMEDIATE;\n{sql}\n;PRAGMA user_version = {number:d};\nCOMMIT;"
            try:
                await self._conn.executescript(script)
            except sqlite3.Error as exc:
                # The script stopped part-way: undo what it did.
                if self._conn.in_transaction:
                    await self._conn.execute("ROLLBACK")
                raise MigrationError(f"migration {number:04d} failed: {exc}") from exc
            # On cancellation the script still runs to its end in aiosqlite's thread (COMMIT
            # included), so no ROLLBACK here: closing the connection undoes any unfinished one.

    # --- the active dataset -------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        """The active dataset, in memory. Hold on to it for the length of one command."""
        if self._snapshot is None:
            raise NoActiveDataset(f"{self.path} holds no active dataset version")
        return self._snapshot

    async def _has_versions(self) -> bool:
        async with self._conn.execute("SELECT EXISTS (SELECT 1 FROM dataset_versions)") as cursor:
            row = await cursor.fetchone()
        return bool(row and row[0])

    async def _active_version(self) -> DatasetVersion | None:
        sql = f"SELECT {_VERSION_COLUMNS} FROM dataset_versions WHERE active = 1"
        async with self._conn.execute(sql) as cursor:
            row = await cursor.fetchone()
        return _version_from_row(row) if row else None

    async def _version(self, version_id: int) -> DatasetVersion:
        sql = f"SELECT {_VERSION_COLUMNS} FROM dataset_versions WHERE id = ?"
        async with self._conn.execute(sql, (version_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise UnknownVersion(f"no dataset version {version_id}")
        return _version_from_row(row)

    async def _load_snapshot(self) -> None:
        async with self._lock:
            version = await self._active_version()
            if version is None:
                return
            snapshot = await self._build_snapshot(version)
        self._snapshot = snapshot

    async def _build_snapshot(self, version: DatasetVersion) -> Snapshot:
        dataset = await self._read_dataset(version.version_id)
        return Snapshot.build(version, dataset, await self._aliases_for(version.version_id))

    async def _aliases_for(self, version_id: int) -> dict[str, str]:
        """Normalised alias -> iso3 for the allies of one version."""
        sql = (
            "SELECT a.alias, a.iso3 FROM country_aliases AS a "
            "JOIN memberships AS m ON m.iso3 = a.iso3 WHERE m.version_id = ?"
        )
        async with self._conn.execute(sql, (version_id,)) as cursor:
            return {alias: iso3 for alias, iso3 in await cursor.fetchall()}

    async def _read_dataset(self, version_id: int) -> Dataset:
        conn = self._conn
        async with conn.execute(
            "SELECT iso3, name, joined, has_armed_forces FROM memberships "
            "WHERE version_id = ? ORDER BY iso3",
            (version_id,),
        ) as cursor:
            members = [
                Country(iso3=iso3, name=name, joined=joined, has_armed_forces=bool(armed))
                for iso3, name, joined, armed in await cursor.fetchall()
            ]
        async with conn.execute(
            "SELECT release_id, title, published, basis, price_base, coverage FROM releases "
            "WHERE version_id = ? ORDER BY release_id",
            (version_id,),
        ) as cursor:
            releases = [
                Release(
                    release_id=rid,
                    title=title,
                    published=published,
                    basis=basis,
                    price_base=price_base,
                    coverage=coverage,
                )
                for rid, title, published, basis, price_base, coverage in await cursor.fetchall()
            ]
        async with conn.execute(
            f"SELECT release_id, iso3, year, {', '.join(_FIGURE_COLUMNS)} FROM figures "
            "WHERE version_id = ? ORDER BY release_id, iso3, year",
            (version_id,),
        ) as cursor:
            records = [
                SpendingRecord(
                    release_id=row[0],
                    iso3=row[1],
                    year=row[2],
                    estimate=bool(row[3]),
                    **dict(zip(_FIGURE_COLUMNS[1:], row[4:], strict=True)),
                )
                for row in await cursor.fetchall()
            ]
        return Dataset(members=tuple(members), releases=tuple(releases), records=tuple(records))

    async def load_version(self, version_id: int) -> Dataset:
        """The dataset a version holds, exactly as it was activated (same sha256)."""
        async with self._lock:
            await self._version(version_id)
            return await self._read_dataset(version_id)

    async def versions(self) -> list[DatasetVersion]:
        """Every dataset version, newest first."""
        sql = f"SELECT {_VERSION_COLUMNS} FROM dataset_versions ORDER BY id DESC"
        async with self._lock, self._conn.execute(sql) as cursor:
            return [_version_from_row(row) for row in await cursor.fetchall()]

    async def activate(self, dataset: Dataset, *, source: str, loaded_by: str) -> DatasetVersion:
        """Write ``dataset`` as a new version and make it the active one, all or nothing.

        Raises NothingToChange (writing nothing) when it equals the active version. If anything
        fails, the transaction is rolled back: the previous version stays active and the
        snapshot is untouched.
        """
        sha256 = dataset_sha256(dataset)
        async with self._lock:
            previous = await self._active_version()
            if previous is not None and previous.sha256 == sha256:
                raise NothingToChange(
                    f"the dataset is identical to the active version {previous.version_id}"
                )
            loaded_at = _now()
            async with self._transaction():
                version_id = await self._insert_version(
                    dataset, sha256, source, loaded_at, loaded_by, previous
                )
                await self._switch_active(version_id)
                await self._insert_audit(
                    loaded_by,
                    "dataset.activate",
                    f"version {version_id} from {source}: {len(dataset.records)} figures, "
                    f"{len(dataset.releases)} releases, sha256 {sha256[:12]}"
                    + (f"; replaces version {previous.version_id}" if previous else ""),
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
            snapshot = Snapshot.build(version, dataset, await self._aliases_for(version_id))
        self._snapshot = snapshot
        return version

    async def rollback(self, *, to_version: int | None = None, by: str) -> DatasetVersion:
        """Make an earlier version active again; by default the one the current one replaced."""
        async with self._lock:
            current = await self._active_version()
            if to_version is None:
                target = await self._previous_of(current)
            else:
                target = await self._version(to_version)
            if current is not None and target.version_id == current.version_id:
                raise NothingToChange(f"version {target.version_id} is already active")
            dataset = await self._read_dataset(target.version_id)
            async with self._transaction():
                await self._switch_active(target.version_id)
                await self._insert_audit(
                    by,
                    "dataset.rollback",
                    f"version {target.version_id} active again"
                    + (f", was {current.version_id}" if current else ""),
                )
            version = target.model_copy(update={"active": True})
            snapshot = Snapshot.build(version, dataset, await self._aliases_for(target.version_id))
        self._snapshot = snapshot
        return version

    async def _previous_of(self, current: DatasetVersion | None) -> DatasetVersion:
        if current is None:
            raise UnknownVersion("no active version to roll back from")
        async with self._conn.execute(
            "SELECT previous_version_id FROM dataset_versions WHERE id = ?",
            (current.version_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None or row[0] is None:
            raise UnknownVersion(f"version {current.version_id} replaced no earlier version")
        return await self._version(int(row[0]))

    # --- writing a version (called inside a transaction) --------------------------------------

    async def _insert_version(
        self,
        dataset: Dataset,
        sha256: str,
        source: str,
        loaded_at: datetime,
        loaded_by: str,
        previous: DatasetVersion | None,
    ) -> int:
        conn = self._conn
        cursor = await conn.execute(
            "INSERT INTO dataset_versions "
            "(sha256, source, loaded_at, loaded_by, active, record_count, previous_version_id) "
            "VALUES (?, ?, ?, ?, 0, ?, ?)",
            (
                sha256,
                source,
                _iso(loaded_at),
                loaded_by,
                len(dataset.records),
                previous.version_id if previous else None,
            ),
        )
        version_id = cursor.lastrowid
        await cursor.close()
        assert version_id is not None
        await conn.executemany(
            "INSERT INTO countries (iso3, name, has_armed_forces) VALUES (?, ?, ?) "
            "ON CONFLICT (iso3) DO UPDATE SET "
            "name = excluded.name, has_armed_forces = excluded.has_armed_forces",
            [(c.iso3, c.name, int(c.has_armed_forces)) for c in dataset.members],
        )
        await conn.executemany(
            "INSERT INTO memberships "
            "(version_id, iso3, name, joined, accession_year, has_armed_forces) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (version_id, c.iso3, c.name, c.joined, c.accession_year, int(c.has_armed_forces))
                for c in dataset.members
            ],
        )
        await conn.executemany(
            "INSERT INTO country_aliases (alias, iso3, raw) VALUES (?, ?, ?) "
            "ON CONFLICT (alias) DO UPDATE SET iso3 = excluded.iso3, raw = excluded.raw",
            _alias_rows(dataset.members),
        )
        await conn.executemany(
            "INSERT INTO releases "
            "(version_id, release_id, title, published, basis, price_base, coverage) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    version_id,
                    r.release_id,
                    r.title,
                    r.published,
                    r.basis,
                    r.price_base,
                    r.coverage,
                )
                for r in dataset.releases
            ],
        )
        await conn.executemany(
            f"INSERT INTO figures (version_id, release_id, iso3, year, "
            f"{', '.join(_FIGURE_COLUMNS)}) VALUES ({', '.join('?' * (4 + len(_FIGURE_COLUMNS)))})",
            [
                (
                    version_id,
                    r.release_id,
                    r.iso3,
                    r.year,
                    int(r.estimate),
                    r.pct_gdp,
                    r.spend_usd_m,
                    r.gdp_usd_bn,
                    r.equipment_pct,
                    r.personnel_k,
                    r.spend_per_capita_usd_2015,
                    r.real_change_pct,
                    r.provenance,
                )
                for r in dataset.records
            ],
        )
        return version_id

    async def _switch_active(self, version_id: int) -> None:
        await self._conn.execute("UPDATE dataset_versions SET active = 0 WHERE active = 1")
        await self._conn.execute(
            "UPDATE dataset_versions SET active = 1 WHERE id = ?", (version_id,)
        )

    def _transaction(self) -> _Transaction:
        if self.readonly:
            raise StoreError(f"{self.path} was opened read-only")
        return _Transaction(self._conn)

    # --- per-guild settings, meta, audit ------------------------------------------------------

    async def guild_target(self, guild_id: int) -> float | None:
        """The server's default target (% of GDP), or None when it has not set one."""
        if guild_id in self._guild_targets:
            return self._guild_targets[guild_id]
        async with (
            self._lock,
            self._conn.execute(
                "SELECT default_target FROM guild_settings WHERE guild_id = ?", (guild_id,)
            ) as cursor,
        ):
            row = await cursor.fetchone()
        target = float(row[0]) if row and row[0] is not None else None
        self._guild_targets[guild_id] = target
        return target

    async def set_guild_target(self, guild_id: int, target: float | None, *, by: int) -> None:
        """Set (or, with None, clear) a server's default target. Raises InvalidTarget."""
        if target is not None and not MIN_TARGET <= target <= MAX_TARGET:
            raise InvalidTarget(target)
        async with self._lock, self._transaction():
            await self._conn.execute(
                "INSERT INTO guild_settings (guild_id, default_target, updated_at, updated_by) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET "
                "default_target = excluded.default_target, updated_at = excluded.updated_at, "
                "updated_by = excluded.updated_by",
                (guild_id, target, _iso(_now()), by),
            )
            shown = "cleared" if target is None else f"{target:g}"
            await self._insert_audit(str(by), "guild.target", f"guild {guild_id}: {shown}")
        self._guild_targets[guild_id] = target  # only once committed

    async def get_meta(self, key: str) -> str | None:
        async with (
            self._lock,
            self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)) as cursor,
        ):
            row = await cursor.fetchone()
        return str(row[0]) if row else None

    async def set_meta(self, key: str, value: str) -> None:
        async with self._lock, self._transaction():
            await self._conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    async def audit(self, actor: str, action: str, detail: str = "") -> None:
        async with self._lock, self._transaction():
            await self._insert_audit(actor, action, detail)

    async def _insert_audit(self, actor: str, action: str, detail: str) -> None:
        await self._conn.execute(
            "INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, ?, ?)",
            (_iso(_now()), actor, action, detail),
        )

    async def audit_log(self, limit: int = 50) -> list[AuditEntry]:
        """The newest ``limit`` audit entries, newest first."""
        async with (
            self._lock,
            self._conn.execute(
                "SELECT id, at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT ?",
                (limit,),
            ) as cursor,
        ):
            rows = await cursor.fetchall()
        return [
            AuditEntry(
                id=row[0],
                at=datetime.fromisoformat(row[1]),
                actor=row[2],
                action=row[3],
                detail=row[4],
            )
            for row in rows
        ]


def _alias_rows(members: Sequence[Country]) -> list[tuple[str, str, str]]:
    """(normalised alias, iso3, raw) for the given allies: their names, codes and aliases.

    Names and codes come last so that, should an alias collide with one, the name wins.
    """
    codes = {c.iso3 for c in members}
    rows = [(normalise(raw), iso3, raw) for raw, iso3 in bundled_aliases().items() if iso3 in codes]
    for country in members:
        rows.append((normalise(country.name), country.iso3, country.name))
        rows.append((normalise(country.iso3), country.iso3, country.iso3))
    return [row for row in rows if row[0]]


class _Transaction:
    """``async with``: BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def __aenter__(self) -> None:
        await self._conn.execute("BEGIN IMMEDIATE")

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            await self._conn.execute("COMMIT")
        elif self._conn.in_transaction:  # some errors make SQLite roll back by itself
            await self._conn.execute("ROLLBACK")
