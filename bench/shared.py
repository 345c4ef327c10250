"""Helpers more than one benchmark uses: latency figures, PASS/MISS, tasks left behind."""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.bare import percentile


@dataclass(frozen=True)
class Timing:
    count: int
    failed: int  # no reply, refused by the fake, or not the reply expected
    p50_ms: float
    p99_ms: float
    max_ms: float
    per_second: float  # completed / wall time from the first send to the last completion


def timing_of(latencies_ms: list[float], count: int, elapsed: float) -> Timing:
    """The figures of `count` probes of which `latencies_ms` completed, over `elapsed` s."""
    return Timing(
        count=count,
        failed=count - len(latencies_ms),
        p50_ms=percentile(latencies_ms, 0.50),
        p99_ms=percentile(latencies_ms, 0.99),
        max_ms=max(latencies_ms, default=math.nan),
        per_second=len(latencies_ms) / max(elapsed, 1e-9),
    )


class PeakSampler:
    """The highest value of ``measure()`` (memory, say) seen while inside the ``with``: sampled
    from a thread every ``interval`` seconds, so a peak between two phases is not missed."""

    def __init__(self, measure: Callable[[], float], interval: float = 0.005) -> None:
        self._measure = measure
        self._interval = interval
        self.first = measure()
        self.peak = self.first
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak = max(self.peak, self._measure())

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._measure())


def verdict(ok: bool, figure: str) -> str:
    return f"{'PASS' if ok else 'MISS'} {figure}"


async def reap_leftover_tasks() -> list[str]:
    """Tasks still pending once bots and fake are closed: named for the report, then cancelled."""
    await asyncio.sleep(0)  # let cancellations already under way finish
    current = asyncio.current_task()
    leftover = [t for t in asyncio.all_tasks() if t is not current]
    names = [_qualname(t) for t in leftover]
    counted = [f"{names.count(name)} x {name}" for name in sorted(set(names))]
    for task in leftover:
        task.cancel()
    await asyncio.gather(*leftover, return_exceptions=True)
    return counted


def _qualname(task: asyncio.Task[Any]) -> str:
    return str(getattr(task.get_coro(), "__qualname__", task.get_coro()))
