"""A large source is read in a child process, in two steps; this is what runs there, and how
its answers travel back.

    pool = reader_pool()
    parsed = await loop.run_in_executor(pool, parse_in_child, source, base)   # the records
    comparing = loop.run_in_executor(pool, compare_in_child)                  # hash and diff
    records = await records_of(parsed.record_chunks)                          # meanwhile, here

The child imports this module (by reference to its functions) and what it imports: keep both
light (see db/loader/source.py), since the child pays for every import before its first step.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import pickle
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from bot.analytics.dataset_diff import DatasetDiff, diff
from bot.lifeline import die_with_parent
from bot.models import Country, Dataset, Release, SpendingRecord
from db.loader import DatasetError, Problem, dataset_sha256, losses
from db.loader.source import Bundled, Directory, Upload, read_source

#: Records sent back per pickled chunk, and rebuilt per step on the event loop (~1 ms a step).
RECORD_CHUNK = 500
RECORD_FIELDS = tuple(SpendingRecord.model_fields)


@dataclass(frozen=True, slots=True)
class Parsed:
    """What the child sends back first for a source that validated: everything but the hash
    and the diff, which it computes next while the bot rebuilds the records.

    Records travel as pickled chunks of plain tuples: pickling 100,000 pydantic models costs
    ~1 s each way, tuples ~50 ms; and the bot unpickles one chunk at a time between commands.
    """

    members: tuple[Country, ...]
    releases: tuple[Release, ...]
    record_chunks: tuple[bytes, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Compared:
    """The child's second answer: the candidate's hash, its diff and what it would drop."""

    sha256: str
    diff: DatasetDiff
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Refused:
    """A source that did not validate: every problem kept, and the count (DatasetError's own
    pickling would keep only its message)."""

    problems: list[Problem]
    total: int


#: In the child, between its two steps: the active dataset, the candidate read from the source
#: and what the source said the candidate would drop.
_kept: tuple[Dataset, Dataset, tuple[str, ...]] | None = None


def _start_reader(bot_pid: int) -> None:
    die_with_parent(bot_pid)
    gc.disable()  # the child lives for one read: reference counting frees what it drops


def parse_in_child(source: Bundled | Upload | Directory, base: Dataset) -> Parsed | Refused:
    """The child's first step: parse and validate ``source``; keep the candidate for the next."""
    global _kept
    try:
        read = read_source(source, base)
    except DatasetError as exc:
        return Refused(exc.problems, exc.total)
    candidate = read.dataset
    _kept = (base, candidate, read.warnings)
    rows = [tuple(record.__dict__[name] for name in RECORD_FIELDS) for record in candidate.records]
    return Parsed(
        members=candidate.members,
        releases=candidate.releases,
        record_chunks=tuple(
            pickle.dumps(rows[start : start + RECORD_CHUNK], pickle.HIGHEST_PROTOCOL)
            for start in range(0, len(rows), RECORD_CHUNK)
        ),
        notes=read.notes,
    )


def compare_in_child() -> Compared:
    """The child's second step: hash and diff the candidate the first one kept."""
    assert _kept is not None, "the first step keeps the candidate"
    base, candidate, source_warnings = _kept
    return Compared(
        sha256=dataset_sha256(candidate),
        diff=diff(base, candidate),
        warnings=(*losses(base, candidate), *source_warnings),
    )


def reader_pool() -> ProcessPoolExecutor:
    # spawn, not fork: forking a process that runs threads (aiosqlite's, the executors') can
    # copy a lock another thread holds. The child is the bot's own and dies with it
    # (die_with_parent); it is started by submit(), from the event loop's thread, which lives
    # as long as the bot (what the kernel's death signal needs). One worker: both steps run
    # in the same process, the second on what the first kept.
    return ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_reader,
        initargs=(os.getpid(),),
    )


async def records_of(chunks: Sequence[bytes]) -> tuple[SpendingRecord, ...]:
    """The child's records rebuilt, one chunk per step of the event loop."""
    records: list[SpendingRecord] = []
    for chunk in chunks:
        # Built without validation: the child's loader checked every cell of every record by
        # the model's rules before it sent them (as it does for any file).
        records.extend(
            SpendingRecord.from_checked(dict(zip(RECORD_FIELDS, row, strict=True)))
            for row in pickle.loads(chunk)
        )
        await asyncio.sleep(0)
    return tuple(records)
