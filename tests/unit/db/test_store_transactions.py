"""db.connection and the SQL modules on their own: one transaction spans several aggregates."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.countries import alias_table
from db import audit, meta
from db.connection import Database, statements
from db.loader import bundled_aliases, load_bundled
from db.store import Store

AT = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path / "bot.sqlite3", readonly=False)
    try:
        await db.migrate()
        yield db
    finally:
        await db.close()


async def test_writes_of_several_aggregates_commit_together(database: Database) -> None:
    async with database.transaction() as tx:
        await meta.put(tx, "tree_hash", "abc")
        await audit.record(tx, "owner", "sync", "tree abc", at=AT)
    async with database.read() as tx:
        assert await meta.get(tx, "tree_hash") == "abc"
        (entry,) = await audit.entries(tx, 10)
    assert (entry.actor, entry.action, entry.detail, entry.at) == ("owner", "sync", "tree abc", AT)


async def test_a_failure_rolls_back_every_aggregate_and_skips_on_commit(
    database: Database,
) -> None:
    committed: list[str] = []
    with pytest.raises(RuntimeError, match="half-way"):
        async with database.transaction() as tx:
            await meta.put(tx, "tree_hash", "abc")
            await audit.record(tx, "owner", "sync", "tree abc", at=AT)
            tx.on_commit(lambda: committed.append("yes"))
            raise RuntimeError("half-way")
    async with database.read() as tx:
        assert await meta.get(tx, "tree_hash") is None
        assert await audit.entries(tx, 10) == []
    assert committed == []
    # The connection is usable afterwards, and on_commit runs after a commit.
    async with database.transaction() as tx:
        await meta.put(tx, "k", "v")
        tx.on_commit(lambda: committed.append("yes"))
    assert committed == ["yes"]


async def test_on_commit_is_refused_outside_a_write_transaction(database: Database) -> None:
    async with database.read() as tx:
        with pytest.raises(RuntimeError, match="outside a write transaction"):
            tx.on_commit(lambda: None)


def test_migration_statements_are_split_where_sqlite_says() -> None:
    script = """
        -- a comment; with a semicolon
        CREATE TABLE a (x TEXT DEFAULT 'x;y');
        CREATE TRIGGER t AFTER INSERT ON a BEGIN
            INSERT INTO a (x) VALUES ('inner;');
            SELECT 1;
        END;
        CREATE INDEX a_x ON a (x)
    """
    found = statements(script)
    assert len(found) == 3
    assert found[0].endswith("CREATE TABLE a (x TEXT DEFAULT 'x;y');")
    assert found[1].startswith("CREATE TRIGGER") and found[1].endswith("END;")
    assert found[2] == "CREATE INDEX a_x ON a (x)"
    conn = sqlite3.connect(":memory:")
    for statement in found:
        conn.execute(statement)  # each one complete on its own
    conn.close()


async def test_the_snapshot_aliases_are_the_pure_alias_table(store: Store) -> None:
    members = load_bundled().members
    assert store.snapshot.aliases == alias_table(members, bundled_aliases())


def test_a_dataset_not_stored_can_be_indexed() -> None:
    members = tuple(c for c in load_bundled().members if c.iso3 != "GBR")
    table = alias_table(members, bundled_aliases())
    assert table["poland"] == table["pl"] == "POL"
    assert "uk" not in table and "unitedkingdom" not in table  # no aliases of a non-member
    # A name wins over an alias that collides with it.
    assert alias_table(members, {"Poland": "DEU"})["poland"] == "POL"
