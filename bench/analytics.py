"""Analytics, lookup and render timings: ``python -m bench analytics [--runs N] [--chart-runs N]``.

Times every analytics query, country resolve/autocomplete (called on every keystroke) and every
render (text, embed, chart) on the bundled data, as a freshly seeded Store serves it. Prints the
median and p99 per operation; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tabulate import tabulate

from bot import analytics, countries
from bot.analytics import Metric
from bot.errors import UnknownCountry
from bot.models import Snapshot
from bot.render import charts, embeds, text
from db.store import Store


def _time(action: Callable[[], object], runs: int) -> list[float]:
    action()  # warm-up: imports, caches, font loading
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def _p99(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]


def _operations(snap: Snapshot) -> dict[str, Callable[[], Any]]:
    summary = analytics.summary(snap, release_id="2024-06", year=2024)
    ranking = analytics.ranking(snap, metric=Metric.SHARE)
    gap = analytics.gap(snap, "ESP", release_id="2024-06", year=2024)
    profile = analytics.profile(snap, "POL")
    comparison = analytics.compare(snap, ["POL", "DEU", "FRA", "ITA", "ESP"])
    revisions = analytics.revisions(snap, "POL")
    return {
        "analytics.summary": lambda: analytics.summary(snap, release_id="2024-06", year=2024),
        "analytics.summary (target 3.5)": lambda: analytics.summary(snap, target=3.5),
        "analytics.ranking share": lambda: analytics.ranking(snap, metric=Metric.SHARE),
        "analytics.ranking spending": lambda: analytics.ranking(snap, metric=Metric.SPENDING),
        "analytics.gap": lambda: analytics.gap(snap, "ESP", release_id="2024-06", year=2024),
        "analytics.profile": lambda: analytics.profile(snap, "POL"),
        "analytics.compare (5)": lambda: analytics.compare(
            snap, ["POL", "DEU", "FRA", "ITA", "ESP"]
        ),
        "analytics.revisions": lambda: analytics.revisions(snap, "POL"),
        "countries.resolve exact": lambda: countries.resolve(snap, "United Kingdom"),
        "countries.resolve miss (suggest)": lambda: _miss(snap),
        "countries.resolve_many (3)": lambda: countries.resolve_many(snap, "pl, de, fr"),
        "autocomplete ''": lambda: countries.autocomplete(snap, ""),
        "autocomplete 'po'": lambda: countries.autocomplete(snap, "po"),
        "autocomplete 'germny' (fuzzy)": lambda: countries.autocomplete(snap, "germny"),
        "text.render summary": lambda: text.render(summary),
        "text.render ranking": lambda: text.render(ranking),
        "embeds.summary_embed": lambda: embeds.summary_embed(summary),
        "embeds.ranking_pages": lambda: embeds.ranking_pages(ranking),
        "embeds.gap_embed": lambda: embeds.gap_embed(gap),
        "embeds.profile_embed": lambda: embeds.profile_embed(profile),
        "embeds.compare_embed": lambda: embeds.compare_embed(comparison),
        "embeds.revisions_embed": lambda: embeds.revisions_embed(revisions),
        "embeds.targets_embed": lambda: embeds.targets_embed(snap),
    }


def _miss(snap: Snapshot) -> None:
    with contextlib.suppress(UnknownCountry):
        countries.resolve(snap, "Germny")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench analytics", description=__doc__)
    parser.add_argument("--runs", type=int, default=500, help="runs per operation")
    parser.add_argument("--chart-runs", type=int, default=30, help="runs of the chart render")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="natobot-bench-") as tmp:
        snap = asyncio.run(Store.read_snapshot(Path(tmp) / "natobot.sqlite3"))

    rows = []
    for name, action in _operations(snap).items():
        times = _time(action, args.runs)
        rows.append([name, args.runs, statistics.median(times) * 1e3, _p99(times) * 1e3])
    profile = analytics.profile(snap, "POL")
    times = _time(lambda: charts.trend_chart(profile), args.chart_runs)
    size = len(charts.trend_chart(profile))
    rows.append(
        [
            f"charts.trend_chart ({size / 1000:.0f} KB PNG)",
            args.chart_runs,
            statistics.median(times) * 1e3,
            _p99(times) * 1e3,
        ]
    )
    print(tabulate(rows, headers=["operation", "runs", "median ms", "p99 ms"], floatfmt=".3f"))


if __name__ == "__main__":
    main()
