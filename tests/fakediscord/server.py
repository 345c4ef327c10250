"""FakeDiscord: Discord's gateway and REST API v10 on 127.0.0.1, for the real discord.py client.

The parts, by job: `world` (the state), `driver` (what users do: invoke, click, …), `gateway`
(connections and events), `rest/` (the endpoints, by resource), `plumbing` (routing, recording,
faults and rate limits), `faults` and `ratelimits`. This module puts them together: the server's
lifecycle, running a bot against it, Discord's rules (violations), and changes to the world that
the bot must hear about mid-test.
"""

# Waits take a `timeout` so a failure can say what never arrived (asyncio.timeout cannot).
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator
from typing import Any

import discord
import yarl
from aiohttp import web

from . import limits
from .driver import Driver
from .faults import Fault, FaultPlan
from .gateway import MEMBERS_INTENT, Gateway, GatewaySession
from .models import (
    JSON,
    FakeChannel,
    FakeDiscordError,
    FakeGuild,
    FakeRole,
    RecordedRequest,
    Violation,
)
from .plumbing import API_PREFIX, Call, Reply, build_app
from .ratelimits import RateLimiter, RateLimits
from .rest import ENDPOINTS
from .waiting import DEADLINE, Waiters
from .world import Grantee

log = logging.getLogger(__name__)


class FakeDiscord(Driver):
    """A fake Discord on 127.0.0.1: `async with FakeDiscord() as fake:`, then `fake.patched()`.

    rate_limits: per-route buckets and the global 50/s, on by default (see `ratelimits`);
    `RateLimits(enabled=False)` turns them off, `RateLimits(clock=ManualClock())` holds time still.
    """

    def __init__(
        self,
        *,
        bad_tokens: Iterable[str] = ("bad-token",),
        response_deadline: float = 3.0,
        shard_count: int = 1,
        heartbeat_interval: float = 41.25,
        privileged_intents: bool = True,
        bot_name: str = "FakeBot",
        rate_limits: RateLimits | None = None,
    ) -> None:
        super().__init__(bot_name=bot_name)
        self.bad_tokens = frozenset(bad_tokens)
        self.response_deadline = response_deadline
        self.shard_count = shard_count
        self.requests: list[RecordedRequest] = []
        self.violations: list[Violation] = []
        self.faults = FaultPlan()
        self.rate_limiter = RateLimiter(rate_limits or RateLimits())
        self._changed = Waiters()
        self.gateway = Gateway(
            self,
            self._changed,
            bad_tokens=self.bad_tokens,
            privileged_intents=privileged_intents,
            heartbeat_interval=heartbeat_interval,
        )
        self._runner: web.AppRunner | None = None

    # ---- lifecycle ---------------------------------------------------------------------------
    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        self._runner = web.AppRunner(
            build_app(self, ENDPOINTS), access_log=None, handle_signals=False
        )
        await self._runner.setup()
        # A burst opens one connection per interaction; the default backlog (128) would drop some.
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return self.gateway.url

    @property
    def sessions(self) -> dict[int, GatewaySession]:
        """The identified gateway sessions, by shard id."""
        return self.gateway.sessions

    @property
    def identify_payloads(self) -> list[JSON]:
        return self.gateway.identify_payloads

    @property
    def presence(self) -> JSON | None:
        return self.gateway.presence

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
        timeout: float = DEADLINE,
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
                start, self.gateway.wait_connected(timeout), timeout, "IDENTIFY on every shard"
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
            await asyncio.wait_for(start, DEADLINE)
        except (asyncio.CancelledError, TimeoutError):
            return None
        except BaseException as error:
            return error
        return None

    def notify_changed(self) -> None:
        """Wake everything waiting on the fake's state (after every request)."""
        self._changed.notify()

    async def wait_for_commands(
        self, guild: FakeGuild | None = None, timeout: float = DEADLINE
    ) -> list[JSON]:
        """Wait until the bot has synced at least one command in that scope (None = global)."""
        guild_id = guild.id if guild else None
        return await self._changed.until(
            lambda: self.command_store.in_scope(guild_id),
            timeout,
            f"fake Discord: commands synced within {timeout} s",
        )

    async def wait_for_requests(
        self,
        count: int = 1,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        timeout: float = DEADLINE,
    ) -> list[RecordedRequest]:
        """Wait until `count` recorded requests match (method, exact path, status); return them."""

        def matching() -> list[RecordedRequest] | None:
            found = [
                r
                for r in self.requests
                if (method is None or r.method == method)
                and (path is None or r.path == path)
                and (status is None or r.status == status)
            ]
            return found if len(found) >= count else None

        return await self._changed.until(
            matching,
            timeout,
            f"fake Discord: {count} request(s) {method or ''} {path or ''} -> {status or 'any'} "
            f"within {timeout} s; requests: {self.requests}",
        )

    # ---- the gateway, for tests --------------------------------------------------------------
    async def drop_connection(self, shard_id: int = 0, *, timeout: float = DEADLINE) -> None:
        """Close a shard's gateway connection (code 4000) and wait until the bot RESUMEs it."""
        await self.gateway.drop_connection(shard_id, timeout=timeout)

    async def dispatch(self, event: str, data: Any, *, guild: FakeGuild | None = None) -> None:
        """Send any gateway event (to the shard holding `guild`, or shard 0)."""
        await self.gateway.dispatch(event, data, guild=guild)

    async def join_guild(self, guild: FakeGuild) -> None:
        """The bot is added to `guild` (made with `add_guild`) while it runs: GUILD_CREATE as
        Discord sends it for a new server, without `unavailable`, so discord.py fires
        on_guild_join (a server it was already in comes back as on_guild_available)."""
        payload = guild.to_payload()
        del payload["unavailable"]
        await self.gateway.dispatch("GUILD_CREATE", payload, guild=guild)

    # ---- faults ------------------------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        route: str,
        *,
        status: int = 500,
        times: int = 1,
        retry_after: float = 0.1,
        is_global: bool = False,
        code: int | None = None,
        message: str | None = None,
        applied: bool = False,
    ) -> Fault:
        """Answer the next `times` `method` requests on `route` with `status` (see `faults`).

        route: a template like "/channels/{channel_id}/messages" (as discord.py's Route.path)
        or a concrete path. 429s carry `retry_after` (seconds) and `is_global`; `code` and
        `message` override Discord's error body; `applied=True` lets the request take effect
        and loses only its answer. Every injected answer is in `fake.requests` with
        `fault == "injected"`.
        """
        return self.faults.add(
            method,
            route,
            status=status,
            times=times,
            retry_after=retry_after,
            is_global=is_global,
            code=code,
            message=message,
            applied=applied,
        )

    def faulted_requests(self, fault: str | None = None) -> list[RecordedRequest]:
        """Requests the fake refused before any handler: injected faults and 429s (of a kind)."""
        return [r for r in self.requests if r.fault and (fault is None or r.fault == fault)]

    # ---- changing the world mid-test -------------------------------------------------------------
    async def create_channel(self, guild: FakeGuild, name: str, *, type: int = 0) -> FakeChannel:
        """Add a channel while the bot runs: the bot gets CHANNEL_CREATE."""
        channel = self.add_channel(guild, name, type=type)
        await self.gateway.dispatch_guild_event("CHANNEL_CREATE", channel.to_payload(), guild)
        return channel

    async def delete_channel(self, channel: FakeChannel) -> None:
        """Delete a channel: later requests get 404 Unknown Channel; the bot gets CHANNEL_DELETE
        (THREAD_DELETE for a thread)."""
        self.remove_channel(channel)
        if channel.guild_id is not None:
            guild = self.guilds[channel.guild_id]
            if channel.is_thread:  # a thread's own event, with what Discord sends of it
                gone = {"id": str(channel.id), "guild_id": str(guild.id), "type": channel.type}
                gone["parent_id"] = str(channel.parent_id)
                await self.gateway.dispatch_guild_event("THREAD_DELETE", gone, guild)
            else:
                payload = channel.to_payload()
                await self.gateway.dispatch_guild_event("CHANNEL_DELETE", payload, guild)

    async def grant(
        self,
        where: FakeChannel | FakeGuild,
        who: Grantee,
        permissions: discord.Permissions | int,
    ) -> None:
        """Give `who` (a member, user or role) `permissions` in a channel or guild-wide."""
        await self._change_permissions(where, who, _value(permissions), grant=True)

    async def revoke(
        self,
        where: FakeChannel | FakeGuild,
        who: Grantee,
        permissions: discord.Permissions | int,
    ) -> None:
        """Take `permissions` from `who` in a channel (an overwrite) or guild-wide (its roles).

        In a channel this is a deny overwrite for the member or role (CHANNEL_UPDATE); in a guild
        it changes the role, or the member's roles (GUILD_ROLE_UPDATE). The bot's cache follows
        once discord.py has read the event; wait on the matching discord.py event to be sure.
        """
        await self._change_permissions(where, who, _value(permissions), grant=False)

    async def _change_permissions(
        self, where: FakeChannel | FakeGuild, who: Grantee, value: int, *, grant: bool
    ) -> None:
        if isinstance(where, FakeChannel):
            if grant:
                self.change_overwrite(where, who, allow=value)
            else:
                self.change_overwrite(where, who, deny=value)
            if where.guild_id is not None:
                guild = self.guilds[where.guild_id]
                await self.gateway.dispatch_guild_event("CHANNEL_UPDATE", where.to_payload(), guild)
            return
        guild = where
        if isinstance(who, FakeRole):
            roles, created = [who], False
        else:
            member = guild.member(who.id)
            if grant:
                role, created = self.member_role(member)
                roles = [role]
            else:
                roles, created = self.roles_granting(member, value), False
        for role in roles:
            role.permissions = role.permissions | value if grant else role.permissions & ~value
            event = "GUILD_ROLE_CREATE" if created else "GUILD_ROLE_UPDATE"
            payload = {"guild_id": str(guild.id), "role": role.to_payload()}
            await self.gateway.dispatch_guild_event(event, payload, guild)
        if created and not isinstance(who, FakeRole):
            member = guild.member(who.id)
            update = {"guild_id": str(guild.id), **member.to_payload()}
            intent = 0 if member.id == self.bot_user.id else MEMBERS_INTENT
            await self.gateway.dispatch_guild_event(
                "GUILD_MEMBER_UPDATE", update, guild, intent=intent
            )

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

    def violate(self, call: Call | None, kind: str, message: str, detail: Any = None) -> None:
        """Record a rule the bot broke (the REST handlers' way to fail the test)."""
        method, path = (call.record.method, call.record.path) if call else ("", "")
        violation = Violation(kind, message, method, path, detail)
        log.warning("fake Discord violation: %s", violation)
        self.violations.append(violation)

    def refuse(
        self,
        call: Call,
        kind: str,
        status: int,
        code: int,
        message: str,
        errors: list[limits.FieldError] | None = None,
    ) -> Reply:
        """Record a violation and answer with the error Discord would give."""
        shown = message if not errors else f"{message}: " + "; ".join(str(e) for e in errors)
        self.violate(call, kind, shown, [str(e) for e in errors or []])
        return Reply.error(status, code, message, limits.errors_json(errors) if errors else None)


def _value(permissions: discord.Permissions | int) -> int:
    value = permissions.value if isinstance(permissions, discord.Permissions) else int(permissions)
    if value == 0:
        raise FakeDiscordError("no permissions given")
    return value
