"""Read NATO figures into validated ``bot.models``, reporting every problem at once.

Nothing here half-loads: each public reader either returns complete, valid models or raises
``DatasetError`` carrying every ``Problem`` found (file, line, column, reason), so a person
fixing a file sees the whole list in one go. The numeric ranges are the bot's: any figure
accepted here can be ranked, summed, rounded (NATO's half-up rounding, in ``Decimal``) and
printed by every command without overflowing.

One module per job:

=================  ==========================================================================
formats            file names, columns, caps
problems           ``Problem``, ``DatasetError``, how a cell is echoed in one
cells              decoding CSV text, rows, typed cells
release_files      members.csv, releases.csv, ``<release>.csv``, aliases.csv
directory          a whole dataset from a directory or db/data; the bundled fingerprint
identity           canonical order, ``dataset_sha256``, ``with_release``
losses             what a candidate would drop (the dry run's warnings)
source             the one reader of a source (directory, CSV, manifest, workbook, bytes)
workbook           NATO's Excel workbook (imported only when one is read: openpyxl is heavy)
=================  ==========================================================================
"""

from __future__ import annotations

from bot.models import MAX_DECIMALS, NUMERIC_RANGES, NumericRange
from db.loader.directory import (
    BUNDLED_FORMAT,
    bundled_aliases,
    bundled_fingerprint,
    load_bundled,
    load_directory,
)
from db.loader.formats import (
    ALIAS_COLUMNS,
    ALIASES_FILE,
    BUNDLED_SOURCE,
    FIRST_YEAR,
    MAX_FILE_BYTES,
    MAX_PROBLEMS_KEPT,
    MEMBER_COLUMNS,
    MEMBERS_FILE,
    NATO_TITLE,
    OPTIONAL_RECORD_COLUMNS,
    RECORD_COLUMNS,
    RELEASE_COLUMNS,
    RELEASES_FILE,
)
from db.loader.identity import dataset_sha256, with_release
from db.loader.losses import losses
from db.loader.problems import DatasetError, Problem
from db.loader.release_files import parse_aliases, parse_members, parse_release_file, parse_releases
from db.loader.source import validate_path

__all__ = [
    "ALIASES_FILE",
    "ALIAS_COLUMNS",
    "BUNDLED_FORMAT",
    "BUNDLED_SOURCE",
    "FIRST_YEAR",
    "MAX_DECIMALS",
    "MAX_FILE_BYTES",
    "MAX_PROBLEMS_KEPT",
    "MEMBERS_FILE",
    "MEMBER_COLUMNS",
    "NATO_TITLE",
    "NUMERIC_RANGES",
    "OPTIONAL_RECORD_COLUMNS",
    "RECORD_COLUMNS",
    "RELEASES_FILE",
    "RELEASE_COLUMNS",
    "DatasetError",
    "NumericRange",
    "Problem",
    "bundled_aliases",
    "bundled_fingerprint",
    "dataset_sha256",
    "load_bundled",
    "load_directory",
    "losses",
    "parse_aliases",
    "parse_members",
    "parse_release_file",
    "parse_releases",
    "validate_path",
    "with_release",
]
