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

Opens (and on first use creates and seeds) the database. Exit 0 with the text render on
stdout; a user error (unknown ally, release or year, bad target, …) is one line on stderr and
exit 2; a database that cannot be opened, exit 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot import analytics, countries
from bot.analytics import Metric, Order
from bot.analytics.targets import MAX_TARGET, MIN_TARGET
from bot.cli.common import DatabaseFault, on_database
from bot.config import database_path
from bot.errors import UserFacingError
from bot.models import Snapshot
from bot.render import text, wording
from db.store import Store

PROG = "natobot preview"

Query = Callable[[Snapshot, argparse.Namespace], str]


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "preview",
        help="print the bot's answers in the terminal",
        description="Print what the bot would answer, as text. Defaults: the newest release, "
        "its latest year, target 2.",
    )
    parser.set_defaults(handler=lambda args: _usage(parser))
    queries = parser.add_subparsers(dest="query", metavar="{" + ",".join(_QUERIES) + "}")
    for name, (help_text, query, options) in _QUERIES.items():
        sub = queries.add_parser(name, help=help_text, description=help_text)
        for option in options:
            _OPTIONS[option](sub)
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
            output = query(snap, args)
        except UserFacingError as exc:
            print(f"{PROG}: {exc}", file=sys.stderr)
            return 2
        try:
            print(output, flush=True)
        except BrokenPipeError:  # e.g. `| head`: the reader has what it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0

    return handle


def _target(args: argparse.Namespace) -> float:
    raw: str = args.target
    try:
        value = float(raw)
    except ValueError:
        raise UserFacingError(
            f"A target must be a number of % of GDP between {MIN_TARGET:g} and {MAX_TARGET:g}; "
            f"got “{raw}”."
        ) from None
    return analytics.validate_target(value)


# --------------------------------------------------------------------------- queries


def _summary(snap: Snapshot, args: argparse.Namespace) -> str:
    result = analytics.summary(snap, release_id=args.release, year=args.year, target=_target(args))
    return text.render(result)


def _ranking(snap: Snapshot, args: argparse.Namespace) -> str:
    result = analytics.ranking(
        snap,
        metric=Metric(args.metric),
        release_id=args.release,
        year=args.year,
        order=args.order,
        target=None if args.target is None else _target(args),
    )
    out = text.render(result)
    if args.target is not None and result.target is None:
        out += f"\n{wording.TARGET_SHARE_ONLY}"
    return out


def _gap(snap: Snapshot, args: argparse.Namespace) -> str:
    country = countries.resolve(snap, args.country)
    result = analytics.gap(
        snap, country.iso3, release_id=args.release, year=args.year, target=_target(args)
    )
    return text.render(result)


def _country(snap: Snapshot, args: argparse.Namespace) -> str:
    country = countries.resolve(snap, args.country, aggregates=True)
    result = analytics.profile(snap, country.iso3, release_id=args.release, year=args.year)
    output = text.render(result)
    if args.chart is not None:
        from bot.render import charts  # matplotlib takes most of a second to import

        chart: Path = args.chart
        try:
            chart.write_bytes(charts.trend_chart(result))
        except OSError as exc:
            raise UserFacingError(f"Cannot write the chart to {chart}: {exc.strerror}.") from None
        output += f"\n\nChart written to {chart}"
    return output


def _compare(snap: Snapshot, args: argparse.Namespace) -> str:
    allies = countries.resolve_many(snap, ", ".join(args.countries), aggregates=True)
    result = analytics.compare(
        snap,
        [c.iso3 for c in allies],
        release_id=args.release,
        year=args.year,
        target=_target(args),
    )
    return text.render(result)


def _revisions(snap: Snapshot, args: argparse.Namespace) -> str:
    country = countries.resolve(snap, args.country)
    return text.render(analytics.revisions(snap, country.iso3, year=args.year))


def _targets(snap: Snapshot, args: argparse.Namespace) -> str:
    return text.render_targets(snap.releases.values())


# --------------------------------------------------------------------------- options


def _release(p: argparse.ArgumentParser) -> None:
    p.add_argument("--release", metavar="YYYY-MM", help="NATO release (default: the newest)")


def _year(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=int, help="year of the figures (default: the latest)")


def _target_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--target",
        default="2",
        metavar="PCT",
        help=f"%% of GDP: 2, 3.5, 5 or any number {MIN_TARGET:g}-{MAX_TARGET:g} (default: 2)",
    )


def _metric(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--metric",
        choices=[m.value for m in Metric],
        default=Metric.SHARE.value,
        help="what to rank by (default: share)",
    )


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
        help="draw a line at this %% of GDP in a share ranking (e.g. 2, 3.5, 5)",
    )


def _subject_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "country",
        help="ally (name, ISO code or alias), or NATO / 'Europe & Canada' (NATO's aggregates)",
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


_OPTIONS: dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "release": _release,
    "year": _year,
    "target": _target_option,
    "metric": _metric,
    "order": _order,
    "line_target": _line_target,
    "subject": _subject_arg,
    "country": _country_arg,
    "countries": _countries_arg,
    "chart": _chart,
}

_QUERIES: dict[str, tuple[str, Query, tuple[str, ...]]] = {
    "summary": ("who meets the target, who doesn't", _summary, ("release", "year", "target")),
    "ranking": (
        "allies ranked by a measure",
        _ranking,
        ("metric", "release", "year", "order", "line_target"),
    ),
    "gap": (
        "how far an ally is from the target, and its path to the target's deadline",
        _gap,
        ("country", "release", "year", "target"),
    ),
    "country": (
        "an ally's (or NATO's) profile (and trend chart)",
        _country,
        ("subject", "release", "year", "chart"),
    ),
    "compare": (
        "2 to 5 allies side by side",
        _compare,
        ("countries", "release", "year", "target"),
    ),
    "revisions": (
        "an ally-year as each loaded release published it",
        _revisions,
        ("country", "year"),
    ),
    "targets": ("what the targets mean, and each release's basis", _targets, ()),
}
