"""SQL of per-server settings (guild_settings). Each function takes its transaction."""

from __future__ import annotations

from datetime import datetime

from db.connection import Transaction, iso


async def default_target(tx: Transaction, guild_id: int) -> float | None:
    """The server's default target (% of GDP), or None when it has not set one."""
    row = await tx.fetchone(
        "SELECT default_target FROM guild_settings WHERE guild_id = ?", (guild_id,)
    )
    return float(row[0]) if row and row[0] is not None else None


async def set_default_target(
    tx: Transaction, guild_id: int, target: float | None, *, at: datetime, by: int
) -> None:
    """Set (or, with None, clear) a server's default target; the range is the caller's check."""
    await tx.execute(
        "INSERT INTO guild_settings (guild_id, default_target, updated_at, updated_by) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET "
        "default_target = excluded.default_target, updated_at = excluded.updated_at, "
        "updated_by = excluded.updated_by",
        (guild_id, target, iso(at), by),
    )
