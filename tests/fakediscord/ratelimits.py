"""Discord's rate limits: per-route buckets and the global 50 requests per second per bot token.

Every REST response carries the bucket's `X-RateLimit-Limit/Remaining/Reset/Reset-After/Bucket`
headers, counted honestly, so discord.py paces itself as it does against Discord. A request over a
bucket, or over the global limit (bot-token requests only: interaction callbacks and interaction
webhooks are exempt, as on Discord), is answered 429 with Discord's body and headers and has no
effect. Windows are fixed and aligned to the clock (a 1 s window resets on each whole second of
`clock()`), so a test can hold the clock still with `ManualClock` and know exactly which request is
refused, whatever the machine's load.

A bucket is one route template (or a group of templates sharing a hash) and its major parameters
(channel, guild, or webhook/interaction token), as Discord and discord.py key them.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# Observed on Discord (not documented, and subject to change): 5 messages per 5 s per channel.
DEFAULT_ROUTE_LIMITS: Mapping[str, tuple[int, float]] = {
    "POST /channels/{channel_id}/messages": (5, 5.0),
}
MAJOR_PARAMETERS = ("channel_id", "guild_id", "app_id", "interaction_id", "token")


@dataclass(frozen=True)
class RateLimits:
    """How the fake limits the bot. `FakeDiscord(rate_limits=RateLimits(enabled=False))`: never.

    routes: "METHOD /template" (the fake's templates, e.g. "POST /channels/{channel_id}/messages")
    -> (requests, per seconds); any other route gets `default_route`.
    """

    enabled: bool = True
    global_limit: int = 50
    global_period: float = 1.0
    routes: Mapping[str, tuple[int, float]] = field(
        default_factory=lambda: dict(DEFAULT_ROUTE_LIMITS)
    )
    default_route: tuple[int, float] = (50, 1.0)
    clock: Callable[[], float] = time.monotonic


class ManualClock:
    """A clock that moves only when told: `RateLimits(clock=clock)`, then `clock.advance(1)`."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Window:
    """Requests counted in the current fixed window of `period` seconds."""

    limit: int
    period: float
    index: int = -1
    used: int = 0

    def _roll(self, now: float) -> None:
        index = math.floor(now / self.period)
        if index != self.index:
            self.index, self.used = index, 0

    def take(self, now: float) -> bool:
        self._roll(now)
        if self.used >= self.limit:
            return False
        self.used += 1
        return True

    def remaining(self, now: float) -> int:
        self._roll(now)
        return self.limit - self.used

    def reset_after(self, now: float) -> float:
        return (math.floor(now / self.period) + 1) * self.period - now


@dataclass(frozen=True)
class Verdict:
    """What the limiter decided for one request, and the headers its response carries."""

    headers: dict[str, str]
    refused: str | None = None  # "rate_limit" or "global_rate_limit"
    retry_after: float = 0.0


class RateLimiter:
    def __init__(self, config: RateLimits) -> None:
        self.config = config
        self._buckets: dict[tuple[str, str], Window] = {}
        self._global: dict[str, Window] = {}  # by bot token

    def bucket_hash(self, method: str, template: str) -> str:
        return _bucket_hash(method, template)

    def _window(self, method: str, template: str, params: Mapping[str, str]) -> Window:
        limit, period = self.config.routes.get(f"{method} {template}", self.config.default_route)
        major = "+".join(params[name] for name in MAJOR_PARAMETERS if name in params)
        key = (self.bucket_hash(method, template), major)
        window = self._buckets.get(key)
        if window is None:
            window = self._buckets[key] = Window(limit, period)
        return window

    def peek(self, method: str, template: str, params: Mapping[str, str]) -> dict[str, str]:
        """The bucket's headers, without counting a request (for answers that skip the limits)."""
        bucket = self.bucket_hash(method, template)
        if not self.config.enabled:
            return _headers(50, 49, 1.0, bucket)
        now = self.config.clock()
        window = self._window(method, template, params)
        return _headers(window.limit, window.remaining(now), window.reset_after(now), bucket)

    def check(
        self, method: str, template: str, params: Mapping[str, str], bot_token: str | None
    ) -> Verdict:
        """Count one request against its bucket and (for a bot token) the global limit."""
        bucket = self.bucket_hash(method, template)
        if not self.config.enabled:
            return Verdict(_headers(50, 49, 1.0, bucket))
        now = self.config.clock()
        window = self._window(method, template, params)
        limit = window.limit
        if bot_token is not None:
            limiter = self._global.get(bot_token)
            if limiter is None:
                limiter = Window(self.config.global_limit, self.config.global_period)
                self._global[bot_token] = limiter
            if not limiter.take(now):
                retry_after = limiter.reset_after(now)
                headers = _headers(limit, window.remaining(now), window.reset_after(now), bucket)
                headers.update(too_many_headers(retry_after, scope="global"))
                return Verdict(headers, "global_rate_limit", retry_after)
        if not window.take(now):
            retry_after = window.reset_after(now)
            headers = _headers(limit, 0, retry_after, bucket)
            headers.update(too_many_headers(retry_after, scope="user"))
            return Verdict(headers, "rate_limit", retry_after)
        return Verdict(_headers(limit, window.remaining(now), window.reset_after(now), bucket))


@functools.cache
def _bucket_hash(method: str, template: str) -> str:
    return hashlib.sha1(f"{method} {template}".encode()).hexdigest()[:16]


def _headers(limit: int, remaining: int, reset_after: float, bucket: str) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket,
    }


def too_many_headers(retry_after: float, *, scope: str) -> dict[str, str]:
    """The headers of Discord's 429 on top of the bucket's (Retry-After in whole seconds)."""
    headers = {"Retry-After": str(max(1, math.ceil(retry_after))), "X-RateLimit-Scope": scope}
    if scope == "global":
        headers["X-RateLimit-Global"] = "true"
    return headers


def too_many_body(retry_after: float, *, is_global: bool) -> dict[str, object]:
    return {
        "message": "You are being rate limited.",
        "retry_after": round(retry_after, 3),
        "global": is_global,
        "code": 0,
    }
