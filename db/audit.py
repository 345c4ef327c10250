"""SQL of the audit log: who did what to the data or settings, and when."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from db.connection import Transaction, iso


class AuditEntry(BaseModel):
    """A row of the audit log: who did what to the data or settings, and when."""

    model_config = ConfigDict(frozen=True)

    id: int
    at: datetime
    actor: str
    action: str
    detail: str = ""


async def record(tx: Transaction, actor: str, action: str, detail: str, *, at: datetime) -> None:
    """Add an entry, in the caller's transaction (so it commits with what it describes)."""
    await tx.execute(
        "INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, ?, ?)",
        (iso(at), actor, action, detail),
    )


async def entries(tx: Transaction, limit: int) -> list[AuditEntry]:
    """The newest ``limit`` entries, newest first."""
    rows = await tx.fetchall(
        "SELECT id, at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
    )
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
