"""FakeDiscord: Discord's gateway and REST API v10 on 127.0.0.1, for the real discord.py client.

The fake keeps a small world (users, guilds, channels, messages), sends interactions the way
Discord does, answers the endpoints discord.py calls, records every call, and refuses what Discord
would refuse (late or double responses, over-long messages, …), recording each as a violation.
"""

# Waits take a `timeout` so a failure can say what never arrived (asyncio.timeout cannot).
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import discord
import yarl
from aiohttp import BodyPartReader, web

from . import limits
from .commands import CommandStore, ResolvedBuilder, build_command_data
from .gateway import (
    AUTHENTICATION_FAILED,
    DISALLOWED_INTENTS,
    IDENTIFY,
    INVALID_SESSION,
    INVALID_SHARD,
    PRESENCE_UPDATE,
    REQUEST_GUILD_MEMBERS,
    RESUME,
    GatewaySession,
)
from .interactions import (
    ALLOWED_CALLBACKS,
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    MESSAGE_COMPONENT,
    MODAL,
    MODAL_SUBMIT,
    UPDATE_MESSAGE,
    CallbackRecord,
    FakeInteraction,
    make_interaction_payload,
)
from .models import (
    COMPONENTS_V2_FLAG,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    EPHEMERAL_FLAG,
    JSON,
    LOADING_FLAG,
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
    iso_now,
    permissions_value,
    snowflake,
    walk_components,
)
from .waiting import Waiters

log = logging.getLogger(__name__)
T = TypeVar("T")

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway"
PRIVILEGED_INTENTS = discord.Intents(members=True, presences=True, message_content=True).value
# Flags Discord may set on messages the bot sends (suppress embeds, ephemeral, silent, v2).
SENDABLE_FLAGS = (1 << 2) | EPHEMERAL_FLAG | (1 << 12) | COMPONENTS_V2_FLAG


@dataclass
class Call:
    """One REST request, parsed: JSON (or payload_json) body and uploaded files by index."""

    request: web.Request
    record: RecordedRequest
    body: Any
    files: dict[int, FakeFile]

    def param(self, name: str) -> str:
        return self.request.match_info[name]


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # None -> empty body

    @staticmethod
    def error(status: int, code: int, message: str, errors: JSON | None = None) -> Reply:
        body: JSON = {"code": code, "message": message}
        if errors is not None:
            body["errors"] = errors
        return Reply(status, body)


Handler = Callable[[Call], Awaitable[Reply]]


class FakeDiscord:
    """A fake Discord on 127.0.0.1: `async with FakeDiscord() as fake:`, then `fake.patched()`."""

    def __init__(
        self,
        *,
        bad_tokens: Iterable[str] = ("bad-token",),
        response_deadline: float = 3.0,
        shard_count: int = 1,
        heartbeat_interval: float = 41.25,
        privileged_intents: bool = True,
        bot_name: str = "FakeBot",
    ) -> None:
        self.bad_tokens = frozenset(bad_tokens)
        self.response_deadline = response_deadline
        self.shard_count = shard_count
        self.heartbeat_interval = heartbeat_interval
        self.privileged_intents = privileged_intents

        self.application_id = snowflake()
        self.bot_user = FakeUser(self.application_id, bot_name, bot=True)
        self.users: dict[int, FakeUser] = {self.bot_user.id: self.bot_user}
        self.owner = self.add_user("owner")
        self.tester = self.add_user("tester")  # who invokes commands unless a test names a user
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.messages: dict[int, FakeMessage] = {}
        self.files: dict[int, FakeFile] = {}
        self.command_store = CommandStore(self.application_id)
        self.interactions: dict[str, FakeInteraction] = {}  # by token
        self.requests: list[RecordedRequest] = []
        self.violations: list[Violation] = []
        self.sessions: dict[int, GatewaySession] = {}  # identified, by shard id
        self.identify_payloads: list[JSON] = []
        self.presence: JSON | None = None

        self._changed = Waiters()
        self._websockets: set[web.WebSocketResponse] = set()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- lifecycle ---------------------------------------------------------------------------
    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        self._add_routes(app)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        # A burst opens one connection per interaction; the default backlog (128) would drop some.
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        for ws in list(self._websockets):
            await ws.close(code=1001, message=b"fake Discord shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    @contextlib.contextmanager
    def patched(self) -> Iterator[FakeDiscord]:
        """Point discord.py's REST base and default gateway at this fake (restored on exit)."""
        route, gateway = discord.http.Route, discord.gateway.DiscordWebSocket
        old_base, old_gateway = route.BASE, gateway.DEFAULT_GATEWAY
        route.BASE = self.api_base
        gateway.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield self
        finally:
            route.BASE = old_base
            gateway.DEFAULT_GATEWAY = old_gateway

    @contextlib.asynccontextmanager
    async def running(
        self,
        bot: discord.Client,
        token: str = "fake-token",
        *,
        timeout: float = 10.0,
        guild_ready_timeout: float = 0.05,
    ) -> AsyncIterator[discord.Client]:
        """Start `bot` against the fake, wait for on_ready, and close it cleanly afterwards.

        guild_ready_timeout replaces discord.py's 2 s wait after the last GUILD_CREATE.
        Login errors (e.g. LoginFailure for a bad token) propagate from here.
        Call inside `patched()`.
        """
        bot._connection.guild_ready_timeout = guild_ready_timeout
        start = asyncio.create_task(bot.start(token), name="fakediscord-bot")
        try:
            await self._race(
                start, self._wait_connected(timeout), timeout, "IDENTIFY on every shard"
            )
            await self._race(start, bot.wait_until_ready(), timeout, "on_ready")
        except BaseException:
            await self._stop(bot, start)
            raise
        try:
            yield bot
        finally:
            error = await self._stop(bot, start)
            if error is not None:
                raise error

    async def _race(
        self, start: asyncio.Task[None], awaitable: Awaitable[Any], timeout: float, what: str
    ) -> None:
        waiter = asyncio.ensure_future(awaitable)
        done, _ = await asyncio.wait(
            {start, waiter}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if waiter in done:
            waiter.result()
            return
        waiter.cancel()
        with contextlib.suppress(BaseException):
            await waiter
        if start in done:
            start.result()  # raises the bot's own error, e.g. LoginFailure
            raise AssertionError(f"bot.start() returned before {what}")
        raise AssertionError(
            f"bot did not reach {what} within {timeout} s; requests: {self.requests}"
        )

    async def _stop(self, bot: discord.Client, start: asyncio.Task[None]) -> BaseException | None:
        await bot.close()
        try:
            await asyncio.wait_for(start, 10.0)
        except (asyncio.CancelledError, TimeoutError):
            return None
        except BaseException as error:
            return error
        return None

    async def _wait_connected(self, timeout: float) -> None:
        def connected() -> bool:
            live = [s for s in self.sessions.values() if not s.closed]
            return bool(live) and all(s.shard_count == len(live) for s in live)

        await self._changed.until(
            connected, timeout, f"fake Discord: bot connected to the gateway within {timeout} s"
        )

    async def wait_for_commands(
        self, guild: FakeGuild | None = None, timeout: float = 5.0
    ) -> list[JSON]:
        """Wait until the bot has synced at least one command in that scope (None = global)."""
        guild_id = guild.id if guild else None
        return await self._changed.until(
            lambda: self.command_store.in_scope(guild_id),
            timeout,
            f"fake Discord: commands synced within {timeout} s",
        )

    # ---- the world -----------------------------------------------------------------------------
    def add_user(self, name: str, *, global_name: str | None = None, bot: bool = False) -> FakeUser:
        user = FakeUser(snowflake(), name, global_name=global_name, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str = "Test Guild",
        *,
        channels: Iterable[str] = ("general",),
        owner: FakeUser | None = None,
        bot_permissions: discord.Permissions | int = DEFAULT_BOT_PERMISSIONS,
        everyone_permissions: discord.Permissions | int = DEFAULT_EVERYONE_PERMISSIONS,
        locale: str = "en-US",
    ) -> FakeGuild:
        """A guild the bot is in: text channels; its owner, the bot and `fake.tester` as members."""
        guild_id = snowflake()
        everyone = FakeRole(guild_id, "@everyone", permissions_value(everyone_permissions))
        guild = FakeGuild(guild_id, name, (owner or self.owner).id, everyone, locale=locale)
        self.guilds[guild_id] = guild
        for channel_name in channels:
            self.add_channel(guild, channel_name)
        bot_role = self.add_role(guild, self.bot_user.name, bot_permissions)
        guild.members[self.bot_user.id] = FakeMember(guild, self.bot_user, [bot_role])
        for user in (owner or self.owner, self.tester):
            guild.members[user.id] = FakeMember(guild, user)
        return guild

    def add_channel(self, guild: FakeGuild, name: str, *, type: int = 0) -> FakeChannel:
        channel = FakeChannel(snowflake(), name, guild.id, type=type, position=len(guild.channels))
        guild.channels.append(channel)
        self.channels[channel.id] = channel
        return channel

    def add_role(
        self, guild: FakeGuild, name: str, permissions: discord.Permissions | int
    ) -> FakeRole:
        role = FakeRole(
            snowflake(), name, permissions_value(permissions), position=len(guild.roles) + 1
        )
        guild.roles.append(role)
        return role

    def add_member(
        self,
        guild: FakeGuild,
        user: FakeUser | None = None,
        *,
        name: str | None = None,
        permissions: discord.Permissions | int | None = None,
        roles: Iterable[FakeRole] = (),
        nick: str | None = None,
    ) -> FakeMember:
        """Add a member; `permissions` become a role of their own (on top of @everyone)."""
        if user is None:
            user = self.add_user(name or f"user{len(self.users)}")
        member_roles = list(roles)
        if permissions is not None:
            member_roles.append(self.add_role(guild, f"{user.name}-role", permissions))
        member = FakeMember(guild, user, member_roles, nick=nick)
        guild.members[user.id] = member
        return member

    def upload(self, filename: str, data: bytes, content_type: str | None = None) -> FakeFile:
        """A file a user attached to a command option (served by the fake like Discord's CDN)."""
        return self._store_file(filename, data, content_type)

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        for channel in self.channels.values():
            if (
                channel.type == 1
                and channel.recipient is not None
                and channel.recipient.id == user.id
            ):
                return channel
        channel = FakeChannel(snowflake(), "", None, type=1, recipient=user)
        self.channels[channel.id] = channel
        return channel

    def commands(self, guild: FakeGuild | int | None = None) -> list[JSON]:
        """The commands the bot synced in that scope (None = global), with their ids."""
        guild_id = guild.id if isinstance(guild, FakeGuild) else guild
        return self.command_store.in_scope(guild_id)

    def channel_messages(self, channel: FakeChannel) -> list[FakeMessage]:
        return [m for m in self.messages.values() if m.channel_id == channel.id and not m.deleted]

    @property
    def last_interaction(self) -> FakeInteraction:
        return list(self.interactions.values())[-1]

    # ---- rules -----------------------------------------------------------------------------------
    def take_violations(self, kind: str | None = None) -> list[Violation]:
        """Remove and return recorded violations (of one kind): for tests that expect them."""
        taken = [v for v in self.violations if kind is None or v.kind == kind]
        self.violations = [v for v in self.violations if v not in taken]
        return taken

    def assert_no_violations(self) -> None:
        if self.violations:
            listed = "\n  ".join(str(v) for v in self.violations)
            raise AssertionError(f"the bot broke Discord's rules:\n  {listed}")

    def _violate(self, call: Call | None, kind: str, message: str, detail: Any = None) -> None:
        method, path = (call.record.method, call.record.path) if call else ("", "")
        violation = Violation(kind, message, method, path, detail)
        log.warning("fake Discord violation: %s", violation)
        self.violations.append(violation)

    def _refuse(
        self,
        call: Call,
        kind: str,
        status: int,
        code: int,
        message: str,
        errors: list[limits.FieldError] | None = None,
    ) -> Reply:
        shown = message if not errors else f"{message}: " + "; ".join(str(e) for e in errors)
        self._violate(call, kind, shown, [str(e) for e in errors or []])
        return Reply.error(status, code, message, limits.errors_json(errors) if errors else None)

    def _check_outgoing(
        self, call: Call, body: JSON, prefix: tuple[str, ...], *, creating: bool
    ) -> Reply | None:
        """Discord's checks on a message body: file sizes, form limits, then emptiness."""
        too_big = limits.check_file_sizes([(f.filename, f.size) for f in call.files.values()])
        if too_big:
            return self._refuse(
                call, "request_too_large", 413, 40005, "Request entity too large", too_big
            )
        errors = limits.check_message(body, prefix)
        if errors:
            return self._refuse(call, "invalid_form_body", 400, 50035, "Invalid Form Body", errors)
        if creating and not (
            body.get("content")
            or body.get("embeds")
            or call.files
            or body.get("components")
            or body.get("poll")
            or body.get("sticker_ids")
        ):
            return self._refuse(call, "empty_message", 400, 50006, "Cannot send an empty message")
        return None

    # ---- sending interactions ----------------------------------------------------------------
    async def invoke(
        self,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        guild: FakeGuild | None = None,
        channel: FakeChannel | None = None,
        user: FakeUser | FakeMember | None = None,
        permissions: discord.Permissions | int | None = None,
        app_permissions: discord.Permissions | int | None = None,
        locale: str = "en-US",
        dm: bool = False,
        permission_override: bool = False,
    ) -> FakeInteraction:
        """Send a slash command as a user would type it: "gap", "/settings target", options by name.

        Without `guild`, the first guild is used (or the DM with `dm=True`); without `user`,
        `fake.tester`. `permissions` overrides the member's computed permissions in the payload.
        A member lacking the command's default_member_permissions cannot see it on Discord, so
        that raises, unless `permission_override` (a guild admin's per-command override).
        """
        return await self._command_interaction(
            APPLICATION_COMMAND,
            command,
            options or {},
            None,
            guild=guild,
            channel=channel,
            user=user,
            permissions=permissions,
            app_permissions=app_permissions,
            locale=locale,
            dm=dm,
            permission_override=permission_override,
        )

    async def autocomplete(
        self,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        focused: str,
        timeout: float = 5.0,
        guild: FakeGuild | None = None,
        channel: FakeChannel | None = None,
        user: FakeUser | FakeMember | None = None,
        locale: str = "en-US",
        dm: bool = False,
    ) -> list[JSON]:
        """Send an AUTOCOMPLETE interaction while `focused` is being typed; return the choices."""
        interaction = await self._command_interaction(
            AUTOCOMPLETE,
            command,
            options or {},
            focused,
            guild=guild,
            channel=channel,
            user=user,
            permissions=None,
            app_permissions=None,
            locale=locale,
            dm=dm,
            permission_override=True,
        )
        response = await interaction.response(timeout)
        if response.type != AUTOCOMPLETE_RESULT:
            raise AssertionError(f"autocomplete answered with callback type {response.type}, not 8")
        return response.choices

    async def click(
        self,
        message: FakeMessage,
        custom_id: str,
        *,
        user: FakeUser | FakeMember | None = None,
        values: list[str] | None = None,
        permissions: discord.Permissions | int | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Press a button (or pick `values` in a select) on a message the bot sent."""
        current = self.messages.get(message.id)
        if current is None or current.deleted:
            raise FakeDiscordError(f"message {message.id} does not exist (or was deleted)")
        component = current.component(custom_id)
        if component.get("disabled"):
            raise FakeDiscordError(
                f"component {custom_id!r} is disabled; Discord would not send a click"
            )
        clicker = user.user if isinstance(user, FakeMember) else (user or self.tester)
        if (
            current.ephemeral
            and current.interaction_user
            and current.interaction_user.id != clicker.id
        ):
            raise FakeDiscordError("only the user who got an ephemeral message can click it")
        data: JSON = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] == 2:
            if values is not None:
                raise FakeDiscordError(f"{custom_id!r} is a button: no values")
        else:
            picked = list(values or [])
            low, high = component.get("min_values", 1), component.get("max_values", 1)
            if not low <= len(picked) <= high:
                raise FakeDiscordError(
                    f"select {custom_id!r} takes {low}..{high} values, got {picked}"
                )
            if component["type"] == 3:
                allowed = [o["value"] for o in component.get("options", [])]
                if not set(picked) <= set(allowed):
                    raise FakeDiscordError(f"select {custom_id!r} offers {allowed}, not {picked}")
            data["values"] = picked
        guild = self.guilds.get(current.guild_id) if current.guild_id else None
        channel = self.channels.get(current.channel_id)
        context = self._context(
            guild,
            channel,
            clicker,
            permissions=permissions,
            app_permissions=None,
            locale=locale,
            dm=guild is None,
        )
        interaction = self._new_interaction(
            MESSAGE_COMPONENT, data, context, f"click {custom_id!r}", current
        )
        interaction.original = current
        return await self._send_interaction(interaction, guild)

    async def submit_modal(
        self,
        opened_by: FakeInteraction,
        values: Mapping[str, str | list[str]],
        *,
        user: FakeUser | FakeMember | None = None,
    ) -> FakeInteraction:
        """Fill in and submit the modal the bot opened in answer to `opened_by`."""
        modal = opened_by.modal
        if modal is None:
            raise FakeDiscordError(f"{opened_by.label} did not open a modal")
        inputs = {
            c["custom_id"]: c
            for c in walk_components(modal.get("components", []))
            if "custom_id" in c
        }
        unknown = sorted(set(values) - set(inputs))
        if unknown:
            raise FakeDiscordError(
                f"modal {modal['custom_id']!r} has no input(s) {unknown}; has {sorted(inputs)}"
            )

        def submitted(component: JSON) -> JSON:
            if component.get("type") == 1:
                return {
                    "type": 1,
                    "components": [submitted(c) for c in component.get("components", [])],
                }
            if component.get("type") == 18:
                return {
                    "type": 18,
                    "id": component.get("id", 0),
                    "component": submitted(component["component"]),
                }
            answer: JSON = {"type": component["type"], "custom_id": component.get("custom_id")}
            value = values.get(component.get("custom_id", ""), "")
            if component.get("type") == 4:
                if component.get("required", True) and not value:
                    raise FakeDiscordError(
                        f"modal input {component.get('custom_id')!r} is required"
                    )
                answer["value"] = value
            else:
                answer["values"] = list(value) if isinstance(value, list) else [value]
            return answer

        data = {
            "custom_id": modal["custom_id"],
            "components": [submitted(c) for c in modal.get("components", [])],
        }
        payload = opened_by.payload
        guild = self.guilds.get(int(payload["guild_id"])) if payload.get("guild_id") else None
        channel = (
            self.channels.get(int(payload["channel_id"])) if payload.get("channel_id") else None
        )
        submitter = user or self.users[int((payload.get("member") or payload)["user"]["id"])]
        context = self._context(
            guild,
            channel,
            submitter,
            permissions=None,
            app_permissions=None,
            locale="en-US",
            dm=guild is None,
        )
        message = opened_by.original if opened_by.type == MESSAGE_COMPONENT else None
        interaction = self._new_interaction(
            MODAL_SUBMIT, data, context, f"modal {modal['custom_id']!r}", message
        )
        interaction.original = message
        return await self._send_interaction(interaction, guild)

    async def drop_connection(self, shard_id: int = 0, *, timeout: float = 10.0) -> None:
        """Close a shard's gateway connection (code 4000) and wait until the bot RESUMEs it."""
        dropped = self.sessions[shard_id]
        await dropped.close(4000, "fake Discord dropped the connection")

        def resumed() -> bool:
            current = self.sessions[shard_id]
            return current is not dropped and not current.closed

        await self._changed.until(
            resumed, timeout, f"fake Discord: shard {shard_id} resumed within {timeout} s"
        )

    async def dispatch(self, event: str, data: Any, *, guild: FakeGuild | None = None) -> None:
        """Send any gateway event (to the shard holding `guild`, or shard 0)."""
        await self._session_for(guild).dispatch(event, data)

    async def _command_interaction(
        self,
        kind: int,
        command: str,
        options: Mapping[str, Any],
        focused: str | None,
        *,
        guild: FakeGuild | None,
        channel: FakeChannel | None,
        user: FakeUser | FakeMember | None,
        permissions: discord.Permissions | int | None,
        app_permissions: discord.Permissions | int | None,
        locale: str,
        dm: bool,
        permission_override: bool,
    ) -> FakeInteraction:
        if not dm and guild is None:
            if not self.guilds:
                raise FakeDiscordError("no guild: call fake.add_guild() first, or pass dm=True")
            guild = next(iter(self.guilds.values()))
        if dm:
            guild = None
        parts = command.lstrip("/").split()
        if not parts:
            raise FakeDiscordError("empty command name")
        found = self.command_store.find(parts[0], guild.id if guild else None)
        if found is None:
            synced = self.command_store.names(guild.id if guild else None)
            raise FakeDiscordError(f"/{parts[0]} is not synced here; synced: {synced}")
        schema, scope = found
        invoker = user.user if isinstance(user, FakeMember) else (user or self.tester)
        context = self._context(
            guild,
            channel,
            invoker,
            permissions=permissions,
            app_permissions=app_permissions,
            locale=locale,
            dm=dm,
        )
        self._check_command_visible(schema, guild, context, permission_override, dm)
        resolved = ResolvedBuilder(guild)
        data = build_command_data(schema, scope, parts[1:], options, resolved, focused=focused)
        label = "/" + " ".join(parts)
        interaction = self._new_interaction(kind, data, context, label, None)
        return await self._send_interaction(interaction, guild)

    def _check_command_visible(
        self,
        schema: JSON,
        guild: FakeGuild | None,
        context: JSON,
        permission_override: bool,
        dm: bool,
    ) -> None:
        allowed_contexts = schema.get("contexts")
        where = 1 if dm else 0
        if allowed_contexts is not None and where not in allowed_contexts:
            raise FakeDiscordError(
                f"/{schema['name']} is not offered in this context ({where}): {allowed_contexts}"
            )
        if dm and schema.get("dm_permission") is False:
            raise FakeDiscordError(f"/{schema['name']} is not offered in DMs (dm_permission false)")
        required = schema.get("default_member_permissions")
        if guild is None or required is None or permission_override:
            return
        has = int(context["member"]["permissions"])
        needed = int(required)
        if has & needed != needed:
            raise FakeDiscordError(
                f"/{schema['name']} needs default_member_permissions {needed}; "
                f"this member has {has}. Discord hides it from them "
                "(pass permission_override=True to model a guild admin's override)"
            )

    def _context(
        self,
        guild: FakeGuild | None,
        channel: FakeChannel | None,
        user: FakeUser | FakeMember,
        *,
        permissions: discord.Permissions | int | None,
        app_permissions: discord.Permissions | int | None,
        locale: str,
        dm: bool,
    ) -> JSON:
        plain_user = user.user if isinstance(user, FakeMember) else user
        if guild is None or dm:
            dm_channel = channel or self.dm_channel(plain_user)
            return {
                "user": plain_user.to_payload(),
                "channel_id": str(dm_channel.id),
                "channel": dm_channel.to_payload(),
                "app_permissions": str(
                    permissions_value(app_permissions or DEFAULT_BOT_PERMISSIONS)
                ),
                "locale": locale,
                "context": 1,
                "authorizing_integration_owners": {"0": "0"},
            }
        channel = channel or guild.text_channel
        if channel.guild_id != guild.id:
            raise FakeDiscordError(f"channel {channel.name!r} is not in guild {guild.name!r}")
        member = guild.member(plain_user)
        member_permissions = (
            permissions_value(permissions) if permissions is not None else member.permissions
        )
        bot_permissions = (
            permissions_value(app_permissions)
            if app_permissions is not None
            else guild.member(self.bot_user).permissions
        )
        member_payload = member.to_payload()
        member_payload["permissions"] = str(member_permissions)
        channel_payload = channel.to_payload()
        channel_payload["permissions"] = str(member_permissions)
        return {
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
            "guild_locale": guild.locale,
            "channel_id": str(channel.id),
            "channel": channel_payload,
            "member": member_payload,
            "app_permissions": str(bot_permissions),
            "locale": locale,
            "context": 0,
            "authorizing_integration_owners": {"0": str(guild.id)},
        }

    def _new_interaction(
        self, kind: int, data: JSON, context: JSON, label: str, message: FakeMessage | None
    ) -> FakeInteraction:
        interaction_id = snowflake()
        token = f"fake-interaction-{secrets.token_urlsafe(24)}"
        payload = make_interaction_payload(
            interaction_id=interaction_id,
            token=token,
            kind=kind,
            application_id=self.application_id,
            data=data,
            context=context,
            message=message,
        )
        interaction = FakeInteraction(interaction_id, token, kind, payload, label)
        self.interactions[token] = interaction
        return interaction

    async def _send_interaction(
        self, interaction: FakeInteraction, guild: FakeGuild | None
    ) -> FakeInteraction:
        session = self._session_for(guild)
        interaction.dispatched_at = time.monotonic()
        await session.dispatch("INTERACTION_CREATE", interaction.payload)
        return interaction

    def _session_for(self, guild: FakeGuild | None) -> GatewaySession:
        for session in self.sessions.values():
            if session.closed:
                continue
            if guild is None and session.shard_id == 0:
                return session
            if guild is not None and (guild.id >> 22) % session.shard_count == session.shard_id:
                return session
        raise FakeDiscordError(
            "the bot is not connected to the fake gateway (start it with fake.running(bot))"
        )

    # ---- gateway -------------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._websockets.add(ws)
        session = GatewaySession(
            ws,
            compress=request.query.get("compress"),
            heartbeat_interval_ms=int(self.heartbeat_interval * 1000),
            on_message=self._on_gateway_message,
        )
        try:
            await session.run()
        finally:
            self._websockets.discard(ws)
            self._changed.notify()
        return ws

    async def _on_gateway_message(self, session: GatewaySession, op: int, data: Any) -> None:
        if op == IDENTIFY:
            await self._identify(session, data)
        elif op == RESUME:
            known = next(
                (s for s in self.sessions.values() if s.session_id == data.get("session_id")), None
            )
            if known is None:
                await session.send({"op": INVALID_SESSION, "d": False})
                return
            session.session_id, session.sequence = known.session_id, known.sequence
            session.shard_id, session.shard_count = known.shard_id, known.shard_count
            self.sessions[session.shard_id] = session
            await session.dispatch("RESUMED", {})
            self._changed.notify()
        elif op == REQUEST_GUILD_MEMBERS:
            await self._send_member_chunks(session, data)
        elif op == PRESENCE_UPDATE:
            self.presence = data

    async def _identify(self, session: GatewaySession, data: JSON) -> None:
        self.identify_payloads.append(data)
        if data.get("token") in self.bad_tokens:
            await session.close(AUTHENTICATION_FAILED, "Authentication failed.")
            return
        shard_id, shard_count = data.get("shard") or [0, 1]
        if not 0 <= shard_id < shard_count:
            await session.close(INVALID_SHARD, "Invalid shard.")
            return
        if not self.privileged_intents and int(data.get("intents") or 0) & PRIVILEGED_INTENTS:
            await session.close(DISALLOWED_INTENTS, "Disallowed intent(s).")
            return
        session.identify, session.shard_id, session.shard_count = data, shard_id, shard_count
        self.sessions[shard_id] = session
        guilds = [g for g in self.guilds.values() if (g.id >> 22) % shard_count == shard_id]
        await session.dispatch(
            "READY",
            {
                "v": 10,
                "user": self._bot_user_payload(),
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.session_id,
                "resume_gateway_url": self.gateway_url,
                "shard": [shard_id, shard_count],
                "application": {"id": str(self.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "user_settings": {},
            },
        )
        for guild in guilds:
            await session.dispatch("GUILD_CREATE", guild.to_payload())
        session.identified.set()
        self._changed.notify()

    async def _send_member_chunks(self, session: GatewaySession, data: JSON) -> None:
        guild_ids = data.get("guild_id") or []
        for guild_id in guild_ids if isinstance(guild_ids, list) else [guild_ids]:
            guild = self.guilds.get(int(guild_id))
            if guild is None:
                continue
            query = (data.get("query") or "").lower()
            wanted = {int(u) for u in data.get("user_ids") or []}
            members = [
                m
                for m in guild.members.values()
                if (not wanted or m.id in wanted) and m.user.name.lower().startswith(query)
            ]
            chunk: JSON = {
                "guild_id": str(guild.id),
                "members": [m.to_payload() for m in members],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
            }
            if data.get("nonce"):
                chunk["nonce"] = data["nonce"]
            await session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    def _bot_user_payload(self) -> JSON:
        return {
            **self.bot_user.to_payload(),
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "locale": "en-US",
        }

    # ---- REST plumbing ----------------------------------------------------------------------
    def _add_routes(self, app: web.Application) -> None:
        bot_routes: list[tuple[str, str, Handler]] = [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/users/{user_id}", self._get_user),
            ("POST", "/users/@me/channels", self._create_dm),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", "/applications/{app_id}/commands", self._list_commands),
            ("PUT", "/applications/{app_id}/commands", self._put_commands),
            ("POST", "/applications/{app_id}/commands", self._post_command),
            ("GET", "/applications/{app_id}/commands/{command_id}", self._get_command),
            ("PATCH", "/applications/{app_id}/commands/{command_id}", self._patch_command),
            ("DELETE", "/applications/{app_id}/commands/{command_id}", self._delete_command),
            ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", self._list_commands),
            ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", self._put_commands),
            ("POST", "/applications/{app_id}/guilds/{guild_id}/commands", self._post_command),
            (
                "GET",
                "/applications/{app_id}/guilds/{guild_id}/commands/{command_id}",
                self._get_command,
            ),
            (
                "PATCH",
                "/applications/{app_id}/guilds/{guild_id}/commands/{command_id}",
                self._patch_command,
            ),
            (
                "DELETE",
                "/applications/{app_id}/guilds/{guild_id}/commands/{command_id}",
                self._delete_command,
            ),
            ("GET", "/guilds/{guild_id}", self._get_guild),
            ("GET", "/guilds/{guild_id}/channels", self._get_guild_channels),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member),
            ("GET", "/guilds/{guild_id}/roles", self._get_roles),
            ("GET", "/channels/{channel_id}", self._get_channel),
            ("POST", "/channels/{channel_id}/messages", self._post_channel_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._get_channel_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._patch_channel_message),
            (
                "DELETE",
                "/channels/{channel_id}/messages/{message_id}",
                self._delete_channel_message,
            ),
        ]
        token_routes: list[tuple[str, str, Handler]] = [
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._callback),
            ("POST", "/webhooks/{app_id}/{token}", self._post_followup),
            ("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", self._get_webhook_message),
            (
                "PATCH",
                "/webhooks/{app_id}/{token}/messages/{message_id}",
                self._patch_webhook_message,
            ),
            (
                "DELETE",
                "/webhooks/{app_id}/{token}/messages/{message_id}",
                self._delete_webhook_message,
            ),
        ]
        app.router.add_get(GATEWAY_PATH, self._gateway)
        app.router.add_get("/attachments/{file_id}/{filename}", self._serve_file)
        for method, path, handler in bot_routes:
            app.router.add_route(
                method,
                API_PREFIX + path,
                self._endpoint(method, path, handler, needs_bot_token=True),
            )
        for method, path, handler in token_routes:
            app.router.add_route(
                method,
                API_PREFIX + path,
                self._endpoint(method, path, handler, needs_bot_token=False),
            )
        app.router.add_route(
            "*", API_PREFIX + "/{tail:.*}", self._endpoint("*", "unknown", self._unknown, False)
        )

    def _endpoint(
        self, method: str, template: str, handler: Handler, needs_bot_token: bool
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        bucket = hashlib.sha1(f"{method} {template}".encode()).hexdigest()[:16]

        async def endpoint(request: web.Request) -> web.StreamResponse:
            record = RecordedRequest(
                method=request.method,
                path=request.path.removeprefix(API_PREFIX),
                query=dict(request.query),
                json=None,
                files=[],
                at=time.monotonic(),
            )
            self.requests.append(record)
            body, files = await self._read_body(request)
            record.json, record.files = body, list(files.values())
            call = Call(request, record, body, files)
            token = request.match_info.get("token")
            interaction = self.interactions.get(token) if token else None
            if interaction is not None:
                record.interaction_token = token
                interaction.requests.append(record)
            if needs_bot_token and not self._authorised(request):
                reply = Reply.error(401, 0, "401: Unauthorized")
            else:
                try:
                    reply = await handler(call)
                except (
                    Exception
                ) as error:  # a bug in the fake must fail the test, not hang discord.py
                    log.exception("fake Discord failed on %s %s", request.method, request.path)
                    self._violate(call, "fake_error", f"the fake failed: {error!r}")
                    reply = Reply.error(400, 0, f"fake Discord error: {error!r}")
            record.status, record.response = reply.status, reply.body
            if interaction is not None:
                interaction.notify()
            self._changed.notify()
            return self._http_response(reply, bucket)

        return endpoint

    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        return header.startswith("Bot ") and header[4:] not in self.bad_tokens and bool(header[4:])

    async def _read_body(self, request: web.Request) -> tuple[Any, dict[int, FakeFile]]:
        files: dict[int, FakeFile] = {}
        if request.content_type == "multipart/form-data":
            body: Any = None
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    continue
                data = await part.read(decode=False)
                name = part.name or ""
                if name == "payload_json":
                    body = json.loads(data)
                elif name.startswith("files[") and name.endswith("]"):
                    index = int(name[6:-1])
                    content_type = part.headers.get("Content-Type")
                    files[index] = self._store_file(
                        part.filename or f"file{index}", bytes(data), content_type
                    )
            return body, files
        raw = await request.read()
        if not raw:
            return None, files
        try:
            return json.loads(raw), files
        except ValueError:
            return raw.decode(errors="replace"), files

    def _http_response(self, reply: Reply, bucket: str) -> web.Response:
        headers = {
            "X-RateLimit-Limit": "50",
            "X-RateLimit-Remaining": "49",
            "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
            "X-RateLimit-Reset-After": "1.000",
            "X-RateLimit-Bucket": bucket,
        }
        if reply.body is None:
            return web.Response(
                status=reply.status if reply.status != 200 else 204, headers=headers
            )
        # Exactly "application/json": discord.py treats a charset suffix as plain text.
        headers["Content-Type"] = "application/json"
        return web.Response(
            status=reply.status, body=json.dumps(reply.body).encode(), headers=headers
        )

    def _store_file(self, filename: str, data: bytes, content_type: str | None) -> FakeFile:
        file = FakeFile(snowflake(), filename, data, content_type)
        file.url = f"{self.base_url}/attachments/{file.id}/{filename}"
        self.files[file.id] = file
        return file

    async def _serve_file(self, request: web.Request) -> web.StreamResponse:
        file = self.files.get(int(request.match_info["file_id"]))
        if file is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=file.data, content_type=file.content_type or "application/octet-stream"
        )

    async def _unknown(self, call: Call) -> Reply:
        self._violate(
            call, "unknown_route", "the fake does not implement this endpoint (or Discord has none)"
        )
        return Reply.error(404, 0, "404: Not Found")

    # ---- REST: identity --------------------------------------------------------------------
    async def _get_me(self, call: Call) -> Reply:
        return Reply(200, self._bot_user_payload())

    async def _get_user(self, call: Call) -> Reply:
        user = self.users.get(int(call.param("user_id")))
        return Reply(200, user.to_payload()) if user else Reply.error(404, 10013, "Unknown User")

    async def _get_application(self, call: Call) -> Reply:
        return Reply(
            200,
            {
                "id": str(self.application_id),
                "name": self.bot_user.name,
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.owner.to_payload(),
                "team": None,
                "verify_key": "0" * 64,
                "flags": 0,
                "bot": self.bot_user.to_payload(),
                "summary": "",
                "tags": [],
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "approximate_guild_count": len(self.guilds),
            },
        )

    async def _get_gateway(self, call: Call) -> Reply:
        return Reply(200, {"url": self.gateway_url})

    async def _get_gateway_bot(self, call: Call) -> Reply:
        return Reply(
            200,
            {
                "url": self.gateway_url,
                "shards": self.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            },
        )

    # ---- REST: application commands ------------------------------------------------------
    def _command_scope(self, call: Call) -> int | Reply | None:
        if int(call.param("app_id")) != self.application_id:
            return Reply.error(403, 50001, "Missing Access")
        guild_id = call.request.match_info.get("guild_id")
        if guild_id is None:
            return None
        if int(guild_id) not in self.guilds:
            return Reply.error(403, 50001, "Missing Access")
        return int(guild_id)

    async def _list_commands(self, call: Call) -> Reply:
        scope = self._command_scope(call)
        return scope if isinstance(scope, Reply) else Reply(200, self.command_store.in_scope(scope))

    async def _put_commands(self, call: Call) -> Reply:
        scope = self._command_scope(call)
        if isinstance(scope, Reply):
            return scope
        commands = call.body or []
        errors = [
            e for index, c in enumerate(commands) for e in limits.check_command(c, (str(index),))
        ]
        if len(commands) > 100:
            errors.append(
                limits.FieldError((), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
            )
        if errors:
            return self._refuse(call, "invalid_command", 400, 50035, "Invalid Form Body", errors)
        return Reply(200, self.command_store.replace(scope, commands))

    async def _post_command(self, call: Call) -> Reply:
        scope = self._command_scope(call)
        if isinstance(scope, Reply):
            return scope
        errors = limits.check_command(call.body, ())
        if errors:
            return self._refuse(call, "invalid_command", 400, 50035, "Invalid Form Body", errors)
        return Reply(201, self.command_store.upsert(scope, call.body))

    async def _get_command(self, call: Call) -> Reply:
        scope = self._command_scope(call)
        if isinstance(scope, Reply):
            return scope
        command = self.command_store.get(scope, call.param("command_id"))
        return (
            Reply(200, command)
            if command
            else Reply.error(404, 10063, "Unknown application command")
        )

    async def _patch_command(self, call: Call) -> Reply:
        scope = self._command_scope(call)
        if isinstance(scope, Reply):
            return scope
        command = self.command_store.get(scope, call.param("command_id"))
        if command is None:
            return Reply.error(404, 10063, "Unknown application command")
        return Reply(200, self.command_store.upsert(scope, {**command, **(call.body or {})}))

    async def _delete_command(self, call: Call) -> Reply:
        scope = self._command_scope(call)
        if isinstance(scope, Reply):
            return scope
        if not self.command_store.delete(scope, call.param("command_id")):
            return Reply.error(404, 10063, "Unknown application command")
        return Reply(204)

    # ---- REST: guilds and channels ---------------------------------------------------------
    def _guild(self, call: Call) -> FakeGuild | None:
        return self.guilds.get(int(call.param("guild_id")))

    async def _get_guild(self, call: Call) -> Reply:
        guild = self._guild(call)
        if guild is None:
            return Reply.error(404, 10004, "Unknown Guild")
        payload = guild.to_payload()
        for key in ("members", "channels", "threads", "presences", "voice_states"):
            payload.pop(key)
        return Reply(200, payload)

    async def _get_guild_channels(self, call: Call) -> Reply:
        guild = self._guild(call)
        if guild is None:
            return Reply.error(404, 10004, "Unknown Guild")
        return Reply(200, [c.to_payload() for c in guild.channels])

    async def _get_member(self, call: Call) -> Reply:
        guild = self._guild(call)
        member = guild.members.get(int(call.param("user_id"))) if guild else None
        return (
            Reply(200, member.to_payload()) if member else Reply.error(404, 10007, "Unknown Member")
        )

    async def _get_roles(self, call: Call) -> Reply:
        guild = self._guild(call)
        if guild is None:
            return Reply.error(404, 10004, "Unknown Guild")
        return Reply(
            200, [guild.everyone_role.to_payload()] + [r.to_payload() for r in guild.roles]
        )

    async def _get_channel(self, call: Call) -> Reply:
        channel = self.channels.get(int(call.param("channel_id")))
        return (
            Reply(200, channel.to_payload())
            if channel
            else Reply.error(404, 10003, "Unknown Channel")
        )

    async def _create_dm(self, call: Call) -> Reply:
        user = self.users.get(int((call.body or {}).get("recipient_id", 0)))
        if user is None:
            return Reply.error(400, 50035, "Invalid Form Body")
        return Reply(200, self.dm_channel(user).to_payload())

    def _bot_can(self, channel: FakeChannel, needed: discord.Permissions) -> bool:
        if channel.guild_id is None:
            return True
        have = self.guilds[channel.guild_id].member(self.bot_user).permissions
        return have & needed.value == needed.value

    async def _post_channel_message(self, call: Call) -> Reply:
        channel = self.channels.get(int(call.param("channel_id")))
        if channel is None:
            return Reply.error(404, 10003, "Unknown Channel")
        body: JSON = call.body or {}
        needed = discord.Permissions(
            view_channel=True, send_messages=True, attach_files=bool(call.files)
        )
        if not self._bot_can(channel, needed):
            return self._refuse(call, "missing_permissions", 403, 50013, "Missing Permissions")
        refused = self._check_outgoing(call, body, (), creating=True)
        if refused:
            return refused
        message = FakeMessage(snowflake(), channel.id, channel.guild_id, self.bot_user)
        self._apply_body(message, body, call.files, creating=True)
        self.messages[message.id] = message
        return Reply(200, message.to_payload())

    def _channel_message(self, call: Call) -> FakeMessage | None:
        message = self.messages.get(int(call.param("message_id")))
        if (
            message is None
            or message.deleted
            or message.channel_id != int(call.param("channel_id"))
        ):
            return None
        return message

    async def _get_channel_message(self, call: Call) -> Reply:
        message = self._channel_message(call)
        return (
            Reply(200, message.to_payload())
            if message
            else Reply.error(404, 10008, "Unknown Message")
        )

    async def _patch_channel_message(self, call: Call) -> Reply:
        message = self._channel_message(call)
        if message is None or message.ephemeral:
            return Reply.error(404, 10008, "Unknown Message")
        if message.author.id != self.bot_user.id:
            return self._refuse(
                call,
                "edit_foreign_message",
                403,
                50005,
                "Cannot edit a message authored by another user",
            )
        return self._edit(call, message, ())

    async def _delete_channel_message(self, call: Call) -> Reply:
        message = self._channel_message(call)
        if message is None or message.ephemeral:
            return Reply.error(404, 10008, "Unknown Message")
        message.deleted = True
        return Reply(204)

    # ---- REST: messages, shared by channel, webhook and callback paths ------------------
    def _apply_body(
        self, message: FakeMessage, body: JSON, files: dict[int, FakeFile], *, creating: bool
    ) -> None:
        if "content" in body or creating:
            message.content = str(body.get("content") or "")
        if "embeds" in body or creating:
            message.embeds = list(body.get("embeds") or [])
        if "components" in body or creating:
            message.components = list(body.get("components") or [])
        if "flags" in body and body["flags"] is not None:
            keep = message.flags & EPHEMERAL_FLAG if not creating else 0
            message.flags = (int(body["flags"]) & SENDABLE_FLAGS) | keep
        entries = body.get("attachments")
        if entries is None:
            if creating or files:
                message.attachments = (message.attachments if not creating else []) + list(
                    files.values()
                )
        else:
            existing = {f.id: f for f in message.attachments}
            kept: list[FakeFile] = []
            for entry in entries:
                key = int(entry.get("id"))
                if key in files:
                    file = files[key]
                    file.description = entry.get("description")
                    kept.append(file)
                elif key in existing:
                    kept.append(existing[key])
            message.attachments = kept
        if not creating:
            message.edits += 1
            message.edited_timestamp = iso_now()

    def _edit(self, call: Call, message: FakeMessage, prefix: tuple[str, ...]) -> Reply:
        body: JSON = call.body or {}
        refused = self._check_outgoing(call, body, prefix, creating=False)
        if refused:
            return refused
        edited = dataclasses.replace(message)  # refused edits must leave the message as it was
        self._apply_body(edited, body, call.files, creating=False)
        if not (edited.content or edited.embeds or edited.attachments or edited.components):
            return self._refuse(call, "empty_message", 400, 50006, "Cannot send an empty message")
        self._apply_body(message, body, call.files, creating=False)
        message.flags &= ~LOADING_FLAG
        return Reply(200, message.to_payload())

    def _interaction_message(self, interaction: FakeInteraction, flags: int) -> FakeMessage:
        payload = interaction.payload
        user_payload = (payload.get("member") or payload)["user"]
        message = FakeMessage(
            snowflake(),
            int(payload["channel_id"]),
            int(payload["guild_id"]) if payload.get("guild_id") else None,
            self.bot_user,
            flags=flags,
            application_id=self.application_id,
            interaction_id=interaction.id,
            interaction_type=interaction.type,
            interaction_user=self.users.get(int(user_payload["id"])),
        )
        self.messages[message.id] = message
        return message

    # ---- REST: interaction callback --------------------------------------------------------
    async def _callback(self, call: Call) -> Reply:
        interaction = self.interactions.get(call.param("token"))
        if interaction is None or str(interaction.id) != call.param("interaction_id"):
            return self._refuse(call, "unknown_interaction", 404, 10062, "Unknown interaction")
        body: JSON = call.body or {}
        kind = int(body.get("type", 0))
        data: JSON = body.get("data") or {}
        record = CallbackRecord(kind, data, list(call.files.values()), call.record.at)
        interaction.callbacks.append(record)
        reply = self._answer_callback(call, interaction, record)
        record.status = reply.status
        if reply.status >= 300:
            record.error = reply.body
        return reply

    def _answer_callback(
        self, call: Call, interaction: FakeInteraction, record: CallbackRecord
    ) -> Reply:
        age = record.at - interaction.dispatched_at
        if interaction.acknowledged is not None:
            return self._refuse(
                call,
                "already_acknowledged",
                400,
                40060,
                "Interaction has already been acknowledged.",
            )
        if age > self.response_deadline:
            late = f"{interaction.label} answered after {age:.2f} s"
            self._violate(call, "late_response", f"{late} (limit {self.response_deadline} s)", age)
            return Reply.error(404, 10062, "Unknown interaction")
        if record.type not in ALLOWED_CALLBACKS[interaction.type]:
            error = limits.FieldError(
                ("type",), "BASE_TYPE_CHOICES", f"Value {record.type} is not valid here."
            )
            return self._refuse(
                call, "invalid_callback_type", 400, 50035, "Invalid Form Body", [error]
            )

        data = record.data
        if record.type in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            refused = self._check_outgoing(
                call, data, ("data",), creating=record.type == CHANNEL_MESSAGE
            )
            if refused:
                return refused
        elif record.type == AUTOCOMPLETE_RESULT:
            errors = limits.check_choices(data.get("choices"), _focused_type(interaction.payload))
            if errors:
                return self._refuse(
                    call, "invalid_form_body", 400, 50035, "Invalid Form Body", errors
                )
        elif record.type == MODAL:
            errors = limits.check_modal(data)
            if errors:
                return self._refuse(
                    call, "invalid_form_body", 400, 50035, "Invalid Form Body", errors
                )

        interaction.acknowledged = record
        flags = int(data.get("flags") or 0)
        if record.type == CHANNEL_MESSAGE:
            message = self._interaction_message(interaction, flags & SENDABLE_FLAGS)
            self._apply_body(message, data, call.files, creating=True)
            interaction.original = message
        elif record.type == DEFERRED_CHANNEL_MESSAGE:
            interaction.original = self._interaction_message(
                interaction, LOADING_FLAG | (flags & EPHEMERAL_FLAG)
            )
        elif record.type == UPDATE_MESSAGE and interaction.original is not None:
            self._apply_body(interaction.original, data, call.files, creating=False)
        if interaction.original is not None:
            interaction.original_edits_at_ack = interaction.original.edits

        if call.record.query.get("with_response") not in ("1", "true", "True"):
            return Reply(204)
        original = interaction.original if record.type in (4, 5, 7) else None
        summary: JSON = {
            "id": str(interaction.id),
            "type": interaction.type,
            "activity_instance_id": None,
            "response_message_loading": record.type == DEFERRED_CHANNEL_MESSAGE,
            "response_message_ephemeral": bool(original and original.ephemeral),
        }
        resource: JSON = {"type": record.type}
        if original is not None:
            summary["response_message_id"] = str(original.id)
            resource["message"] = original.to_payload()
        return Reply(200, {"interaction": summary, "resource": resource})

    # ---- REST: follow-ups and @original -------------------------------------------------------
    def _token_interaction(self, call: Call) -> FakeInteraction | Reply:
        interaction = self.interactions.get(call.param("token"))
        if int(call.param("app_id")) != self.application_id or interaction is None:
            return self._refuse(call, "unknown_webhook", 404, 10015, "Unknown Webhook")
        if interaction.acknowledged is None:
            return self._refuse(
                call,
                "not_acknowledged",
                404,
                10015,
                f"Unknown Webhook ({interaction.label} not answered yet)",
            )
        return interaction

    async def _post_followup(self, call: Call) -> Reply:
        interaction = self._token_interaction(call)
        if isinstance(interaction, Reply):
            return interaction
        body: JSON = call.body or {}
        refused = self._check_outgoing(call, body, (), creating=True)
        if refused:
            return refused
        original = interaction.original
        if (
            interaction.acknowledged
            and interaction.acknowledged.type == DEFERRED_CHANNEL_MESSAGE
            and original
            and original.loading
        ):
            # Discord's rule: the first follow-up after a defer replaces the "thinking…" message,
            # keeping the defer's ephemerality whatever this body asks.
            self._apply_body(original, body, call.files, creating=False)
            original.flags &= ~LOADING_FLAG
            message = original
        else:
            message = self._interaction_message(
                interaction, int(body.get("flags") or 0) & SENDABLE_FLAGS
            )
            self._apply_body(message, body, call.files, creating=True)
        interaction.followups.append(message)
        if call.record.query.get("wait") in ("true", "1", "True"):
            return Reply(200, message.to_payload())
        return Reply(204)

    def _webhook_message(self, call: Call, interaction: FakeInteraction) -> FakeMessage | None:
        message_id = call.param("message_id")
        if message_id == "@original":
            return interaction.original
        wanted = int(message_id)
        candidates = (
            [interaction.original] if interaction.original else []
        ) + interaction.followups
        return next((m for m in candidates if m.id == wanted and not m.deleted), None)

    async def _get_webhook_message(self, call: Call) -> Reply:
        interaction = self._token_interaction(call)
        if isinstance(interaction, Reply):
            return interaction
        message = self._webhook_message(call, interaction)
        return (
            Reply(200, message.to_payload())
            if message
            else Reply.error(404, 10008, "Unknown Message")
        )

    async def _patch_webhook_message(self, call: Call) -> Reply:
        interaction = self._token_interaction(call)
        if isinstance(interaction, Reply):
            return interaction
        message = self._webhook_message(call, interaction)
        if message is None or message.deleted:
            return self._refuse(call, "unknown_message", 404, 10008, "Unknown Message")
        return self._edit(call, message, ())

    async def _delete_webhook_message(self, call: Call) -> Reply:
        interaction = self._token_interaction(call)
        if isinstance(interaction, Reply):
            return interaction
        message = self._webhook_message(call, interaction)
        if message is None or message.deleted:
            return Reply.error(404, 10008, "Unknown Message")
        message.deleted = True
        return Reply(204)


def _focused_type(payload: JSON) -> int | None:
    options = payload.get("data", {}).get("options", [])
    while options:
        focused = next((o for o in options if o.get("focused")), None)
        if focused is not None:
            return int(focused["type"])
        nested = next((o for o in options if o.get("type") in (1, 2)), None)
        options = nested.get("options", []) if nested else []
    return None
