"""No process of the bot outlives it, however it dies: SIGKILL after a chart has been drawn."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.fakediscord import FakeDiscord, FakeGuild
from tests.support.natobot_process import start_natobot, wait_until_serving
from tests.support.png import PNG_SIGNATURE
from tests.support.processes import command_line, session_members, wait_for_session_end


# A bot in a subprocess on a shared machine: give it time to answer (the rule is not under test).
@pytest.mark.fakediscord(response_deadline=30)
async def test_sigkill_leaves_no_chart_process_behind(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path
) -> None:
    proc = await start_natobot(fake_discord.api_base, fake_discord.gateway_url, tmp_path)
    try:
        await wait_until_serving(fake_discord)
        inter = await fake_discord.invoke("country", {"country": "pl"})
        await inter.final_message(timeout=60)
        assert inter.files[0].data.startswith(PNG_SIGNATURE)
        # The chart came from a worker process: the bot has children now.
        before = session_members(proc.pid)
        assert len(before) >= 2, before
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        left = await wait_for_session_end(proc.pid, deadline=30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert not left, [command_line(pid) for pid, _ in left]
