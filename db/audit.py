"""SQL of the audit log: who did what to the data or settings, where, when, and the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from db.connection import Transaction, iso

#: Outcomes of an attempt: let through, turned away, or what became of it.
ALLOWED = "allowed"
REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class AuditContext:
    """Who asked, from where, with which command; written beside an entry's actor and detail."""

    user_id: int | None = None
    guild_id: int | None = None
    command: str | None = None
    outcome: str | None = None


class AuditEntry(BaseModel):
    """A row of the audit log: who did what to the data or settings, and when."""

    model_config = ConfigDict(frozen=True)

    id: int
    at: datetime
    actor: str
    action: str
    detail: str = ""
    user_id: int | None = None
    guild_id: int | None = None
    command: str | None = None
    outcome: str | None = None


async def record(
    tx: Transaction,
    actor: str,
    action: str,
    detail: str,
    *,
    at: datetime,
    context: AuditContext | None = None,
) -> None:
    """Add an entry, in the caller's transaction (so it commits with what it describes)."""
    where = context or AuditContext()
    await tx.execute(
        "INSERT INTO audit_log (at, actor, action, detail, user_id, guild_id, command, outcome) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            iso(at),
            actor,
            action,
            detail,
            where.user_id,
            where.guild_id,
            where.command,
            where.outcome,
        ),
    )


async def count(tx: Transaction) -> int:
    row = await tx.fetchone("SELECT count(*) FROM audit_log")
    return int(row[0]) if row else 0


async def entries(tx: Transaction, limit: int) -> list[AuditEntry]:
    """The newest ``limit`` entries, newest first."""
    rows = await tx.fetchall(
        "SELECT id, at, actor, action, detail, user_id, guild_id, command, outcome "
        "FROM audit_log ORDER BY id DESC LIMIT ?",
        (limit,),
    )
    return [
        AuditEntry(
            id=row[0],
            at=datetime.fromisoformat(row[1]),
            actor=row[2],
            action=row[3],
            detail=row[4],
            user_id=row[5],
            guild_id=row[6],
            command=row[7],
            outcome=row[8],
        )
        for row in rows
    ]
