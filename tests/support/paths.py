"""Where the checkout is, for tests that run the project's files (at any depth of tests/)."""

from __future__ import annotations

from pathlib import Path

#: The checkout's root: pyproject.toml, bot/, cogs/, db/.
ROOT = Path(__file__).resolve().parents[2]
