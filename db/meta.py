"""SQL of small bits of state (the command-tree hash, …): a key-value table."""

from __future__ import annotations

from db.connection import Transaction


async def get(tx: Transaction, key: str) -> str | None:
    row = await tx.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
    return str(row[0]) if row else None


async def put(tx: Transaction, key: str, value: str) -> None:
    await tx.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
