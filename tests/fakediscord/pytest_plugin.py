"""pytest fixtures for the fake Discord.

Enable in tests/conftest.py with:  pytest_plugins = ["tests.fakediscord.pytest_plugin"]

    async def test_ping(fake_discord: FakeDiscord) -> None:
        fake_discord.add_guild("Test")
        async with fake_discord.running(MyBot()) as bot:
            ...

The fixture fails the test at teardown if the bot broke a Discord rule, unless the test took the
violations it expected with `fake.take_violations(kind)`, or is marked
`@pytest.mark.fakediscord_violations_expected`. `@pytest.mark.fakediscord(response_deadline=0.2)`
passes options to FakeDiscord, e.g. `rate_limits=RateLimits(enabled=False)`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from .server import FakeDiscord


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fakediscord(**options): options for the fake_discord fixture's FakeDiscord"
    )
    config.addinivalue_line(
        "markers",
        "fakediscord_violations_expected: don't fail the test for Discord rule violations",
    )


@contextlib.asynccontextmanager
async def running_fake(
    *, check_violations: bool = True, **options: Any
) -> AsyncIterator[FakeDiscord]:
    """A started, patched FakeDiscord; raises AssertionError on exit if violations remain."""
    async with FakeDiscord(**options) as fake:
        with fake.patched():
            yield fake
    if check_violations:
        fake.assert_no_violations()


@pytest.fixture
async def fake_discord(request: pytest.FixtureRequest) -> AsyncIterator[FakeDiscord]:
    marker = request.node.get_closest_marker("fakediscord")
    options = dict(marker.kwargs) if marker else {}
    expected = request.node.get_closest_marker("fakediscord_violations_expected") is not None
    async with running_fake(check_violations=not expected, **options) as fake:
        yield fake
