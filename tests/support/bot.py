"""Settings for a bot under test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.config import Settings
from tests.fakediscord import FakeDiscord


def bot_settings(tmp_path: Path, fake: FakeDiscord, **overrides: Any) -> Settings:
    """Settings for a bot under test: no .env, a database in tmp_path, the fake's owner."""
    values: dict[str, Any] = {
        "discord_token": "fake-token",
        "database_path": tmp_path / "bot.sqlite3",
        "owner_ids": frozenset({fake.owner.id}),
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)
