"""Every benchmark in turn, with its defaults: ``python -m bench`` (what ``make bench`` runs).

Each prints its own figures and asserts nothing; run one alone for its options, e.g.
``python -m bench.commands --help``. Sized for a 2-core machine: a minute or two in all.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bench import analytics, commands, store

BENCHMARKS: list[tuple[str, Callable[[list[str] | None], None]]] = [
    ("bench.store: seeding, reopening, activating, validating", store.main),
    ("bench.analytics: queries, lookups and renders on the bundled data", analytics.main),
    ("bench.commands: the bot's commands against the fake Discord", commands.main),
]


def main() -> None:
    for title, run in BENCHMARKS:
        print(f"\n=== {title}\n", flush=True)
        started = time.monotonic()
        run([])
        print(f"\n({title.split(':')[0]} took {time.monotonic() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
