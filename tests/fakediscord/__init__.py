"""A fake Discord (gateway + REST API v10) on 127.0.0.1 for end-to-end tests of the real discord.py.

    async with FakeDiscord() as fake:               # or the `fake_discord` fixture (pytest_plugin)
        guild = fake.add_guild("Test")
        with fake.patched():                        # Route.BASE and DEFAULT_GATEWAY -> the fake
            async with fake.running(MyBot()):       # login, READY, GUILD_CREATE, on_ready; close
                interaction = await fake.invoke("gap", {"country": "Spain"})
                assert (await interaction.response()).content == "…"
                message = await interaction.final_message()   # after a defer: the follow-up
                await fake.click(message, "next")             # component interaction
                await fake.autocomplete("gap", {"country": "po"}, focused="country")

Everything the bot sent is in `fake.requests` (status, body, response headers); every Discord rule
it broke (late or second response, over-long message, sending without permission, unknown
endpoint, …) is in `fake.violations`, answered with the error Discord would give. The fixture
fails a test that leaves violations behind; a test expecting one takes it with
`fake.take_violations(kind)`.

What tests can make Discord do:
- fail on purpose: `fake.fail_next("POST", "/channels/{channel_id}/messages", status=429,
  retry_after=0.1)` (or 403, 404, 5xx; `times=`, `is_global=`, `applied=True` for "done, but the
  answer was lost"); routes are written as discord.py's `Route.path` (see `faults`);
- rate-limit honestly (on by default, `RateLimits` to tune or switch off): per-route buckets with
  `X-RateLimit-*` headers on every response, 5 messages per 5 s per channel, and 50 requests per
  second per bot token (interactions exempt), answered 429 with Discord's body and headers; a
  `ManualClock` holds the windows still so a test knows which request is refused (see `ratelimits`);
- remember message nonces: a POST with `nonce` and `enforce_nonce` (discord.py sends both) that
  repeats a nonce in the same channel within 5 minutes returns the first message;
- change under a running bot: `join_guild` (the bot is added to a server: on_guild_join),
  `create_channel`, `delete_channel` (then 404 Unknown Channel),
  `grant` / `revoke` a permission for a member or role in a channel (overwrite) or guild-wide
  (roles), each sent as the gateway event discord.py's cache follows (CHANNEL_*, GUILD_ROLE_*).
Injected faults and 429s are in `fake.requests` with `fault` set (`fake.faulted_requests()`).

The parts, by job: `world` (state), `driver` (invoke / autocomplete / click / modal), `gateway`,
`rest/` (endpoints by resource), `plumbing` (routing, recording, auth, faults, limits), `server`
(FakeDiscord: lifecycle, rules, mid-test changes), `barebot` (the smallest bot, for tests and
the benchmarks).
"""

from .barebot import BareBot, running_bare_bot
from .faults import Fault
from .interactions import CallbackRecord, FakeInteraction
from .models import (
    FakeChannel,
    FakeDiscordError,
    FakeFile,
    FakeGuild,
    FakeMember,
    FakeMessage,
    FakeOverwrite,
    FakeRole,
    FakeUser,
    RecordedRequest,
    Violation,
)
from .ratelimits import ManualClock, RateLimits
from .server import FakeDiscord

__all__ = [
    "BareBot",
    "CallbackRecord",
    "FakeChannel",
    "FakeDiscord",
    "FakeDiscordError",
    "FakeFile",
    "FakeGuild",
    "FakeInteraction",
    "FakeMember",
    "FakeMessage",
    "FakeOverwrite",
    "FakeRole",
    "FakeUser",
    "Fault",
    "ManualClock",
    "RateLimits",
    "RecordedRequest",
    "Violation",
    "running_bare_bot",
]
