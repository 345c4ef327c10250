"""A shutdown (SIGTERM) while commands are being answered tells their users, through the fake
Discord, instead of leaving them on "thinking…" forever."""

from __future__ import annotations

import asyncio

from bot.analytics import Profile
from bot.chart_renderer import ChartRenderer
from bot.client import NatoBot
from bot.inflight import RESTARTING
from tests.fakediscord import FakeDiscord


class StuckRenderer(ChartRenderer):
    """Charts that take until ``release`` is set: a slow worker, at the process boundary."""

    def __init__(self) -> None:
        super().__init__(workers=1)
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def _render(self, profile: Profile) -> bytes:
        self.started.set()
        await self.release.wait()
        raise AssertionError("a stuck chart was never meant to finish")


async def test_close_tells_users_waiting_on_a_chart(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    natobot.charts = StuckRenderer()
    inter = await fake_discord.invoke("country", {"country": "pl"})
    other = await fake_discord.invoke("country", {"country": "de"}, user=fake_discord.owner)
    await natobot.charts.started.wait()
    await inter.response()
    await other.response()
    assert not inter.followups  # still "thinking…"
    assert len(natobot.in_flight) == 2

    await natobot.close()  # what SIGTERM ends in (bot.cli.run.serve)

    for waiting in (inter, other):
        message = await waiting.final_message()
        assert message.content == RESTARTING
        assert not waiting.files
        assert len(waiting.followups) == 1  # the note only: no apology after it
    assert len(natobot.in_flight) == 0


async def test_close_with_nothing_in_flight_sends_nothing(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    inter = await fake_discord.invoke("targets")
    await inter.final_message()
    requests = len(fake_discord.requests)
    await natobot.close()
    assert not [r for r in fake_discord.requests[requests:] if "/webhooks/" in r.path]
    assert len(inter.followups) == 0
