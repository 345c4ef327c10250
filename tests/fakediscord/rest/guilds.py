"""REST: guilds, their channels, members and roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import FakeGuild
from ..plumbing import Call, Endpoint, Reply

if TYPE_CHECKING:
    from ..server import FakeDiscord


def _guild(fake: FakeDiscord, call: Call) -> FakeGuild | None:
    return fake.guilds.get(int(call.param("guild_id")))


async def get_guild(fake: FakeDiscord, call: Call) -> Reply:
    guild = _guild(fake, call)
    if guild is None:
        return Reply.error(404, 10004, "Unknown Guild")
    payload = guild.to_payload()
    for key in ("members", "channels", "threads", "presences", "voice_states"):
        payload.pop(key)
    return Reply(200, payload)


async def get_guild_channels(fake: FakeDiscord, call: Call) -> Reply:
    guild = _guild(fake, call)
    if guild is None:
        return Reply.error(404, 10004, "Unknown Guild")
    return Reply(200, [c.to_payload() for c in guild.channels])


async def get_member(fake: FakeDiscord, call: Call) -> Reply:
    guild = _guild(fake, call)
    member = guild.members.get(int(call.param("user_id"))) if guild else None
    return Reply(200, member.to_payload()) if member else Reply.error(404, 10007, "Unknown Member")


async def get_roles(fake: FakeDiscord, call: Call) -> Reply:
    guild = _guild(fake, call)
    if guild is None:
        return Reply.error(404, 10004, "Unknown Guild")
    return Reply(200, [guild.everyone_role.to_payload()] + [r.to_payload() for r in guild.roles])


async def get_channel(fake: FakeDiscord, call: Call) -> Reply:
    channel = fake.channels.get(int(call.param("channel_id")))
    return (
        Reply(200, channel.to_payload()) if channel else Reply.error(404, 10003, "Unknown Channel")
    )


ENDPOINTS = [
    Endpoint("GET", "/guilds/{guild_id}", get_guild),
    Endpoint("GET", "/guilds/{guild_id}/channels", get_guild_channels),
    Endpoint("GET", "/guilds/{guild_id}/members/{user_id}", get_member),
    Endpoint("GET", "/guilds/{guild_id}/roles", get_roles),
    Endpoint("GET", "/channels/{channel_id}", get_channel),
]
