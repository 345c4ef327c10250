"""`natobot data validate|diff|history` inspect data; `natobot data load|rollback` change it.

``validate``, ``diff`` and ``history`` never write: ``validate`` and ``history`` open the
database read-only (if it exists). ``load`` and ``rollback`` go through the same reload path as
the Discord commands (``bot/reload.py``): every row validated, the diff printed, then one
transaction with its audit entry; a running bot on the same file takes the new version up on
its next ``Store.refresh()``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.cli.common import DatabaseFault, check_database_path, on_database
from bot.config import database_path
from bot.models import Dataset, DatasetVersion
from bot.reload import (
    Bundled,
    InvalidData,
    Plan,
    Reloader,
    ReloadError,
    Source,
    source_at,
)
from bot.render import admin
from bot.render.diff import diff_text
from db.loader import MAX_FILE_BYTES, DatasetError, Problem, load_bundled, losses
from db.loader.source import read_source
from db.store import Store


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "data", help="check, load, diff and roll back dataset versions"
    )
    commands = parser.add_subparsers(
        dest="data_command", metavar="{validate,load,diff,history,rollback}"
    )
    parser.set_defaults(handler=lambda args: _usage(parser))

    validate = commands.add_parser(
        "validate",
        help="check a dataset directory, a release CSV, NATO's workbook, members.csv or "
        "releases.csv",
        description="Report the problems in FILE (one per line, the first "
        f"{SHOWN_PROBLEMS}, then how many more) without loading it: it is read exactly as "
        "`load` reads it, so it passes exactly when `load --dry-run` would. A single file is "
        "checked against the active dataset in the database, or the bundled one when there is "
        "no database. FILE must be a regular file of at most "
        f"{MAX_FILE_BYTES // 1024 // 1024} MiB (each file of a directory too). Exit status 1 "
        "if any problem. Figures the file would drop (allies, years or releases the loaded "
        "dataset has) are warnings: they are printed, and the exit status stays 0.",
    )
    validate.add_argument("file", type=Path, metavar="FILE")
    _source_options(validate)
    _database_option(validate)
    validate.set_defaults(handler=_validate)

    load = commands.add_parser(
        "load",
        help="load a release file, NATO's workbook, a dataset directory or the bundled data",
        description="Validate the source (every problem, one per line), print what it changes "
        "against the active data, then activate it as a new dataset version (with --dry-run: "
        "stop after the diff). FILE is a release CSV (its release id from --release or its "
        "name <YYYY-MM>.csv), NATO's Excel workbook, or a directory holding a whole dataset. "
        "Exit status 1 if the source has problems, the database cannot be written, or nothing "
        "would change.",
    )
    what = load.add_mutually_exclusive_group(required=True)
    what.add_argument("file", type=Path, metavar="FILE", nargs="?")
    what.add_argument("--bundled", action="store_true", help="the data shipped with the bot")
    _source_options(load)
    load.add_argument("--dry-run", action="store_true", help="print the diff, change nothing")
    _database_option(load)
    load.set_defaults(handler=_load)

    diff = commands.add_parser(
        "diff",
        help="print what loading FILE would change (load --dry-run)",
        description="What loading FILE would change against the active data; writes nothing.",
    )
    diff.add_argument("file", type=Path, metavar="FILE")
    _source_options(diff)
    _database_option(diff)
    diff.set_defaults(handler=_diff, bundled=False, dry_run=True)

    history = commands.add_parser("history", help="list the dataset versions, newest first")
    history.add_argument("--full", action="store_true", help="print whole sha256 digests")
    _database_option(history)
    history.set_defaults(handler=_history)

    rollback = commands.add_parser(
        "rollback",
        help="make an earlier dataset version active again",
        description="Print what returning to VERSION (default: the version the active one "
        "replaced) changes, then do it, asking nothing (with --dry-run: only print).",
    )
    rollback.add_argument("version", type=int, metavar="VERSION", nargs="?")
    rollback.add_argument("--dry-run", action="store_true", help="print the diff, change nothing")
    _database_option(rollback)
    rollback.set_defaults(handler=_rollback)


def _source_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--release", metavar="ID", help="the release a CSV holds (YYYY-MM), new or loaded"
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        metavar="RELEASES_CSV",
        help="releases.csv rows giving a new release its title, date and basis",
    )


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


def _print_problems(problems: Sequence[Problem], total: int, where: str) -> None:
    for line in admin.problem_lines(problems, total, SHOWN_PROBLEMS):
        print(line)
    print(admin.problems_in(total, where))


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
        # The one reader of ``load`` and /admin reload: only regular files, up to the size cap.
        source = source_at(target, release=args.release, manifest=args.manifest)
        candidate = read_source(source, base)
    except DatasetError as exc:
        _print_problems(exc.problems, exc.total, str(target))
        return 1
    dataset = candidate.dataset
    warnings = [*losses(base, dataset), *candidate.warnings]
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
    for line in admin.history_lines(versions, sha_width=64 if args.full else 12):
        print(line)
    return 0


# --- load, diff, rollback ---------------------------------------------------------------------


def _who() -> str:
    """The loaded_by of a CLI change: the operator's login."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _source(args: argparse.Namespace) -> Source:
    """The reload source the arguments name; DatasetError for a file that cannot be read."""
    if args.bundled:
        return Bundled()
    return source_at(args.file, release=args.release, manifest=args.manifest)


def _print_plan(plan: Plan, *, dry_run: bool) -> None:
    title = admin.change_title(
        source=plan.source,
        active=plan.base.version_id,
        rollback_to=plan.rollback_to,
        dry_run=dry_run,
    )
    names = admin.ally_names((*plan.dataset.members, *plan.snapshot.countries.values()))
    print(diff_text(plan.diff, names, title=title, notes=plan.notes, warnings=plan.warnings))


async def _change(database: Path, args: argparse.Namespace, rollback: bool) -> int:
    # A dry run writes nothing, not even a migration.
    store = await Store.open(database, readonly=args.dry_run)
    try:
        reloader = Reloader(store)
        try:
            if rollback:
                plan = await reloader.prepare_rollback(args.version)
            else:
                plan = await reloader.prepare(_source(args))
        except DatasetError as exc:  # the file itself could not be read
            _print_problems(exc.problems, exc.total, str(args.file))
            return 1
        except InvalidData as exc:
            _print_problems(exc.problems, exc.total, exc.source)
            return 1
        except ReloadError as exc:
            print(f"natobot data: {exc}", file=sys.stderr)
            return 1
        _print_plan(plan, dry_run=args.dry_run)
        if plan.unchanged:
            return 0 if args.dry_run else 1
        if args.dry_run:
            print("Dry run: nothing was changed.")
            return 0
        print("Writing the new version…", flush=True)  # a marker the crash test waits for
        try:
            version = await reloader.apply(plan, _who())
        except ReloadError as exc:
            print(f"natobot data: {exc}", file=sys.stderr)
            return 1
        print(f"{admin.activated(version)} A running bot takes it up within a minute.")
        return 0
    finally:
        await store.close()


def _run_change(args: argparse.Namespace, prog: str, *, rollback: bool = False) -> int:
    database: Path = args.database or database_path()
    try:
        check_database_path(prog, database)
        if args.dry_run and not database.exists():
            print(f"No database at {database}; the bot creates it on first start.", file=sys.stderr)
            return 1
        return on_database(prog, _change(database, args, rollback))
    except DatabaseFault as fault:
        return fault.code


def _load(args: argparse.Namespace) -> int:
    return _run_change(args, "natobot data load")


def _diff(args: argparse.Namespace) -> int:
    return _run_change(args, "natobot data diff")


def _rollback(args: argparse.Namespace) -> int:
    return _run_change(args, "natobot data rollback", rollback=True)
