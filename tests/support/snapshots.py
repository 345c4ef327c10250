"""Snapshots for tests: the bundled dataset as the bot serves it, or a dataset made in a test."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from bot.countries import alias_table
from bot.models import Dataset, DatasetVersion, Snapshot
from db.loader import bundled_aliases, dataset_sha256
from db.store import Store


@cache
def bundled_snapshot() -> Snapshot:
    """The snapshot a fresh Store seeds from the bundled CSVs (a real SQLite file), built once."""
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(Store.read_snapshot(Path(tmp) / "natobot.sqlite3"))


def snapshot_of(dataset: Dataset, aliases: dict[str, str] | None = None) -> Snapshot:
    """A snapshot of a dataset made in a test, as the Store would serve it once activated.

    ``aliases`` default to the bundled alias table for the dataset's own members.
    """
    version = DatasetVersion(
        version_id=1,
        sha256=dataset_sha256(dataset),
        source="test",
        loaded_at=datetime(2026, 1, 1, tzinfo=UTC),
        loaded_by="tests",
        active=True,
        record_count=len(dataset.records),
    )
    if aliases is None:
        aliases = alias_table(dataset.members, bundled_aliases())
    return Snapshot.build(version, dataset, aliases)
