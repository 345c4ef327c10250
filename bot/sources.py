"""Where a reload reads its data from: the sources, and reading one into a candidate dataset.

    candidate, notes = read_source(Upload("2026-09.csv", data), base)

Light on purpose: a large source is read in a child process (``bot.reload_child``) that
imports this module, and every import here is paid again by each such child: no Discord, no
HTTP client, no database driver, and openpyxl only when a workbook is read.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from bot.models import Dataset, Release
from db.loader import (
    BUNDLED_SOURCE,
    MAX_FILE_BYTES,
    NATO_TITLE,
    RELEASES_FILE,
    DatasetError,
    Problem,
    load_bundled,
    load_directory,
    parse_release_file,
    parse_releases,
    with_release,
)

#: The most lines a CSV file may have, counted before it is parsed (a NATO release has ~1,300
#: rows; the whole bundled dataset ~1,255): a bound on the work a file can ask for.
MAX_ROWS = 50_000
#: Attachments and downloads: the loader's cap on any dataset file.
MAX_BYTES = MAX_FILE_BYTES

_RELEASE_STEM = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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


# --- reading a source -----------------------------------------------------------------------


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
    # Here, not at the top: openpyxl (and numpy under it) cost a reload's child process
    # 0.15 s to import, and only a workbook needs them.
    from db.workbook import read_workbook

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
        title=f"{NATO_TITLE} (release {release_id})",
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


def read_source(source: Bundled | Upload | Directory, base: Dataset) -> tuple[Dataset, list[str]]:
    """The candidate dataset ``source`` gives over ``base``, and what to note about it;
    raises DatasetError with every problem."""
    if isinstance(source, Bundled):
        return load_bundled(), []
    if isinstance(source, Directory):
        return load_directory(source.path), []
    return _read_upload(source, base)


def source_label(source: Bundled | Upload | Directory) -> str:
    """How a version loaded from ``source`` names it."""
    if isinstance(source, Bundled):
        return source.label
    if isinstance(source, Directory):
        return str(source.path)
    return source.source
