"""The pure layers stay pure: analytics, models, countries and the loader never import Discord,
the SQLite driver or the Store, so they run (and are tested) without either."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PURE = ["bot.analytics", "bot.models", "bot.countries", "db.loader"]
FORBIDDEN = ["discord", "aiosqlite", "db.store"]


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_neither_discord_nor_the_store(module: str) -> None:
    # A fresh interpreter: this test process has imported everything already.
    probe = (
        "import importlib, sys\n"
        f"importlib.import_module({module!r})\n"
        f"print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"{module} imports {done.stdout.strip()}"


def test_the_probe_sees_an_import_when_there_is_one() -> None:
    """The check itself can fail: the Store does import the SQLite driver."""
    probe = "import sys, db.store; print('aiosqlite' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "True", done.stderr
