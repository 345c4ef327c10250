"""The ``natobot`` command line: ``run`` (default), ``preview …`` and ``data …``.

Each sub-command lives in its own module under ``bot/cli/`` and registers itself through
``add_parser``; this file only assembles them.

Importing this module must stay cheap: the ``natobot`` console script imports it, and every
process the bot spawns (chart workers, a reload's parser) runs that script's imports again
before its own work (multiprocessing's spawn re-imports the parent's main module). Importing
the sub-commands here cost each such child discord.py, aiohttp and the whole bot: ~30 MB and
~0.4 s. So they are imported when the command line is parsed, not before.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    from bot.cli import data, preview, run

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
    from bot.config import ConfigError

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
