"""REST: who the bot is, its application, the gateway, users and DM channels."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..plumbing import Call, Endpoint, Reply

if TYPE_CHECKING:
    from ..server import FakeDiscord


async def get_me(fake: FakeDiscord, call: Call) -> Reply:
    return Reply(200, fake.bot_user_payload())


async def get_user(fake: FakeDiscord, call: Call) -> Reply:
    user = fake.users.get(int(call.param("user_id")))
    return Reply(200, user.to_payload()) if user else Reply.error(404, 10013, "Unknown User")


async def create_dm(fake: FakeDiscord, call: Call) -> Reply:
    user = fake.users.get(int((call.body or {}).get("recipient_id", 0)))
    if user is None:
        return Reply.error(400, 50035, "Invalid Form Body")
    return Reply(200, fake.dm_channel(user).to_payload())


async def get_application(fake: FakeDiscord, call: Call) -> Reply:
    return Reply(
        200,
        {
            "id": str(fake.application_id),
            "name": fake.bot_user.name,
            "icon": None,
            "description": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": fake.owner.to_payload(),
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "bot": fake.bot_user.to_payload(),
            "summary": "",
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(fake.guilds),
        },
    )


async def get_gateway(fake: FakeDiscord, call: Call) -> Reply:
    return Reply(200, {"url": fake.gateway_url})


async def get_gateway_bot(fake: FakeDiscord, call: Call) -> Reply:
    return Reply(
        200,
        {
            "url": fake.gateway_url,
            "shards": fake.shard_count,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 0,
                "max_concurrency": 1,
            },
        },
    )


ENDPOINTS = [
    Endpoint("GET", "/users/@me", get_me),
    Endpoint("GET", "/users/{user_id}", get_user),
    Endpoint("POST", "/users/@me/channels", create_dm),
    Endpoint("GET", "/oauth2/applications/@me", get_application),
    Endpoint("GET", "/applications/@me", get_application),
    Endpoint("GET", "/gateway", get_gateway),
    Endpoint("GET", "/gateway/bot", get_gateway_bot),
]
