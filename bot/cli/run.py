"""``natobot run``: start the bot; fail fast with one clear line on bad config or a bad token."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from typing import Any

import aiohttp
import discord

from bot.client import NatoBot
from bot.config import Settings, load_settings
from bot.startup import StartupFailure
from db.store import StoreError

log = logging.getLogger("natobot")


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "run", help="run the Discord bot (needs DISCORD_TOKEN; see .env.example)"
    )
    p.set_defaults(handler=handle)


async def serve(settings: Settings) -> None:
    """Run until Discord closes us or SIGINT/SIGTERM arrives; the store is closed either way.

    A signal cancels the running task rather than calling ``bot.close()`` from the handler, so
    whatever is under way (even start-up, mid-sync) unwinds first and closing happens once.
    """
    bot = NatoBot(settings)
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    stopping: list[signal.Signals] = []

    def stop(sig: signal.Signals) -> None:
        if not stopping:
            log.info("received %s, shutting down", sig.name)
            task.cancel()
        stopping.append(sig)

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop, sig)
    try:
        async with bot:
            await bot.start(settings.discord_token.get_secret_value())
    except asyncio.CancelledError:
        if not stopping:
            raise
        task.uncancel()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def handle(args: argparse.Namespace) -> int:
    settings = load_settings()  # a ConfigError is reported by main()
    discord.utils.setup_logging(level=settings.log_level_number)
    try:
        asyncio.run(serve(settings))
    except discord.LoginFailure:
        log.error("Discord rejected DISCORD_TOKEN (401 Unauthorized): check the bot token.")
        return 1
    except StartupFailure as exc:
        log.error("%s", exc)
        return 1
    except StoreError as exc:
        log.error("The database (DATABASE_PATH=%s) cannot be used: %s", settings.database_path, exc)
        return 1
    except discord.PrivilegedIntentsRequired as exc:
        log.error("Discord refused a privileged intent: %s", exc)
        return 1
    except (aiohttp.ClientError, OSError) as exc:
        log.error("Could not reach Discord at %s: %s", discord.http.Route.BASE, exc)
        return 1
    except KeyboardInterrupt:  # a second Ctrl-C during shutdown
        pass
    return 0
