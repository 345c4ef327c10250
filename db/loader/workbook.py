"""Read NATO's own Excel workbook ("Defence Expenditure of NATO Countries") as one release.

The layout is that of ``db/data/raw/240617-def-exp-2024-TABLES-en.xlsx``: one sheet per table
(``TABLE2`` … ``TABLE8a``), a title line ("Table 3 : …"), a unit line, a row of years whose
estimates carry an "e" (``'2023e'``), then sections ("Share of real GDP (%)", …) of one row per
ally (the name in column C, or D in Table 7) followed by NATO's two aggregates. Six tables give
the fields of ``SpendingRecord``:

====== ============================================== ============================== ========
sheet  section                                        field                          scale
====== ============================================== ============================== ========
TABLE2 Current prices and exchange rates (USD m)      spend_usd_m                    1
TABLE3 Share of real GDP (%)                          pct_gdp                        1
TABLE3 Annual real change (%)                         real_change_pct                1
TABLE5 Current prices and exchange rates (USD m)      gdp_usd_bn                     1/1000
TABLE6 Defence expenditure per capita (US dollars)    spend_per_capita_usd_2015      1
TABLE7 (the whole table: thousands)                   personnel_k                    1
TABLE8a Equipment (a)                                 equipment_pct                  1
====== ============================================== ============================== ========

Untrusted input, handled as the loader handles CSV: the size is capped before parsing,
rows are capped while parsing, cells are read as stored values (``data_only``: a formula is never
evaluated, and a formula-looking string is just text, refused as a number), and every problem
found (sheet, cell, reason) is collected into one ``DatasetError``. Nothing here does I/O but
reading the bytes it is given.
"""

from __future__ import annotations

import io
import math
import re
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

import openpyxl  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from pydantic import ValidationError

from bot.models import NATO_EUR_CAN, NATO_TOTAL, NUMERIC_RANGES, Country, Release, SpendingRecord
from db.loader.formats import FIRST_YEAR, MAX_FILE_BYTES, MEMBERS_FILE, NATO_TITLE
from db.loader.problems import DatasetError, Problem
from db.loader.release_files import parse_members

#: The same cap as an uploaded CSV; NATO's 2024 workbook is about 0.2 MiB.
MAX_BYTES = MAX_FILE_BYTES
#: Rows read per sheet; NATO's sheets have under 100.
MAX_ROWS = 1_000
#: Columns read per row; NATO's tables use about 20.
MAX_COLUMNS = 60
#: What the archive may unpack to, and how many parts it may have (a zip bomb stops here).
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 500

#: Significant digits kept: the precision of the project's release files. Rounding also hides
#: the binary noise of dividing Table 5 by 1000, so a figure reads the same from either source.
SIGNIFICANT_DIGITS = 10

TITLE = NATO_TITLE

#: NATO's spellings that differ from ``members.csv``'s names (compared case-insensitively).
NATO_NAMES: dict[str, str] = {
    "Slovak Republic": "SVK",
    "Czech Republic": "CZE",
    "Turkey": "TUR",
    "Turkiye": "TUR",
    "United States of America": "USA",
    "NATO Europe and Canada": NATO_EUR_CAN,
    "NATO Total": NATO_TOTAL,
}

#: Text NATO may put in a cell it has no figure for.
_NOT_AVAILABLE = frozenset({"-", "–", "—", "..", "n.a.", "na", "n/a"})

_YEAR_TEXT = re.compile(r"^(\d{4})\s*(e?)$", re.IGNORECASE)
_NUMBER_TEXT = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(e?)$", re.IGNORECASE)
_FILE_DATE = re.compile(r"^(\d{2})(\d{2})(\d{2})[-_ ]")
_PRICE_BASE = re.compile(r"\b(\d{4}) prices\b", re.IGNORECASE)
_TITLE_TEXT = re.compile(re.escape(TITLE) + r"\s*\((\d{4})\s*[-–]\s*(\d{4})\)", re.IGNORECASE)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class _Section:
    #: How the section's heading row starts; None = the whole table is one section.
    heading: str | None
    field: str
    divisor: float = 1.0


@dataclass(frozen=True)
class _Table:
    sheet: str
    number: str
    #: Text the unit line must contain (a renamed unit means the scale may be wrong).
    unit: str
    sections: tuple[_Section, ...]


TABLES: tuple[_Table, ...] = (
    _Table(
        "TABLE2",
        "2",
        "million us dollars",
        (_Section("current prices and exchange rates", "spend_usd_m"),),
    ),
    _Table(
        "TABLE3",
        "3",
        "prices",
        (
            _Section("share of real gdp", "pct_gdp"),
            _Section("annual real change", "real_change_pct"),
        ),
    ),
    _Table(
        "TABLE5",
        "5",
        "million us dollars",
        (_Section("current prices and exchange rates", "gdp_usd_bn", 1000.0),),
    ),
    _Table(
        "TABLE6",
        "6",
        "prices",
        (_Section("defence expenditure per capita", "spend_per_capita_usd_2015"),),
    ),
    _Table("TABLE7", "7", "thousands", (_Section(None, "personnel_k"),)),
    _Table(
        "TABLE8a",
        "8a",
        "percentage of total defence expenditure",
        (_Section("equipment", "equipment_pct"),),
    ),
)


@dataclass(frozen=True)
class BlankCell:
    """A figure's cell with nothing in it: empty, or a formula whose value was never saved
    (openpyxl reads both as nothing: the workbook is never recalculated). Read as "not
    published", so a reader says which cells they were."""

    #: Where it is, as Excel names it: ``TABLE3!D14``.
    address: str
    iso3: str
    year: int
    field: str


@dataclass(frozen=True)
class WorkbookRelease:
    """One release read from NATO's workbook: what ``releases.csv`` and ``<release>.csv`` hold."""

    release: Release
    records: tuple[SpendingRecord, ...]
    #: Where the publication date came from: "given", "file name" or "workbook properties".
    dated_by: str
    #: Every blank figure cell of an ally's (or aggregate's) row, in reading order.
    blank_cells: tuple[BlankCell, ...] = ()


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


def name_table(members: Sequence[Country]) -> dict[str, str]:
    """Folded name -> iso3: the members' own names, NATO's spellings, NATO's aggregates."""
    names = {_fold(c.name): c.iso3 for c in members}
    names.update({_fold(name): code for name, code in NATO_NAMES.items()})
    return names


def _bundled_members() -> list[Country]:
    return parse_members(resources.files("db").joinpath("data", MEMBERS_FILE).read_bytes())


# --- reading one sheet ------------------------------------------------------------------------


@dataclass
class _Sheet:
    """One sheet being read; ``fail`` records a problem located at a cell, or at the sheet."""

    filename: str
    title: str
    problems: list[Problem]

    def fail(self, row: int | None, col: int | None, reason: str) -> None:
        where = self.title if col is None or row is None else self.cell(row, col)
        self.problems.append(Problem(self.filename, row, where, reason))

    def cell(self, row: int, col: int) -> str:
        return f"{self.title}!{get_column_letter(col + 1)}{row}"


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _year(value: object) -> tuple[int, bool] | None:
    """A year header cell as (year, estimate), or None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value, False
    if isinstance(value, float) and value.is_integer():
        return int(value), False
    if isinstance(value, str) and (match := _YEAR_TEXT.match(value.strip())):
        return int(match.group(1)), bool(match.group(2))
    return None


def _number(value: object) -> tuple[float | None, bool, str | None]:
    """A figure cell as (value, estimate mark, problem); value None = not published."""
    if _is_blank(value):
        return None, False, None
    if isinstance(value, bool):
        return None, False, f"{value} is not a number"
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            return None, False, "a number too large to use"
        if not math.isfinite(number):
            return None, False, f"{value} is not a finite number"
        return number, False, None
    if isinstance(value, datetime | date | time | timedelta):
        return None, False, f"a date or time ({value}), not a number"
    if isinstance(value, str):
        text = value.strip()
        if text.casefold() in _NOT_AVAILABLE:
            return None, False, None
        if match := _NUMBER_TEXT.match(text):
            number = float(match.group(1))
            if not math.isfinite(number):  # 400 digits of text is a float overflow
                return None, False, "a number too large to use"
            return number, bool(match.group(2)), None
        shown = text if len(text) <= 40 else text[:40] + "…"
        if text.startswith("#"):
            return None, False, f"Excel error {shown!r} instead of a number"
        if text[:1] in "=@+-":
            return None, False, f"{shown!r} is text, not a number (formulas are never evaluated)"
        return None, False, f"{shown!r} is not a number"
    return None, False, f"{type(value).__name__} is not a number"


def _in_range(field: str, number: float) -> str | None:
    """The loader's own bounds, so a workbook and a CSV accept exactly the same figures."""
    return NUMERIC_RANGES[field].problem(f"{number:g}", Decimal(repr(number)))


def _rows(sheet: _Sheet, worksheet: Any, max_rows: int) -> Iterator[tuple[int, tuple[object, ...]]]:
    """(row number, cells) of the first ``max_rows`` rows; a longer sheet is a problem."""
    rows = worksheet.iter_rows(
        min_row=1, max_row=max_rows + 1, min_col=1, max_col=MAX_COLUMNS, values_only=True
    )
    for number, cells in enumerate(rows, start=1):
        if number > max_rows:
            # openpyxl yields a row past the cap only if the sheet has one (data or not):
            # refuse rather than silently drop what lies below.
            sheet.fail(None, None, f"more than {max_rows} rows; not NATO's layout")
            return
        yield number, tuple(cells)


@dataclass
class _Found:
    """What one table yields: (iso3, year) -> field -> value, estimates, years, texts seen."""

    values: dict[tuple[str, int], dict[str, float]]
    estimates: set[tuple[str, int]]
    years: set[int]
    texts: list[str]
    blank: list[BlankCell] = field(default_factory=list)


def _read_table(
    table: _Table,
    worksheet: Any,
    sheet: _Sheet,
    names: dict[str, str],
    found: _Found,
    max_rows: int,
) -> None:
    by_heading = {s.heading: s for s in table.sections if s.heading is not None}
    whole = next((s for s in table.sections if s.heading is None), None)
    years: dict[int, tuple[int, bool]] = {}  # column index -> (year, estimate)
    titled = unit_seen = False
    section: _Section | None = None
    seen_sections: set[str | None] = set()
    rows_in: dict[str | None, dict[str, int]] = {}  # section -> iso3 -> row of first appearance
    last_year = date.today().year + 1

    for row, cells in _rows(sheet, worksheet, max_rows):
        texts = [c.strip() for c in cells if isinstance(c, str) and c.strip()]
        if not years:
            for text in texts:
                folded = _fold(text)
                found.texts.append(text)
                titled = titled or re.match(rf"table\s*{table.number}\s*:", folded) is not None
                unit_seen = unit_seen or table.unit in folded
            header = {i: y for i, c in enumerate(cells) if (y := _year(c)) is not None}
            if len(header) >= 3:
                years = header
                ordered = [y for y, _ in years.values()]
                if ordered != sorted(set(ordered)):
                    sheet.fail(row, min(years), "the years of the header are not in order")
                for col, (year, _) in years.items():
                    if not FIRST_YEAR <= year <= last_year:
                        sheet.fail(row, col, f"{year} is outside {FIRST_YEAR}–{last_year}")
                if not titled:
                    sheet.fail(None, None, f"no title 'Table {table.number} : …' above the years")
                if not unit_seen:
                    sheet.fail(None, None, f"no unit line '{table.unit}' above the years")
                section = whole
                if whole is not None:
                    seen_sections.add(None)
            continue
        first_year_col = min(years)
        label_col, label = next(
            (
                (i, c.strip())
                for i, c in enumerate(cells[:first_year_col])
                if isinstance(c, str) and c.strip()
            ),
            (None, None),
        )
        if label is None or label_col is None:
            continue  # NATO's own check rows ('#REF!', zeros) carry no label
        values = {col: cells[col] for col in years if col < len(cells)}
        named = section is not None and _fold(label.rstrip("*").strip()) in names
        if not named and all(_is_blank(v) for v in values.values()):
            # A heading opens its section; any other text (notes, other sections) ends one.
            folded = _fold(label)
            heading = next((h for h in by_heading if folded.startswith(h)), None)
            if heading is not None:
                section = by_heading[heading]
                seen_sections.add(heading)
            elif whole is None:
                section = None
            continue
        if section is None:
            continue
        name = label.rstrip("*").strip()
        iso3 = names.get(_fold(name))
        if iso3 is None:
            sheet.fail(row, label_col, f"{name!r} is not an ally in {MEMBERS_FILE} nor NATO's")
            continue
        first = rows_in.setdefault(section.heading, {})
        if iso3 in first:
            sheet.fail(row, label_col, f"{name} appears twice (first on row {first[iso3]})")
            continue
        first[iso3] = row
        for col, value in values.items():
            number, marked, problem = _number(value)
            if problem is None and number is not None:
                number = float(f"{number / section.divisor:.{SIGNIFICANT_DIGITS}g}")
                problem = _in_range(section.field, number)
            if problem is not None:
                sheet.fail(row, col, problem)
                continue
            year, estimate = years[col]
            if number is None:
                if _is_blank(value):
                    found.blank.append(BlankCell(sheet.cell(row, col), iso3, year, section.field))
                continue
            key = (iso3, year)
            found.values.setdefault(key, {})[section.field] = number
            found.years.add(year)
            if estimate or marked:
                found.estimates.add(key)
    if not years:
        sheet.fail(None, None, "no row of years (2014, 2015, … '2024e') found: not NATO's layout")
        return
    for s in table.sections:
        if s.heading not in seen_sections:
            sheet.fail(None, None, f"no section headed '{s.heading}'")
        elif not rows_in.get(s.heading):
            shown = s.heading or "the table"
            sheet.fail(None, None, f"no figures under '{shown}'")


# --- the workbook -----------------------------------------------------------------------------


def _check_archive(data: bytes, filename: str, max_bytes: int) -> list[Problem]:
    """Problems that stop us before openpyxl sees the bytes."""

    def problem(reason: str) -> list[Problem]:
        return [Problem(filename, None, None, reason)]

    if len(data) > max_bytes:
        return problem(f"file is {len(data):,} bytes; the limit is {max_bytes:,}")
    if not data:
        return problem("empty file")
    if data.startswith(_OLE_MAGIC):
        return problem("an old-style .xls (or password-protected) workbook: save it as .xlsx")
    if not data.startswith(_ZIP_MAGIC):
        return problem("not an Excel .xlsx workbook")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    # NotImplementedError: an archive that claims to span several disks (zipfile refuses it).
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        ValueError,
        OSError,
        EOFError,
        NotImplementedError,
    ) as exc:
        return problem(f"not a readable .xlsx workbook (damaged or truncated: {exc})")
    if len(entries) > MAX_ENTRIES:
        return problem(f"the workbook has {len(entries):,} parts, more than {MAX_ENTRIES}")
    unpacked = sum(e.file_size for e in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        return problem(f"the workbook unpacks to {unpacked:,} bytes, over {MAX_UNPACKED_BYTES:,}")
    if "xl/workbook.xml" not in {e.filename for e in entries}:
        return problem("not an Excel .xlsx workbook (no xl/workbook.xml)")
    return []


def _published(filename: str, created: object) -> tuple[date | None, str]:
    """The publication date: NATO's file names start with it (YYMMDD), else the properties.

    NATO's workbook has no date in its cells; "240617-def-exp-2024-TABLES-en.xlsx" was
    published on 17 June 2024, and its properties say it was created three days before.
    """
    if match := _FILE_DATE.match(filename.replace("\\", "/").rsplit("/", 1)[-1]):
        yy, mm, dd = (int(g) for g in match.groups())
        try:
            return date(2000 + yy, mm, dd), "file name"
        except ValueError:
            pass  # not a date after all: fall back to the properties
    if isinstance(created, datetime):
        return created.date(), "workbook properties"
    return None, "nothing"


def read_workbook(
    data: bytes,
    *,
    filename: str,
    members: Sequence[Country] | None = None,
    release_id: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> WorkbookRelease:
    """NATO's workbook as one release; raises ``DatasetError`` listing every problem.

    ``members`` (default: the bundled ``members.csv``) name the allies; ``release_id`` overrides
    the release inferred from the workbook (its file name's date, else its properties).
    """
    problems = _check_archive(data, filename, max_bytes)
    if problems:
        raise DatasetError(problems)
    names = name_table(members if members is not None else _bundled_members())
    found = _Found({}, set(), set(), [])
    created: object = None
    try:
        with warnings.catch_warnings():
            # openpyxl warns about parts it ignores (extensions, print settings): not our concern.
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
            try:
                created = getattr(book.properties, "created", None)
                sheets = {str(name).casefold(): name for name in book.sheetnames}
                for table in TABLES:
                    sheet = _Sheet(filename, table.sheet, problems)
                    name = sheets.get(table.sheet.casefold())
                    if name is None:
                        sheet.fail(None, None, "sheet is missing")
                        continue
                    try:
                        _read_table(table, book[name], sheet, names, found, max_rows)
                    except Exception as exc:  # a damaged sheet part: openpyxl's many errors
                        sheet.fail(None, None, f"cannot read the sheet ({_describe(exc)})")
            finally:
                book.close()
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        problems.append(
            Problem(filename, None, None, f"cannot read the workbook ({_describe(exc)})")
        )
    if problems:
        raise DatasetError(problems)
    return _release(found, filename, created, release_id)


def _describe(exc: BaseException) -> str:
    """The root cause, briefly: openpyxl wraps the XML parser's error in a generic one."""
    while (inner := exc.__cause__ or exc.__context__) is not None and inner is not exc:
        exc = inner
    text = str(exc).strip()
    text = text if len(text) <= 200 else text[:200] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _release(
    found: _Found, filename: str, created: object, release_id: str | None
) -> WorkbookRelease:
    problems: list[Problem] = []
    first, last = min(found.years), max(found.years)
    titles = [m for t in found.texts if (m := _TITLE_TEXT.search(t))]
    title = titles[0].group(0) if titles else f"{TITLE} ({first}-{last})"
    published, dated_by = _published(filename, created)
    if release_id is not None:
        # A date that does not fall in the named release's month belongs to another release.
        if published is None or f"{published:%Y-%m}" != release_id:
            published = None
        dated_by = "given"
    elif published is None:
        problems.append(
            Problem(filename, None, None, "cannot tell the release date: name the release")
        )
    elif not last - 1 <= published.year <= last + 1:
        problems.append(
            Problem(
                filename,
                None,
                None,
                f"the {dated_by} dates it {published} but its figures run to {last}: "
                "name the release",
            )
        )
    price_bases = [int(m.group(1)) for t in found.texts if (m := _PRICE_BASE.search(t))]
    if problems:
        raise DatasetError(problems)
    rid = release_id if release_id is not None else f"{published:%Y-%m}"
    try:
        release = Release(
            release_id=rid,
            title=title,
            published=published.isoformat() if published is not None else rid,
            basis="total",
            price_base=price_bases[0] if price_bases else None,
            coverage=f"Tables 2, 3, 5, 6, 7 and 8a, {first}-{last}, from NATO's {filename}",
        )
        records = tuple(
            SpendingRecord(
                release_id=rid,
                iso3=iso3,
                year=year,
                estimate=(iso3, year) in found.estimates,
                **fields,
            )
            for (iso3, year), fields in sorted(found.values.items())
        )
    except ValidationError as exc:
        raise DatasetError(
            [Problem(filename, None, None, f"{e['loc']}: {e['msg']}") for e in exc.errors()]
        ) from None
    return WorkbookRelease(
        release=release, records=records, dated_by=dated_by, blank_cells=tuple(found.blank)
    )
