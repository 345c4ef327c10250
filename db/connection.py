"""The SQLite connection: PRAGMAs, the lock, transactions, the migration runner, engine errors.

Every SQLite-specific line of the project lives here and in ``db/migrations``. The SQL functions
of each aggregate (``db/datasets.py``, ``guilds.py``, ``audit.py``, ``meta.py``) take the
``Transaction`` they run in explicitly, so the Store can compose several of them into one
transaction (a dataset version *and* its audit entry). Engine errors never leave this module:
they become the Store's own errors (``db/errors.py``), with one line naming the file.

Schema changes are numbered files in ``db/migrations`` (``NNNN_name.sql``), each applied in one
transaction at open and counted by ``PRAGMA user_version``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from db.errors import (
    DatabaseBusy,
    DatabaseMissing,
    DatabaseUnusable,
    DataRejected,
    MigrationError,
    ReadOnlyDatabase,
    StoreError,
)

#: How long a write waits for another connection's lock before failing (ms).
BUSY_TIMEOUT_MS = 5000

#: The first bytes of every SQLite database file.
_HEADER = b"SQLite format 3\x00"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

Row = tuple[Any, ...]
T = TypeVar("T")


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


def statements(script: str) -> list[str]:
    """A migration file's statements, one by one (SQLite's own tokenizer says where each ends).

    Run one at a time so that they stay inside the caller's transaction: ``executescript``
    would commit it first.
    """
    found: list[str] = []
    start = 0
    for end, char in enumerate(script):
        if char == ";" and sqlite3.complete_statement(script[start : end + 1]):
            found.append(script[start : end + 1].strip())
            start = end + 1
    if script[start:].strip():
        found.append(script[start:].strip())  # a last statement without its semicolon
    return found


def utc_now() -> datetime:
    """The Store's clock: every moment it writes is UTC."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """How moments are stored: ISO 8601 text with microseconds and the UTC offset."""
    return moment.isoformat(timespec="microseconds")


class Transaction:
    """Statements on the one connection while its lock is held: what SQL functions take.

    From ``Database.transaction()`` it runs inside BEGIN IMMEDIATE … COMMIT; from
    ``Database.read()`` each statement reads the latest commit.
    """

    def __init__(self, db: Database, *, writing: bool = False) -> None:
        self._db = db
        self._writing = writing
        self._after_commit: list[Callable[[], object]] = []

    def on_commit(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once the transaction has committed (never if it rolls back)."""
        if not self._writing:
            raise RuntimeError("on_commit() outside a write transaction")
        self._after_commit.append(callback)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        await self._db.call(self._db.conn.execute_fetchall(sql, params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._db.call(self._db.conn.executemany(sql, rows))

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT; the new row's id."""
        row = await self._db.call(self._db.conn.execute_insert(sql, params))
        assert row is not None
        return int(row[0])

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        rows = await self._db.call(self._db.conn.execute_fetchall(sql, params))
        return [tuple(row) for row in rows]

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def user_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def data_version(self) -> int:
        """A number that changes whenever *another* connection commits (no table is read)."""
        row = await self.fetchone("PRAGMA data_version")
        return int(row[0]) if row else 0


class Database:
    """One aiosqlite connection to the file, and the lock every use of it takes.

    A transaction spans awaits, so no other coroutine's statement may run inside (or read the
    middle of) it: one lock, held by ``transaction()``, ``read()`` and ``close()``.
    """

    def __init__(self, conn: aiosqlite.Connection, path: Path, *, readonly: bool) -> None:
        self.conn = conn
        self.path = path
        self.readonly = readonly
        self._lock = asyncio.Lock()
        self._closed = False
        #: Until the Store says it is open, faults read "cannot open the database …".
        self.opening = True

    @classmethod
    async def open(cls, path: Path, *, readonly: bool) -> Database:
        """Connect and set the PRAGMAs; a read-write open creates the file and its folders."""
        target = _prepare(path, readonly=readonly)
        try:
            conn = await _connect(target, uri=readonly)
        except sqlite3.Error as exc:
            raise _store_error(exc, path, opening=True) from exc
        db = cls(conn, path, readonly=readonly)
        try:
            await db._configure()
        except BaseException:
            await _close(conn)
            raise
        return db

    async def _configure(self) -> None:
        tx = Transaction(self)
        await tx.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
        if not self.readonly:
            await self._switch_to_wal()
            # WAL makes NORMAL durable across application crashes; only power loss can drop the
            # last commits, never corrupt the file.
            await tx.execute("PRAGMA synchronous = NORMAL")
        await tx.execute("PRAGMA foreign_keys = ON")

    async def _switch_to_wal(self) -> None:
        """PRAGMA journal_mode = WAL, waiting out another process that opens the file too.

        Switching needs the exclusive lock, and when two connections reach for it at once
        SQLite answers one of them "busy" at once (to avoid a deadlock) instead of calling the
        busy handler: so retry here, for as long as a write would wait.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BUSY_TIMEOUT_MS / 1000
        pause = 0.005
        while True:
            try:
                await self.conn.execute_fetchall("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or loop.time() > deadline:
                    raise _store_error(exc, self.path, opening=self.opening) from exc
            except sqlite3.Error as exc:
                raise _store_error(exc, self.path, opening=self.opening) from exc
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.1)

    async def call(self, work: Awaitable[T]) -> T:
        """Await one aiosqlite call, turning an engine error into the Store's own."""
        try:
            return await work
        except sqlite3.Error as exc:
            raise _store_error(exc, self.path, opening=self.opening) from exc

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception (cancellation included).

        IMMEDIATE takes the write lock first, so what the transaction reads cannot be changed
        by another process before it writes.
        """
        if self.readonly:
            raise ReadOnlyDatabase(f"the database {self.path} was opened read-only")
        async with self._lock:
            self._check_open()
            tx = Transaction(self, writing=True)
            await tx.execute("BEGIN IMMEDIATE")
            try:
                yield tx
                await tx.execute("COMMIT")
            except BaseException:
                await self._rollback()
                raise
            # Still under the lock: what follows a commit (the snapshot swap) happens in
            # commit order, before any other use of the connection.
            for callback in tx._after_commit:
                callback()

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[Transaction]:
        """The lock, for statements that only read (each sees the latest commit)."""
        async with self._lock:
            self._check_open()
            yield Transaction(self)

    async def _rollback(self) -> None:
        # Queued behind any statement still running in aiosqlite's thread (after a
        # cancellation); "no transaction is active" (SQLite rolled back itself) is fine.
        with contextlib.suppress(sqlite3.Error):
            await self.conn.execute_fetchall("ROLLBACK")

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"the database {self.path} is closed")

    async def close(self) -> None:
        """Close after any statement in flight (the lock), so shutdown never cuts a transaction."""
        async with self._lock:
            if self._closed:
                return
            self._closed = True
            await _close(self.conn)

    # --- schema ---------------------------------------------------------------------------------

    async def migrate(self) -> None:
        """Apply each pending migration in its own transaction, bumping user_version with it.

        Race-free: the write lock is taken (BEGIN IMMEDIATE) *before* user_version is read, so a
        second process opening the same new file waits, then sees the first one's work. When
        nothing is pending, a write that is rolled back proves the file writable now, rather
        than at the first /settings.
        """
        pending = migrations()
        while True:
            async with self._lock:
                tx = Transaction(self)
                await tx.execute("BEGIN IMMEDIATE")
                try:
                    current = await tx.user_version()
                    self._refuse_newer(current, len(pending))
                    if current == len(pending):
                        await tx.execute(f"PRAGMA user_version = {current:d}")  # the write probe
                        await self._rollback()
                        return
                    number, sql = pending[current]
                    for statement in statements(sql):
                        await self._migration_step(number, statement)
                    await tx.execute(f"PRAGMA user_version = {number:d}")
                    await tx.execute("COMMIT")
                except BaseException:
                    await self._rollback()
                    raise

    async def _migration_step(self, number: int, statement: str) -> None:
        try:
            await self.conn.execute_fetchall(statement)
        except sqlite3.Error as exc:
            if exc.sqlite_errorcode == sqlite3.SQLITE_ERROR:  # the SQL itself, not the file
                raise MigrationError(
                    f"cannot open the database {self.path}: migration {number:04d} failed: {exc}"
                ) from exc
            raise _store_error(exc, self.path, opening=self.opening) from exc

    async def check_integrity(self) -> None:
        """Refuse a damaged file at open, not at the first command that reads the bad page.

        ``quick_check`` reads every page (a few ms for this bot's database) but skips the
        slower index-content checks of ``integrity_check``.
        """
        async with self.read() as tx:
            row = await tx.fetchone("PRAGMA quick_check(1)")
        if row is None or row[0] != "ok":
            problem = " ".join(str(row[0]).split()) if row else "no answer"  # one line
            raise DatabaseUnusable(
                f"cannot open the database {self.path}: it is damaged (SQLite: {problem}); "
                "restore it from a backup"
            )

    async def check_schema_current(self) -> None:
        """For a read-only open: the schema must be exactly this code's (nothing is migrated)."""
        async with self.read() as tx:
            current = await tx.user_version()
        latest = len(migrations())
        self._refuse_newer(current, latest)
        if current == 0:
            raise MigrationError(
                f"cannot open the database {self.path} read-only: it holds no natobot data yet "
                "(an empty SQLite database)"
            )
        if current < latest:
            raise MigrationError(
                f"cannot open the database {self.path} read-only: its schema is version "
                f"{current}, this code expects {latest}; open it read-write once (start the "
                "bot, or run natobot preview) to migrate it"
            )

    def _refuse_newer(self, current: int, latest: int) -> None:
        if current > latest:
            raise MigrationError(
                f"cannot open the database {self.path}: its schema is version {current}, newer "
                f"than this code ({latest}); it was written by a newer natobot, so run that one"
            )


def _prepare(path: Path, *, readonly: bool) -> str:
    """What to hand SQLite for ``path``: its folders created for a read-write open, a
    ``mode=ro`` URI for a read-only one. Faults of the path itself are refused first."""
    check_path(path, readonly=readonly)
    if readonly:
        return f"{path.resolve().as_uri()}?mode=ro"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseUnusable(
            f"cannot open the database {path}: cannot create its folder ({exc.strerror})"
        ) from None
    return str(path)


def check_path(path: Path, *, readonly: bool) -> None:
    """Faults of the path itself, before SQLite sees it (nothing is created): empty, blank, a
    folder, not a regular file, not SQLite's header; missing, for a read-only open."""
    if str(path) in ("", "."):
        raise DatabaseUnusable("cannot open the database: its path is empty")
    if path.is_dir():
        raise DatabaseUnusable(f"cannot open the database {path}: it is a folder, not a file")
    if not path.name.strip():
        raise DatabaseUnusable(f"cannot open the database {str(path)!r}: its path is blank")
    if path.exists() and not path.is_file():
        raise DatabaseUnusable(f"cannot open the database {path}: it is not a regular file")
    if readonly and not path.exists():
        raise DatabaseMissing(f"cannot open the database {path}: there is no such file")
    if path.exists():
        try:
            with path.open("rb") as file:
                header = file.read(len(_HEADER))
        except OSError as exc:
            raise DatabaseUnusable(f"cannot open the database {path}: {exc.strerror}") from None
        # An empty file is an empty database to SQLite; anything else must start as one does.
        if header and header != _HEADER[: len(header)]:
            raise DatabaseUnusable(f"cannot open the database {path}: it is not an SQLite database")
        if header and len(header) < len(_HEADER):
            raise DatabaseUnusable(
                f"cannot open the database {path}: it is damaged (cut short); "
                "restore it from a backup"
            )


def _store_error(exc: sqlite3.Error, path: Path, *, opening: bool) -> StoreError:
    """The Store's error for an engine error: one line, naming the file and what is wrong."""
    if isinstance(exc, sqlite3.IntegrityError):
        return DataRejected(f"the database {path} refused the data: {exc}")
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    kind: type[StoreError] = DatabaseUnusable
    folder_read_only = (
        f"its folder {path.parent} is read-only, and SQLite must create "
        f"{path.name}-wal and {path.name}-shm beside it"
    )
    if code == sqlite3.SQLITE_READONLY_DIRECTORY:
        kind, reason = ReadOnlyDatabase, folder_read_only
    elif primary == sqlite3.SQLITE_CANTOPEN and not os.access(path.parent, os.W_OK):
        kind = ReadOnlyDatabase
        if path.exists():
            reason = folder_read_only
        else:
            reason = f"cannot create it: its folder {path.parent} is not writable"
    elif primary == sqlite3.SQLITE_READONLY:
        kind, reason = ReadOnlyDatabase, "the file is read-only, and the bot must write to it"
    elif primary == sqlite3.SQLITE_NOTADB:
        reason = "it is not an SQLite database"
    elif primary == sqlite3.SQLITE_CORRUPT:
        reason = f"it is damaged (SQLite: {exc}); restore it from a backup"
    elif primary == sqlite3.SQLITE_CANTOPEN:
        reason = f"SQLite cannot open it ({exc})"
    elif primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        kind = DatabaseBusy
        reason = f"another process held its lock for more than {BUSY_TIMEOUT_MS / 1000:g} s"
    elif primary == sqlite3.SQLITE_FULL:
        reason = "the disk is full"
    elif primary == sqlite3.SQLITE_IOERR:
        reason = f"input/output error ({exc})"
    else:
        kind, reason = StoreError, f"SQLite error: {exc}"
    where = f"cannot open the database {path}" if opening else f"the database {path}"
    return kind(f"{where}: {reason}")


async def _connect(database: str, *, uri: bool) -> aiosqlite.Connection:
    """aiosqlite.connect that leaves no thread behind, whether it fails or is cancelled.

    The connection is made in aiosqlite's own thread. A cancelled plain ``await`` would leave
    that thread and its connection running with nobody to close them; a failed one stops the
    thread, but asynchronously, and a thread that finishes after the event loop closed prints
    "Event loop is closed": so wait for it to end.
    """
    connection = aiosqlite.connect(database, uri=uri, isolation_level=None)

    async def start() -> aiosqlite.Connection:
        return await connection

    opening = asyncio.ensure_future(start())
    try:
        return await asyncio.shield(opening)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await _close(await opening)
        _join_worker(connection)
        raise
    except BaseException:
        _join_worker(connection)
        raise


def _join_worker(connection: aiosqlite.Connection) -> None:
    # Once stopped, the worker has only its stop item left, which needs no event loop turn.
    worker = connection._thread
    if worker.is_alive():
        worker.join()


async def _close(conn: aiosqlite.Connection) -> None:
    """Close the connection and wait for its thread to end, even if cancelled meanwhile."""
    closing = asyncio.ensure_future(conn.close())
    try:
        await asyncio.shield(closing)
    except asyncio.CancelledError:
        await closing
        raise
    finally:
        _join_worker(conn)
