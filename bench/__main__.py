"""Every benchmark in turn, with its defaults: ``python -m bench`` (what ``make bench`` runs).

Each runs in a fresh interpreter, so one's imports and heap do not colour the next one's
start-up time, memory or garbage-collection pauses. Each prints its own figures and asserts
nothing; run one alone for its options, e.g. ``python -m bench.commands --help``.
Sized for a 2-core machine: about three and a half minutes in all.
"""

from __future__ import annotations

import subprocess
import sys
import time

BENCHMARKS: list[tuple[str, str]] = [
    ("bench.store", "seeding, reopening, activating, validating"),
    ("bench.analytics", "queries, lookups and renders on the bundled data"),
    ("bench.commands", "the bot's commands against the fake Discord"),
    ("bench.reload", "reloads: bundled, 100,000 rows, /summary during a reload"),
    ("bench.sigkill", "SIGKILL the bot after a chart: processes left behind"),
    ("bench.ranking_memory", "3,000 /ranking with idle gaps: memory returned"),
    ("bench.updates", "1,000 scheduled posts due at once, against the rate limits"),
]


def main() -> int:
    failed = []
    for module, what in BENCHMARKS:
        print(f"\n=== {module}: {what}\n", flush=True)
        started = time.monotonic()
        code = subprocess.run([sys.executable, "-m", module], check=False).returncode
        print(f"\n({module} took {time.monotonic() - started:.0f} s)", flush=True)
        if code != 0:
            failed.append(f"{module} (exit {code})")
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
