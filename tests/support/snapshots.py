"""The bundled dataset as the bot serves it."""

from __future__ import annotations

import asyncio
import tempfile
from functools import cache
from pathlib import Path

from bot.models import Snapshot
from db.store import Store


@cache
def bundled_snapshot() -> Snapshot:
    """The snapshot a fresh Store seeds from the bundled CSVs (a real SQLite file), built once."""
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(Store.read_snapshot(Path(tmp) / "natobot.sqlite3"))
