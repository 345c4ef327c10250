"""What went wrong while the bot started, in one line for the operator.

discord.py raises an ``HTTPException`` from whichever request failed (and has retried some 5xx
answers several times by then); the operator needs to know which step failed, what Discord said
and whether retrying later may help. ``StartupFailure`` carries that line to ``natobot run``.
"""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import aiohttp
import discord

#: Discord's JSON error code for "Missing Access".
MISSING_ACCESS = 50001


class StartupFailure(Exception):
    """The bot could not start; the message is one line meant for the operator."""


class RequestAttempts:
    """Counts the HTTP requests discord.py sends per (method, URL), retries included."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self.counting = True
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_start.append(self._started)

    def stop(self) -> None:
        """Start-up is over: stop counting (every interaction has URLs of its own)."""
        self.counting = False
        self.counts.clear()

    async def _started(
        self,
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        if self.counting:
            self.counts[(params.method, str(params.url))] += 1

    def of(self, response: aiohttp.ClientResponse) -> int:
        return max(1, self.counts[(response.method, str(response.url))])


def describe_http_failure(
    error: discord.HTTPException, *, step: str, tries: int, sync_guild_id: int | None
) -> str:
    """One line: which start-up step failed, what Discord answered, what to do about it."""
    if (
        step == "command sync"
        and sync_guild_id is not None
        and error.status == 403
        and error.code == MISSING_ACCESS
    ):
        return (
            f"SYNC_GUILD_ID {sync_guild_id} is a server the bot is not in (or lacks "
            "applications.commands): invite it there with that scope, or leave SYNC_GUILD_ID empty."
        )
    said = " ".join((error.text or error.response.reason or "").split())  # one line
    attempts = "1 try" if tries == 1 else f"{tries} tries"
    line = f"Discord answered {error.status} to {step} after {attempts}"
    if said:
        line += f": {said}"
    if error.status >= 500:
        line += " (a problem on Discord's side: try again later)"
    return line
