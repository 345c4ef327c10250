"""The ``natobot`` command line: ``run`` (default), ``preview …`` and ``data …``.

Each sub-command lives in its own module under ``bot/cli/`` and registers itself through
``add_parser``; this file only assembles them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import data, preview, run
from bot.config import ConfigError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="natobot",
        description="NATO defence-spending bot: run it, or preview its answers in a terminal.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="{run,preview,data}")
    run.add_parser(subparsers)
    preview.add_parser(subparsers)
    data.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv) or ["run"])
    try:
        code: int = args.handler(args)
    except ConfigError as exc:
        for problem in str(exc).splitlines():  # one line per problem, each self-contained
            print(f"natobot: configuration error: {problem}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
