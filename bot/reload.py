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
import multiprocessing
import os
import pickle
import re
import ssl as ssl_module
import stat
import sys
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from bot.analytics.dataset_diff import DatasetDiff, diff
from bot.errors import UserFacingError
from bot.fetch import DEFAULT_ALLOWED_HOSTS, TOTAL_TIMEOUT_S, FetchError, IPNetwork, fetch
from bot.lifeline import die_with_parent
from bot.models import Country, Dataset, DatasetVersion, Release, Snapshot, SpendingRecord
from db.audit import AuditContext
from db.errors import NothingToChange, UnknownVersion
from db.loader import (
    MAX_FILE_BYTES,
    RELEASES_FILE,
    DatasetError,
    Problem,
    dataset_sha256,
    load_bundled,
    load_directory,
    losses,
    parse_release_file,
    parse_releases,
    with_release,
)
from db.store import BUNDLED_SOURCE, StaleVersion, Store
from db.workbook import TITLE, read_workbook

if TYPE_CHECKING:
    from discord.ext import commands

#: The most lines a CSV file may have, counted before it is parsed (a NATO release has ~1,300
#: rows; the whole bundled dataset ~1,255): a bound on the work a file can ask for.
MAX_ROWS = 50_000
#: Attachments and downloads: the loader's cap on any dataset file.
MAX_BYTES = MAX_FILE_BYTES

#: The GIL's switch interval while a reload works in its thread (Python's default: 5 ms).
SWITCH_INTERVAL_S = 0.0005

_RELEASE_STEM = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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


# --- sources ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bundled:
    """The dataset shipped with the bot (db/data)."""

    label: str = BUNDLED_SOURCE


@dataclass(frozen=True, slots=True)
class Upload:
    """One file's bytes: a release CSV (``release`` names its id, else the file name does) or
    NATO's Excel workbook. ``manifest`` (releases.csv rows) gives a new release its title etc."""

    filename: str
    data: bytes = field(repr=False)
    release: str | None = None
    manifest: bytes | None = field(default=None, repr=False)
    #: How the version's ``source`` names it (an attachment, a path, a URL).
    label: str = ""

    @property
    def source(self) -> str:
        return self.label or f"upload {self.filename}"


@dataclass(frozen=True, slots=True)
class Url:
    """A file to download over https from an allow-listed host, then read as an ``Upload``."""

    url: str
    release: str | None = None


@dataclass(frozen=True, slots=True)
class Directory:
    """A whole dataset on disk: members.csv, releases.csv and one <release>.csv per release."""

    path: Path


Source = Bundled | Upload | Url | Directory


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

    @property
    def unchanged(self) -> bool:
        """The candidate is the active data itself: nothing to apply."""
        return self.sha256 == self.base.sha256


class _Dispatcher(Protocol):
    def dispatch(self, event_name: str, /, *args: object) -> None: ...


# --- reading a source -----------------------------------------------------------------------


def dataset_of(snapshot: Snapshot) -> Dataset:
    """The Dataset a snapshot serves, in the loader's canonical order."""
    return Dataset(
        members=tuple(sorted(snapshot.countries.values(), key=lambda c: c.iso3)),
        releases=tuple(sorted(snapshot.releases.values(), key=lambda r: r.release_id)),
        records=tuple(
            sorted(
                (r for by_key in snapshot.records.values() for r in by_key.values()),
                key=lambda r: (r.release_id, r.iso3, r.year),
            )
        ),
    )


def is_workbook(filename: str, data: bytes) -> bool:
    """An Excel file, by its bytes (xlsx is a zip; old xls an OLE file) or its name."""
    return data.startswith((_ZIP_MAGIC, _OLE_MAGIC)) or filename.lower().endswith((".xlsx", ".xls"))


def _refuse(filename: str, reason: str, column: str | None = None) -> DatasetError:
    return DatasetError([Problem(filename, None, column, reason)])


def _check_size(filename: str, size: int) -> None:
    if size > MAX_BYTES:
        raise _refuse(
            filename,
            f"{size / 1024 / 1024:.1f} MiB: larger than {MAX_BYTES // 1024 // 1024} MiB, "
            "the most a dataset file may be",
        )


def _read_upload(upload: Upload, base: Dataset) -> tuple[Dataset, list[str]]:
    _check_size(upload.filename, len(upload.data))
    if is_workbook(upload.filename, upload.data):
        return _read_workbook(upload, base)
    # Counted before parsing: a file of a million short lines is refused without reading them.
    lines = upload.data.count(b"\n") + 1
    if lines > MAX_ROWS:
        raise _refuse(
            upload.filename,
            f"{lines:,} lines: more than {MAX_ROWS:,}, the most a release file may have",
        )
    return _read_release_csv(upload, base)


def _read_workbook(upload: Upload, base: Dataset) -> tuple[Dataset, list[str]]:
    book = read_workbook(
        upload.data, filename=upload.filename, members=base.members, release_id=upload.release
    )
    release = book.release
    known = {r.release_id for r in base.releases}
    status = (
        f"replaces the loaded release {release.release_id}"
        if release.release_id in known
        else f"a new release, {release.release_id}"
    )
    dated = "" if book.dated_by == "given" else f" (dated by its {book.dated_by})"
    notes = [
        f"NATO's workbook {upload.filename}: {status}: “{release.title}”, published "
        f"{release.published}{dated}; {len(book.records):,} figures."
    ]
    return with_release(base, release, book.records), notes


def _read_release_csv(upload: Upload, base: Dataset) -> tuple[Dataset, list[str]]:
    """A release CSV: the release named by the option, else by the file name; every row checked
    whatever the id (its problems and the id's are reported together)."""
    problems: list[Problem] = []
    notes: list[str] = []
    name = upload.filename
    stem = name.rsplit(".", 1)[0] if "." in name else name
    release_id = (upload.release or "").strip() or (stem if _RELEASE_STEM.match(stem) else None)
    if release_id is None:
        problems.append(
            Problem(name, None, "release", f"name the release: {name} is not <YYYY-MM>.csv")
        )
    elif not _RELEASE_STEM.match(release_id):
        problems.append(Problem(name, None, "release", f"{release_id!r} is not YYYY-MM"))
        release_id = None
    known = {r.release_id: r for r in base.releases}
    release: Release | None = None
    if upload.manifest is not None:
        release = _from_manifest(upload.manifest, release_id, problems)
    elif release_id is not None and release_id in known:
        release = known[release_id]
    elif release_id is not None:
        release = _derived_release(release_id, base, name)
        notes.append(
            f"Release {release_id} is new and no manifest came with it, so its metadata is "
            f"derived: title “{release.title}”, published {release.published}, basis "
            f"{release.basis} (as the newest loaded release). Attach a releases.csv row to "
            "set them."
        )
    placeholder = release_id or "0000-01"  # rows are still checked without a usable id
    total = len(problems)
    records = []
    try:
        records = parse_release_file(
            upload.data,
            filename=name,
            release_id=placeholder,
            known_codes={c.iso3 for c in base.members},
            known_releases={*known, placeholder},
        )
    except DatasetError as exc:
        problems.extend(exc.problems)
        total += exc.total
    if problems or release is None:
        raise DatasetError(problems, total)
    if release_id in known:
        notes.append(f"Replaces the figures of the loaded release {release_id}.")
    return with_release(base, release, records), notes


def _from_manifest(data: bytes, release_id: str | None, problems: list[Problem]) -> Release | None:
    try:
        releases = parse_releases(data, RELEASES_FILE)
    except DatasetError as exc:
        problems.extend(exc.problems)
        return None
    if release_id is None:
        return None
    for release in releases:
        if release.release_id == release_id:
            return release
    problems.append(
        Problem(RELEASES_FILE, None, "release", f"the manifest has no row for {release_id}")
    )
    return None


def _derived_release(release_id: str, base: Dataset, filename: str) -> Release:
    newest = max(base.releases, key=lambda r: r.release_id, default=None)
    return Release(
        release_id=release_id,
        title=f"{TITLE} (release {release_id})",
        published=release_id,
        basis=newest.basis if newest else "total",
        price_base=newest.price_base if newest else None,
        coverage=f"from {filename}",
    )


def read_file(path: Path, *, release: str | None = None) -> Upload:
    """A file on disk as an Upload, refused (DatasetError) unless a regular file within the cap."""
    name = path.name
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _refuse(name, f"cannot read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise _refuse(name, "not a regular file")
    _check_size(name, info.st_size)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise _refuse(name, f"cannot read: {exc.strerror}") from None
    _check_size(name, len(data))
    return Upload(name, data, release=release, label=str(path))


def _candidate(source: Bundled | Upload | Directory, base: Dataset) -> tuple[Dataset, list[str]]:
    if isinstance(source, Bundled):
        return load_bundled(), []
    if isinstance(source, Directory):
        return load_directory(source.path), []
    return _read_upload(source, base)


def _label(source: Bundled | Upload | Directory) -> str:
    if isinstance(source, Bundled):
        return source.label
    if isinstance(source, Directory):
        return str(source.path)
    return source.source


@dataclass(frozen=True, slots=True)
class _Prepared:
    dataset: Dataset
    sha256: str
    diff: DatasetDiff
    snapshot: Snapshot
    warnings: tuple[str, ...]
    notes: tuple[str, ...] = ()


def _compare(active: Snapshot, base: Dataset, candidate: Dataset) -> _Prepared:
    return _Prepared(
        dataset=candidate,
        sha256=dataset_sha256(candidate),
        diff=diff(active, candidate),
        snapshot=Store.build_snapshot(candidate),
        warnings=tuple(losses(base, candidate)),
    )


# --- reading a source in a child process -----------------------------------------------------

#: Records sent back per pickled chunk, and rebuilt per step on the event loop (~2 ms a step).
RECORD_CHUNK = 500
_RECORD_FIELDS = tuple(SpendingRecord.model_fields)
#: One "fields set" for every rebuilt record (each would otherwise own a 12-name set: ~730 of
#: a record's ~1,280 bytes). Never mutated: records are frozen, model_copy copies it first.
_ALL_FIELDS_SET = set(_RECORD_FIELDS)


@dataclass(frozen=True, slots=True)
class _Read:
    """What the child sends back for a source that validated: everything but the snapshot.

    Records travel as pickled chunks of plain tuples: pickling 100,000 pydantic models costs
    ~1 s each way, tuples ~50 ms; and the bot unpickles one chunk at a time between commands.
    """

    members: tuple[Country, ...]
    releases: tuple[Release, ...]
    record_chunks: tuple[bytes, ...]
    sha256: str
    diff: DatasetDiff
    warnings: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Refused:
    """A source that did not validate: every problem kept, and the count (DatasetError's own
    pickling would keep only its message)."""

    problems: list[Problem]
    total: int


def _start_reader(bot_pid: int) -> None:
    die_with_parent(bot_pid)
    gc.disable()  # the child lives for one read: reference counting frees what it drops


def _read_in_child(source: Bundled | Upload | Directory, base: Dataset) -> _Read | _Refused:
    """Runs in the reload's child process: parse, validate, hash and diff ``source``."""
    try:
        candidate, notes = _candidate(source, base)
    except DatasetError as exc:
        return _Refused(exc.problems, exc.total)
    rows = [tuple(record.__dict__[name] for name in _RECORD_FIELDS) for record in candidate.records]
    return _Read(
        members=candidate.members,
        releases=candidate.releases,
        record_chunks=tuple(
            pickle.dumps(rows[start : start + RECORD_CHUNK], pickle.HIGHEST_PROTOCOL)
            for start in range(0, len(rows), RECORD_CHUNK)
        ),
        sha256=dataset_sha256(candidate),
        diff=diff(base, candidate),
        warnings=tuple(losses(base, candidate)),
        notes=tuple(notes),
    )


def _reader_pool() -> ProcessPoolExecutor:
    # spawn, not fork: forking a process that runs threads (aiosqlite's, the executors') can
    # copy a lock another thread holds. The child is the bot's own and dies with it
    # (die_with_parent); it is started by submit(), from the event loop's thread, which lives
    # as long as the bot (what the kernel's death signal needs).
    return ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_reader,
        initargs=(os.getpid(),),
    )


async def _records_of(chunks: Sequence[bytes]) -> tuple[SpendingRecord, ...]:
    """The child's records rebuilt, one chunk per step of the event loop."""
    records: list[SpendingRecord] = []
    for chunk in chunks:
        for row in pickle.loads(chunk):
            # model_construct skips validation: safe, the child validated every figure of
            # every record (the loader builds each one validated) before it sent them.
            fields = dict(zip(_RECORD_FIELDS, row, strict=True))
            records.append(SpendingRecord.model_construct(_ALL_FIELDS_SET, **fields))
        await asyncio.sleep(0)
    return tuple(records)


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
        candidate, notes = _candidate(source, base)
        return replace(_compare(active, base, candidate), notes=tuple(notes))

    return await asyncio.to_thread(work)


async def read_in_child(source: Bundled | Upload | Directory, active: Snapshot) -> _Prepared:
    """Read, validate, hash and diff ``source`` in a child process that is gone afterwards.

    The parsing holds the GIL for seconds (a thread stalled commands by 20-40 ms at p99), so
    it runs in a process; the event loop only rebuilds the records, in short steps, and the
    snapshot is indexed in a thread. Raises DatasetError with every problem, as the loader does.
    """
    base = await asyncio.to_thread(dataset_of, active)
    pool = _reader_pool()
    try:
        read = await asyncio.get_running_loop().run_in_executor(pool, _read_in_child, source, base)
    finally:
        await asyncio.to_thread(pool.shutdown, wait=True)
    if isinstance(read, _Refused):
        raise DatasetError(read.problems, read.total)
    candidate = Dataset.model_construct(
        members=read.members, releases=read.releases, records=await _records_of(read.record_chunks)
    )
    snapshot = await asyncio.to_thread(Store.build_snapshot, candidate)
    return _Prepared(
        dataset=candidate,
        sha256=read.sha256,
        diff=read.diff,
        snapshot=snapshot,
        warnings=read.warnings,
        notes=read.notes,
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
        label = _label(source)
        try:
            read = read_in_thread if _in_thread(source) else read_in_child
            prepared = await read(source, active)
        except DatasetError as exc:
            raise InvalidData(exc, label) from None
        return Plan(
            kind="load",
            source=label,
            dataset=prepared.dataset,
            sha256=prepared.sha256,
            diff=prepared.diff,
            base=active.version,
            snapshot=prepared.snapshot,
            notes=prepared.notes,
            warnings=prepared.warnings,
        )

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
            return Plan(
                kind="rollback",
                source=target.source,
                dataset=dataset,
                sha256=prepared.sha256,
                diff=prepared.diff,
                base=active.version,
                snapshot=prepared.snapshot,
                warnings=prepared.warnings,
                rollback_to=target.version_id,
            )

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
                        )
                except StaleVersion as exc:
                    raise ReloadError(f"Nothing was changed: {exc}.") from None
                except NothingToChange as exc:
                    raise ReloadError(f"Nothing was changed: {exc}.") from None
        if bot is not None:
            bot.dispatch("dataset_updated", version, plan.diff)
        return version
