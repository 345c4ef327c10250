"""Waiting in tests: on a condition, with a deadline only a broken bot reaches.

A deadline is how long a test waits before it *fails*, never how long it takes: a pass returns as
soon as the condition holds. So deadlines are generous (a loaded 2-core CI machine starting a
chart worker can take several seconds), and nothing here sleeps a fixed time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

#: How long a test waits for real work (a first chart, a bot start, a timed-out view) to show;
#: under pytest-timeout's per-test limit, so the failure names what never came.
SLOW = 60.0

#: How often ``eventually`` looks again (a condition on plain objects: cheap to evaluate).
POLL = 0.01


async def eventually(
    condition: Callable[[], object],
    what: str,
    timeout: float = SLOW,  # noqa: ASYNC109 - the deadline is part of the failure message
) -> None:
    """Return once ``condition()`` is truthy; AssertionError naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen within {timeout:g} s")
        await asyncio.sleep(POLL)
