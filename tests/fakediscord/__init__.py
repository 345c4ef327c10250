"""A fake Discord (gateway + REST API v10) on 127.0.0.1 for end-to-end tests of the real discord.py.

async with FakeDiscord() as fake:
    guild = fake.add_guild("Test")
    with fake.patched():
        async with fake.running(MyBot()) as bot:
            interaction = await fake.invoke("ping")
            assert (await interaction.response()).content == "pong"
"""

from .interactions import CallbackRecord, FakeInteraction
from .models import (
    FakeChannel,
    FakeDiscordError,
    FakeFile,
    FakeGuild,
    FakeMember,
    FakeMessage,
    FakeRole,
    FakeUser,
    RecordedRequest,
    Violation,
)
from .server import FakeDiscord

__all__ = [
    "CallbackRecord",
    "FakeChannel",
    "FakeDiscord",
    "FakeDiscordError",
    "FakeFile",
    "FakeGuild",
    "FakeInteraction",
    "FakeMember",
    "FakeMessage",
    "FakeRole",
    "FakeUser",
    "RecordedRequest",
    "Violation",
]
