"""REST: the application commands the bot syncs, global or per guild."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import limits
from ..plumbing import Call, Endpoint, Reply

if TYPE_CHECKING:
    from ..server import FakeDiscord


def _scope(fake: FakeDiscord, call: Call) -> int | Reply | None:
    if int(call.param("app_id")) != fake.application_id:
        return Reply.error(403, 50001, "Missing Access")
    guild_id = call.request.match_info.get("guild_id")
    if guild_id is None:
        return None
    if int(guild_id) not in fake.guilds:
        return Reply.error(403, 50001, "Missing Access")
    return int(guild_id)


async def list_commands(fake: FakeDiscord, call: Call) -> Reply:
    scope = _scope(fake, call)
    return scope if isinstance(scope, Reply) else Reply(200, fake.command_store.in_scope(scope))


async def put_commands(fake: FakeDiscord, call: Call) -> Reply:
    scope = _scope(fake, call)
    if isinstance(scope, Reply):
        return scope
    commands = call.body or []
    errors = [e for index, c in enumerate(commands) for e in limits.check_command(c, (str(index),))]
    # Names are unique per kind: a chat-input command may share a context menu's name.
    for kind in {c.get("type", 1) for c in commands if isinstance(c, dict)}:
        same_kind = [c for c in commands if isinstance(c, dict) and c.get("type", 1) == kind]
        errors += limits.check_unique_names(same_kind, ())
    if len(commands) > 100:
        errors.append(
            limits.FieldError((), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
        )
    if errors:
        return fake.refuse(call, "invalid_command", 400, 50035, "Invalid Form Body", errors)
    return Reply(200, fake.command_store.replace(scope, commands))


async def post_command(fake: FakeDiscord, call: Call) -> Reply:
    scope = _scope(fake, call)
    if isinstance(scope, Reply):
        return scope
    errors = limits.check_command(call.body, ())
    if errors:
        return fake.refuse(call, "invalid_command", 400, 50035, "Invalid Form Body", errors)
    return Reply(201, fake.command_store.upsert(scope, call.body))


async def get_command(fake: FakeDiscord, call: Call) -> Reply:
    scope = _scope(fake, call)
    if isinstance(scope, Reply):
        return scope
    command = fake.command_store.get(scope, call.param("command_id"))
    return (
        Reply(200, command) if command else Reply.error(404, 10063, "Unknown application command")
    )


async def patch_command(fake: FakeDiscord, call: Call) -> Reply:
    scope = _scope(fake, call)
    if isinstance(scope, Reply):
        return scope
    command = fake.command_store.get(scope, call.param("command_id"))
    if command is None:
        return Reply.error(404, 10063, "Unknown application command")
    return Reply(200, fake.command_store.upsert(scope, {**command, **(call.body or {})}))


async def delete_command(fake: FakeDiscord, call: Call) -> Reply:
    scope = _scope(fake, call)
    if isinstance(scope, Reply):
        return scope
    if not fake.command_store.delete(scope, call.param("command_id")):
        return Reply.error(404, 10063, "Unknown application command")
    return Reply(204)


_GLOBAL = "/applications/{app_id}/commands"
_GUILD = "/applications/{app_id}/guilds/{guild_id}/commands"
ENDPOINTS = [
    endpoint
    for base in (_GLOBAL, _GUILD)
    for endpoint in (
        Endpoint("GET", base, list_commands),
        Endpoint("PUT", base, put_commands),
        Endpoint("POST", base, post_command),
        Endpoint("GET", base + "/{command_id}", get_command),
        Endpoint("PATCH", base + "/{command_id}", patch_command),
        Endpoint("DELETE", base + "/{command_id}", delete_command),
    )
]
