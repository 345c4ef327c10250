"""The pure layers stay pure: analytics, models, countries and the loader never import Discord,
the SQLite driver or the Store, so they run (and are tested) without either. And the console
script's module imports next to nothing: every process the bot spawns imports it again."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PURE = ["bot.analytics", "bot.models", "bot.countries", "db.loader"]
FORBIDDEN = ["discord", "aiosqlite", "db.store"]


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


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_neither_discord_nor_the_store(module: str) -> None:
    assert imported_of(module, FORBIDDEN) == [], module


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


def test_chart_replies_does_not_import_the_bot() -> None:
    """chart_replies needs the renderer and the snapshot, not the bot: no import of bot.client,
    not even a type-only one (it would close a circle: the client imports chart_replies)."""
    tree = ast.parse((ROOT / "bot" / "chart_replies.py").read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert "bot.client" not in imported
    assert "bot.chart_renderer" in imported  # the walk sees this module's imports at all
