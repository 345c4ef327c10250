"""The one reload path, for the Discord commands and the CLI alike.

    reloader = Reloader(store)
    plan = await reloader.prepare(Upload("2026-09.csv", data, release="2026-09"))
    print(render_diff(plan.diff))                  # the dry run: nothing written yet
    version = await reloader.apply(plan, by="owner 1234", bot=bot)

``prepare`` reads the source, validates every row (every problem at once, as ``InvalidData``),
builds the candidate dataset and diffs it against the active one. Everything heavy runs off
the event loop, so commands keep answering from the current snapshot meanwhile: a large
source is parsed, validated, hashed and diffed in a child process (``read_in_child``), a small
one (the bundled data, a release file) in a worker thread, and the new snapshot is indexed in
a thread. ``apply`` activates the candidate in ONE
transaction together with its audit entry (the Store swaps the snapshot in one assignment once
it commits), then tells the bot (``dataset_updated``). A plan computed against a version that is
no longer active is refused, so a confirm pressed after someone else's reload cannot undo it.

At most one reload runs at a time: a second ``prepare`` or ``apply`` while one runs gets
``ReloadBusy`` at once rather than queueing behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import ssl as ssl_module
import sys
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal, Protocol

from bot.analytics.dataset_diff import DatasetDiff, diff
from bot.errors import UserFacingError
from bot.fetch import DEFAULT_ALLOWED_HOSTS, TOTAL_TIMEOUT_S, FetchError, IPNetwork, fetch
from bot.models import Dataset, DatasetVersion, Snapshot
from bot.reload_child import Refused, compare_in_child, parse_in_child, reader_pool, records_of
from db.audit import AuditContext
from db.errors import NothingToChange, UnknownVersion
from db.loader import DatasetError, Problem, dataset_sha256, losses
from db.loader.source import (
    MAX_BYTES,
    MAX_ROWS,
    Bundled,
    Directory,
    Source,
    Upload,
    Url,
    read_file,
    read_source,
    source_at,
    source_label,
)
from db.store import StaleVersion, Store

if TYPE_CHECKING:
    from discord.ext import commands

__all__ = [
    "MAX_BYTES",
    "MAX_ROWS",
    "Bundled",
    "Directory",
    "InvalidData",
    "Plan",
    "ReloadBusy",
    "ReloadError",
    "Reloader",
    "Source",
    "Upload",
    "Url",
    "read_file",
    "source_at",
]

#: The GIL's switch interval while a reload works in its thread (Python's default: 5 ms).
SWITCH_INTERVAL_S = 0.0005


# --- errors -----------------------------------------------------------------------------------


class ReloadError(UserFacingError):
    """A reload that cannot go ahead; the message says why, for the person who asked."""


class ReloadBusy(ReloadError):
    def __init__(self) -> None:
        super().__init__("A reload is already running: try again when it has finished.")


class InvalidData(ReloadError):
    """The source did not validate: ``problems`` (the first ones kept) and ``total``."""

    def __init__(self, error: DatasetError, source: str) -> None:
        self.problems: list[Problem] = list(error.problems)
        self.total = error.total
        self.source = source
        noun = "problem" if self.total == 1 else "problems"
        super().__init__(f"{source}: {self.total:,} {noun}; nothing was changed.")


# --- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """A prepared change: the candidate, its diff against the active version, and what to say.

    Nothing is written until ``Reloader.apply``.
    """

    kind: Literal["load", "rollback"]
    #: What the new version's ``source`` will say (for a rollback: the target's).
    source: str
    dataset: Dataset = field(repr=False)
    sha256: str
    diff: DatasetDiff = field(repr=False)
    #: The active version the diff was computed against.
    base: DatasetVersion
    #: The candidate, indexed ahead so that the swap costs nothing.
    snapshot: Snapshot = field(repr=False)
    #: What the reader of the dry run should know (derived metadata, the workbook's date, …).
    notes: tuple[str, ...] = ()
    #: Figures the candidate would drop (releases, allies, years): loaded anyway if confirmed.
    warnings: tuple[str, ...] = ()
    #: For a rollback, the version it returns to.
    rollback_to: int | None = None
    #: Every figure of the dataset was held to the model's rule where its records were made (a
    #: large source's, in the child): activation need not look for unusable figures again.
    checked: bool = False

    @property
    def unchanged(self) -> bool:
        """The candidate is the active data itself: nothing to apply."""
        return self.sha256 == self.base.sha256


class _Dispatcher(Protocol):
    def dispatch(self, event_name: str, /, *args: object) -> None: ...


# --- reading a source -----------------------------------------------------------------------


def dataset_of(snapshot: Snapshot) -> Dataset:
    """The Dataset a snapshot serves, in the loader's canonical order (its models were
    validated when the snapshot was built: not again)."""
    return Dataset.model_construct(
        members=tuple(sorted(snapshot.countries.values(), key=lambda c: c.iso3)),
        releases=tuple(sorted(snapshot.releases.values(), key=lambda r: r.release_id)),
        records=tuple(
            sorted(
                (r for by_key in snapshot.records.values() for r in by_key.values()),
                key=lambda r: (r.release_id, r.iso3, r.year),
            )
        ),
    )


@dataclass(frozen=True, slots=True)
class _Prepared:
    dataset: Dataset
    sha256: str
    diff: DatasetDiff
    snapshot: Snapshot
    warnings: tuple[str, ...]
    notes: tuple[str, ...] = ()
    #: Every figure already held to the model's rule where the records were made.
    checked: bool = False

    def plan(self, kind: Literal["load", "rollback"], source: str, base: DatasetVersion) -> Plan:
        return Plan(
            kind=kind,
            source=source,
            dataset=self.dataset,
            sha256=self.sha256,
            diff=self.diff,
            base=base,
            snapshot=self.snapshot,
            notes=self.notes,
            warnings=self.warnings,
            checked=self.checked,
        )


def _compare(active: Snapshot, base: Dataset, candidate: Dataset) -> _Prepared:
    return _Prepared(
        dataset=candidate,
        sha256=dataset_sha256(candidate),
        diff=diff(active, candidate),
        snapshot=Store.build_snapshot(candidate),
        warnings=tuple(losses(base, candidate)),
    )


#: Uploads up to this size are read in a thread: ~3,000 rows parse in well under 100 ms, less
#: than starting the child costs (~0.6 s: a fresh interpreter importing the loader).
THREAD_MAX_BYTES = 256 * 1024


def _in_thread(source: Bundled | Upload | Directory) -> bool:
    """Small sources (the bundled data, a release file) are read in a thread; a directory,
    which may hold any number of release files, and a large upload in a child process."""
    if isinstance(source, Bundled):
        return True
    return isinstance(source, Upload) and len(source.data) <= THREAD_MAX_BYTES


async def read_in_thread(source: Bundled | Upload | Directory, active: Snapshot) -> _Prepared:
    def work() -> _Prepared:
        base = dataset_of(active)
        candidate = read_source(source, base)
        prepared = _compare(active, base, candidate.dataset)
        return replace(
            prepared, notes=candidate.notes, warnings=prepared.warnings + candidate.warnings
        )

    return await asyncio.to_thread(work)


async def read_in_child(source: Bundled | Upload | Directory, active: Snapshot) -> _Prepared:
    """Read, validate, hash and diff ``source`` in a child process that is gone afterwards.

    The parsing holds the GIL for seconds (a thread stalled commands by 20-40 ms at p99), so
    it runs in a process, in two steps: the records come back first, and while the child
    hashes and diffs them the event loop rebuilds them, in short steps; the snapshot is then
    indexed in a thread. Raises DatasetError with every problem, as the loader does.
    """
    base = await asyncio.to_thread(dataset_of, active)
    pool = reader_pool()
    loop = asyncio.get_running_loop()
    try:
        parsed = await loop.run_in_executor(pool, parse_in_child, source, base)
        if isinstance(parsed, Refused):
            raise DatasetError(parsed.problems, parsed.total)
        comparing = loop.run_in_executor(pool, compare_in_child)
        records = await records_of(parsed.record_chunks)
        compared = await comparing
    finally:
        await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
    candidate = Dataset.model_construct(
        members=parsed.members, releases=parsed.releases, records=records
    )
    snapshot = await asyncio.to_thread(Store.build_snapshot, candidate)
    return _Prepared(
        dataset=candidate,
        sha256=compared.sha256,
        diff=compared.diff,
        snapshot=snapshot,
        warnings=compared.warnings,
        notes=parsed.notes,
        # Made by the loader (whose cell checks are the model's figure rules) or the workbook
        # reader (which validates each record): activation need not scan 100,000 records for
        # unusable figures again, on the event loop (~0.3 s).
        checked=True,
    )


# --- the reloader -----------------------------------------------------------------------------


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a reload builds its objects.

    A large file makes a million objects that all live on; each full collection meanwhile
    walks all of them with the GIL held, stalling the event loop for up to seconds. What the
    reload throws away is freed by reference counting, without the collector. At the end the
    objects made meanwhile are frozen (as start-up freezes what it built, bot/client.py): the
    first collection after a reload would otherwise walk them all at once, on the event loop.
    """
    enabled = gc.isenabled()
    interval = sys.getswitchinterval()
    gc.disable()
    # The worker thread holds the GIL in slices of this length; the event loop waits up to one
    # slice each time it wants it back (several times per command): 0.5 ms rather than 5.
    sys.setswitchinterval(min(interval, SWITCH_INTERVAL_S))
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        gc.freeze()
        if enabled:
            gc.enable()


class Reloader:
    """Prepares and applies reloads and rollbacks on one Store, one at a time."""

    def __init__(
        self,
        store: Store,
        *,
        allowed_hosts: Iterable[str] = DEFAULT_ALLOWED_HOSTS,
        allowed_networks: Sequence[str | IPNetwork] = (),
        ssl: ssl_module.SSLContext | None = None,
        fetch_seconds: float = TOTAL_TIMEOUT_S,
    ) -> None:
        self.store = store
        self.fetch_seconds = fetch_seconds
        self.allowed_hosts = tuple(allowed_hosts)
        #: Networks exempt from fetch's address rules (tests: 127.0.0.0/8); none in production.
        self.allowed_networks = tuple(allowed_networks)
        self.ssl = ssl
        self._lock = asyncio.Lock()

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    @contextlib.asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        if self._lock.locked():
            raise ReloadBusy()
        async with self._lock:
            yield

    async def prepare(self, source: Source) -> Plan:
        """Read and validate ``source`` and diff it against the active data; writes nothing.

        Raises InvalidData (every problem), ReloadError (a refused download), ReloadBusy.
        """
        async with self._exclusive():
            with _collector_paused():
                return await self._prepare(source)

    async def _prepare(self, source: Source) -> Plan:
        if isinstance(source, Url):
            source = await self._download(source)
        active = self.store.snapshot
        label = source_label(source)
        try:
            read = read_in_thread if _in_thread(source) else read_in_child
            prepared = await read(source, active)
        except DatasetError as exc:
            raise InvalidData(exc, label) from None
        return prepared.plan("load", label, active.version)

    async def _download(self, source: Url) -> Upload:
        try:
            fetched = await fetch(
                source.url,
                allowed_hosts=self.allowed_hosts,
                allowed_networks=self.allowed_networks,
                max_bytes=MAX_BYTES,
                max_seconds=self.fetch_seconds,
                ssl=self.ssl,
            )
        except FetchError as exc:
            raise ReloadError(f"Cannot download {source.url}: {exc}") from None
        return Upload(fetched.filename, fetched.data, release=source.release, label=fetched.url)

    async def prepare_rollback(self, to_version: int | None = None) -> Plan:
        """The diff from the active version to ``to_version`` (default: the one it replaced)."""
        async with self._exclusive():
            active = self.store.snapshot
            versions = await self.store.versions()
            if to_version is None:
                try:
                    target = await self.store.previous_version()
                except UnknownVersion as exc:
                    raise ReloadError(f"Nothing to roll back to: {exc}.") from None
            else:
                found = [v for v in versions if v.version_id == to_version]
                if not found:
                    known = ", ".join(str(v.version_id) for v in reversed(versions))
                    raise ReloadError(
                        f"There is no dataset version {to_version} (versions: {known})."
                    )
                target = found[0]
            if target.version_id == active.version.version_id:
                raise ReloadError(f"Version {target.version_id} is already active.")
            dataset = await self.store.load_version(target.version_id)

            def work() -> _Prepared:
                return _compare(active, dataset_of(active), dataset)

            prepared = await asyncio.to_thread(work)
            plan = prepared.plan("rollback", target.source, active.version)
            return replace(plan, rollback_to=target.version_id)

    async def apply(
        self,
        plan: Plan,
        by: str,
        *,
        bot: commands.Bot | _Dispatcher | None = None,
        context: AuditContext | None = None,
    ) -> DatasetVersion:
        """Activate the plan's dataset (or roll back) in one transaction with its audit entry,
        then ``bot.dispatch("dataset_updated", version, diff)``.

        Raises ReloadError when the plan is stale (the active version changed since it was
        prepared) or changes nothing, ReloadBusy while another reload runs.
        """
        async with self._exclusive():
            with _collector_paused():
                try:
                    if plan.kind == "rollback":
                        version = await self.store.rollback(
                            to_version=plan.rollback_to,
                            by=by,
                            expected_active=plan.base.version_id,
                            snapshot=plan.snapshot,
                            context=context,
                        )
                    else:
                        version = await self.store.activate(
                            plan.dataset,
                            source=plan.source,
                            loaded_by=by,
                            sha256=plan.sha256,
                            snapshot=plan.snapshot,
                            expected_active=plan.base.version_id,
                            context=context,
                            checked=plan.checked,
                        )
                except StaleVersion as exc:
                    raise ReloadError(f"Nothing was changed: {exc}.") from None
                except NothingToChange as exc:
                    raise ReloadError(f"Nothing was changed: {exc}.") from None
        if bot is not None:
            bot.dispatch("dataset_updated", version, plan.diff)
        return version
