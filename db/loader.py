"""Parse NATO figures (CSV) into validated ``bot.models``, reporting every problem at once.

Nothing here half-loads: each public parser either returns complete, valid models or raises
``DatasetError`` carrying every ``Problem`` found (file, line, column, reason), so a person
fixing a file sees the whole list in one go. Pure functions over text; the only I/O is reading
files in ``load_directory``/``validate_path``/``load_bundled``, which refuse anything but a
regular file of at most ``MAX_FILE_BYTES`` before reading it.

The numeric ranges are the bot's: any figure accepted here can be ranked, summed, rounded
(NATO's half-up rounding, in ``Decimal``) and printed by every command without overflowing.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from bot.models import (
    AGGREGATE_CODES,
    MAX_DECIMALS,
    NUMERIC_RANGES,
    PROVENANCES,
    Country,
    Dataset,
    FrozenModel,
    NumericRange,
    Release,
    SpendingRecord,
    bound_text,
)

MEMBERS_FILE = "members.csv"
RELEASES_FILE = "releases.csv"
#: ``source`` of a dataset version that came with the code (db/data).
BUNDLED_SOURCE = "bundled"
#: The title of NATO's annual series, as its workbooks and press releases print it.
NATO_TITLE = "Defence Expenditure of NATO Countries"
ALIASES_FILE = "aliases.csv"

MEMBER_COLUMNS = ("iso3", "name", "joined", "has_armed_forces")
RELEASE_COLUMNS = ("release", "title", "published", "basis", "price_base", "coverage")
RECORD_COLUMNS = (
    "iso3",
    "year",
    "estimate",
    "pct_gdp",
    "spend_usd_m",
    "gdp_usd_bn",
    "equipment_pct",
    "personnel_k",
    "spend_per_capita_usd_2015",
    "real_change_pct",
    "provenance",
)
#: Columns a file may leave out, with the value every row then gets. Release files written before
#: the ``provenance`` column existed were all read from NATO's own tables.
OPTIONAL_RECORD_COLUMNS: dict[str, str] = {"provenance": "table"}
ALIAS_COLUMNS = ("iso3", "alias")

#: NATO was founded in 1949; a figure for next year can only be a published plan.
FIRST_YEAR = 1949

#: The largest file ``load_directory`` and ``validate_path`` read (the bundled release files are
#: ~60 KB). Checked before reading, so a huge or endless file costs nothing.
MAX_FILE_BYTES = 5 * 1024 * 1024
#: Problems kept with their details; past this they are only counted, so a file of a million
#: bad rows reports "1,000,000 problems" in bounded memory.
MAX_PROBLEMS_KEPT = 1000
# ASCII digits only: Python's \d, int() and float() also take Arabic-Indic (٢٠٢٤) and
# fullwidth (２０２４) digits, which no NATO file holds and no reader expects.
_RELEASE_FILE_NAME = re.compile(r"^[0-9]{4}-[0-9]{2}\.csv$")
_PUBLISHED = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])(-[0-9]{2})?")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
#: A number cell ``_Cells.number`` may take without Decimal arithmetic (see there): plain
#: notation, at most MAX_DECIMALS decimals, at most 15 characters (so at most 15 digits).
_PLAIN_NUMBER = re.compile(rf"-?[0-9]+(\.[0-9]{{0,{MAX_DECIMALS}}})?")
_PLAIN_MAX_CHARS = 15
#: A cell echoed in a problem is cut to this many characters.
_SHOWN_CHARS = 40
_Choice = TypeVar("_Choice", bound=str)
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as we can."""

    file: str
    line: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return (
            f"{where}: {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"
        )


class DatasetError(Exception):
    """Input did not validate. ``problems`` lists the problems found in file/line order (the
    first ``MAX_PROBLEMS_KEPT`` of them); ``total`` counts every one."""

    def __init__(self, problems: Sequence[Problem], total: int | None = None) -> None:
        self.problems: list[Problem] = list(problems)
        self.total = max(total or 0, len(self.problems))
        count = self.total
        first = f"; first: {self.problems[0]}" if self.problems else ""
        super().__init__(f"{count:,} problem{'s' if count != 1 else ''} in the dataset{first}")


class _Problems:
    """Problems as they are found, in order: the first ``MAX_PROBLEMS_KEPT`` kept, all counted."""

    def __init__(self) -> None:
        self.kept: list[Problem] = []
        self.total = 0

    def append(self, problem: Problem) -> None:
        self.total += 1
        if len(self.kept) < MAX_PROBLEMS_KEPT:
            self.kept.append(problem)

    def extend(self, problems: Iterable[Problem] | _Problems) -> None:
        if isinstance(problems, _Problems):
            for problem in problems.kept:
                self.append(problem)
            self.total += problems.total - len(problems.kept)  # counted, not kept
        else:
            for problem in problems:
                self.append(problem)

    def __bool__(self) -> bool:
        return self.total > 0

    def error(self) -> DatasetError:
        return DatasetError(self.kept, self.total)


def _shown(value: str) -> str:
    """A cell as echoed in a problem: cut short, so a 4 MB cell is not printed back."""
    if len(value) <= _SHOWN_CHARS:
        return value
    return f"{value[: _SHOWN_CHARS - 10]}… ({len(value):,} characters)"


def _quoted(value: str) -> str:
    return repr(value) if len(value) <= _SHOWN_CHARS else repr(_shown(value))


def _non_ascii_digits(value: str) -> bool:
    """Digits of another script (٢٠٢٤, ２０２４, ²): Python reads them as numbers; we don't."""
    return any(ch.isdigit() and not ch.isascii() for ch in value)


_ASCII_HINT = "write it with the digits 0-9"


# --- reading CSV text -------------------------------------------------------------------------


_OTHER_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),  # before UTF-16: it starts with UTF-16's little-endian BOM
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_SAVE_AS_UTF8 = "save it as UTF-8"


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a BOM: Latin text has a NUL in every other byte, and only there."""
    sample = data[:4096]
    even, odd = sample[0::2], sample[1::2]
    for zeros, letters in ((odd, even), (even, odd)):
        if zeros and zeros.count(0) >= len(zeros) * 0.3 and letters.count(0) <= len(letters) * 0.05:
            return True
    return False


def _decode(data: str | bytes, filename: str, problems: _Problems) -> str | None:
    """Text of a file, BOM removed; None (and a problem naming the encoding) when it is not
    UTF-8 text."""
    if len(data) > MAX_FILE_BYTES:  # parsed from memory (an upload): the same cap as a file
        reason = f"larger than {_size(MAX_FILE_BYTES)}, the most a dataset file may be"
        problems.append(Problem(filename, None, None, reason))
        return None
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
    else:
        for bom, encoding in _OTHER_BOMS:
            if data.startswith(bom):
                reason = f"not UTF-8 ({encoding}, with a byte-order mark): {_SAVE_AS_UTF8}"
                problems.append(Problem(filename, None, None, reason))
                return None
        if b"\x00" in data and _looks_utf16(data):
            problems.append(
                Problem(filename, None, None, f"not UTF-8 (looks like UTF-16): {_SAVE_AS_UTF8}")
            )
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            problems.append(Problem(filename, line, None, f"not UTF-8 text (byte {exc.start})"))
            return None
    nul = text.find("\x00")
    if nul >= 0:  # valid UTF-8, but no text file holds one
        line = text.count("\n", 0, nul) + 1
        problems.append(Problem(filename, line, None, "a NUL character: not a text file"))
        return None
    return text


@dataclass(frozen=True)
class _Row:
    line: int
    cells: dict[str, str]


def _rows(
    data: str | bytes,
    filename: str,
    expected: Sequence[str],
    problems: _Problems,
    optional: Mapping[str, str] | None = None,
) -> Iterator[_Row]:
    """Yield data rows as {column: stripped cell}, recording header and shape problems.

    Missing columns are reported once and left out of the rows; unexpected columns are reported
    and ignored, so the other columns of every row are still checked. A missing ``optional``
    column is no problem: every row gets its default value.
    """
    optional = optional or {}
    text = _decode(data, filename, problems)
    if text is None:
        return
    if not text.strip():
        problems.append(Problem(filename, None, None, "empty file"))
        return
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        while header is not None and len(header) <= 1 and not "".join(header).strip():
            header = next(reader, None)  # blank lines before the header
        if header is None:
            problems.append(Problem(filename, None, None, "empty file"))
            return
        names = [cell.strip() for cell in header]
        header_line = reader.line_num
        if not any(names):  # e.g. a line of commas
            problems.append(
                Problem(
                    filename,
                    header_line,
                    None,
                    f"no header row: the first line has no column names "
                    f"(expected {','.join(expected)})",
                )
            )
            return
        if not set(names) & set(expected):
            problems.append(
                Problem(
                    filename,
                    header_line,
                    None,
                    f"missing header row: expected columns {','.join(expected)}",
                )
            )
            return
        seen: set[str] = set()
        for name in names:
            if name in seen:
                problems.append(Problem(filename, header_line, name or None, "duplicate column"))
            elif name not in expected:
                problems.append(Problem(filename, header_line, name or None, "unexpected column"))
            seen.add(name)
        for name in expected:
            if name not in seen and name not in optional:
                problems.append(Problem(filename, header_line, name, "missing column"))
        defaults = {n: value for n, value in optional.items() if n not in seen}
        wanted = {i: n for i, n in enumerate(names) if n in expected and names.index(n) == i}
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank line
            line = reader.line_num
            if len(cells) != len(names):
                problems.append(
                    Problem(
                        filename,
                        line,
                        None,
                        f"row has {len(cells)} fields but the header has {len(names)}",
                    )
                )
                continue
            yield _Row(line, {**defaults, **{n: cells[i].strip() for i, n in wanted.items()}})
    except csv.Error as exc:
        problems.append(Problem(filename, reader.line_num or None, None, f"malformed CSV: {exc}"))


# --- cell parsers: return the value, or record a problem and return None ----------------------


class _Cells:
    """Typed access to one row's cells; every failure becomes a Problem, never an exception."""

    def __init__(self, filename: str, row: _Row, problems: _Problems) -> None:
        self.filename = filename
        self.row = row
        self.problems = problems
        self.ok = True

    def fail(self, column: str | None, reason: str) -> None:
        self.ok = False
        self.problems.append(Problem(self.filename, self.row.line, column, reason))

    def has(self, column: str) -> bool:
        return column in self.row.cells

    def text(self, column: str, *, required: bool = True) -> str | None:
        if column not in self.row.cells:
            self.ok = False  # already reported as a missing column
            return None
        value = self.row.cells[column]
        if required and not value:
            self.fail(column, "empty; a value is required")
            return None
        return value

    def boolean(self, column: str) -> bool | None:
        value = self.text(column, required=False)
        if value is None:
            return None
        folded = value.casefold()
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        shown = _quoted(value) if value else "empty"
        self.fail(column, f"{shown} is not a boolean (use true or false)")
        return None

    def choice(self, column: str, allowed: Sequence[_Choice]) -> _Choice | None:
        """A required cell that must be one of ``allowed`` (exactly, as written in the file)."""
        value = self.text(column)
        if value is None:
            return None
        for option in allowed:
            if value == option:
                return option
        self.fail(column, f"{_quoted(value)} is not one of {', '.join(allowed)}")
        return None

    def integer(
        self,
        column: str,
        low: int,
        high: int,
        *,
        required: bool = True,
        outside: str | None = None,
    ) -> int | None:
        """A whole number within [low, high]; ``outside`` says why others are refused (default:
        'is outside low–high')."""
        value = self.text(column, required=required)
        if not value:
            return None
        if not _INTEGER.fullmatch(value):
            hint = f": {_ASCII_HINT}" if _non_ascii_digits(value) else ""
            self.fail(column, f"{_quoted(value)} is not a whole number{hint}")
            return None
        # Compared as Decimal: int() refuses more than 4,300 digits with a ValueError.
        if not low <= Decimal(value) <= high:
            self.fail(column, f"{_shown(value)} {outside or f'is outside {low}–{high}'}")
            return None
        return int(value)

    def number(self, column: str, bounds: NumericRange) -> float | None:
        """An optional number within ``bounds``; an empty cell means 'not published'."""
        value = self.text(column, required=False)
        if not value:
            return None
        if len(value) <= _PLAIN_MAX_CHARS and _PLAIN_NUMBER.fullmatch(value):
            # The usual cell, decided without Decimal: a decimal of at most 15 digits, read as
            # a float, compares with the bounds (whole numbers) exactly as the Decimal does,
            # and MAX_DECIMALS decimals written are at most that many places. Anything else,
            # in range or not, goes the long way (which words every problem).
            quick = float(value)
            if bounds.low <= quick <= bounds.high:
                return quick
        if not _DECIMAL.fullmatch(value):
            hint = f": {_ASCII_HINT}" if _non_ascii_digits(value) else ""
            self.fail(column, f"{_quoted(value)} is not a number{hint}")
            return None
        exact = Decimal(value)  # no overflow, whatever the exponent
        if (reason := bounds.problem(_shown(value), exact)) is not None:
            self.fail(column, reason)
            return None
        _, digits, exponent = exact.as_tuple()
        assert isinstance(exponent, int)  # finite: the pattern admits no nan or inf
        trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
        places = -(exponent + trailing_zeros) if any(digits) else 0
        if places > MAX_DECIMALS:
            self.fail(
                column,
                f"{_shown(value)} has {places:,} decimal places; at most {MAX_DECIMALS} are "
                "meaningful",
            )
            return None
        return float(exact)


def _model_problems(
    exc: ValidationError, filename: str, line: int, columns: dict[str, str]
) -> list[Problem]:
    """A pydantic error as Problems, with field names mapped back to CSV columns."""
    out = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error.get("loc") else None
        column = columns.get(field, field) if field else None
        out.append(Problem(filename, line, column, str(error["msg"])))
    return out


def _raise_if(problems: _Problems) -> None:
    if problems:
        raise problems.error()


def _check_ascii(cells: _Cells, column: str, value: str | None) -> None:
    """Ids and dates that the models match with \\d: digits of other scripts are refused here."""
    if value and _non_ascii_digits(value):
        cells.fail(column, f"{_quoted(value)} has digits other than 0-9: {_ASCII_HINT}")


# --- members.csv ------------------------------------------------------------------------------


def _parse_members(data: str | bytes, filename: str) -> tuple[list[Country], _Problems, set[str]]:
    """Valid members, problems, and every code listed (even on a bad row: spares other files
    a cascade of "unknown ally" problems caused by one typo in members.csv)."""
    problems = _Problems()
    members: list[Country] = []
    listed: set[str] = set()
    first_line: dict[str, int] = {}
    for row in _rows(data, filename, MEMBER_COLUMNS, problems):
        cells = _Cells(filename, row, problems)
        iso3 = cells.text("iso3")
        if iso3:
            listed.add(iso3)
        name = cells.text("name")
        joined = cells.text("joined")
        _check_ascii(cells, "joined", joined)
        armed = cells.boolean("has_armed_forces")
        if not cells.ok or iso3 is None or name is None or joined is None or armed is None:
            continue
        if iso3 in first_line:
            cells.fail("iso3", f"{iso3} is listed twice (first on line {first_line[iso3]})")
            continue
        try:
            country = Country(iso3=iso3, name=name, joined=joined, has_armed_forces=armed)
        except ValidationError as exc:
            problems.extend(_model_problems(exc, filename, row.line, {}))
            continue
        first_line[iso3] = row.line
        members.append(country)
    if not members and not problems:
        problems.append(Problem(filename, None, None, "no members listed"))
    return members, problems, listed


def parse_members(text: str | bytes, filename: str = MEMBERS_FILE) -> list[Country]:
    """The allies listed in a members file; raises DatasetError listing every problem."""
    members, problems, _ = _parse_members(text, filename)
    _raise_if(problems)
    return members


# --- releases.csv -----------------------------------------------------------------------------


def _parse_releases(data: str | bytes, filename: str) -> tuple[list[Release], _Problems, set[str]]:
    """Valid releases, problems, and every release id listed (even on a bad row)."""
    problems = _Problems()
    releases: list[Release] = []
    listed: set[str] = set()
    first_line: dict[str, int] = {}
    for row in _rows(data, filename, RELEASE_COLUMNS, problems):
        cells = _Cells(filename, row, problems)
        release_id = cells.text("release")
        if release_id:
            listed.add(release_id)
        _check_ascii(cells, "release", release_id)
        title = cells.text("title")
        published = cells.text("published")
        basis = cells.text("basis")
        price_base = cells.integer(
            "price_base",
            FIRST_YEAR,
            date.today().year,
            required=False,
            outside="is not a plausible price-base year",
        )
        coverage = cells.text("coverage", required=False)
        if published and not _PUBLISHED.fullmatch(published):
            hint = f": {_ASCII_HINT}" if _non_ascii_digits(published) else ""
            cells.fail("published", f"{_quoted(published)} is not YYYY-MM or YYYY-MM-DD{hint}")
        if basis and basis not in ("total", "core"):
            cells.fail("basis", f"{_quoted(basis)} is not total or core")
        if release_id and release_id in first_line:
            cells.fail(
                "release", f"{release_id} is listed twice (first on line {first_line[release_id]})"
            )
        if not cells.ok or release_id is None or title is None or published is None:
            continue
        try:
            release = Release.model_validate(
                {
                    "release_id": release_id,
                    "title": title,
                    "published": published,
                    "basis": basis,
                    "price_base": price_base,
                    "coverage": coverage or "",
                }
            )
        except ValidationError as exc:
            problems.extend(_model_problems(exc, filename, row.line, {"release_id": "release"}))
            continue
        first_line[release_id] = row.line
        releases.append(release)
    if not releases and not problems:
        problems.append(Problem(filename, None, None, "no releases listed"))
    return releases, problems, listed


def parse_releases(text: str | bytes, filename: str = RELEASES_FILE) -> list[Release]:
    """The releases manifest; raises DatasetError listing every problem."""
    releases, problems, _ = _parse_releases(text, filename)
    _raise_if(problems)
    return releases


# --- <release>.csv ----------------------------------------------------------------------------


def _parse_release_file(
    data: str | bytes,
    *,
    filename: str,
    release_id: str,
    known_codes: set[str] | frozenset[str],
    known_releases: set[str] | frozenset[str],
) -> tuple[list[SpendingRecord], _Problems]:
    problems = _Problems()
    if release_id not in known_releases:
        problems.append(
            Problem(
                filename,
                None,
                None,
                f"release {release_id} is not in {RELEASES_FILE} (the file name gives the release)",
            )
        )
    last_year = date.today().year + 1
    records: list[SpendingRecord] = []
    first_line: dict[tuple[str, int], int] = {}
    for row in _rows(data, filename, RECORD_COLUMNS, problems, OPTIONAL_RECORD_COLUMNS):
        cells = _Cells(filename, row, problems)
        iso3 = cells.text("iso3")
        if iso3 and iso3 not in known_codes and iso3 not in AGGREGATE_CODES:
            cells.fail("iso3", f"{iso3!r} is not an ally in {MEMBERS_FILE} nor a NATO aggregate")
        year = cells.integer("year", FIRST_YEAR, last_year)
        estimate = cells.boolean("estimate")
        provenance = cells.choice("provenance", PROVENANCES)
        numbers = {
            column: cells.number(column, bounds) for column, bounds in NUMERIC_RANGES.items()
        }
        _check_derived_gdp(cells, numbers)
        if iso3 and year is not None and cells.has("iso3") and cells.has("year"):
            key = (iso3, year)
            if key in first_line:
                cells.fail(None, f"{iso3} {year} appears twice (first on line {first_line[key]})")
            else:
                first_line[key] = row.line
        if not cells.ok or iso3 is None or year is None or estimate is None or provenance is None:
            continue
        # Every cell was checked above by the model's own rules (types; each figure's range
        # and places in ``number``; a derived GDP in ``_check_derived_gdp``), so the record is
        # built without validating it again: that was half of a large file's parsing time.
        # tests/test_accepted_data_renders.py checks every record accepted validates as built.
        values: dict[str, object] = {
            "release_id": release_id,
            "iso3": iso3,
            "year": year,
            "estimate": estimate,
            **numbers,
            "provenance": provenance,
        }
        records.append(SpendingRecord.from_checked(values))
    if not records and not problems:
        problems.append(Problem(filename, None, None, "no figures in the file"))
    return records, problems


def _check_derived_gdp(cells: _Cells, numbers: Mapping[str, float | None]) -> None:
    """Without a GDP the bot derives it as spending ÷ share: that must be a plausible GDP too
    (a share of 0.000001% would make any spending a GDP of trillions of trillions)."""
    share, spend = numbers["pct_gdp"], numbers["spend_usd_m"]
    if numbers["gdp_usd_bn"] is not None or not share or spend is None:
        return
    derived = spend / 1000 / (share / 100)
    most = NUMERIC_RANGES["gdp_usd_bn"].high
    if derived > most:
        cells.fail(
            None,
            f"spending of {spend:,g} million USD at {share:g}% of GDP means a GDP of "
            f"{derived:,.0f} billion USD, above {bound_text(most)}: a figure is wrong "
            "(or give gdp_usd_bn)",
        )


def parse_release_file(
    text: str | bytes,
    *,
    filename: str,
    release_id: str,
    known_codes: set[str] | frozenset[str],
    known_releases: set[str] | frozenset[str],
) -> list[SpendingRecord]:
    """One release's figures; raises DatasetError listing every problem."""
    records, problems = _parse_release_file(
        text,
        filename=filename,
        release_id=release_id,
        known_codes=known_codes,
        known_releases=known_releases,
    )
    _raise_if(problems)
    return records


# --- whole datasets ---------------------------------------------------------------------------


def _dataset(
    members: Sequence[Country],
    releases: Sequence[Release],
    records: Sequence[SpendingRecord],
    *,
    validated: bool = False,
) -> Dataset:
    """A Dataset in canonical order, so equal content compares (and hashes) equal.

    ``validated``: every model was just built (validated) by this module's parsers, so the
    Dataset is assembled without validating them again.
    """
    build = Dataset.model_construct if validated else Dataset
    return build(
        members=tuple(sorted(members, key=lambda c: c.iso3)),
        releases=tuple(sorted(releases, key=lambda r: r.release_id)),
        records=tuple(sorted(records, key=lambda r: (r.release_id, r.iso3, r.year))),
    )


_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _read_file(path: Path, name: str, problems: _Problems, *, missing: str) -> bytes | None:
    """A regular file's bytes, at most ``MAX_FILE_BYTES``; None (and a problem) otherwise.

    Checked with stat before opening, so a named pipe or a device never blocks the reader, and
    opened non-blocking and checked again, in case the path was swapped in between.
    """
    too_large = f"larger than {_size(MAX_FILE_BYTES)}, the most a dataset file may be"
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
        problems.append(Problem(name, None, None, f"{_size(info.st_size)}: {too_large}"))
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
        problems.append(Problem(name, None, None, too_large))
        return None
    return data


def _load_tree(root: Traversable | Path) -> Dataset:
    problems = _Problems()

    def read(name: str) -> bytes | None:
        entry = root / name
        if isinstance(entry, Path):
            return _read_file(entry, name, problems, missing="file is missing")
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
        members, found, codes = _parse_members(data, MEMBERS_FILE)
        problems.extend(found)
    if (data := read(RELEASES_FILE)) is not None:
        releases, found, release_ids = _parse_releases(data, RELEASES_FILE)
        problems.extend(found)
    records: list[SpendingRecord] = []
    for release_id in sorted(release_ids):
        name = f"{release_id}.csv"
        if not _RELEASE_FILE_NAME.match(name):
            continue  # a malformed id, already reported; never a path to read
        if (data := read(name)) is not None:
            found_records, found = _parse_release_file(
                data, filename=name, release_id=release_id,
                known_codes=codes, known_releases=release_ids,
            )  # fmt: skip
            records.extend(found_records)
            problems.extend(found)
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if _RELEASE_FILE_NAME.match(entry.name) and entry.name[:-4] not in release_ids:
            problems.append(
                Problem(
                    entry.name, None, None, f"release {entry.name[:-4]} is not in {RELEASES_FILE}"
                )
            )
    _raise_if(problems)
    # Every model was validated as it was parsed; Dataset(...) would run every record's model
    # validator again (pydantic re-runs "after" validators on instances): 40% of a large load.
    return _dataset(members, releases, records, validated=True)


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


def parse_aliases(text: str | bytes, filename: str = ALIASES_FILE) -> dict[str, str]:
    """alias (as written) -> iso3, from an aliases file; raises DatasetError on problems."""
    problems = _Problems()
    aliases: dict[str, str] = {}
    for row in _rows(text, filename, ALIAS_COLUMNS, problems):
        cells = _Cells(filename, row, problems)
        iso3, alias = cells.text("iso3"), cells.text("alias")
        if iso3 is not None and not re.fullmatch(r"[A-Z]{3}", iso3):
            cells.fail("iso3", f"{iso3!r} is not an ISO alpha-3 code")
        if alias is not None and aliases.get(alias, iso3) != iso3:
            cells.fail("alias", f"{alias!r} already names {aliases[alias]}")
        if cells.ok and iso3 is not None and alias is not None:
            aliases[alias] = iso3
    _raise_if(problems)
    return aliases


def bundled_aliases() -> dict[str, str]:
    """The project's own alias table (db/data/aliases.csv): raw alias -> iso3."""
    return parse_aliases(_bundled_root().joinpath(ALIASES_FILE).read_bytes())


# --- identity and composition -----------------------------------------------------------------


#: Records serialised per step of ``dataset_sha256``.
_HASH_CHUNK = 2000


def _canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _json_fields(item: FrozenModel) -> dict[str, object]:
    """The model's fields as JSON values. A record's are JSON values already (text, numbers,
    booleans, None), so its own fields are used as they are: the same JSON as ``model_dump``
    (tests/test_loader.py checks), a third faster at 100,000 records."""
    if isinstance(item, SpendingRecord):
        return item.__dict__
    return item.model_dump(mode="json")


def dataset_sha256(dataset: Dataset) -> str:
    """Hash of the dataset's content; the order of members, releases and records is irrelevant.

    The sha256 of the canonical JSON of the whole dataset (sorted keys, no spaces), fed in
    chunks: a 100,000-row dataset never exists as one JSON text, and no single call holds the
    GIL for long (a reload hashes in a worker thread while the bot answers commands).
    """
    # Only reordered: its models are the dataset's own, validated (or checked) already.
    canonical = _dataset(dataset.members, dataset.releases, dataset.records, validated=True)
    digest = hashlib.sha256(b"{")
    for n, name in enumerate(sorted(Dataset.model_fields)):
        items: tuple[FrozenModel, ...] = getattr(canonical, name)
        digest.update(f"{',' if n else ''}{_canonical_json(name)}:[".encode())
        for start in range(0, len(items), _HASH_CHUNK):
            chunk = [_json_fields(item) for item in items[start : start + _HASH_CHUNK]]
            text = _canonical_json(chunk)[1:-1]  # the items, without the list's brackets
            digest.update((("," if start else "") + text).encode("utf-8"))
        digest.update(b"]")
    digest.update(b"}")
    return digest.hexdigest()


def with_release(base: Dataset, release: Release, records: Sequence[SpendingRecord]) -> Dataset:
    """``base`` with ``release`` added, or replacing the release of the same id and its figures."""
    rid = release.release_id
    if any(r.release_id != rid for r in records):
        raise ValueError(f"records passed with release {rid} belong to another release")
    return _dataset(
        base.members,
        [r for r in base.releases if r.release_id != rid] + [release],
        [r for r in base.records if r.release_id != rid] + list(records),
    )


def validate_path(path: str | Path, base: Dataset) -> Dataset:
    """What ``natobot data validate`` checks; returns the dataset the file would produce.

    - a directory: a complete dataset (members, manifest, one file per release);
    - ``members.csv``: replaces ``base``'s members; every ally with figures must still be listed;
    - ``releases.csv``: replaces ``base``'s manifest; each release must already have figures
      (validate a directory to add a release and its file together);
    - any other ``<release>.csv``: one release's figures, checked against ``base``'s members and
      manifest; the release id is the file name's stem.
    """
    target = Path(path)
    if target.is_dir():
        return load_directory(target)
    name = target.name
    problems = _Problems()
    data = _read_file(target, name, problems, missing="cannot read: No such file or directory")
    if data is None:
        raise problems.error()
    if name == MEMBERS_FILE:
        return _validate_members(data, name, base)
    if name == RELEASES_FILE:
        return _validate_releases(data, name, base)
    release_id = target.stem
    known_releases = {r.release_id: r for r in base.releases}
    records = parse_release_file(
        data,
        filename=name,
        release_id=release_id,
        known_codes={c.iso3 for c in base.members},
        known_releases=set(known_releases),
    )
    return with_release(base, known_releases[release_id], records)


def _validate_members(data: bytes, name: str, base: Dataset) -> Dataset:
    members, problems, _ = _parse_members(data, name)
    if not problems:
        listed = {c.iso3 for c in members} | AGGREGATE_CODES
        orphans = {(r.iso3, r.release_id) for r in base.records if r.iso3 not in listed}
        for iso3, rid in sorted(orphans):
            problems.append(
                Problem(
                    name, None, "iso3", f"{iso3} has figures in release {rid} but is not listed"
                )
            )
    _raise_if(problems)
    return _dataset(members, base.releases, base.records)


def _validate_releases(data: bytes, name: str, base: Dataset) -> Dataset:
    releases, problems, _ = _parse_releases(data, name)
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
    _raise_if(problems)
    kept = {r.release_id for r in releases}
    return _dataset(base.members, releases, [r for r in base.records if r.release_id in kept])


# --- what a new file would lose -------------------------------------------------------------


def _years_text(years: Sequence[int]) -> str:
    """2014, 2015, 2016, 2019 -> '2014–2016, 2019'."""
    spans: list[list[int]] = []
    for year in years:
        if spans and year == spans[-1][-1] + 1:
            spans[-1].append(year)
        else:
            spans.append([year])
    return ", ".join(f"{s[0]}–{s[-1]}" if len(s) > 1 else f"{s[0]}" for s in spans)


def losses(before: Dataset, after: Dataset) -> list[str]:
    """What loading ``after`` in place of ``before`` would drop, one line each: releases, and
    for each release kept, allies (or NATO aggregates) and years it has figures for now.

    These are warnings, not problems: NATO's releases do drop years and, in a short release,
    allies. Figures of a kept ally-year that go empty are not listed (a revision may do that).
    """

    def by_release(dataset: Dataset) -> dict[str, tuple[set[str], set[int], int]]:
        out: dict[str, tuple[set[str], set[int], int]] = {}
        for record in dataset.records:
            codes, years, count = out.get(record.release_id, (set(), set(), 0))
            codes.add(record.iso3)
            years.add(record.year)
            out[record.release_id] = (codes, years, count + 1)
        return out

    old, new = by_release(before), by_release(after)
    kept_releases = {r.release_id for r in after.releases}
    lines: list[str] = []
    for release in before.releases:
        rid = release.release_id
        codes, years, count = old.get(rid, (set(), set(), 0))
        if rid not in kept_releases:
            lines.append(f"would drop release {rid} and its {count:,} rows of figures")
            continue
        new_codes, new_years, _ = new.get(rid, (set(), set(), 0))
        allies = sorted(codes - new_codes - AGGREGATE_CODES)
        aggregates = sorted((codes - new_codes) & AGGREGATE_CODES)
        gone = []
        if allies:
            noun = "ally's" if len(allies) == 1 else "allies'"
            gone.append(f"{len(allies)} {noun} figures: {', '.join(allies)}")
        if aggregates:
            noun = "aggregate" if len(aggregates) == 1 else "aggregates"
            gone.append(f"NATO's {noun} {', '.join(aggregates)}")
        if gone:
            lines.append(f"would drop {' and '.join(gone)} that release {rid} has now")
        if dropped_years := sorted(years - new_years):
            noun = "year" if len(dropped_years) == 1 else "years"
            lines.append(
                f"would drop {noun} {_years_text(dropped_years)} that release {rid} has now"
            )
    gone_members = sorted({c.iso3 for c in before.members} - {c.iso3 for c in after.members})
    if gone_members:
        lines.append(f"would drop {', '.join(gone_members)} from the allies listed now")
    return lines


__all__ = [
    "MAX_DECIMALS",
    "MAX_FILE_BYTES",
    "MAX_PROBLEMS_KEPT",
    "NUMERIC_RANGES",
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
