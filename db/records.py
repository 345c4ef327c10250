"""The Store's small aggregates: per-server settings, meta, the audit log, and its status.

A base of the façade (``db/store.py``), which keeps to the dataset's life (opening, seeding,
the snapshot, versions, activation, rollback); scheduled posts have their own store object
(``db/subscription_store.py``). The SQL of each is in its module (``guilds.py``, ``meta.py``,
``audit.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.analytics.targets import MAX_TARGET, MIN_TARGET
from bot.errors import InvalidTarget
from db import audit, datasets, guilds, meta
from db import subscriptions as subs
from db.audit import AuditContext, AuditEntry
from db.connection import Database, utc_now


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """What /admin status shows of the database."""

    path: Path
    #: The file and its WAL, in bytes.
    size_bytes: int
    versions: int
    audit_entries: int
    subscriptions: int


class Records:
    """Settings, meta and audit over ``_db``; the per-server targets cached until a commit
    elsewhere (the façade clears ``_guild_targets`` when it sees one)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._guild_targets: dict[int, float | None] = {}

    @property
    def path(self) -> Path:
        return self._db.path

    @property
    def readonly(self) -> bool:
        return self._db.readonly

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
            raise InvalidTarget(target, MIN_TARGET, MAX_TARGET)
        async with self._db.transaction() as tx:
            at = utc_now()
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
            await audit.record(tx, actor, action, detail, at=utc_now(), context=context)

    async def audit_log(self, limit: int = 50) -> list[AuditEntry]:
        """The newest ``limit`` audit entries, newest first."""
        async with self._db.read() as tx:
            return await audit.entries(tx, limit)

    async def status(self) -> StoreStatus:
        """The database's size and what it holds, for the owners."""
        async with self._db.read() as tx:
            versions = await datasets.count_versions(tx)
            entries = await audit.count(tx)
            subscriptions = await subs.count(tx)
        size = sum(
            p.stat().st_size
            for p in (self.path, self.path.with_name(self.path.name + "-wal"))
            if p.exists()
        )
        return StoreStatus(
            path=self.path,
            size_bytes=size,
            versions=versions,
            audit_entries=entries,
            subscriptions=subscriptions,
        )
