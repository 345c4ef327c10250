"""Faults a test asks for: `fake.fail_next(method, route, status=..., times=..., retry_after=...)`.

`route` is a path template as discord.py's `Route.path` writes it, e.g.
"/channels/{channel_id}/messages" (any channel) or "/channels/123/messages" (that one); every
`{name}` matches one path segment, the rest must match exactly. `method` is "POST", "GET", ... or
"*". The next `times` matching requests are answered `status` instead of reaching the handler, so
they have no effect; with `applied=True` the request takes effect first and only its response is
lost (as when Discord times out after creating a message).

A 429 carries Discord's body (`message`, `retry_after`, `global`) and headers (`Retry-After`,
`X-RateLimit-*`, `X-RateLimit-Scope`); 403, 404 and 5xx carry Discord's error body (`code`,
`message`). discord.py retries 429 after `retry_after` seconds and 500/502/504 after 1 s (its own
fixed back-off), and raises Forbidden, NotFound or DiscordServerError otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import JSON
from .ratelimits import too_many_body, too_many_headers

# (code, message) Discord answers with when a test gives none.
DEFAULT_ERRORS: dict[int, tuple[int, str]] = {
    400: (50035, "Invalid Form Body"),
    401: (0, "401: Unauthorized"),
    403: (50013, "Missing Permissions"),
    404: (10003, "Unknown Channel"),
    500: (0, "500: Internal Server Error"),
    502: (0, "502: Bad Gateway"),
    503: (0, "503: Service Unavailable"),
    504: (0, "504: Gateway Timeout"),
}


@dataclass
class Fault:
    method: str
    route: str
    status: int
    times: int
    retry_after: float
    is_global: bool
    code: int
    message: str
    applied: bool
    pattern: re.Pattern[str]

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and self.pattern.fullmatch(path) is not None

    def body(self) -> JSON:
        if self.status == 429:
            return too_many_body(self.retry_after, is_global=self.is_global)
        return {"code": self.code, "message": self.message}

    def headers(self) -> dict[str, str]:
        if self.status != 429:
            return {}
        headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": f"{self.retry_after}"}
        headers.update(
            too_many_headers(self.retry_after, scope="global" if self.is_global else "user")
        )
        return headers


def route_pattern(route: str) -> re.Pattern[str]:
    """ "/channels/{channel_id}/messages" -> a regex matching any channel's messages path."""
    parts = re.split(r"(\{[^/{}]+\})", route)
    return re.compile(
        "".join("[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts)
    )


class FaultPlan:
    """The faults still to inject, first match first."""

    def __init__(self) -> None:
        self.pending: list[Fault] = []

    def add(
        self,
        method: str,
        route: str,
        *,
        status: int,
        times: int = 1,
        retry_after: float = 0.1,
        is_global: bool = False,
        code: int | None = None,
        message: str | None = None,
        applied: bool = False,
    ) -> Fault:
        if not route.startswith("/"):
            raise ValueError(f"route must be a path like '/channels/{{channel_id}}', not {route!r}")
        if status < 400 or times < 1 or retry_after < 0:
            raise ValueError("a fault needs status >= 400, times >= 1 and retry_after >= 0")
        default_code, default_message = DEFAULT_ERRORS.get(status, (0, f"{status}: Error"))
        if status == 429:
            default_message = "You are being rate limited."
        fault = Fault(
            method=method.upper(),
            route=route,
            status=status,
            times=times,
            retry_after=retry_after,
            is_global=is_global,
            code=default_code if code is None else code,
            message=message or default_message,
            applied=applied,
            pattern=route_pattern(route.split("?")[0]),
        )
        self.pending.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this request, if any (used up after `times` requests)."""
        for fault in self.pending:
            if fault.matches(method, path):
                fault.times -= 1
                if fault.times == 0:
                    self.pending.remove(fault)
                return fault
        return None
