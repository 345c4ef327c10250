"""SIGKILL the real bot after it has drawn a chart, N times: ``python -m bench sigkill``.

Each round starts ``natobot run`` (tests/run_against_fake.py) in its own session against the
fake Discord on 127.0.0.1, asks for ``/country pl`` until the PNG arrives, SIGKILLs the bot
(no clean-up code of its own runs) and counts the processes of its session still alive once
things have settled: chart workers, the resource tracker, anything else the bot started.
Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import tempfile
import time
from pathlib import Path

from tests.fakediscord import FakeDiscord
from tests.support.natobot_process import start_natobot, wait_until_serving
from tests.support.processes import command_line, session_members, wait_for_session_end

#: How long the processes left may take to go before they count as left behind (s).
SETTLE = 10.0


async def one_round(work: Path) -> tuple[int, int, float]:
    """(processes before the kill, processes left after it, seconds until the session ended)."""
    async with FakeDiscord(response_deadline=30) as fake:
        fake.add_guild("Bench")
        proc = await start_natobot(fake.api_base, fake.gateway_url, work)
        try:
            await wait_until_serving(fake)
            inter = await fake.invoke("country", {"country": "pl"})
            await inter.final_message(timeout=60)
            before = len(session_members(proc.pid))
            killed = time.monotonic()
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
            left = await wait_for_session_end(proc.pid, deadline=SETTLE)
            for pid, _ in left:
                print(f"  left behind: {pid} {command_line(pid)[:100]}")
            return before, len(left), time.monotonic() - killed
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


async def run(rounds: int) -> None:
    total_left = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(1, rounds + 1):
            work = Path(tmp) / f"round{n}"
            work.mkdir()
            before, left, took = await one_round(work)
            total_left += left
            print(
                f"round {n:2}: {before} processes in the bot's session before SIGKILL, "
                f"{left} left after it (session ended in {took:.2f} s)"
            )
    print(f"\nSIGKILL after a chart, {rounds} times: {total_left} processes left behind")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    asyncio.run(run(parser.parse_args().rounds))


if __name__ == "__main__":
    main()
