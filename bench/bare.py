"""Interaction latency of the bare discord.py bot (tests/fakediscord/barebot.py) against the fake.

``python -m bench bare [--n 200]`` prints p50/p99 latency (interaction dispatched on the gateway ->
first callback reaching the fake) for N interactions sent one after another and all at once, and
the throughput. It is the floor any real bot is compared against: same machine, same library, a
handler that does nothing. Prints figures; asserts nothing.

For another bot:

    async with FakeDiscord() as fake:
        fake.add_guild("Bench")
        with fake.patched():
            async with fake.running(MyBot()):
                report = await measure_latency(fake, "gap", {"country": "Spain"}, n=200, burst=True)
"""

# Waits take a `timeout` so a failure can say what never arrived (asyncio.timeout cannot).
# ruff: noqa: ASYNC109

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import discord

from tests.fakediscord import FakeDiscord, FakeInteraction, running_bare_bot


@dataclass(frozen=True)
class LatencyReport:
    label: str
    count: int
    failed: int  # no callback, or Discord (the fake) refused it
    p50_ms: float
    p99_ms: float
    max_ms: float
    per_second: float  # completed interactions per second of wall time

    def __str__(self) -> str:
        return (
            f"{self.label:<24} n={self.count:<5} p50={self.p50_ms:7.2f} ms  "
            f"p99={self.p99_ms:7.2f} ms  max={self.max_ms:7.2f} ms  "
            f"{self.per_second:8.1f}/s  failed={self.failed}"
        )


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation: a reported p99 is a latency that happened)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


async def measure_latency(
    fake: FakeDiscord,
    command: str = "ping",
    options: Mapping[str, Any] | None = None,
    *,
    n: int = 200,
    burst: bool = False,
    timeout: float = 10.0,
    label: str | None = None,
) -> LatencyReport:
    """Send `n` invocations of `command` (sequentially, or all at once with `burst`) and time them.

    The bot must already be running against `fake`. Latency is dispatch -> first callback.
    """
    interactions: list[FakeInteraction] = []
    started = time.monotonic()
    if burst:
        for _ in range(n):
            interactions.append(await fake.invoke(command, options))
        await asyncio.gather(*(_answered(i, timeout) for i in interactions))
    else:
        for _ in range(n):
            interaction = await fake.invoke(command, options)
            interactions.append(interaction)
            await _answered(interaction, timeout)
    answered = [i for i in interactions if i.callbacks and i.callbacks[0].accepted]
    latencies = [i.latency * 1000 for i in answered if i.latency is not None]
    finished = max((i.callbacks[0].at for i in answered), default=time.monotonic())
    elapsed = max(finished - started, 1e-9)
    return LatencyReport(
        label=label or f"/{command.lstrip('/')} {'burst' if burst else 'sequential'}",
        count=n,
        failed=n - len(answered),
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        max_ms=max(latencies, default=math.nan),
        per_second=len(answered) / elapsed,
    )


async def _answered(interaction: FakeInteraction, timeout: float) -> None:
    with contextlib.suppress(AssertionError):  # counted as failed by the caller
        await interaction.response(timeout)


async def bench_bare(n: int) -> list[LatencyReport]:
    async with FakeDiscord() as fake:
        fake.add_guild("Bench")
        with fake.patched():
            async with running_bare_bot(fake):
                await measure_latency(fake, n=min(n, 20), label="warm-up")
                reports = [
                    await measure_latency(fake, n=n, burst=False),
                    await measure_latency(fake, n=n, burst=True),
                ]
        fake.take_violations("late_response")  # a burst may exceed 3 s; counted in `failed`
    return reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="interactions per run (default 200)")
    args = parser.parse_args()
    print(f"bare discord.py {discord.__version__} bot, /ping against the fake Discord on 127.0.0.1")
    for report in asyncio.run(bench_bare(args.n)):
        print(report)


if __name__ == "__main__":
    main()
