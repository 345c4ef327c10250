"""Which processes are alive, from /proc (Linux): for tests and benches that check nothing of
the bot outlives it.

A process is named by (pid, start time); zombies (dead, waiting to be reaped) count as gone.
The bot is started as a session leader (``start_new_session``): every process it starts, and
theirs, stays in its session, even once re-parented to init.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

PROC = Path("/proc")

#: A process: its pid and its start time (clock ticks since boot).
ProcessId = tuple[int, int]


def _stat(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses.
    return text[text.rindex(")") + 2 :].split()


def session_members(session_id: int) -> set[ProcessId]:
    """Every live (non-zombie) process of that session, the session leader included."""
    members: set[ProcessId] = set()
    for entry in os.scandir(PROC):
        if not entry.name.isdigit():
            continue
        fields = _stat(int(entry.name))
        # fields[0] is the state, [3] the session, [19] the start time.
        if fields is not None and fields[0] != "Z" and int(fields[3]) == session_id:
            members.add((int(entry.name), int(fields[19])))
    return members


def children(pid: int) -> set[int]:
    """The live processes whose parent is ``pid`` (every thread's children)."""
    found: set[int] = set()
    for task in (PROC / str(pid) / "task").iterdir():
        try:
            found.update(int(c) for c in (task / "children").read_text().split())
        except FileNotFoundError:  # the thread ended meanwhile
            continue
    return {c for c in found if (fields := _stat(c)) is not None and fields[0] != "Z"}


def is_spawned(pid: int) -> bool:
    """Started by multiprocessing's spawn (a chart worker, a reload's parser, …)."""
    return "multiprocessing.spawn" in command_line(pid)


def command_line(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return "?"


async def wait_for_session_end(session_id: int, deadline: float) -> set[ProcessId]:
    """Poll until no live process is left in the session, or ``deadline`` (s) has passed;
    return what is left (empty when the session ended)."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + deadline
    while (left := session_members(session_id)) and loop.time() < give_up:  # noqa: ASYNC110
        await asyncio.sleep(0.05)  # /proc has nothing to wait on
    return left
