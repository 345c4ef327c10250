"""The chart renderer: real worker processes, the cache, shared renders, a dying worker."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator

import pytest

from bot import analytics
from bot.chart_renderer import ChartRenderer, profile_job
from bot.render.charts import render
from db.store import Store
from tests.support.png import PNG_SIGNATURE


@pytest.fixture
async def renderer() -> AsyncIterator[ChartRenderer]:
    charts = ChartRenderer(workers=1)
    try:
        yield charts
    finally:
        charts.close()


async def test_same_new_chart_asked_at_once_is_rendered_once(
    store: Store, renderer: ChartRenderer
) -> None:
    profile = analytics.profile(store.snapshot, "POL")
    version = store.snapshot.version.version_id
    pngs = await asyncio.gather(
        *(renderer.trend_chart(profile, version_id=version) for _ in range(3))
    )
    assert pngs[0].startswith(PNG_SIGNATURE)
    assert pngs[0] == pngs[1] == pngs[2]
    assert renderer.rendered == 1
    # A new dataset version is a new chart.
    await renderer.trend_chart(profile, version_id=version + 1)
    assert renderer.rendered == 2


async def test_a_killed_worker_is_replaced(store: Store, renderer: ChartRenderer) -> None:
    version = store.snapshot.version.version_id
    await renderer.trend_chart(analytics.profile(store.snapshot, "POL"), version_id=version)
    pool = renderer._pool
    assert pool is not None
    for pid in list(pool._processes):  # the workers are real processes: kill them
        os.kill(pid, signal.SIGKILL)
    png = await renderer.trend_chart(analytics.profile(store.snapshot, "DEU"), version_id=version)
    assert png.startswith(PNG_SIGNATURE)
    assert renderer.rendered == 2
    assert renderer._pool is not pool


async def test_the_cache_keeps_the_most_recent_charts_within_its_bytes(store: Store) -> None:
    """Least recently asked first out, once the PNGs kept would pass the cache's bytes."""
    version = store.snapshot.version.version_id
    pol, deu, fra = (analytics.profile(store.snapshot, c) for c in ("POL", "DEU", "FRA"))
    size = {p.country.iso3: len(render("profile", p)) for p in (pol, deu, fra)}  # deterministic
    # Room for Poland with either of the others, not for all three.
    room = size["POL"] + max(size["DEU"], size["FRA"])
    charts = ChartRenderer(workers=1, cache_bytes=room)
    try:
        for profile in (pol, deu, pol, fra):  # Poland asked again: Germany is the oldest
            await charts.trend_chart(profile, version_id=version)
        kept = {
            p.country.iso3 for p in (pol, deu, fra) if charts.cached(profile_job(p, version).key)
        }
        assert kept == {"POL", "FRA"}
        assert charts.rendered == 3
    finally:
        charts.close()
