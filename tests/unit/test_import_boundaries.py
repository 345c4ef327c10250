"""The console script's module imports next to nothing: every process the bot spawns imports it
again. (That the pure layers never import Discord, a driver or the Store is import-linter's
job: the contracts in pyproject.toml, run by ``make lint``; tests/unit/test_layers.py checks
them.)"""

from __future__ import annotations

import subprocess
import sys

from tests.support.paths import ROOT

#: What a chart worker or a reload's parser would otherwise import for nothing (bot/__main__.py).
HEAVY = ["discord", "aiohttp", "matplotlib", "pydantic", "bot.client", "db.store"]


def imported_of(module: str, watched: list[str]) -> list[str]:
    """Which of ``watched`` importing ``module`` imports, in a fresh interpreter (this test
    process has imported everything already)."""
    probe = (
        "import importlib, sys\n"
        f"importlib.import_module({module!r})\n"
        f"print(','.join(m for m in {watched!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return [m for m in done.stdout.strip().split(",") if m]


def test_the_console_scripts_module_imports_no_heavy_library() -> None:
    """The ``natobot`` script imports bot.__main__, and so does each process the bot spawns
    (multiprocessing's spawn re-imports the parent's main module): a chart worker would carry
    discord.py and the whole bot (~30 MB) for nothing."""
    assert imported_of("bot.__main__", HEAVY) == []


def test_the_probe_sees_an_import_when_there_is_one() -> None:
    """The check itself can fail: the Store does import the SQLite driver."""
    probe = "import sys, db.store; print('aiosqlite' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "True", done.stderr


def test_showing_a_subscription_loads_no_database_driver() -> None:
    """The subscription model is the domain's (bot/subscriptions.py): the scheduled posts'
    renderer, and the model itself, never bring in the SQLite driver or the Store."""
    assert imported_of("bot.subscriptions", ["discord", "aiosqlite", "db.store"]) == []
    assert imported_of("bot.render.updates", ["aiosqlite", "db.store", "db.subscriptions"]) == []
