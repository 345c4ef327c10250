"""The suite's throwaway PostgreSQL server (tests/support/postgres.py) itself: reachable on
127.0.0.1 with its password, one database per test, and back after a restart."""

from __future__ import annotations

import asyncpg
import pytest

from tests.support.postgres import PostgresServer


async def test_each_test_gets_an_empty_database_of_its_own(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    other = postgres_server.create_database()
    assert other != postgres_url
    conn = await asyncpg.connect(postgres_url)
    try:
        tables = await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        assert tables == 0
    finally:
        await conn.close()


async def test_a_wrong_password_is_refused(postgres_url: str) -> None:
    wrong = postgres_url.replace(":s3cret-never-shown@", ":wrong@")
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(wrong)


async def test_a_restart_drops_connections_and_serves_again(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    before = await asyncpg.connect(postgres_url)
    postgres_server.restart()
    with pytest.raises((asyncpg.PostgresConnectionError, ConnectionError, asyncpg.InterfaceError)):
        await before.fetchval("SELECT 1")
    after = await asyncpg.connect(postgres_url)
    try:
        assert await after.fetchval("SELECT 1") == 1
    finally:
        await after.close()
        await before.close()
