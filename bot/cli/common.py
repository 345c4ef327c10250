"""What every terminal command shares: opening the database and failing the same one-line way."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from db.store import Store, StoreError

T = TypeVar("T")

#: Exit status of a command whose database cannot be opened or read.
DATABASE_FAULT = 1


class DatabaseFault(Exception):
    """A StoreError already reported on stderr; ``code`` is the exit status to return."""

    code = DATABASE_FAULT


def on_database(prog: str, work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` (which opens the Store) to its end.

    A StoreError is printed as one line, ``prog: message`` (the message names the file), and
    raised again as DatabaseFault for the command to return its ``code``: every command
    reports a database fault the same way, with no traceback.
    """
    try:
        return asyncio.run(work)
    except StoreError as exc:
        raise _reported(prog, exc) from exc


def check_database_path(prog: str, path: Path) -> None:
    """Before deciding there is no database at ``path``: refuse one that can never be one
    (empty, blank, a folder, not SQLite), reported as ``on_database`` reports."""
    try:
        Store.check_path(path)
    except StoreError as exc:
        raise _reported(prog, exc) from exc


def _reported(prog: str, exc: StoreError) -> DatabaseFault:
    print(f"{prog}: {exc}", file=sys.stderr)
    return DatabaseFault()
