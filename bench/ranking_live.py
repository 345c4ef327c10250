"""Memory under steady use: ``python -m bench ranking_live``.

The real bot against the fake Discord in one process (as ``bench.ranking_memory``), but with no
idle gap and the bot's own page lifetime (15 minutes): ``--count`` /ranking one batch after
another, every reply's page buttons still live at the end, as when a busy server asks faster
than pages expire. RSS is printed after the first ``--baseline`` and then every 500. Goal
(issue 19, item 16): RSS after 5,000 within 30 MB of after the first 500.

The fake keeps every reply it was sent; so that only the bot's memory is compared, its records
are cut after each batch to what a live page needs (the message's buttons, for the bot's edits
at expiry or shutdown). ``--trace`` adds the allocation sites that grew most between the
baseline and the end (tracemalloc; slow). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import logging
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.commands import CHART_TIMEOUT, _descendants, _settings, _vm_rss_mb, load
from bot.chart_renderer import _LIBC
from bot.client import NatoBot
from bot.views.paginator import live_pages
from tests.fakediscord import FakeDiscord

GOAL_MB = 30.0
#: Sent at once: a few people using the bot together, without the fake's burst rules.
CONCURRENCY = 8
#: Questions asked in turn: ten years, both orders, three target lines (60 charts, all cached
#: after the first round: the chart cache is bounded on its own).
YEARS = range(2015, 2025)
ORDERS = ("highest", "lowest")
TARGETS = (None, 2.0, 3.5)
REPORT_EVERY = 500


def rss_mb() -> float:
    return _vm_rss_mb(os.getpid())


def question(i: int) -> dict[str, object]:
    options: dict[str, object] = {
        "year": YEARS[i % len(YEARS)],
        "order": ORDERS[(i // len(YEARS)) % len(ORDERS)],
    }
    target = TARGETS[(i // (len(YEARS) * len(ORDERS))) % len(TARGETS)]
    if target is not None:
        options["target"] = target
    return options


async def rankings(fake: FakeDiscord, bot: NatoBot, first: int, count: int) -> int:
    """Send ``count`` /ranking, CONCURRENCY at a time; how many got pages and their chart."""
    paged = 0
    for start in range(first, first + count, CONCURRENCY):
        batch = [
            await fake.invoke("ranking", question(i))
            for i in range(start, min(start + CONCURRENCY, first + count))
        ]
        for inter in batch:
            reply = await inter.final_message()
            chart = await inter.followup(0, CHART_TIMEOUT)
            paged += bool(reply.embeds and reply.components and chart.attachments)
        trim(fake, bot)
    return paged


def trim(fake: FakeDiscord, bot: NatoBot) -> None:
    """Cut the fake's records to what the bot may still use: the replies whose pages it keeps
    live (it edits their buttons when they expire, or at shutdown), each only its message and
    buttons. Every other interaction, the payloads, requests, callbacks, chart follow-ups,
    files, the pages' embeds and the rate-limit windows go: the fake lives in this process, and
    only the bot's memory is being measured."""
    live = set(live_pages(bot))
    kept = {
        token: interaction
        for token, interaction in fake.interactions.items()
        if interaction.original is not None and interaction.original.id in live
    }
    for interaction in kept.values():
        if interaction.acknowledged is not None:  # it holds the first page's embed
            interaction.acknowledged = dataclasses.replace(
                interaction.acknowledged, data={}, files=[]
            )
        interaction.payload = {}
        interaction.requests.clear()
        interaction.callbacks.clear()
        interaction.followups.clear()
        if interaction.original is not None:
            interaction.original.embeds = []
    fake.interactions.clear()
    fake.interactions.update(kept)
    for message_id in [m for m in fake.messages if m not in live]:
        del fake.messages[message_id]
    fake.requests.clear()
    fake.files.clear()
    fake.rate_limiter._buckets.clear()


async def run(count: int, baseline: int, trace: bool) -> list[str]:
    lines = [load()]
    async with FakeDiscord() as fake:
        fake.add_guild("Bench")
        with fake.patched(), tempfile.TemporaryDirectory(prefix="natobot-bench-") as tmp:
            bot = NatoBot(_settings(Path(tmp), fake))
            async with fake.running(bot):
                await fake.wait_for_commands()
                trim(fake, bot)
                lines.append(f"{'bot ready':<26} RSS {rss_mb():6.1f} MB")
                began = time.monotonic()
                await rankings(fake, bot, 0, baseline)
                base = rss_mb()
                lines.append(
                    f"{f'after {baseline:,} /ranking':<26} RSS {base:6.1f} MB   "
                    f"({len(live_pages(bot))} pages live)"
                )
                before = tracemalloc.take_snapshot() if trace else None
                done = baseline
                while done < count:
                    step = min(REPORT_EVERY, count - done)
                    paged = await rankings(fake, bot, done, step)
                    done += step
                    lines.append(
                        f"{f'after {done:,} /ranking':<26} RSS {rss_mb():6.1f} MB   "
                        f"({paged}/{step} paged + charted; {len(live_pages(bot))} pages live; "
                        f"{time.monotonic() - began:.0f} s)"
                    )
                end = rss_mb()
                # Where it is: garbage left to the collector, or free heap glibc keeps.
                freed = gc.collect()
                lines.append(
                    f"{'(then a full gc.collect())':<26} RSS {rss_mb():6.1f} MB   "
                    f"({freed:,} objects freed)"
                )
                if _LIBC is not None:
                    _LIBC.malloc_trim(0)
                    lines.append(f"{'(then malloc_trim(0))':<26} RSS {rss_mb():6.1f} MB")
                if before is not None:
                    after = tracemalloc.take_snapshot()
                    lines.append("tracemalloc, largest growth baseline -> end:")
                    for stat in after.compare_to(before, "lineno")[:20]:
                        lines.append(f"  {stat}")
                children = sum(_vm_rss_mb(pid) for pid in _descendants(os.getpid()))
    grew = end - base
    verdict = "PASS" if grew <= GOAL_MB else "MISS"
    lines.append(
        f"{verdict}: RSS after {count:,} /ranking {end:.1f} MB, {grew:+.1f} MB from after the "
        f"first {baseline:,} (goal: within {GOAL_MB:g} MB); chart workers {children:.1f} MB"
    )
    lines.append(load())
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench ranking_live", description=__doc__)
    parser.add_argument("--count", type=int, default=5000, help="/ranking in all")
    parser.add_argument("--baseline", type=int, default=500, help="/ranking before the baseline")
    parser.add_argument("--trace", action="store_true", help="tracemalloc: what grew")
    args = parser.parse_args(argv)
    if args.trace:
        tracemalloc.start(5)
    logging.getLogger("tests.fakediscord").setLevel(logging.ERROR)
    for line in asyncio.run(run(args.count, args.baseline, args.trace)):
        print(line)


if __name__ == "__main__":
    main()
