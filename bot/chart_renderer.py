"""Charts for the bot: rendered in worker processes, cached per dataset version.

Why processes and not a thread: matplotlib holds the GIL for most of a render (~150-250 ms
here) and leaves thousands of cyclic objects behind, so even in a worker thread it stalled the
event loop (measured: 40-380 ms pauses with a few charts at once). A process keeps both its
CPU time and its garbage away from the loop, and the bot's own process never imports
matplotlib at all.

The workers must never outlive the bot, however it ends (an OOM kill is a SIGKILL): see
``_pool_now`` for the start method and ``bot.lifeline`` for how each worker follows its parent.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.analytics import Profile
from bot.lifeline import die_with_parent

log = logging.getLogger(__name__)

#: Distinct (version, ally, release) charts kept; a PNG is ~40-60 KB, so a few MB at most.
CACHE_SIZE = 128


def default_workers() -> int:
    """One core stays with the event loop; at most 4 renderers."""
    return max(1, min(4, (os.cpu_count() or 2) - 1))


def _start_worker(bot_pid: int) -> None:
    """Runs in each worker as it starts: end with the bot, and import matplotlib now so the
    first chart doesn't pay for it."""
    die_with_parent(bot_pid)
    _warm_up()


def _warm_up() -> None:
    import bot.render.charts  # noqa: F401


def _render_trend_chart(profile: Profile) -> bytes:
    from bot.render.charts import trend_chart  # imported in the worker, never in the bot

    return trend_chart(profile)


class ChartRenderer:
    """Trend charts as PNG bytes, made in a pool of worker processes started on first use.

    A chart only changes when the data does, so PNGs are cached by dataset version, ally and
    release: a reload (a new version) makes every cached chart unreachable, and they age out.
    """

    def __init__(self, *, workers: int | None = None, cache_size: int = CACHE_SIZE) -> None:
        self._workers = workers or default_workers()
        self._pool: ProcessPoolExecutor | None = None
        self._cache: OrderedDict[tuple[int, str, str], bytes] = OrderedDict()
        self._cache_size = cache_size
        self._rendering: dict[tuple[int, str, str], asyncio.Future[bytes]] = {}
        #: Charts rendered (not served from the cache) since start.
        self.rendered = 0

    def start(self) -> None:
        """Start one worker now, in the background, so the first chart doesn't wait for it."""
        self._pool_now().submit(_warm_up)

    async def trend_chart(self, profile: Profile, *, version_id: int) -> bytes:
        key = (version_id, profile.country.iso3, profile.release_id)
        if (png := self._cache.get(key)) is not None:
            self._cache.move_to_end(key)
            return png
        # Several people asking for the same new chart at once share one render.
        if (pending := self._rendering.get(key)) is None:
            pending = asyncio.ensure_future(self._render(profile))
            self._rendering[key] = pending
            pending.add_done_callback(lambda _: self._rendering.pop(key, None))
        png = await asyncio.shield(pending)
        if key not in self._cache:
            self.rendered += 1
            self._cache[key] = png
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return png

    async def _render(self, profile: Profile) -> bytes:
        loop = asyncio.get_running_loop()
        pool = self._pool_now()
        try:
            return await loop.run_in_executor(pool, _render_trend_chart, profile)
        except BrokenProcessPool:
            # A worker died (killed for memory, say): start a fresh pool and try once more.
            # Only the broken pool is replaced: another render may already have replaced it.
            if self._pool is pool:
                log.warning("chart worker process died; restarting the chart pool")
                self.close()
            return await loop.run_in_executor(self._pool_now(), _render_trend_chart, profile)

    def _pool_now(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn: not fork, since forking a process that runs threads (aiosqlite's, asyncio's
            # executors) can copy a lock held by another thread into the child; and not
            # forkserver, whose workers are the fork server's children, so a killed bot left the
            # server and its workers running. With spawn every worker is the bot's own child and
            # dies with it (die_with_parent); the resource tracker, also the bot's child, exits
            # when the last holder of its pipe (the bot, the workers) is gone. The pool starts its
            # workers from the thread calling submit(): here always the event loop's.
            self._pool = ProcessPoolExecutor(
                max_workers=self._workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
        return self._pool

    def close(self) -> None:
        """Stop the workers; a chart being drawn is abandoned, queued ones are cancelled."""
        if self._pool is not None:
            # The executor has no public way to stop a running task, and at exit Python waits
            # for it: a hung render (or a stopped worker) would hold the bot's exit forever.
            workers = list((self._pool._processes or {}).values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for worker in workers:
                worker.kill()
            for worker in workers:
                worker.join()  # killed: returns at once
            # With its workers gone the executor's manager thread ends by itself; wait for it, or
            # Python's exit hook may write to the wake-up pipe that thread is closing (EBADF).
            self._pool.shutdown(wait=True)
            self._pool = None
