"""The fake's HTTP plumbing: routing, recording, authorisation, faults and rate limits, bodies.

Every REST request goes through `answer()` in this order: recorded in `fake.requests`; a bot-token
route without a valid token gets 401; an injected fault (`fake.fail_next`) answers instead of the
handler; the rate limiter may answer 429; then the handler runs. A handler that raises is a bug in
the fake: it becomes a violation and a 400, so the test fails instead of discord.py hanging.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from .gateway import GATEWAY_PATH
from .models import JSON, FakeFile, RecordedRequest
from .ratelimits import too_many_body

if TYPE_CHECKING:
    from .server import FakeDiscord

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"


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
    headers: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def error(status: int, code: int, message: str, errors: JSON | None = None) -> Reply:
        body: JSON = {"code": code, "message": message}
        if errors is not None:
            body["errors"] = errors
        return Reply(status, body)


Handler = Callable[["FakeDiscord", Call], Awaitable[Reply]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str  # under /api/v10, e.g. "/channels/{channel_id}/messages"
    handler: Handler
    bot_token: bool = True  # False: the interaction token in the path authorises it


def build_app(fake: FakeDiscord, endpoints: Iterable[Endpoint]) -> web.Application:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_get(GATEWAY_PATH, fake.gateway.handle)
    app.router.add_get("/attachments/{file_id}/{filename}", _file_server(fake))
    for endpoint in endpoints:
        app.router.add_route(
            endpoint.method, API_PREFIX + endpoint.template, _serve(fake, endpoint)
        )
    unknown = Endpoint("*", "unknown", _unknown, bot_token=False)
    app.router.add_route("*", API_PREFIX + "/{tail:.*}", _serve(fake, unknown))
    return app


def _serve(
    fake: FakeDiscord, endpoint: Endpoint
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def serve(request: web.Request) -> web.StreamResponse:
        record = RecordedRequest(
            method=request.method,
            path=request.path.removeprefix(API_PREFIX),
            query=dict(request.query),
            json=None,
            files=[],
            at=time.monotonic(),
        )
        fake.requests.append(record)
        body, files = await _read_body(fake, request)
        record.json, record.files = body, list(files.values())
        call = Call(request, record, body, files)
        token = request.match_info.get("token")
        interaction = fake.interactions.get(token) if token else None
        if interaction is not None:
            record.interaction_token = token
            interaction.requests.append(record)
        reply = await answer(fake, endpoint, call)
        record.status, record.response = reply.status, reply.body
        record.response_headers = reply.headers
        if interaction is not None:
            interaction.notify()
        fake.notify_changed()
        return _http_response(reply)

    return serve


async def answer(fake: FakeDiscord, endpoint: Endpoint, call: Call) -> Reply:
    request, record = call.request, call.record
    params = dict(request.match_info)
    token = _bot_token(fake, request)
    if endpoint.bot_token and token is None:
        reply = Reply.error(401, 0, "401: Unauthorized")
        reply.headers = fake.rate_limiter.peek(request.method, endpoint.template, params)
        return reply
    fault = fake.faults.take(request.method, record.path)
    if fault is not None and not fault.applied:
        record.fault = "injected"
        headers = fake.rate_limiter.peek(request.method, endpoint.template, params)
        return Reply(fault.status, fault.body(), {**headers, **fault.headers()})
    verdict = fake.rate_limiter.check(
        request.method, endpoint.template, params, token if endpoint.bot_token else None
    )
    if verdict.refused is not None:
        record.fault = verdict.refused
        is_global = verdict.refused == "global_rate_limit"
        return Reply(429, too_many_body(verdict.retry_after, is_global=is_global), verdict.headers)
    try:
        reply = await endpoint.handler(fake, call)
    except Exception as error:  # a bug in the fake must fail the test, not hang discord.py
        log.exception("fake Discord failed on %s %s", request.method, request.path)
        fake.violate(call, "fake_error", f"the fake failed: {error!r}")
        reply = Reply.error(400, 0, f"fake Discord error: {error!r}")
    if fault is not None:  # applied: the request took effect, its answer is lost
        record.fault = "injected"
        return Reply(fault.status, fault.body(), {**verdict.headers, **fault.headers()})
    reply.headers = {**verdict.headers, **reply.headers}
    return reply


def _bot_token(fake: FakeDiscord, request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    token = header[4:] if header.startswith("Bot ") else ""
    return token if token and token not in fake.bad_tokens else None


async def _read_body(fake: FakeDiscord, request: web.Request) -> tuple[Any, dict[int, FakeFile]]:
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
                files[index] = fake.store_file(
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


def _http_response(reply: Reply) -> web.Response:
    # Discord's responses come through Cloudflare; discord.py takes a 429 without `Via` for a ban.
    headers = {"Via": "1.1 google", **reply.headers}
    if reply.body is None:
        return web.Response(status=reply.status if reply.status != 200 else 204, headers=headers)
    # Exactly "application/json": discord.py treats a charset suffix as plain text.
    headers["Content-Type"] = "application/json"
    return web.Response(status=reply.status, body=json.dumps(reply.body).encode(), headers=headers)


def _file_server(fake: FakeDiscord) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def serve_file(request: web.Request) -> web.StreamResponse:
        file = fake.files.get(int(request.match_info["file_id"]))
        if file is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=file.data, content_type=file.content_type or "application/octet-stream"
        )

    return serve_file


async def _unknown(fake: FakeDiscord, call: Call) -> Reply:
    fake.violate(
        call, "unknown_route", "the fake does not implement this endpoint (or Discord has none)"
    )
    return Reply.error(404, 0, "404: Not Found")
