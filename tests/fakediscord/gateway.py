"""The fake's gateway: connections (HELLO, heartbeats, numbered dispatches), IDENTIFY/RESUME.

discord.py asks for `compress=zlib-stream`: then every frame is a piece of one zlib stream ending in
a sync flush, exactly as Discord sends it. Without the parameter, frames are plain JSON text.
`Gateway` holds the identified sessions (one per shard) and sends each guild's events to its shard.
"""

# Waits take a `timeout` so a failure can say what never arrived (asyncio.timeout cannot).
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from aiohttp import WSMsgType, web

from .models import JSON, FakeDiscordError, FakeGuild
from .waiting import DEADLINE, Waiters
from .world import World

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, RESUME = 0, 1, 2, 3, 6
REQUEST_GUILD_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 8, 9, 10, 11

# Close codes Discord uses
AUTHENTICATION_FAILED, INVALID_SHARD, DISALLOWED_INTENTS = 4004, 4010, 4014

PRIVILEGED_INTENTS = discord.Intents(members=True, presences=True, message_content=True).value
GUILDS_INTENT = discord.Intents(guilds=True).value
MEMBERS_INTENT = discord.Intents(members=True).value
GATEWAY_PATH = "/gateway"


class GatewaySession:
    def __init__(
        self,
        ws: web.WebSocketResponse,
        *,
        compress: str | None,
        heartbeat_interval_ms: int,
        on_message: Callable[[GatewaySession, int, Any], Awaitable[None]],
    ) -> None:
        self.ws = ws
        self.session_id = secrets.token_hex(16)
        self.sequence = 0
        self.shard_id = 0
        self.shard_count = 1
        self.identify: JSON | None = None
        self.identified = asyncio.Event()
        self.heartbeats = 0
        self._on_message = on_message
        self._heartbeat_interval_ms = heartbeat_interval_ms
        self.compression = compress if compress == "zlib-stream" else None
        self._zlib = zlib.compressobj() if self.compression else None
        self._send_lock = asyncio.Lock()

    @property
    def closed(self) -> bool:
        return self.ws.closed

    async def send(self, payload: JSON) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        async with self._send_lock:
            if self.ws.closed:
                return
            if self._zlib is not None:
                data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)
            else:
                await self.ws.send_str(text)

    async def dispatch(self, event: str, data: Any) -> None:
        # Numbered under the lock's order: discord.py tracks `s` for RESUME.
        self.sequence += 1
        await self.send({"op": DISPATCH, "t": event, "s": self.sequence, "d": data})

    async def close(self, code: int, message: str = "") -> None:
        await self.ws.close(code=code, message=message.encode())

    async def run(self) -> None:
        await self.send({"op": HELLO, "d": {"heartbeat_interval": self._heartbeat_interval_ms}})
        async for msg in self.ws:
            if msg.type is WSMsgType.TEXT:
                text = msg.data
            elif msg.type is WSMsgType.BINARY:
                text = msg.data.decode()
            else:
                break
            try:
                frame = json.loads(text)
            except ValueError:
                log.warning("fake gateway: unreadable frame %r", text[:200])
                continue
            op = frame.get("op")
            if op == HEARTBEAT:
                self.heartbeats += 1
                await self.send({"op": HEARTBEAT_ACK})
                continue
            await self._on_message(self, op, frame.get("d"))


class Gateway:
    """Every gateway connection of the bot, and the events the fake sends it."""

    def __init__(
        self,
        world: World,
        changed: Waiters,
        *,
        bad_tokens: frozenset[str],
        privileged_intents: bool,
        heartbeat_interval: float,
    ) -> None:
        self.world = world
        self.bad_tokens = bad_tokens
        self.privileged_intents = privileged_intents
        self.heartbeat_interval = heartbeat_interval
        self.sessions: dict[int, GatewaySession] = {}  # identified, by shard id
        self.identify_payloads: list[JSON] = []
        self.presence: JSON | None = None
        self._changed = changed
        self._websockets: set[web.WebSocketResponse] = set()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.world.port}{GATEWAY_PATH}"

    async def close(self) -> None:
        for ws in list(self._websockets):
            await ws.close(code=1001, message=b"fake Discord shutting down")

    # ---- what the fake sends ----------------------------------------------------------------
    def session_for(self, guild: FakeGuild | None) -> GatewaySession:
        """The live session of the shard holding `guild` (shard 0 for DMs)."""
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

    async def dispatch(self, event: str, data: Any, *, guild: FakeGuild | None = None) -> None:
        await self.session_for(guild).dispatch(event, data)

    async def dispatch_guild_event(
        self, event: str, data: Any, guild: FakeGuild, *, intent: int = GUILDS_INTENT
    ) -> bool:
        """Send a guild event if the bot is connected and asked for its intent; True if sent."""
        try:
            session = self.session_for(guild)
        except FakeDiscordError:
            return False  # not connected: it reads the world afresh at IDENTIFY
        intents = int((session.identify or {}).get("intents") or 0)
        if intents & intent != intent:
            return False
        await session.dispatch(event, data)
        return True

    async def drop_connection(self, shard_id: int = 0, *, timeout: float = DEADLINE) -> None:
        """Close a shard's gateway connection (code 4000) and wait until the bot RESUMEs it."""
        dropped = self.sessions[shard_id]
        await dropped.close(4000, "fake Discord dropped the connection")

        def resumed() -> bool:
            current = self.sessions[shard_id]
            return current is not dropped and not current.closed

        await self._changed.until(
            resumed, timeout, f"fake Discord: shard {shard_id} resumed within {timeout} s"
        )

    async def wait_connected(self, timeout: float) -> None:
        def connected() -> bool:
            live = [s for s in self.sessions.values() if not s.closed]
            return bool(live) and all(s.shard_count == len(live) for s in live)

        await self._changed.until(
            connected, timeout, f"fake Discord: bot connected to the gateway within {timeout} s"
        )

    # ---- what the bot sends -----------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._websockets.add(ws)
        session = GatewaySession(
            ws,
            compress=request.query.get("compress"),
            heartbeat_interval_ms=int(self.heartbeat_interval * 1000),
            on_message=self._on_message,
        )
        try:
            await session.run()
        finally:
            self._websockets.discard(ws)
            self._changed.notify()
        return ws

    async def _on_message(self, session: GatewaySession, op: int, data: Any) -> None:
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
            session.identify = known.identify
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
        guilds = [g for g in self.world.guilds.values() if (g.id >> 22) % shard_count == shard_id]
        await session.dispatch(
            "READY",
            {
                "v": 10,
                "user": self.world.bot_user_payload(),
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.session_id,
                "resume_gateway_url": self.url,
                "shard": [shard_id, shard_count],
                "application": {"id": str(self.world.application_id), "flags": 0},
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
            guild = self.world.guilds.get(int(guild_id))
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
