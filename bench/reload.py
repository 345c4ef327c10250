"""Reloads through the one reload path: ``python -m bench reload``.

1. the bundled data over an active version that differs from it (prepare + apply);
2. a synthetic dataset of 100,000 rows (tests/support/synthetic.py): time and peak extra RSS
   of the bot's process (and, apart, the peak RSS of the child process that parses it);
3. ``/summary`` latency (dispatch -> first callback) while the real bot, against the fake
   Discord, reloads that dataset through ``bot.reloader``.

Prints figures against the goals (bundled <= 150 ms; 100k rows <= 3 s and <= 150 MB extra
peak; /summary p99 during the reload <= 10 ms); asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bare import percentile
from bench.shared import PeakSampler
from bot.client import NatoBot
from bot.config import Settings
from bot.reload import Bundled, Directory, Reloader
from db.loader import load_bundled
from db.store import Store
from tests.fakediscord import FakeDiscord
from tests.support.synthetic import write_dataset

GOAL_BUNDLED_MS = 150.0
GOAL_LARGE_S = 3.0
GOAL_LARGE_MB = 150.0
GOAL_SUMMARY_P99_MS = 10.0


def _rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss() -> PeakSampler:
    """The process's highest RSS while inside the ``with``; ``extra_mb`` of it above the start."""
    return PeakSampler(_rss)


def extra_mb(memory: PeakSampler) -> float:
    return (memory.peak - memory.first) / 1e6


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


async def bundled_round(folder: Path) -> float:
    """ms to prepare and apply the bundled data over a version that lacks one release."""
    store = await Store.open(folder / "bundled.sqlite3")
    try:
        base = load_bundled()
        other = base.model_copy(update={"records": base.records[1:]})
        await store.activate(other, source="bench", loaded_by="bench")
        reloader = Reloader(store)
        started = time.perf_counter()
        plan = await reloader.prepare(Bundled())
        await reloader.apply(plan, "bench")
        return (time.perf_counter() - started) * 1000
    finally:
        await store.close()


async def large_round(folder: Path, dataset: Path) -> tuple[float, float, float, float]:
    """(prepare s, apply s, total s, peak extra MB) for the synthetic dataset."""
    store = await Store.open(folder / "large.sqlite3")
    try:
        reloader = Reloader(store)
        with peak_rss() as memory:
            started = time.perf_counter()
            plan = await reloader.prepare(Directory(dataset))
            prepared = time.perf_counter()
            await reloader.apply(plan, "bench")
            done = time.perf_counter()
        return prepared - started, done - prepared, done - started, extra_mb(memory)
    finally:
        await store.close()


async def summary_during_reload(folder: Path, dataset: Path) -> tuple[list[float], float]:
    """/summary latencies (ms) while the bot reloads ``dataset``; and the reload's seconds."""
    async with FakeDiscord() as fake:
        fake.add_guild("Bench")
        with fake.patched():
            values: dict[str, Any] = {
                "discord_token": "fake-token",
                "database_path": folder / "bot.sqlite3",
                "owner_ids": frozenset({fake.owner.id}),
            }
            bot = NatoBot(Settings(_env_file=None, **values))
            async with fake.running(bot):
                await fake.wait_for_commands()

                async def summary() -> float:
                    inter = await fake.invoke("summary", {"target": 2})
                    first = await inter.response(30.0)
                    return (first.at - inter.dispatched_at) * 1000

                for _ in range(20):  # warm: the server's target cached, code paths hot
                    await summary()
                fake.requests.clear()
                started = time.perf_counter()

                async def reload() -> None:
                    plan = await bot.reloader.prepare(Directory(dataset))
                    await bot.reloader.apply(plan, "bench", bot=bot)

                task = asyncio.create_task(reload())
                latencies = []
                while not task.done():
                    latencies.append(await summary())
                await task
                return latencies, time.perf_counter() - started


async def run(rounds: int, rows: int) -> None:
    with tempfile.TemporaryDirectory(prefix="natobot-bench-reload-") as tmp:
        folder = Path(tmp)
        bundled = [await bundled_round(Path(tempfile.mkdtemp(dir=folder))) for _ in range(rounds)]
        median = statistics.median(bundled)
        print(
            f"bundled reload (prepare + apply), median of {rounds}: {median:.0f} ms "
            f"(min {min(bundled):.0f}, max {max(bundled):.0f}) — goal <= {GOAL_BUNDLED_MS:.0f} ms: "
            f"{_verdict(median <= GOAL_BUNDLED_MS)}"
        )
        dataset = write_dataset(folder / "synthetic", rows=rows)
        prepare_s, apply_s, total_s, extra = await large_round(folder, dataset)
        print(
            f"{rows:,}-row reload: {total_s:.2f} s (prepare {prepare_s:.2f} s: parse, validate, "
            f"hash, diff, index; apply {apply_s:.2f} s: one transaction) — goal <= "
            f"{GOAL_LARGE_S:g} s: {_verdict(total_s <= GOAL_LARGE_S)}"
        )
        print(
            f"{rows:,}-row reload: peak extra RSS {extra:.0f} MB — goal <= "
            f"{GOAL_LARGE_MB:.0f} MB: {_verdict(extra <= GOAL_LARGE_MB)}"
        )
        # The largest child this process has waited for: the reload's parser (no goal: it is
        # gone once the reload is read, but the machine needs the room meanwhile).
        child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1000
        print(
            f"{rows:,}-row reload: the parsing child's peak RSS {child_mb:.0f} MB (whole process)"
        )
        latencies, seconds = await summary_during_reload(folder, dataset)
        p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
        print(
            f"/summary during the {rows:,}-row reload ({seconds:.1f} s, {len(latencies)} "
            f"commands): p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(latencies):.1f} ms — "
            f"goal p99 <= {GOAL_SUMMARY_P99_MS:g} ms: {_verdict(p99 <= GOAL_SUMMARY_P99_MS)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench reload", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="bundled reloads timed")
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the synthetic file")
    args = parser.parse_args()
    asyncio.run(run(args.rounds, args.rows))


if __name__ == "__main__":
    main()
