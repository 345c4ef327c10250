"""Memory across idle periods: ``python -m bench ranking_memory``.

The real bot against the fake Discord in one process (as ``bench.commands``): ``--rounds`` times
``--per-round`` /ranking (each reply has page buttons), then an idle gap long enough for every
page's buttons to expire and be disabled (the bot is built with a short ``page_timeout`` for
this). RSS is printed at the start, after each round and after each idle gap. Goal: RSS at the
end within 20 MB of the start (issue #11). The fake's own records of finished interactions are
dropped before each reading, so only the bot's memory is compared. ``--trace`` adds the
allocation sites that grew most between the start and the end (tracemalloc). Prints figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.commands import (
    CHART_TIMEOUT,
    _descendants,
    _settings,
    _vm_rss_mb,
    forget_finished,
    load,
    quiet,
)
from bot.client import NatoBot
from bot.views.paginator import live_pages
from tests.fakediscord import FakeDiscord

GOAL_MB = 20.0
#: How long the page buttons work in this bench (the bot's default is minutes).
PAGE_TIMEOUT = 2.0
#: Sent at once: a few people using the bot together, without the fake's burst rules.
CONCURRENCY = 8
#: Unmeasured /ranking first (imports, first renders, caches).
WARM_UP = 100


def rss_mb() -> float:
    return _vm_rss_mb(os.getpid())


async def rankings(fake: FakeDiscord, count: int) -> int:
    """Send ``count`` /ranking, CONCURRENCY at a time; how many got an embed with buttons and
    then their chart (each reply is awaited whole, so nothing is left pending for it)."""
    paged = 0
    for start in range(0, count, CONCURRENCY):
        batch = [
            await fake.invoke("ranking", {"year": 2024 - (i % 10)})
            for i in range(start, min(start + CONCURRENCY, count))
        ]
        for inter in batch:
            reply = await inter.final_message()
            chart = await inter.followup(0, CHART_TIMEOUT)
            paged += bool(reply.embeds and reply.components and chart.attachments)
        # The fake's heap stays small, so its high-water mark is not counted as the bot's.
        forget(fake)
    return paged


def forget(fake: FakeDiscord) -> None:
    """Drop the fake's records of finished replies (their pages, chart follow-ups and PNGs) and
    its rate-limit windows (two per interaction token): they live in this process, and only the
    bot's memory is being measured. Replies whose page buttons still work are kept."""
    forget_finished(fake)
    fake.rate_limiter._buckets.clear()


async def idle(fake: FakeDiscord, bot: NatoBot) -> float:
    """Wait until every page's buttons have expired and been disabled; the seconds it took."""
    started = time.monotonic()
    deadline = started + PAGE_TIMEOUT + 120
    while live_pages(bot) and time.monotonic() < deadline:  # noqa: ASYNC110 - polls the bot
        await asyncio.sleep(PAGE_TIMEOUT / 4)
    await quiet(fake)  # the disabling edits are done
    await asyncio.sleep(PAGE_TIMEOUT)  # and nothing else is pending: the bot is idle
    return time.monotonic() - started


async def run(rounds: int, per_round: int, trace: bool) -> list[str]:
    lines = [load()]
    async with FakeDiscord() as fake:
        fake.add_guild("Bench")
        with fake.patched(), tempfile.TemporaryDirectory(prefix="natobot-bench-") as tmp:
            bot = NatoBot(_settings(Path(tmp), fake), page_timeout=PAGE_TIMEOUT)
            async with fake.running(bot):
                await fake.wait_for_commands()
                forget(fake)
                ready = rss_mb()
                lines.append(f"{'bot ready':<34} RSS {ready:6.1f} MB")
                await rankings(fake, WARM_UP)
                await idle(fake, bot)
                forget(fake)
                start = rss_mb()
                lines.append(f"{f'start (after {WARM_UP} warm-up + idle)':<34} RSS {start:6.1f} MB")
                before = tracemalloc.take_snapshot() if trace else None
                for n in range(1, rounds + 1):
                    began = time.monotonic()
                    paged = await rankings(fake, per_round)
                    took = time.monotonic() - began
                    forget(fake)
                    lines.append(
                        f"{f'after {n * per_round:,} /ranking':<34} RSS {rss_mb():6.1f} MB   "
                        f"({paged} paged + charted in {took:.0f} s; {len(live_pages(bot))} live)"
                    )
                    waited = await idle(fake, bot)
                    forget(fake)
                    lines.append(
                        f"{f'after idle gap {n} ({waited:.0f} s)':<34} RSS {rss_mb():6.1f} MB   "
                        f"({len(live_pages(bot))} pages live)"
                    )
                end = rss_mb()
                # What a full collection would still free: garbage the bot leaves to it.
                freed = gc.collect()
                lines.append(
                    f"{'(then a full gc.collect())':<34} RSS {rss_mb():6.1f} MB   "
                    f"({freed:,} objects freed)"
                )
                if before is not None:
                    after = tracemalloc.take_snapshot()
                    lines.append("tracemalloc, largest growth start -> end:")
                    for stat in after.compare_to(before, "lineno")[:15]:
                        lines.append(f"  {stat}")
        children = sum(_vm_rss_mb(pid) for pid in _descendants(os.getpid()))
    grew = end - start
    verdict = "PASS" if grew <= GOAL_MB else "MISS"
    lines.append(
        f"{verdict}: RSS at the end {end:.1f} MB, {grew:+.1f} MB from the start "
        f"(goal: within {GOAL_MB:g} MB), {end - ready:+.1f} MB from the bot's ready; "
        f"child processes {children:.1f} MB"
    )
    lines.append(load())
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench ranking_memory", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of /ranking")
    parser.add_argument("--per-round", type=int, default=1000, help="/ranking per round")
    parser.add_argument("--trace", action="store_true", help="tracemalloc: what grew")
    args = parser.parse_args(argv)
    if args.trace:
        tracemalloc.start(5)
    logging.getLogger("tests.fakediscord").setLevel(logging.ERROR)
    for line in asyncio.run(run(args.rounds, args.per_round, args.trace)):
        print(line)


if __name__ == "__main__":
    main()
