"""A shutdown (SIGTERM) while commands are being answered tells their users, through the fake
Discord, instead of leaving them on "thinking…" forever."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from bot.chart_renderer import ChartJob, ChartRenderer
from bot.client import NatoBot
from bot.inflight import RESTARTING
from tests.fakediscord import FakeDiscord, FakeGuild
from tests.support.natobot_process import finish, start_natobot, wait_until_serving
from tests.support.processes import is_spawned, session_members, wait_for_session_end


class StuckRenderer(ChartRenderer):
    """Charts that take until ``release`` is set: a slow worker, at the process boundary."""

    def __init__(self) -> None:
        super().__init__(workers=1)
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def _render(self, job: ChartJob) -> bytes:
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


# A bot in a subprocess on a shared machine: give it time to answer (the rule is not under test).
@pytest.mark.fakediscord(response_deadline=30)
async def test_sigterm_while_a_chart_renders(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path
) -> None:
    """The real entry point and its real chart worker, stopped (SIGSTOP) mid-render."""
    proc = await start_natobot(fake_discord.api_base, fake_discord.gateway_url, tmp_path)
    try:
        await wait_until_serving(fake_discord)
        first = await fake_discord.invoke("country", {"country": "pl"})
        await first.final_message(timeout=60)  # the worker is up
        workers = [
            pid for pid, _ in session_members(proc.pid) if pid != proc.pid and is_spawned(pid)
        ]
        assert workers
        for pid in workers:
            os.kill(pid, signal.SIGSTOP)
        stuck = await fake_discord.invoke("country", {"country": "de"})
        await stuck.response(timeout=60)  # deferred: "thinking…"
        proc.send_signal(signal.SIGTERM)
        code, stderr = await finish(proc)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert code == 0, stderr
    assert "Traceback" not in stderr
    message = await stuck.final_message()
    assert message.content == RESTARTING
    assert not stuck.files
    assert not await wait_for_session_end(proc.pid, deadline=30)  # the stopped worker too
