"""Synced application commands, and turning a test's call into the options Discord would send.

Options are built from the schema the bot synced, so a test cannot invoke what a user could not
type: unknown commands or options, a value of the wrong type, a value outside the choices or the
min/max bounds, or a missing required option all raise FakeDiscordError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .models import (
    JSON,
    FakeChannel,
    FakeDiscordError,
    FakeFile,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    snowflake,
)

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
)
OPTION_TYPE_NAMES = {
    STRING: "string",
    INTEGER: "integer",
    BOOLEAN: "boolean",
    USER: "user",
    CHANNEL: "channel",
    ROLE: "role",
    MENTIONABLE: "mentionable",
    NUMBER: "number",
    ATTACHMENT: "attachment",
}


class CommandStore:
    """Commands per scope (None = global), as PUT by the bot, with ids Discord-style stable."""

    def __init__(self, application_id: int) -> None:
        self.application_id = application_id
        self._scopes: dict[int | None, list[JSON]] = {}
        self.version = 0  # bumps on every write, so waiters can tell a sync happened

    def in_scope(self, guild_id: int | None) -> list[JSON]:
        return list(self._scopes.get(guild_id, []))

    def replace(self, guild_id: int | None, commands: list[JSON]) -> list[JSON]:
        previous = {(c["name"], c.get("type", 1)): c["id"] for c in self._scopes.get(guild_id, [])}
        stored = [self._stored(command, guild_id, previous) for command in commands]
        self._scopes[guild_id] = stored
        self.version += 1
        return stored

    def upsert(self, guild_id: int | None, command: JSON) -> JSON:
        current = self._scopes.setdefault(guild_id, [])
        previous = {(c["name"], c.get("type", 1)): c["id"] for c in current}
        stored = self._stored(command, guild_id, previous)
        current[:] = [c for c in current if c["id"] != stored["id"]] + [stored]
        self.version += 1
        return stored

    def delete(self, guild_id: int | None, command_id: str) -> bool:
        current = self._scopes.get(guild_id, [])
        kept = [c for c in current if c["id"] != command_id]
        self._scopes[guild_id] = kept
        self.version += 1
        return len(kept) != len(current)

    def get(self, guild_id: int | None, command_id: str) -> JSON | None:
        return next((c for c in self._scopes.get(guild_id, []) if c["id"] == command_id), None)

    def find(self, name: str, guild_id: int | None) -> tuple[JSON, int | None] | None:
        """The chat-input command a user in that guild would pick: guild scope, then global."""
        scopes: list[int | None] = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for command in self._scopes.get(scope, []):
                if command["name"] == name and command.get("type", 1) == 1:
                    return command, scope
        return None

    def names(self, guild_id: int | None) -> list[str]:
        scopes: list[int | None] = [guild_id, None] if guild_id is not None else [None]
        return sorted({c["name"] for s in scopes for c in self._scopes.get(s, [])})

    def _stored(
        self, command: JSON, guild_id: int | None, previous: dict[tuple[str, int], str]
    ) -> JSON:
        key = (command["name"], command.get("type", 1))
        stored = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            **command,
            "id": previous.get(key) or str(snowflake()),
            "application_id": str(self.application_id),
            "version": str(snowflake()),
        }
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        return stored


class ResolvedBuilder:
    """Collects the "resolved" block that accompanies snowflake options."""

    def __init__(self, guild: FakeGuild | None) -> None:
        self.guild = guild
        self.data: dict[str, dict[str, JSON]] = {}

    def add_user(self, value: FakeUser | FakeMember) -> str:
        user = value.user if isinstance(value, FakeMember) else value
        self.data.setdefault("users", {})[str(user.id)] = user.to_payload()
        if self.guild is not None and user.id in self.guild.members:
            member = self.guild.members[user.id].to_payload(with_permissions=True)
            member.pop("user")
            self.data.setdefault("members", {})[str(user.id)] = member
        return str(user.id)

    def add_channel(self, channel: FakeChannel) -> str:
        payload = channel.to_payload()
        payload["permissions"] = "0"
        self.data.setdefault("channels", {})[str(channel.id)] = payload
        return str(channel.id)

    def add_role(self, role: FakeRole) -> str:
        self.data.setdefault("roles", {})[str(role.id)] = role.to_payload()
        return str(role.id)

    def add_attachment(self, file: FakeFile) -> str:
        self.data.setdefault("attachments", {})[str(file.id)] = file.to_payload()
        return str(file.id)


def build_command_data(
    command: JSON,
    scope: int | None,
    path: list[str],
    values: Mapping[str, Any],
    resolved: ResolvedBuilder,
    *,
    focused: str | None = None,
) -> JSON:
    """The `data` of an APPLICATION_COMMAND (or AUTOCOMPLETE when focused is set) interaction."""
    options_schema: list[JSON] = command.get("options") or []
    wrappers: list[JSON] = []
    shown = command["name"]
    for part in path:
        sub = next(
            (
                o
                for o in options_schema
                if o["name"] == part and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)
            ),
            None,
        )
        if sub is None:
            choices = [
                o["name"] for o in options_schema if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)
            ]
            raise FakeDiscordError(f"/{shown} has no subcommand {part!r}; it has {choices}")
        wrappers.append({"type": sub["type"], "name": part, "options": []})
        options_schema = sub.get("options") or []
        shown = f"{shown} {part}"
    if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in options_schema):
        choices = [o["name"] for o in options_schema]
        raise FakeDiscordError(
            f"/{shown} is a group; Discord only invokes its subcommands: {choices}"
        )

    leaf_options = _build_options(shown, options_schema, values, resolved, focused=focused)
    options: list[JSON] = leaf_options
    for wrapper in reversed(wrappers):
        wrapper["options"] = options
        options = [wrapper]

    data: JSON = {"id": command["id"], "name": command["name"], "type": 1, "options": options}
    if scope is not None:
        data["guild_id"] = str(scope)
    if resolved.data:
        data["resolved"] = resolved.data
    return data


def _build_options(
    shown: str,
    schema: list[JSON],
    values: Mapping[str, Any],
    resolved: ResolvedBuilder,
    *,
    focused: str | None,
) -> list[JSON]:
    by_name = {o["name"]: o for o in schema}
    unknown = sorted(set(values) - set(by_name))
    if unknown:
        raise FakeDiscordError(f"/{shown} has no option(s) {unknown}; it has {sorted(by_name)}")
    if focused is not None:
        if focused not in by_name:
            raise FakeDiscordError(f"/{shown} has no option {focused!r} to focus")
        if not by_name[focused].get("autocomplete"):
            raise FakeDiscordError(f"/{shown} option {focused!r} has no autocomplete")
    built: list[JSON] = []
    for option in schema:
        name = option["name"]
        if name == focused:
            # Discord sends what the user has typed so far, as a string, whatever the type.
            built.append(
                {
                    "name": name,
                    "type": option["type"],
                    "value": str(values.get(name, "")),
                    "focused": True,
                }
            )
            continue
        if name not in values:
            if option.get("required") and focused is None:
                raise FakeDiscordError(f"/{shown} needs option {name!r} (required)")
            continue
        value = _convert(shown, option, values[name], resolved)
        built.append({"name": name, "type": option["type"], "value": value})
    return built


def _convert(shown: str, option: JSON, value: Any, resolved: ResolvedBuilder) -> Any:
    kind = option["type"]
    name = option["name"]
    where = f"/{shown} option {name!r} ({OPTION_TYPE_NAMES.get(kind, kind)})"

    def wrong() -> FakeDiscordError:
        return FakeDiscordError(f"{where}: Discord cannot send {value!r}")

    if kind == STRING:
        if not isinstance(value, str):
            raise wrong()
        if "min_length" in option and len(value) < option["min_length"]:
            raise FakeDiscordError(f"{where}: shorter than min_length {option['min_length']}")
        if "max_length" in option and len(value) > option["max_length"]:
            raise FakeDiscordError(f"{where}: longer than max_length {option['max_length']}")
    elif kind == INTEGER:
        if not isinstance(value, int) or isinstance(value, bool):
            raise wrong()
    elif kind == NUMBER:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise wrong()
    elif kind == BOOLEAN:
        if not isinstance(value, bool):
            raise wrong()
    elif kind == USER:
        if not isinstance(value, FakeUser | FakeMember):
            raise wrong()
        return resolved.add_user(value)
    elif kind == CHANNEL:
        if not isinstance(value, FakeChannel):
            raise wrong()
        allowed = option.get("channel_types")
        if allowed and value.type not in allowed:
            raise FakeDiscordError(f"{where}: channel type {value.type} not in {allowed}")
        return resolved.add_channel(value)
    elif kind == ROLE:
        if not isinstance(value, FakeRole):
            raise wrong()
        return resolved.add_role(value)
    elif kind == MENTIONABLE:
        if isinstance(value, FakeRole):
            return resolved.add_role(value)
        if not isinstance(value, FakeUser | FakeMember):
            raise wrong()
        return resolved.add_user(value)
    elif kind == ATTACHMENT:
        if not isinstance(value, FakeFile):
            raise FakeDiscordError(f"{where}: pass a file made by fake.upload(), not {value!r}")
        return resolved.add_attachment(value)
    else:
        raise wrong()

    if kind in (INTEGER, NUMBER):
        if "min_value" in option and value < option["min_value"]:
            raise FakeDiscordError(f"{where}: {value} is below min_value {option['min_value']}")
        if "max_value" in option and value > option["max_value"]:
            raise FakeDiscordError(f"{where}: {value} is above max_value {option['max_value']}")
    choices = option.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        listed = [(c["name"], c["value"]) for c in choices]
        raise FakeDiscordError(f"{where}: {value!r} is not one of the choices {listed}")
    return value
