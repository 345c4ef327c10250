"""The benchmarks: ``python -m bench`` runs every one in turn with its defaults (what ``make
bench`` runs); ``python -m bench NAME [options]`` runs one, e.g. ``python -m bench commands
--help``.

Each runs in a fresh interpreter, so one's imports and heap do not colour the next one's
start-up time, memory or garbage-collection pauses. Each prints its own figures and asserts
nothing. Sized for a 2-core machine: about four and a half minutes in all.

Run one through this module rather than as ``python -m bench.NAME``: the bot starts its chart
workers and a reload's parser with multiprocessing's spawn, which imports the main module again
in every child. A benchmark as the main module would load itself, the fake Discord and
discord.py into each child, making them bigger and slower to start than the bot's own (whose
console script is import-light for that reason: bot/__main__.py). A package's ``__main__`` is
never imported again.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import time

BENCHMARKS: list[tuple[str, str]] = [
    ("store", "seeding, reopening, activating, validating"),
    ("analytics", "queries, lookups and renders on the bundled data"),
    ("commands", "the bot's commands against the fake Discord"),
    ("reload", "reloads: bundled, 100,000 rows, /summary during a reload"),
    ("sigkill", "SIGKILL the bot after a chart: processes left behind"),
    ("ranking_memory", "3,000 /ranking with idle gaps: memory returned"),
    ("ranking_live", "5,000 /ranking, every page still live: memory bounded"),
    ("updates", "1,000 scheduled posts due at once, against the rate limits"),
]
#: Not in the full run (bench.commands measures the bare bot too), but runnable by name.
EXTRA = ["bare"]


def run_all() -> int:
    failed = []
    for name, what in BENCHMARKS:
        print(f"\n=== bench {name}: {what}\n", flush=True)
        started = time.monotonic()
        code = subprocess.run([sys.executable, "-m", "bench", name], check=False).returncode
        print(f"\n(bench {name} took {time.monotonic() - started:.0f} s)", flush=True)
        if code != 0:
            failed.append(f"{name} (exit {code})")
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def run_one(name: str, argv: list[str]) -> int:
    known = [n for n, _ in BENCHMARKS] + EXTRA
    if name not in known:
        print(
            f"python -m bench: no benchmark {name!r}; one of: {', '.join(known)}", file=sys.stderr
        )
        return 2
    module = importlib.import_module(f"bench.{name}")
    sys.argv = [f"python -m bench {name}", *argv]  # what its argparse reads
    module.main()
    return 0


def main() -> int:
    if len(sys.argv) > 1:
        return run_one(sys.argv[1], sys.argv[2:])
    return run_all()


if __name__ == "__main__":
    sys.exit(main())
