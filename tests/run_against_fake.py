"""Run ``natobot run`` unmodified, with discord.py pointed at another Discord-compatible API.

    python tests/run_against_fake.py http://127.0.0.1:PORT/api/v10 ws://127.0.0.1:PORT/gateway

This is all it takes to move the bot to another API: repoint ``discord.http.Route.BASE`` (and
the gateway), nothing in bot/ knows the address. The end-to-end tests use it to drive the real
entry point (settings from the environment, signals, exit codes) in a subprocess.
"""

from __future__ import annotations

import sys

import discord
import yarl


def main() -> int:
    api_base, gateway = sys.argv[1], sys.argv[2]
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    from bot.__main__ import main as natobot

    return natobot(["run"])


if __name__ == "__main__":
    sys.exit(main())
