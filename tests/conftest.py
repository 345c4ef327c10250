"""Fixtures shared across the suite. Keep this small: each fixture here is used by many files."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.client import NatoBot
from db.store import Store
from tests.fakediscord import FakeDiscord, FakeGuild
from tests.support.bot import bot_settings
from tests.support.postgres import HOW_TO_GET, PostgresServer, find_bindir
from tests.support.waiting import SLOW

pytest_plugins = ["tests.fakediscord.pytest_plugin"]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A fresh Store on a real SQLite file, seeded with the bundled dataset; closed afterwards."""
    opened = await Store.open(tmp_path / "natobot.sqlite3")
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def guild(fake_discord: FakeDiscord) -> FakeGuild:
    return fake_discord.add_guild("NATO Watchers")


@pytest.fixture
async def natobot(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path
) -> AsyncIterator[NatoBot]:
    """The real bot, logged in to the fake Discord, commands synced, on a fresh SQLite store."""
    bot = NatoBot(bot_settings(tmp_path, fake_discord))
    bot.charts.prerender_enabled = False  # renders counted by tests are their own
    # Start-up opens, migrates and seeds a database: generous deadlines for a loaded machine.
    async with fake_discord.running(bot, timeout=SLOW):
        await fake_discord.wait_for_commands(timeout=SLOW)
        yield bot


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the session (tests/support/postgres.py)."""
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail(HOW_TO_GET)
        pytest.skip(HOW_TO_GET)
    server = PostgresServer(bindir)
    server.start()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty database on the session's server: its URL (with the password)."""
    return postgres_server.create_database()
