"""`natobot preview …`: the bot's answers in a terminal, from the same Store and analytics.

    natobot preview summary --release 2024-06 --year 2024 --target 2
    natobot preview ranking --metric spending
    natobot preview ranking --order lowest --target 3.5
    natobot preview gap Spain --target 3.5
    natobot preview country POL --chart pol.png
    natobot preview country nato --year 2020
    natobot preview compare "Poland vs Germany" --target 3.5
    natobot preview revisions Poland --year 2024
    natobot preview targets
    natobot preview summary --target 3,5 --format csv > summary.csv

``--format text`` (the default) prints the answer as the terminal render; ``csv`` the table the
"Export CSV" button sends (summary, ranking, compare, revisions); ``json`` the result itself.
Without ``--target`` the target is DEFAULT_TARGET (environment or .env), as for the bot.

Opens (and on first use creates and seeds) the database. Exit 0 with the answer on stdout; a
user error (unknown ally, release or year, bad target, …) is one line on stderr and exit 2; a
database that cannot be opened, exit 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bot import analytics, countries
from bot.analytics import Metric, Order
from bot.analytics import targets as registry
from bot.analytics.targets import MAX_TARGET, MIN_TARGET
from bot.cli.common import DatabaseFault, on_database
from bot.config import database_path, default_target
from bot.errors import UserFacingError, plain
from bot.models import FrozenModel, Release, Snapshot
from bot.options import parse_target
from bot.releases import resolve_release
from bot.render import csv_export, text, wording
from db.store import Store

PROG = "natobot preview"


class Format(StrEnum):
    TEXT = "text"
    CSV = "csv"
    JSON = "json"


#: Formats every query prints; CSV is for the tables the Discord replies export.
ALL_FORMATS = (Format.TEXT, Format.CSV, Format.JSON)
NO_TABLE = (Format.TEXT, Format.JSON)


class TargetsAnswer(FrozenModel):
    """What ``preview targets`` answers: the registry and each loaded release's measure."""

    targets: tuple[dict[str, Any], ...]
    releases: tuple[Release, ...]


#: A query computes its answer (an analytics result) from the snapshot and the options.
Query = Callable[[Snapshot, argparse.Namespace], BaseModel]


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "preview",
        help="print the bot's answers in the terminal",
        description="Print what the bot would answer, as text. Defaults: the newest release, "
        "its latest year, and DEFAULT_TARGET (else 2).",
    )
    parser.set_defaults(handler=lambda args: _usage(parser))
    queries = parser.add_subparsers(dest="query", metavar="{" + ",".join(_QUERIES) + "}")
    for name, (help_text, query, options, formats) in _QUERIES.items():
        sub = queries.add_parser(name, help=help_text, description=help_text)
        for option in options:
            _OPTIONS[option](sub)
        sub.add_argument(
            "--format",
            choices=[f.value for f in formats],
            default=Format.TEXT.value,
            help="text (default), "
            + ("csv (the table the Export CSV button sends), " if Format.CSV in formats else "")
            + "or json (the result, every field)",
        )
        sub.add_argument(
            "--database",
            type=Path,
            default=None,
            metavar="PATH",
            help="SQLite database (default: $DATABASE_PATH or data/natobot.sqlite3); "
            "created and seeded with the bundled data if missing",
        )
        sub.set_defaults(handler=_handler(query))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _handler(query: Query) -> Callable[[argparse.Namespace], int]:
    def handle(args: argparse.Namespace) -> int:
        database: Path = args.database or database_path()
        try:
            snap = on_database(PROG, Store.read_snapshot(database))
        except DatabaseFault as fault:
            return fault.code
        try:
            if getattr(args, "release", None) is not None:  # read as the Discord option is
                args.release = resolve_release(snap, args.release).release_id
            result = query(snap, args)
            output = _output(result, snap, Format(args.format))
            if args.format == Format.TEXT:
                output += "".join(f"\n{note}" for note in _text_notes(result, args))
            chart: Path | None = getattr(args, "chart", None)
            if chart is not None and isinstance(result, analytics.Profile):
                note = _write_chart(result, chart)
                if args.format == Format.TEXT:
                    output += f"\n\n{note}"
                else:  # stdout holds the CSV or JSON only
                    print(note, file=sys.stderr)
        except UserFacingError as exc:
            print(f"{PROG}: {plain(str(exc))}", file=sys.stderr)
            return 2
        try:
            print(output, flush=True)
        except BrokenPipeError:  # e.g. `| head`: the reader has what it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0

    return handle


def _output(result: BaseModel, snap: Snapshot, fmt: Format) -> str:
    if fmt is Format.JSON:
        return json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False)
    if fmt is Format.CSV:
        return csv_export.to_csv(result, snap).rstrip("\n")
    if isinstance(result, TargetsAnswer):
        return text.render_targets(result.releases)
    return text.render(result)


def _text_notes(result: BaseModel, args: argparse.Namespace) -> list[str]:
    """What the terminal adds under a text answer."""
    if isinstance(result, analytics.Ranking) and args.target is not None and result.target is None:
        return [wording.TARGET_SHARE_ONLY]  # a target line is drawn in share rankings only
    return []


def _write_chart(result: analytics.Profile, chart: Path) -> str:
    from bot.render import charts  # matplotlib takes most of a second to import

    try:
        chart.write_bytes(charts.trend_chart(result))
    except OSError as exc:
        raise UserFacingError(f"Cannot write the chart to {chart}: {exc.strerror}.") from None
    return f"Chart written to {chart}"


def _target(args: argparse.Namespace) -> float:
    """``--target`` read like the Discord option (3.5, 3,5, 3.5%), else DEFAULT_TARGET."""
    raw: str | None = args.target
    return default_target() if raw is None else parse_target(raw)


# --------------------------------------------------------------------------- queries


def _summary(snap: Snapshot, args: argparse.Namespace) -> BaseModel:
    return analytics.summary(snap, release_id=args.release, year=args.year, target=_target(args))


def _ranking(snap: Snapshot, args: argparse.Namespace) -> BaseModel:
    return analytics.ranking(
        snap,
        metric=Metric(args.metric),
        release_id=args.release,
        year=args.year,
        order=args.order,
        target=None if args.target is None else _target(args),
    )


def _gap(snap: Snapshot, args: argparse.Namespace) -> BaseModel:
    country = countries.resolve(snap, args.country)
    return analytics.gap(
        snap, country.iso3, release_id=args.release, year=args.year, target=_target(args)
    )


def _country(snap: Snapshot, args: argparse.Namespace) -> BaseModel:
    country = countries.resolve(snap, args.country, aggregates=True)
    return analytics.profile(snap, country.iso3, release_id=args.release, year=args.year)


def _compare(snap: Snapshot, args: argparse.Namespace) -> BaseModel:
    allies = countries.resolve_many(snap, ", ".join(args.countries), aggregates=True)
    return analytics.compare(
        snap,
        [c.iso3 for c in allies],
        release_id=args.release,
        year=args.year,
        target=_target(args),
    )


def _revisions(snap: Snapshot, args: argparse.Namespace) -> BaseModel:
    country = countries.resolve(snap, args.country)
    return analytics.revisions(snap, country.iso3, year=args.year)


def _targets(snap: Snapshot, args: argparse.Namespace) -> BaseModel:
    named = (*registry.GDP_TARGETS, registry.EQUIPMENT)
    return TargetsAnswer(
        targets=tuple(dataclasses.asdict(t) for t in named),
        releases=tuple(snap.releases.values()),
    )


# --------------------------------------------------------------------------- options


def _release(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--release",
        metavar="YYYY-MM",
        help="NATO release: 2024-06, 2024-6, June 2024, a year with one release, or latest "
        "(default: the newest)",
    )


def _year(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=int, help="year of the figures (default: the latest)")


def _target_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--target",
        default=None,
        metavar="PCT",
        help=f"%% of GDP: 2, 3.5, 5 or any number {MIN_TARGET:g}-{MAX_TARGET:g}, written 3.5, "
        "3,5 or 3.5%% (default: DEFAULT_TARGET, else 2)",
    )


def _metric(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--metric",
        choices=[m.value for m in Metric],
        default=Metric.SHARE.value,
        help="what to rank by (default: share)",
    )


def _country_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("country", help="ally: name, ISO code or alias (e.g. Spain, ESP, es)")


def _countries_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "countries",
        nargs="+",
        help='2 to 5 allies (or NATO): "pl, de, fr", "Poland vs Germany" or pl de fr',
    )


def _chart(p: argparse.ArgumentParser) -> None:
    p.add_argument("--chart", type=Path, metavar="OUT.png", help="also write the trend chart")


def _order(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--order",
        choices=[o.value for o in Order],
        default=Order.HIGHEST.value,
        help="highest first (default) or lowest first",
    )


def _line_target(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--target",
        default=None,
        metavar="PCT",
        help="draw a line at this %% of GDP in a share ranking (e.g. 2, 3.5, 5; also 3,5 or 3.5%%)",
    )


def _subject_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "country",
        help="ally (name, ISO code or alias), or NATO / 'Europe & Canada' (NATO's aggregates)",
    )


_OPTIONS: dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "release": _release,
    "year": _year,
    "target": _target_option,
    "metric": _metric,
    "country": _country_arg,
    "countries": _countries_arg,
    "chart": _chart,
    "order": _order,
    "line_target": _line_target,
    "subject": _subject_arg,
}

_QUERIES: dict[str, tuple[str, Query, tuple[str, ...], tuple[Format, ...]]] = {
    "summary": (
        "who meets the target, who doesn't",
        _summary,
        ("release", "year", "target"),
        ALL_FORMATS,
    ),
    "ranking": (
        "allies ranked by a measure",
        _ranking,
        ("metric", "release", "year", "order", "line_target"),
        ALL_FORMATS,
    ),
    "gap": (
        "how far an ally is from the target, and its path to the target's deadline",
        _gap,
        ("country", "release", "year", "target"),
        NO_TABLE,
    ),
    "country": (
        "an ally's (or NATO's) profile (and trend chart)",
        _country,
        ("subject", "release", "year", "chart"),
        NO_TABLE,
    ),
    "compare": (
        "2 to 5 allies side by side",
        _compare,
        ("countries", "release", "year", "target"),
        ALL_FORMATS,
    ),
    "revisions": (
        "an ally-year as each loaded release published it",
        _revisions,
        ("country", "year"),
        ALL_FORMATS,
    ),
    "targets": ("what the targets mean, and each release's basis", _targets, (), NO_TABLE),
}
