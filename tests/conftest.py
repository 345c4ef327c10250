"""Fixtures shared across the suite. Keep this small: each fixture here is used by many files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from db.store import Store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A fresh Store on a real SQLite file, seeded with the bundled dataset; closed afterwards."""
    opened = await Store.open(tmp_path / "natobot.sqlite3")
    try:
        yield opened
    finally:
        await opened.close()
