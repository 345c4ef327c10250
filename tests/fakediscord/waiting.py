"""Waiting for the fake's state to change, without polling."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ..support.waiting import SLOW

#: Every default wait in the fake: how long before a test *fails*, never how long it takes, so
#: generous (2 shared CI cores) and under pytest-timeout's per-test limit.
DEADLINE = SLOW

T = TypeVar("T")


@dataclass
class Waiters:
    """Coroutines waiting for a condition; ``notify()`` after every change makes them re-check."""

    futures: list[asyncio.Future[None]] = field(default_factory=list)

    def notify(self) -> None:
        for future in self.futures:
            if not future.done():
                future.set_result(None)
        self.futures.clear()

    # The caller's deadline is part of the failure message, hence a timeout parameter.
    async def until(
        self,
        found: Callable[[], T | None],
        timeout: float,  # noqa: ASYNC109
        failure: str,
    ) -> T:
        """The first truthy ``found()``; AssertionError(failure) after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        loop = asyncio.get_running_loop()
        while True:
            value = found()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(failure)
            future: asyncio.Future[None] = loop.create_future()
            self.futures.append(future)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(future, remaining)
