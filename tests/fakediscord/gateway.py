"""One gateway connection: HELLO, heartbeats, IDENTIFY/RESUME, and numbered dispatches.

discord.py asks for `compress=zlib-stream`: then every frame is a piece of one zlib stream ending in
a sync flush, exactly as Discord sends it. Without the parameter, frames are plain JSON text.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

from .models import JSON

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, RESUME = 0, 1, 2, 3, 6
REQUEST_GUILD_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 8, 9, 10, 11

# Close codes Discord uses
AUTHENTICATION_FAILED, INVALID_SHARD, DISALLOWED_INTENTS = 4004, 4010, 4014


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
