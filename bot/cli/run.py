"""`natobot run` (placeholder until implemented)."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser("run", help="not implemented yet")
    p.set_defaults(handler=lambda args: 2)
