"""Reading CSV text and its cells: decoding (UTF-8 only, other encodings named), rows as
{column: cell}, and typed cells whose every failure becomes a ``Problem``, never an exception."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from pydantic import ValidationError

from bot.models import MAX_DECIMALS, NumericRange
from db.loader.formats import MAX_FILE_BYTES
from db.loader.problems import (
    ASCII_HINT,
    Problem,
    Problems,
    non_ascii_digits,
    quoted,
    shown,
    too_large,
)

# ASCII digits only: Python's \d, int() and float() also take Arabic-Indic (٢٠٢٤) and
# fullwidth (２０２４) digits, which no NATO file holds and no reader expects.
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
#: A number cell ``Cells.number`` may take without Decimal arithmetic (see there): plain
#: notation, at most MAX_DECIMALS decimals, at most 15 characters (so at most 15 digits).
_PLAIN_NUMBER = re.compile(rf"-?[0-9]+(\.[0-9]{{0,{MAX_DECIMALS}}})?")
_PLAIN_MAX_CHARS = 15
_Choice = TypeVar("_Choice", bound=str)
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


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


def decode(data: str | bytes, filename: str, problems: Problems) -> str | None:
    """Text of a file, BOM removed; None (and a problem naming the encoding) when it is not
    UTF-8 text."""
    if len(data) > MAX_FILE_BYTES:  # parsed from memory (an upload): the same cap as a file
        reason = too_large()
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
class Row:
    line: int
    cells: dict[str, str]


def rows(
    data: str | bytes,
    filename: str,
    expected: Sequence[str],
    problems: Problems,
    optional: Mapping[str, str] | None = None,
) -> Iterator[Row]:
    """Yield data rows as {column: stripped cell}, recording header and shape problems.

    Missing columns are reported once and left out of the rows; unexpected columns are reported
    and ignored, so the other columns of every row are still checked. A missing ``optional``
    column is no problem: every row gets its default value.
    """
    optional = optional or {}
    text = decode(data, filename, problems)
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
            yield Row(line, {**defaults, **{n: cells[i].strip() for i, n in wanted.items()}})
    except csv.Error as exc:
        problems.append(Problem(filename, reader.line_num or None, None, f"malformed CSV: {exc}"))


# --- cell parsers: return the value, or record a problem and return None ----------------------


class Cells:
    """Typed access to one row's cells; every failure becomes a Problem, never an exception."""

    def __init__(self, filename: str, row: Row, problems: Problems) -> None:
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
        shown = quoted(value) if value else "empty"
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
        self.fail(column, f"{quoted(value)} is not one of {', '.join(allowed)}")
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
            hint = f": {ASCII_HINT}" if non_ascii_digits(value) else ""
            self.fail(column, f"{quoted(value)} is not a whole number{hint}")
            return None
        # Compared as Decimal: int() refuses more than 4,300 digits with a ValueError.
        if not low <= Decimal(value) <= high:
            self.fail(column, f"{shown(value)} {outside or f'is outside {low}–{high}'}")
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
            hint = f": {ASCII_HINT}" if non_ascii_digits(value) else ""
            self.fail(column, f"{quoted(value)} is not a number{hint}")
            return None
        exact = Decimal(value)  # no overflow, whatever the exponent
        if (reason := bounds.problem(shown(value), exact)) is not None:
            self.fail(column, reason)
            return None
        _, digits, exponent = exact.as_tuple()
        assert isinstance(exponent, int)  # finite: the pattern admits no nan or inf
        trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
        places = -(exponent + trailing_zeros) if any(digits) else 0
        if places > MAX_DECIMALS:
            self.fail(
                column,
                f"{shown(value)} has {places:,} decimal places; at most {MAX_DECIMALS} are "
                "meaningful",
            )
            return None
        return float(exact)


def model_problems(
    exc: ValidationError, filename: str, line: int, columns: dict[str, str]
) -> list[Problem]:
    """A pydantic error as Problems, with field names mapped back to CSV columns."""
    out = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error.get("loc") else None
        column = columns.get(field, field) if field else None
        out.append(Problem(filename, line, column, str(error["msg"])))
    return out


def check_ascii(cells: Cells, column: str, value: str | None) -> None:
    """Ids and dates that the models match with \\d: digits of other scripts are refused here."""
    if value and non_ascii_digits(value):
        cells.fail(column, f"{quoted(value)} has digits other than 0-9: {ASCII_HINT}")
