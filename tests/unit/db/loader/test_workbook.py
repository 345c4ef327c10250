"""db.loader.workbook: NATO's own workbook reproduces the bundled 2024-06 release exactly, and any
damaged, foreign or hostile file gets located problems, never a traceback."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.models import NATO_EUR_CAN, NATO_TOTAL, SpendingRecord
from bot.reload import Reloader, Upload
from db.loader import DatasetError, Problem, load_bundled
from db.loader.workbook import MAX_BYTES, TABLES, WorkbookRelease, read_workbook
from db.store import Store

WORKBOOK_NAME = "240617-def-exp-2024-TABLES-en.xlsx"
WORKBOOK = resources.files("db").joinpath("data", "raw", WORKBOOK_NAME)


@cache
def nato_bytes() -> bytes:
    return WORKBOOK.read_bytes()


def problems_of(data: bytes, filename: str = "upload.xlsx", **options: Any) -> list[Problem]:
    with pytest.raises(DatasetError) as caught:
        read_workbook(data, filename=filename, **options)
    assert caught.value.problems, "a DatasetError always lists its problems"
    return caught.value.problems


# --- NATO's 2024 workbook ---------------------------------------------------------------------


def test_reproduces_the_bundled_2024_06_release_exactly() -> None:
    """Every (ally, year), value and estimate flag of db/data/2024-06.csv, nothing more."""
    got = read_workbook(nato_bytes(), filename=WORKBOOK_NAME)
    bundled = load_bundled()
    ours = {(r.iso3, r.year): r for r in bundled.records if r.release_id == "2024-06"}
    theirs = {(r.iso3, r.year): r for r in got.records}
    assert set(theirs) == set(ours)
    mismatched = [key for key, record in ours.items() if theirs[key] != record]
    assert mismatched == []
    release = {r.release_id: r for r in bundled.releases}["2024-06"]
    assert got.release.model_dump(exclude={"coverage"}) == release.model_dump(exclude={"coverage"})
    assert got.dated_by == "file name"


def test_aggregates_estimates_and_an_ally_without_forces() -> None:
    got = read_workbook(nato_bytes(), filename=WORKBOOK_NAME)
    records = {(r.iso3, r.year): r for r in got.records}
    total = records[(NATO_TOTAL, 2024)]
    assert total.estimate and total.pct_gdp == 2.712749728 and total.equipment_pct is None
    assert not records[(NATO_EUR_CAN, 2022)].estimate
    iceland = records[("ISL", 2023)]  # Table 5 only: GDP, no defence figures
    assert iceland.estimate and iceland.gdp_usd_bn == 31.01999912 and iceland.pct_gdp is None
    # Names NATO spells its own way.
    assert records[("SVK", 2024)].personnel_k == 15.605
    assert records[("TUR", 2014)].spend_usd_m is not None
    assert records[("MKD", 2020)].pct_gdp is not None


def test_the_release_can_be_named_by_the_caller() -> None:
    got = read_workbook(nato_bytes(), filename="upload.xlsx", release_id="2024-07")
    assert got.release.release_id == "2024-07" and got.release.published == "2024-07"
    assert {r.release_id for r in got.records} == {"2024-07"}
    assert got.dated_by == "given"


def test_without_a_dated_file_name_the_properties_date_it() -> None:
    got = read_workbook(nato_bytes(), filename="TABLES-en.xlsx")
    assert got.release.release_id == "2024-06" and got.release.published == "2024-06-14"
    assert got.dated_by == "workbook properties"


def test_a_file_name_dated_far_from_the_figures_is_refused() -> None:
    [problem] = problems_of(nato_bytes(), filename="190101-old.xlsx")
    assert "dates it 2019-01-01 but its figures run to 2024: name the release" in problem.reason


def test_row_cap() -> None:
    problems = problems_of(nato_bytes(), max_rows=50)
    assert (
        Problem("upload.xlsx", None, "TABLE2", "more than 50 rows; not NATO's layout") in problems
    )


# --- small workbooks in NATO's layout ---------------------------------------------------------

UNITS = {
    "TABLE2": "Million US dollars",
    "TABLE3": "Based on 2015 prices",
    "TABLE5": "Million US dollars",
    "TABLE6": "2015 prices and exchange rates",
    "TABLE7": "Thousands",
    "TABLE8a": "Percentage of total defence expenditure",
}
HEADINGS = {
    "TABLE2": ["Current prices and exchange rates", "Constant 2015 prices and exchange rates"],
    "TABLE3": ["Share of real GDP (%)", "Annual real change (%)"],
    "TABLE5": ["Current prices and exchange rates", "Constant 2015 prices and exchange rates"],
    "TABLE6": [
        "GDP per capita (thousand US dollars)",
        "Defence expenditure per capita (US dollars)",
    ],
    "TABLE7": [],
    "TABLE8a": ["Equipment (a)", "Personnel (b)"],
}
ALLIES = ["Albania", "Czechia*", "Türkiye"]
YEARS: list[int | str] = [2022, "2023e", "2024e"]


def small_workbook(edit: Callable[[Any], None] | None = None) -> bytes:
    """Every table in NATO's layout for three allies and the two aggregates, 2022-2024e.

    Each figure is ``10 * section + row + year offset / 10`` so a test can tell them apart.
    """
    book = small_book()
    if edit is not None:
        edit(book)
    return saved(book)


def saved(book: Any) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def small_book() -> Any:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for table in TABLES:
        sheet = book.create_sheet(table.sheet)
        table7 = table.sheet == "TABLE7"
        label, first_year = (4, 5) if table7 else (3, 4)  # columns, 1-based
        sheet.cell(4, 2, f"Table {table.number} : something")
        sheet.cell(6, 2, UNITS[table.sheet])
        for i, year in enumerate(YEARS):
            sheet.cell(8, first_year + i, year)
        row = 10
        for s, heading in enumerate(HEADINGS[table.sheet] or [None]):
            if heading is not None:
                sheet.cell(row, 2, heading)
                row += 1
            for r, name in enumerate([*ALLIES, "NATO Europe and Canada", "NATO Total"]):
                aggregate = name.startswith("NATO")
                sheet.cell(row, label - 1 if aggregate else label, name)
                for i in range(len(YEARS)):
                    sheet.cell(row, first_year + i, 10 * s + r + i / 10)
                row += 1
        sheet.cell(row + 1, 3, "Notes: Figures for 2023 and 2024 are estimates.")
    return book


def read_small(data: bytes) -> dict[tuple[str, int], SpendingRecord]:
    got = read_workbook(data, filename="250101-small.xlsx")
    assert isinstance(got, WorkbookRelease) and got.release.release_id == "2025-01"
    return {(r.iso3, r.year): r for r in got.records}


def test_small_workbook_reads_the_right_sections() -> None:
    records = read_small(small_workbook())
    assert len(records) == 5 * 3
    alb = records[("ALB", 2022)]
    assert not alb.estimate
    assert alb.spend_usd_m == 0.0  # the first section, not "Constant 2015 prices"
    assert alb.pct_gdp == 0.0 and alb.real_change_pct == 10.0
    assert alb.gdp_usd_bn == 0.0 and alb.spend_per_capita_usd_2015 == 10.0
    cze = records[("CZE", 2024)]  # "Czechia*": NATO's footnote mark is not part of the name
    assert cze.estimate and cze.personnel_k == 1.2 and cze.equipment_pct == 1.2
    assert records[("TUR", 2023)].gdp_usd_bn == pytest.approx(2.1 / 1000)
    assert records[(NATO_TOTAL, 2023)].estimate


def test_a_sheet_missing() -> None:
    data = small_workbook(lambda book: book.remove(book["TABLE5"]))
    assert problems_of(data) == [Problem("upload.xlsx", None, "TABLE5", "sheet is missing")]


def test_a_renamed_section_heading_and_unit() -> None:
    def rename(book: Any) -> None:
        book["TABLE3"]["B10"] = "Share of nominal GDP (%)"
        book["TABLE5"]["B6"] = "Billion US dollars"

    problems = problems_of(small_workbook(rename))
    reasons = {(p.column, p.reason) for p in problems}
    assert ("TABLE3", "no section headed 'share of real gdp'") in reasons
    assert ("TABLE5", "no unit line 'million us dollars' above the years") in reasons


def test_no_row_of_years() -> None:
    def drop_years(book: Any) -> None:
        for col in "DEF":
            book["TABLE6"][f"{col}8"] = None

    problems = problems_of(small_workbook(drop_years))
    assert [p.column for p in problems] == ["TABLE6"]
    assert problems[0].reason.startswith("no row of years")


def test_formula_looking_cells_are_data_never_evaluated() -> None:
    def formulas(book: Any) -> None:
        sheet = book["TABLE3"]
        for ref, text in (("D11", "=1+1"), ("E11", "@SUM(D11:D12)"), ("F11", "+1+1")):
            sheet[ref] = text
            sheet[ref].data_type = "s"  # stored as text, as a hostile file would
        book["TABLE2"]["D11"] = "=1+1"  # a real formula, saved without a computed value

    problems = problems_of(small_workbook(formulas))
    located = {p.column: p.reason for p in problems}
    assert set(located) == {"TABLE3!D11", "TABLE3!E11", "TABLE3!F11"}
    assert located["TABLE3!D11"] == "'=1+1' is text, not a number (formulas are never evaluated)"
    assert "@SUM(D11:D12)" in located["TABLE3!E11"]
    assert all(p.line == 11 for p in problems)

    def real_formula_only(book: Any) -> None:
        book["TABLE2"]["D11"] = "=1+1"

    # The real formula reads as its stored value: none, so no figure (and never 2).
    assert read_small(small_workbook(real_formula_only))[("ALB", 2022)].spend_usd_m is None


def test_every_problem_is_reported_at_once() -> None:
    def spoil(book: Any) -> None:
        book["TABLE2"]["E12"] = "abc"
        book["TABLE3"]["C13"] = "Atlantis"
        book["TABLE6"]["D19"] = -5  # per capita in the second section: cannot be negative
        book["TABLE7"]["F11"] = datetime(2024, 1, 1)
        book["TABLE8a"]["D12"] = "#REF!"
        book["TABLE8a"]["D13"] = 250.0

    problems = problems_of(small_workbook(spoil))
    located = {p.column: p.reason for p in problems}
    assert located == {
        "TABLE2!E12": "'abc' is not a number",
        "TABLE3!C13": "'Atlantis' is not an ally in members.csv nor NATO's",
        "TABLE6!D19": "-5 is negative (USD per capita cannot be below 0)",
        "TABLE7!F11": "a date or time (2024-01-01 00:00:00), not a number",
        "TABLE8a!D12": "Excel error '#REF!' instead of a number",
        "TABLE8a!D13": "250 is outside 0–100 % of defence expenditure",
    }
    assert str(problems[0]) == "upload.xlsx:12: TABLE2!E12: 'abc' is not a number"


def test_marks_for_estimates_and_missing_figures_in_cells() -> None:
    def marks(book: Any) -> None:
        book["TABLE3"]["D11"] = "1.25e"  # an estimate marked on the cell, not the year
        book["TABLE3"]["E11"] = "n.a."
        book["TABLE3"]["F11"] = " 2.5 "  # a number stored as text

    records = read_small(small_workbook(marks))
    assert records[("ALB", 2022)].pct_gdp == 1.25 and records[("ALB", 2022)].estimate
    assert records[("ALB", 2023)].pct_gdp is None
    assert records[("ALB", 2024)].pct_gdp == 2.5


def test_huge_numbers() -> None:
    def huge(book: Any) -> None:
        book["TABLE2"]["D11"] = "9" * 400  # text: float() of it overflows to infinity
        book["TABLE2"]["E11"] = 10**300  # finite, but far above any real spending
        book["TABLE3"]["D11"] = 1e300

    located = {p.column: p.reason for p in problems_of(small_workbook(huge))}
    assert located == {
        "TABLE2!D11": "a number too large to use",
        "TABLE2!E11": (
            "1e+300 is too large: above 5,000,000 million USD "
            "(USD 5 trillion: over twice what all of NATO spends)"
        ),
        "TABLE3!D11": "1e+300 is outside 0–20 % of GDP",
    }


def test_an_ally_listed_twice() -> None:
    data = small_workbook(lambda book: book["TABLE3"].__setitem__("C12", "Albania"))
    [problem] = problems_of(data)
    assert (problem.column, problem.reason) == (
        "TABLE3!C12",
        "Albania appears twice (first on row 11)",
    )


# --- files that are not NATO's workbook -------------------------------------------------------


def test_not_an_xlsx_file() -> None:
    csv = b"iso3,year,estimate\nPOL,2024,true\n"
    assert problems_of(csv)[0].reason == "not an Excel .xlsx workbook"
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100
    assert "old-style .xls" in problems_of(ole)[0].reason
    assert problems_of(b"")[0].reason == "empty file"


def test_a_zip_that_is_not_a_workbook() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert problems_of(out.getvalue())[0].reason.endswith("(no xl/workbook.xml)")


def test_a_truncated_workbook() -> None:
    data = nato_bytes()
    [problem] = problems_of(data[: len(data) // 2])
    assert problem.reason.startswith("not a readable .xlsx workbook (damaged or truncated")


def test_size_cap_before_parsing() -> None:
    [problem] = problems_of(b"PK\x03\x04" + b"\0" * MAX_BYTES)
    assert problem.reason == f"file is {MAX_BYTES + 4:,} bytes; the limit is {MAX_BYTES:,}"


def test_a_zip_bomb_is_refused_by_its_declared_size() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", b"\0" * (65 * 1024 * 1024))
    assert len(out.getvalue()) < MAX_BYTES
    [problem] = problems_of(out.getvalue())
    assert "unpacks to" in problem.reason


def test_xml_entities_are_refused() -> None:
    """A 'billion laughs' sheet: defusedxml makes openpyxl refuse entity declarations."""
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    source = zipfile.ZipFile(io.BytesIO(small_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for entry in source.infolist():
            data = source.read(entry)
            archive.writestr(entry, bomb if entry.filename == "xl/worksheets/sheet1.xml" else data)
    [problem] = problems_of(out.getvalue())
    assert problem.reason.startswith("cannot read the workbook (EntitiesForbidden")


# --- fuzzing: never an unhandled exception, always a located problem --------------------------

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_located(data: bytes, filename: str = "upload.xlsx") -> None:
    """Either a release, or a DatasetError whose every problem names the file and a reason."""
    try:
        read_workbook(data, filename=filename)
    except DatasetError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.file == filename and problem.reason


@FUZZ
@given(st.binary(max_size=4096))
def test_fuzz_random_bytes(data: bytes) -> None:
    assert_located(data)
    assert_located(b"PK\x03\x04" + data)


@FUZZ
@given(st.integers(min_value=0, max_value=len(nato_bytes()) - 1))
def test_fuzz_truncated_workbook(length: int) -> None:
    assert_located(nato_bytes()[:length])


@cache
def small_bytes() -> bytes:
    return small_workbook()


@FUZZ
@given(st.data())
def test_fuzz_corrupted_bytes(data: st.DataObject) -> None:
    """Bytes overwritten anywhere in a (small, quick to parse) workbook in NATO's layout."""
    original = small_bytes()
    offset = data.draw(st.integers(min_value=0, max_value=len(original) - 1))
    junk = data.draw(st.binary(min_size=1, max_size=8))
    assert_located(original[:offset] + junk + original[offset + len(junk) :])


@cache
def fuzzed_book() -> Any:
    """The small workbook, built once and put back after each example (saving is what costs)."""
    return small_book()


CELL_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**300), max_value=10**300),
    st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["=1+1", "@SUM(D11:D12)", "#REF!", "2024e", "1.5e", "n.a.", "Atlantis"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
)


@FUZZ
@given(
    st.sampled_from([t.sheet for t in TABLES]),
    st.lists(
        st.tuples(st.integers(1, 30), st.integers(1, 10), CELL_VALUES), min_size=1, max_size=6
    ),
)
def test_fuzz_cells_replaced_by_random_values(
    sheet_name: str, edits: list[tuple[int, int, object]]
) -> None:
    book = fuzzed_book()
    sheet = book[sheet_name]
    cells = [sheet.cell(row, col) for row, col, _ in edits]
    before = [(cell.value, cell.number_format) for cell in cells]
    try:
        for cell, (_, _, value) in zip(cells, edits, strict=True):
            cell.value = value
        data = saved(book)
    finally:
        for cell, (value, number_format) in reversed(list(zip(cells, before, strict=True))):
            cell.value = value
            cell.number_format = number_format
    try:
        read_workbook(data, filename="250101-small.xlsx")
    except DatasetError as error:
        for problem in error.problems:
            # Only this sheet changed: a problem names a cell of it, the sheet, or the release.
            assert problem.reason
            assert problem.column is None or problem.column.split("!")[0] == sheet_name


# --- blank figure cells (issue 19, item 14) ---------------------------------------------------

SMALL_NAME = "250101-small.xlsx"


def blank_two_shares(book: Any) -> None:
    """Albania's 2024 share a formula openpyxl saves with no value; Türkiye's 2023 share gone."""
    sheet = book["TABLE3"]
    sheet["F11"] = "=D11*2"  # no cached value: data_only reads it as nothing
    sheet["E13"] = None


def test_blank_figure_cells_are_named_by_their_address() -> None:
    got = read_workbook(small_workbook(blank_two_shares), filename=SMALL_NAME)
    assert [(c.address, c.iso3, c.year, c.field) for c in got.blank_cells] == [
        ("TABLE3!F11", "ALB", 2024, "pct_gdp"),
        ("TABLE3!E13", "TUR", 2023, "pct_gdp"),
    ]
    records = {(r.iso3, r.year): r for r in got.records}
    assert records[("ALB", 2024)].pct_gdp is None and records[("TUR", 2023)].pct_gdp is None


def test_an_ally_row_left_blank_is_read_as_blank_cells_not_as_the_end_of_its_section() -> None:
    def blank_czechia(book: Any) -> None:
        for column in "DEF":
            book["TABLE3"][f"{column}12"] = None

    got = read_workbook(small_workbook(blank_czechia), filename=SMALL_NAME)
    assert [c.address for c in got.blank_cells] == ["TABLE3!D12", "TABLE3!E12", "TABLE3!F12"]
    assert {(r.iso3, r.year): r for r in got.records}[("TUR", 2024)].pct_gdp == 2.2


async def test_a_dry_run_names_blank_cells_and_a_figure_they_drop_is_a_loss(store: Store) -> None:
    reloader = Reloader(store)
    blanked = Upload(SMALL_NAME, small_workbook(blank_two_shares))
    # A new release: nothing is lost, but every blank cell is named.
    plan = await reloader.prepare(blanked)
    assert plan.warnings == ()
    assert plan.notes[-1] == (
        "2 figure cells are empty or a formula without a saved value, read as not published: "
        "TABLE3!F11 (ALB 2024 pct_gdp), TABLE3!E13 (TUR 2023 pct_gdp)."
    )
    # Against the release loaded whole, the two shares would disappear: losses to confirm.
    await reloader.apply(await reloader.prepare(Upload(SMALL_NAME, small_workbook())), "tester")
    plan = await reloader.prepare(blanked)
    assert plan.warnings == (
        "would drop ALB 2024 pct_gdp (0.2) that release 2025-01 has now: TABLE3!F11 is empty "
        "or a formula without a saved value",
        "would drop TUR 2023 pct_gdp (2.1) that release 2025-01 has now: TABLE3!E13 is empty "
        "or a formula without a saved value",
    )
    assert not any("read as not published" in note for note in plan.notes)
