"""`natobot data validate FILE` and `natobot data history`: inspect data, never write it.

Both open the database read-only (if it exists), so they are safe to run beside a live bot.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import DatabaseFault, check_database_path, on_database
from bot.config import database_path
from bot.models import Dataset, DatasetVersion
from db.loader import MAX_FILE_BYTES, DatasetError, load_bundled, losses, validate_path
from db.store import Store


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "data", help="check dataset files and list the database's dataset versions"
    )
    commands = parser.add_subparsers(dest="data_command", metavar="{validate,history}")
    parser.set_defaults(handler=lambda args: _usage(parser))

    validate = commands.add_parser(
        "validate",
        help="check a dataset directory, a release CSV, members.csv or releases.csv",
        description="Report the problems in FILE (one per line, the first "
        f"{SHOWN_PROBLEMS}, then how many more) without loading it. A single release file "
        "(<YYYY-MM>.csv) is checked against the active dataset in the database, or the bundled "
        "one when there is no database. FILE must be a regular file of at most "
        f"{MAX_FILE_BYTES // 1024 // 1024} MiB (each file of a directory too). Exit status 1 "
        "if any problem. Figures the file would drop (allies, years or releases the loaded "
        "dataset has) are warnings: they are printed, and the exit status stays 0.",
    )
    validate.add_argument("file", type=Path, metavar="FILE")
    _database_option(validate)
    validate.set_defaults(handler=_validate)

    history = commands.add_parser("history", help="list the dataset versions, newest first")
    _database_option(history)
    history.set_defaults(handler=_history)


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        type=Path,
        default=None,
        metavar="PATH",
        help="SQLite database (default: $DATABASE_PATH or data/natobot.sqlite3)",
    )


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


# --- validate ---------------------------------------------------------------------------------

#: Problems printed in full; the rest are counted ("… and 999,950 more problems").
SHOWN_PROBLEMS = 50


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'s' if count != 1 else ''}"


async def _active_dataset(database: Path) -> tuple[Dataset, str]:
    """The active dataset in an existing database, and a phrase saying which it is."""
    store = await Store.open(database, readonly=True)
    try:
        version = store.snapshot.version
        return await store.load_version(version.version_id), (
            f"version {version.version_id} active in {database}"
        )
    finally:
        await store.close()


def _validate(args: argparse.Namespace) -> int:
    target: Path = args.file
    database: Path = args.database or database_path()
    try:
        # A directory is a whole dataset on its own; the loaded one is what it would replace.
        check_database_path("natobot data validate", database)
        if database.exists():
            base, against = on_database("natobot data validate", _active_dataset(database))
        else:
            base, against = load_bundled(), f"the bundled dataset (no database at {database})"
    except DatabaseFault as fault:
        return fault.code
    try:
        dataset = validate_path(target, base)  # reads only regular files, up to the size cap
    except DatasetError as exc:
        for problem in exc.problems[:SHOWN_PROBLEMS]:
            print(problem)
        if (rest := exc.total - min(len(exc.problems), SHOWN_PROBLEMS)) > 0:
            print(f"… and {_plural(rest, 'more problem')}")
        print(f"{_plural(exc.total, 'problem')} in {target}")
        return 1
    warnings = losses(base, dataset)
    for warning in warnings:
        print(f"warning: {warning}")
    releases = ", ".join(r.release_id for r in dataset.releases)
    checked = "compared with" if target.is_dir() else "checked against"
    print(
        f"OK: {len(dataset.records)} rows, releases {releases}; {len(dataset.members)} allies"
        + (f" ({checked} {against})" if warnings or not target.is_dir() else "")
    )
    return 0


# --- history ----------------------------------------------------------------------------------


async def _versions(database: Path) -> list[DatasetVersion]:
    store = await Store.open(database, readonly=True)
    try:
        return await store.versions()
    finally:
        await store.close()


def _history(args: argparse.Namespace) -> int:
    database: Path = args.database or database_path()
    try:
        check_database_path("natobot data history", database)
        if not database.exists():
            print(f"No database at {database}; the bot creates it on first start.", file=sys.stderr)
            return 1
        versions = on_database("natobot data history", _versions(database))
    except DatabaseFault as fault:
        return fault.code
    print(f"{'version':>7}  active  {'loaded (UTC)':19}  figures  {'sha256':12}  by / source")
    for v in versions:
        loaded = v.loaded_at.strftime("%Y-%m-%d %H:%M:%S")
        print(
            f"{v.version_id:>7}  {'yes' if v.active else '':6}  {loaded:19}  "
            f"{v.record_count:>7}  {v.sha256[:12]}  {v.loaded_by} / {v.source}"
        )
    return 0
