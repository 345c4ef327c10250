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

Everything the bot sent is in `fake.requests`; every Discord rule it broke (late or second
response, over-long message, unknown endpoint, …) is in `fake.violations`, answered with the error
Discord would give. The fixture fails a test that leaves violations behind; a test expecting one
takes it with `fake.take_violations(kind)`.
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
