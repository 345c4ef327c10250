"""A whole dataset from a directory (members.csv, releases.csv, one <release>.csv per
release), the bundled one (db/data), and its cheap fingerprint. The only I/O of the loader:
``read_regular_file`` refuses anything but a regular file of at most ``MAX_FILE_BYTES``
before reading it."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from bot.models import Country, Dataset, Release, SpendingRecord, is_release_id
from db.loader.formats import ALIASES_FILE, MAX_FILE_BYTES, MEMBERS_FILE, RELEASES_FILE
from db.loader.identity import canonical_dataset
from db.loader.problems import DatasetError, Problem, Problems, raise_if, size_text, too_large
from db.loader.release_files import (
    members_found,
    parse_aliases,
    release_file_found,
    releases_found,
)

#: A file named like a release's (a month no release has too, 2024-13.csv): one the manifest
#: does not list is reported, never ignored.
_NAMED_LIKE_A_RELEASE = re.compile(r"[0-9]{4}-[0-9]{2}\.csv")

_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def read_regular_file(path: Path, name: str, problems: Problems, *, missing: str) -> bytes | None:
    """A regular file's bytes, at most ``MAX_FILE_BYTES``; None (and a problem) otherwise.

    Checked with stat before opening, so a named pipe or a device never blocks the reader, and
    opened non-blocking and checked again, in case the path was swapped in between.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        problems.append(Problem(name, None, None, missing))
        return None
    except OSError as exc:
        problems.append(Problem(name, None, None, f"cannot read: {exc.strerror}"))
        return None
    if not stat.S_ISREG(info.st_mode):
        kind = next((kind for test, kind in _FILE_KINDS if test(info.st_mode)), "not a file")
        problems.append(Problem(name, None, None, f"not a regular file ({kind})"))
        return None
    if info.st_size > MAX_FILE_BYTES:
        problems.append(Problem(name, None, None, f"{size_text(info.st_size)}: {too_large()}"))
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                problems.append(Problem(name, None, None, "not a regular file"))
                return None
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        problems.append(Problem(name, None, None, f"cannot read: {exc.strerror}"))
        return None
    if len(data) > MAX_FILE_BYTES:  # it grew after the stat
        problems.append(Problem(name, None, None, too_large()))
        return None
    return data


def _load_tree(root: Traversable | Path) -> Dataset:
    problems = Problems()

    def read(name: str) -> bytes | None:
        entry = root / name
        if isinstance(entry, Path):
            return read_regular_file(entry, name, problems, missing="file is missing")
        if not entry.is_file():  # a packaged resource (zip import): no stat, no FIFO
            problems.append(Problem(name, None, None, "file is missing"))
            return None
        return entry.read_bytes()

    # Codes and release ids listed on rows that have problems still count as listed, so one
    # typo in a manifest is reported once, not again by every file that refers to it.
    members: list[Country] = []
    codes: set[str] = set()
    releases: list[Release] = []
    release_ids: set[str] = set()
    if (data := read(MEMBERS_FILE)) is not None:
        members, found, codes = members_found(data, MEMBERS_FILE)
        problems.extend(found)
    if (data := read(RELEASES_FILE)) is not None:
        releases, found, release_ids = releases_found(data, RELEASES_FILE)
        problems.extend(found)
    records: list[SpendingRecord] = []
    for release_id in sorted(release_ids):
        name = f"{release_id}.csv"
        if not is_release_id(release_id):
            continue  # a malformed id, already reported; never a path to read
        if (data := read(name)) is not None:
            found_records, found = release_file_found(
                data, filename=name, release_id=release_id,
                known_codes=codes, known_releases=release_ids,
            )  # fmt: skip
            records.extend(found_records)
            problems.extend(found)
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if _NAMED_LIKE_A_RELEASE.fullmatch(entry.name) and entry.name[:-4] not in release_ids:
            problems.append(
                Problem(
                    entry.name, None, None, f"release {entry.name[:-4]} is not in {RELEASES_FILE}"
                )
            )
    raise_if(problems)
    # Every model was validated as it was parsed; Dataset(...) would run every record's model
    # validator again (pydantic re-runs "after" validators on instances): 40% of a large load.
    return canonical_dataset(members, releases, records, validated=True)


def load_directory(path: str | Path) -> Dataset:
    """members.csv + releases.csv + one <release>.csv per manifest row, all checked together."""
    root = Path(path)
    if not root.is_dir():
        raise DatasetError([Problem(str(root), None, None, "not a directory")])
    return _load_tree(root)


def _bundled_root() -> Traversable:
    return resources.files("db").joinpath("data")


def load_bundled() -> Dataset:
    """The dataset shipped with the package (db/data)."""
    return _load_tree(_bundled_root())


#: Part of the bundled fingerprint: raise it when the loader reads the same files differently
#: (a new column with a default, say), so existing databases re-import the bundled data.
BUNDLED_FORMAT = "1"


def bundled_fingerprint() -> str:
    """A cheap hash of the bundled files as bytes (no parsing): when it is unchanged since the
    bundled data was last imported, so is the dataset, and start-up need not parse it again."""
    digest = hashlib.sha256(f"format {BUNDLED_FORMAT}\n".encode())
    root = _bundled_root()
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_file() and entry.name.endswith(".csv"):
            data = entry.read_bytes()
            digest.update(f"{entry.name} {len(data)}\n".encode())
            digest.update(data)
    return digest.hexdigest()


def bundled_aliases() -> dict[str, str]:
    """The project's own alias table (db/data/aliases.csv): raw alias -> iso3."""
    return parse_aliases(_bundled_root().joinpath(ALIASES_FILE).read_bytes())
