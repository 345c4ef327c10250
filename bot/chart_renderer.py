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
import ctypes
import gc
import logging
import multiprocessing
import os
from collections import OrderedDict
from collections.abc import Awaitable, Hashable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from bot.analytics import Profile
from bot.lifeline import die_with_parent

log = logging.getLogger(__name__)

#: PNG bytes kept, the least recently asked dropped first: a bar chart is ~150 KB, a line
#: chart ~50 KB, a full pre-render (3 summaries, a ranking, 31 profiles) ~2.5 MB; the rest
#: is for the questions asked since (~60 bar charts more). Memory the bot holds for good.
CACHE_BYTES = 12 * 1024 * 1024


@dataclass(frozen=True)
class ChartJob:
    """One chart to draw: ``bot.render.charts.render(kind, *args)``, cached under ``key``.

    ``key`` names the question (dataset version first, then every parameter the chart depends
    on), so two askers of the same question share one PNG and a new version is a new chart.
    """

    key: tuple[Hashable, ...]
    kind: str
    args: tuple[Any, ...]


def default_workers() -> int:
    """One core stays with the event loop; at most 2 renderers (each is ~80 MB at rest: the
    bot and its workers stay within 250 MB with one, which is what a 2-core host gets)."""
    return max(1, min(2, (os.cpu_count() or 2) - 1))


def _start_worker(bot_pid: int) -> None:
    """Runs in each worker as it starts: end with the bot, and import matplotlib now so the
    first chart doesn't pay for it."""
    die_with_parent(bot_pid)
    _warm_up()
    # matplotlib's modules live as long as the worker: out of every later collection, so the
    # one after each chart only walks that chart's objects.
    gc.collect()
    gc.freeze()


def _warm_up() -> None:
    import bot.render.charts  # noqa: F401


def _render_chart(kind: str, args: tuple[Any, ...]) -> bytes:
    from bot.render.charts import render  # imported in the worker, never in the bot

    png = render(kind, *args)
    # A figure and its canvas form cycles holding a 1600 px wide pixel buffer (~20 MB for the
    # bar charts): freed now, not whenever the collector next runs (the worker grew to ~370 MB).
    gc.collect()
    _give_back_memory()
    return png


def _give_back_memory() -> None:
    """Return freed heap pages to the system (glibc keeps them otherwise: RSS stays at the
    biggest chart's peak). Only where glibc's malloc_trim exists."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 - musl and other libcs lack it
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _libc()


def _spawn_pool(workers: int, initializer: Any) -> ProcessPoolExecutor:
    # spawn: not fork, since forking a process that runs threads (aiosqlite's, asyncio's
    # executors) can copy a lock held by another thread into the child; and not
    # forkserver, whose workers are the fork server's children, so a killed bot left the
    # server and its workers running. With spawn every worker is the bot's own child and
    # dies with it (die_with_parent); the resource tracker, also the bot's child, exits
    # when the last holder of its pipe (the bot, the workers) is gone. The pool starts its
    # workers from the thread calling submit(): here always the event loop's.
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=initializer,
        initargs=(os.getpid(),),
    )


def _retrieve(future: asyncio.Future[bytes]) -> None:
    if not future.cancelled():
        future.exception()


def _kill(pool: ProcessPoolExecutor) -> None:
    # The executor has no public way to stop a running task, and at exit Python waits
    # for it: a hung render (or a stopped worker) would hold the bot's exit forever.
    workers = list((pool._processes or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        worker.kill()
    for worker in workers:
        worker.join()  # killed: returns at once
    # With its workers gone the executor's manager thread ends by itself; wait for it, or
    # Python's exit hook may write to the wake-up pipe that thread is closing (EBADF).
    pool.shutdown(wait=True)


class ChartRenderer:
    """Charts as PNG bytes, made in a pool of worker processes started on first use.

    A chart only changes when the data does, so PNGs are cached by question (``ChartJob.key``,
    the dataset version first): a reload makes every cached chart unreachable, and they age out.
    ``prerender`` draws the charts people ask for most, one at a time and only while no live
    chart is being drawn, in the same workers: a live request waits for one chart at most,
    and no second worker's memory is spent on it (a worker is ~80 MB, its import of
    matplotlib most of that).
    """

    def __init__(self, *, workers: int | None = None, cache_bytes: int = CACHE_BYTES) -> None:
        self._workers = workers or default_workers()
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False
        self._cache: OrderedDict[tuple[Hashable, ...], bytes] = OrderedDict()
        self._cache_bytes = cache_bytes
        self._cached_bytes = 0
        self._rendering: dict[tuple[Hashable, ...], asyncio.Future[bytes]] = {}
        self._live = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._prerendering: asyncio.Task[int] | None = None
        #: Whether replies and start-up pre-render (the tests' bots mostly don't).
        self.prerender_enabled = True
        #: The dataset version pre-rendered (or being pre-rendered) for.
        self.warm_version: int | None = None
        #: Charts rendered (not served from the cache) since start, and of them pre-rendered.
        self.rendered = 0
        self.prerendered = 0

    def start(self) -> None:
        """Start one worker now, in the background, so the first chart doesn't wait for it."""
        self._pool_now().submit(_warm_up)

    def forget(self) -> None:
        """Drop every cached chart (the benchmark's cold runs after a pre-render)."""
        self._cache.clear()
        self._cached_bytes = 0

    def cached(self, key: tuple[Hashable, ...]) -> bytes | None:
        if (png := self._cache.get(key)) is not None:
            self._cache.move_to_end(key)
        return png

    async def chart(self, job: ChartJob) -> bytes:
        """The chart's PNG: from the cache, from a render already under way, or drawn now."""
        if (png := self.cached(job.key)) is not None:
            return png
        # Several people asking for the same new chart at once share one render.
        if (pending := self._rendering.get(job.key)) is None:
            pending = asyncio.ensure_future(self._live_render(job))
            # Closing the bot mid-render breaks the pool under this render after its askers
            # are gone: retrieve that error so it is not reported as never retrieved.
            pending.add_done_callback(_retrieve)
            self._share(job.key, pending)
        png = await asyncio.shield(pending)
        self._keep(job.key, png)
        return png

    async def trend_chart(self, profile: Profile, *, version_id: int) -> bytes:
        """An ally's profile chart (the one /country shows)."""
        return await self.chart(profile_job(profile, version_id))

    def _share(self, key: tuple[Hashable, ...], pending: asyncio.Future[bytes]) -> None:
        self._rendering[key] = pending
        pending.add_done_callback(lambda _: self._rendering.pop(key, None))

    def _keep(self, key: tuple[Hashable, ...], png: bytes) -> None:
        if key not in self._cache:
            self.rendered += 1
            self._cache[key] = png
            self._cached_bytes += len(png)
            while self._cached_bytes > self._cache_bytes and len(self._cache) > 1:
                _, dropped = self._cache.popitem(last=False)
                self._cached_bytes -= len(dropped)

    async def _live_render(self, job: ChartJob) -> bytes:
        self._live += 1
        self._idle.clear()
        try:
            return await self._render(job)
        finally:
            self._live -= 1
            if self._live == 0:
                self._idle.set()

    async def _render(self, job: ChartJob) -> bytes:
        loop = asyncio.get_running_loop()
        pool = self._pool_now()
        try:
            return await loop.run_in_executor(pool, _render_chart, job.kind, job.args)
        except BrokenProcessPool:
            if self._closed:  # closed under this render: no new pool
                raise
            # A worker died (killed for memory, say): start a fresh pool and try once more.
            # Only the broken pool is replaced: another render may already have replaced it.
            if self._pool is pool:
                log.warning("chart worker process died; restarting the chart pool")
                _kill(pool)
                self._pool = None
            return await loop.run_in_executor(self._pool_now(), _render_chart, job.kind, job.args)

    # -- pre-rendering ----------------------------------------------------------------------

    def prerender(self, jobs: Awaitable[Iterable[ChartJob]]) -> asyncio.Task[int]:
        """Draw these charts at low priority, in order; replaces a pre-render still running
        (its charts are of an older version). The task's result: how many it drew."""
        if self._prerendering is not None:
            self._prerendering.cancel()
        self._prerendering = asyncio.create_task(
            self._prerender(asyncio.ensure_future(jobs)), name="natobot-chart-prerender"
        )
        return self._prerendering

    async def _prerender(self, jobs: asyncio.Future[Iterable[ChartJob]]) -> int:
        drawn = 0
        try:
            for job in await jobs:
                await self._idle.wait()  # a live request goes first
                if job.key in self._cache or job.key in self._rendering:
                    continue
                pending = asyncio.ensure_future(self._render(job))
                pending.add_done_callback(_retrieve)  # as for a live render
                self._share(job.key, pending)
                try:
                    png = await asyncio.shield(pending)
                except BrokenProcessPool:
                    log.warning(
                        "chart worker died twice while pre-rendering; pre-rendering stopped"
                    )
                    break
                self._keep(job.key, png)
                self.prerendered += 1
                drawn += 1
        finally:
            jobs.cancel()  # when cancelled while they were being listed
        log.info("pre-rendered %d charts", drawn)
        return drawn

    @property
    def worker_pids(self) -> frozenset[int]:
        """The chart workers' process ids (none before the first chart or after ``close``)."""
        return frozenset((self._pool._processes or {}) if self._pool is not None else ())

    def _pool_now(self) -> ProcessPoolExecutor:
        if self._closed:
            raise RuntimeError("the chart renderer is closed")
        if self._pool is None:
            self._pool = _spawn_pool(self._workers, _start_worker)
        return self._pool

    def close(self) -> None:
        """Stop the workers; a chart being drawn is abandoned, queued ones are cancelled."""
        self._closed = True
        if self._prerendering is not None:
            self._prerendering.cancel()
            self._prerendering = None
        if self._pool is not None:
            _kill(self._pool)
        self._pool = None


def profile_job(profile: Profile, version_id: int) -> ChartJob:
    """The profile chart's job (here: the renderer's own trend_chart uses it)."""
    return ChartJob(
        key=(version_id, "profile", profile.country.iso3, profile.release_id),
        kind="profile",
        args=(profile,),
    )
