"""No process of the bot outlives it, however it dies: SIGKILL after a chart has been drawn."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from tests.fakediscord import FakeDiscord, FakeGuild
from tests.support.natobot_process import start_natobot, wait_until_serving
from tests.support.paths import ROOT
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


CHILD = """
import sys, time
from bot.lifeline import die_with_parent
die_with_parent(int(sys.argv[1]), kernel=sys.argv[2] == "kernel")
print("armed", flush=True)
time.sleep(600)
"""
PARENT = f"""
import os, subprocess, sys, time
subprocess.Popen([sys.executable, "-c", {CHILD!r}, str(os.getpid()), sys.argv[1]])
time.sleep(600)
"""


@pytest.mark.parametrize("how", ["kernel", "watch"])
async def test_a_lifeline_child_dies_with_its_killed_parent(how: str) -> None:
    """Both ways bot.lifeline ends a child: the kernel's death signal, the portable watch."""
    parent = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        PARENT,
        how,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert parent.stdout is not None
        assert await asyncio.wait_for(parent.stdout.readline(), 60) == b"armed\n"
        assert len(session_members(parent.pid)) == 2  # the parent and its child
        parent.send_signal(signal.SIGKILL)
        await parent.wait()
        left = await wait_for_session_end(parent.pid, deadline=30)
    finally:
        if parent.returncode is None:
            parent.kill()
            await parent.wait()
    assert not left, [command_line(pid) for pid, _ in left]
