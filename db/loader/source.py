"""The one reader of a dataset source, for ``natobot data validate|diff|load`` and ``/admin
reload`` alike: a directory, a release CSV, members.csv, releases.csv, NATO's workbook, or the
bytes of an upload or a download, read into the candidate dataset over the active one.

    candidate = read_source(Upload("2026-09.csv", data), base)   # .dataset, .notes, .warnings

Light on purpose: a large source is read in a child process (``bot.reload_child``) that
imports this module, and every import here is paid again by each such child: no Discord, no
HTTP client, no database driver, and openpyxl only when a workbook is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.models import AGGREGATE_CODES, Dataset, Release, is_release_id
from db.loader.directory import load_bundled, load_directory, read_regular_file
from db.loader.formats import (
    BUNDLED_SOURCE,
    MAX_FILE_BYTES,
    MEMBERS_FILE,
    NATO_TITLE,
    RELEASES_FILE,
)
from db.loader.identity import canonical_dataset, with_release
from db.loader.problems import DatasetError, Problem, Problems, raise_if, size_text, too_large
from db.loader.release_files import (
    members_found,
    parse_release_file,
    parse_releases,
    releases_found,
)

#: The most lines a CSV file may have, counted before it is parsed (a NATO release has ~1,300
#: rows; the whole bundled dataset ~1,255): a bound on the work a file can ask for.
MAX_ROWS = 50_000
#: Attachments and downloads: the loader's cap on any dataset file.
MAX_BYTES = MAX_FILE_BYTES

#: What a blank figure cell of a workbook may be (openpyxl reads both as nothing).
_BLANK = "empty or a formula without a saved value"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# --- sources ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bundled:
    """The dataset shipped with the bot (db/data)."""

    label: str = BUNDLED_SOURCE


@dataclass(frozen=True, slots=True)
class Upload:
    """One file's bytes: a release CSV (``release`` names its id, else the file name does),
    members.csv, releases.csv, or NATO's Excel workbook. ``manifest`` (releases.csv rows) gives
    a new release its title etc."""

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


@dataclass(frozen=True, slots=True)
class Candidate:
    """What a source gives over the active dataset: the dataset, what to note about it, and
    what it would drop that only the source can tell (the comparison of the two datasets adds
    the rest: ``losses``)."""

    dataset: Dataset
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


# --- reading a source -----------------------------------------------------------------------


def is_workbook(filename: str, data: bytes) -> bool:
    """An Excel file, by its bytes (xlsx is a zip; old xls an OLE file) or its name."""
    return data.startswith((_ZIP_MAGIC, _OLE_MAGIC)) or filename.lower().endswith((".xlsx", ".xls"))


def _refuse(filename: str, reason: str, column: str | None = None) -> DatasetError:
    return DatasetError([Problem(filename, None, column, reason)])


def _read_upload(upload: Upload, base: Dataset) -> Candidate:
    if len(upload.data) > MAX_BYTES:
        raise _refuse(upload.filename, f"{size_text(len(upload.data))}: {too_large()}")
    if is_workbook(upload.filename, upload.data):
        return _read_workbook(upload, base)
    # Counted before parsing: a file of a million short lines is refused without reading them.
    lines = upload.data.count(b"\n") + 1
    if lines > MAX_ROWS:
        raise _refuse(
            upload.filename,
            f"{lines:,} lines: more than {MAX_ROWS:,}, the most a release file may have",
        )
    if upload.filename in (MEMBERS_FILE, RELEASES_FILE):
        if upload.release is not None or upload.manifest is not None:
            raise _refuse(
                upload.filename,
                "a release id and a manifest go with a release's figures, "
                f"not with {upload.filename}",
                "release",
            )
        if upload.filename == MEMBERS_FILE:
            return Candidate(_read_members(upload.data, upload.filename, base))
        return Candidate(_read_manifest(upload.data, upload.filename, base))
    return _read_release_csv(upload, base)


def _read_members(data: bytes, name: str, base: Dataset) -> Dataset:
    """members.csv in place of ``base``'s: every ally with figures must still be listed."""
    members, problems, _ = members_found(data, name)
    if not problems:
        listed = {c.iso3 for c in members} | AGGREGATE_CODES
        orphans = {(r.iso3, r.release_id) for r in base.records if r.iso3 not in listed}
        for iso3, rid in sorted(orphans):
            problems.append(
                Problem(
                    name, None, "iso3", f"{iso3} has figures in release {rid} but is not listed"
                )
            )
    raise_if(problems)
    return canonical_dataset(members, base.releases, base.records)


def _read_manifest(data: bytes, name: str, base: Dataset) -> Dataset:
    """releases.csv in place of ``base``'s: each release must already have figures (a new
    release comes with its file, or in a directory)."""
    releases, problems, _ = releases_found(data, name)
    with_figures = {r.release_id for r in base.records}
    for release in releases:
        if release.release_id not in with_figures:
            problems.append(
                Problem(
                    name,
                    None,
                    "release",
                    f"release {release.release_id} has no figures yet: validate the directory "
                    f"holding {release.release_id}.csv instead",
                )
            )
    raise_if(problems)
    kept = {r.release_id for r in releases}
    return canonical_dataset(
        base.members, releases, [r for r in base.records if r.release_id in kept]
    )


def _read_workbook(upload: Upload, base: Dataset) -> Candidate:
    # Here, not at the top: openpyxl (and numpy under it) cost a reload's child process
    # 0.15 s to import, and only a workbook needs them.
    from db.loader.workbook import read_workbook

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
    # A blank cell is read as "not published": every one is named, and one where the loaded
    # release has a figure is a loss to confirm, not a silent change.
    had = {(r.iso3, r.year): r for r in base.records if r.release_id == release.release_id}
    warnings: list[str] = []
    unlisted: list[str] = []
    for cell in book.blank_cells:
        what = f"{cell.iso3} {cell.year} {cell.field}"
        figure = getattr(had.get((cell.iso3, cell.year)), cell.field, None)
        if figure is None:
            unlisted.append(f"{cell.address} ({what})")
            continue
        warnings.append(
            f"would drop {what} ({figure:g}) that release {release.release_id} has now: "
            f"{cell.address} is {_BLANK}"
        )
    if unlisted:
        noun = "cell is" if len(unlisted) == 1 else "cells are"
        notes.append(
            f"{len(unlisted):,} figure {noun} {_BLANK}, read as not published: "
            + ", ".join(unlisted)
            + "."
        )
    return Candidate(with_release(base, release, book.records), tuple(notes), tuple(warnings))


def _read_release_csv(upload: Upload, base: Dataset) -> Candidate:
    """A release CSV: the release named by the option, else by the file name; every row checked
    whatever the id (its problems and the id's are reported together)."""
    problems = Problems()
    notes: list[str] = []
    name = upload.filename
    stem = name.rsplit(".", 1)[0] if "." in name else name
    release_id = (upload.release or "").strip() or (stem if is_release_id(stem) else None)
    if release_id is None:
        problems.append(
            Problem(name, None, "release", f"name the release: {name} is not <YYYY-MM>.csv")
        )
    elif not is_release_id(release_id):
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
        problems.extend(exc)
    if problems or release is None:
        raise problems.error()
    if release_id in known:
        notes.append(f"Replaces the figures of the loaded release {release_id}.")
    return Candidate(with_release(base, release, records), tuple(notes))


def _from_manifest(data: bytes, release_id: str | None, problems: Problems) -> Release | None:
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
    """A file on disk as an Upload, refused (DatasetError) unless a regular file within the cap
    (checked before it is opened: a named pipe never blocks the reader)."""
    problems = Problems()
    data = read_regular_file(
        path, path.name, problems, missing="cannot read: No such file or directory"
    )
    if data is None:
        raise problems.error()
    return Upload(path.name, data, release=release, label=str(path))


def source_at(
    path: Path, *, release: str | None = None, manifest: Path | None = None
) -> Directory | Upload:
    """The source a path names on the command line: a directory, or one file (read now)."""
    if path.is_dir():
        return Directory(path)
    upload = read_file(path, release=release)
    if manifest is None:
        return upload
    return Upload(
        upload.filename,
        upload.data,
        release=upload.release,
        manifest=read_file(manifest).data,
        label=upload.label,
    )


def read_source(source: Bundled | Upload | Directory, base: Dataset) -> Candidate:
    """The candidate dataset ``source`` gives over ``base``; raises DatasetError with every
    problem."""
    if isinstance(source, Bundled):
        return Candidate(load_bundled())
    if isinstance(source, Directory):
        return Candidate(load_directory(source.path))
    return _read_upload(source, base)


def validate_path(path: str | Path, base: Dataset) -> Dataset:
    """The dataset the directory or file at ``path`` would give over ``base``: what ``natobot
    data validate`` and ``load --dry-run`` both check (``read_source``)."""
    return read_source(source_at(Path(path)), base).dataset


def source_label(source: Bundled | Upload | Directory) -> str:
    """How a version loaded from ``source`` names it."""
    if isinstance(source, Bundled):
        return source.label
    if isinstance(source, Directory):
        return str(source.path)
    return source.source
