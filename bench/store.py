"""Store timings: ``python -m bench store [--runs N]``. Prints figures; asserts nothing.

- open+migrate+seed: a new database file from the bundled dataset (what a first start costs);
- reopen: an existing database, building the in-memory snapshot (every later start);
- activate: writing a new dataset version and swapping the snapshot (a reload);
- refresh: the check for a version another process activated, when none did;
- validate: parsing and validating the bundled dataset from its CSV files.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.models import Dataset
from db.loader import load_bundled
from db.store import Store


def _nudged(dataset: Dataset, n: int) -> Dataset:
    """The dataset with one figure changed, so each activation is a genuinely new version."""
    first = dataset.records[0]
    # Rounded: float noise (1.7200010000000001) has more decimal places than a figure may.
    nudged = round((first.pct_gdp or 0) + n * 1e-6, 6)
    changed = first.model_copy(update={"pct_gdp": nudged})
    return dataset.model_copy(update={"records": (changed, *dataset.records[1:])})


async def _time(runs: int, action: Callable[[int], Awaitable[None]]) -> list[float]:
    times = []
    for n in range(runs):
        start = time.perf_counter()
        await action(n)
        times.append(time.perf_counter() - start)
    return times


async def _bench(runs: int, folder: Path) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {}

    async def seed(n: int) -> None:
        store = await Store.open(folder / f"seed-{n}.sqlite3")
        await store.close()

    results["open + migrate + seed (new file)"] = await _time(runs, seed)

    existing = folder / "seed-0.sqlite3"

    async def reopen(_: int) -> None:
        store = await Store.open(existing)
        await store.close()

    results["reopen existing (snapshot build)"] = await _time(runs, reopen)

    base = load_bundled()
    store = await Store.open(folder / "activate.sqlite3")
    try:
        datasets = [_nudged(base, n + 1) for n in range(runs)]

        async def activate(n: int) -> None:
            await store.activate(datasets[n], source="bench", loaded_by="bench")

        results["activate a new version"] = await _time(runs, activate)

        async def refresh(_: int) -> None:
            await store.refresh()

        results["refresh, nothing changed elsewhere"] = await _time(runs, refresh)
    finally:
        await store.close()
    size = (folder / "activate.sqlite3").stat().st_size

    async def validate(_: int) -> None:
        load_bundled()

    results["load + validate bundled CSVs"] = await _time(runs, validate)
    print(f"database file after {runs + 1} versions: {size / 1e6:.1f} MB")
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench store", description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="natobot-bench-") as tmp:
        results = asyncio.run(_bench(args.runs, Path(tmp)))
    print(f"{'':36} {'median':>9} {'min':>9} {'max':>9}   ({args.runs} runs)")
    for name, times in results.items():
        ms = [t * 1000 for t in times]
        print(f"{name:36} {statistics.median(ms):7.1f}ms {min(ms):7.1f}ms {max(ms):7.1f}ms")


if __name__ == "__main__":
    main()
