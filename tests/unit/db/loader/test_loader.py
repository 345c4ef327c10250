"""db.loader: the bundled data loads, and every kind of bad input is reported precisely."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
from datetime import date
from importlib import resources
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.countries import normalise
from bot.models import AGGREGATE_CODES, Release, SpendingRecord, is_release_id
from db.loader import (
    MAX_FILE_BYTES,
    MAX_PROBLEMS_KEPT,
    DatasetError,
    Problem,
    bundled_aliases,
    dataset_sha256,
    load_bundled,
    load_directory,
    losses,
    parse_members,
    parse_release_file,
    parse_releases,
    validate_path,
    with_release,
)

DATA = Path(str(resources.files("db").joinpath("data")))
HEADER = (
    "iso3,year,estimate,pct_gdp,spend_usd_m,gdp_usd_bn,equipment_pct,personnel_k,"
    "spend_per_capita_usd_2015,real_change_pct"
)
# Lines 2, 3, 4 once the header is line 1.
ROWS = [
    "ALB,2023,false,1.75,400,22.1,20.5,6.7,120.4,49.3",
    "BEL,2023,true,1.21,,,,,,",
    "NATO_TOTAL,2023,true,2.52,,,,,,",
]
CODES = {"ALB", "BEL", "POL"}
RELEASES = {"2024-06"}


def release_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def parse(text: str | bytes, *, release_id: str = "2024-06") -> list[SpendingRecord]:
    return parse_release_file(
        text,
        filename=f"{release_id}.csv",
        release_id=release_id,
        known_codes=CODES,
        known_releases=RELEASES,
    )


def problems_of(text: str | bytes, *, release_id: str = "2024-06") -> list[Problem]:
    with pytest.raises(DatasetError) as caught:
        parse(text, release_id=release_id)
    assert caught.value.problems, "a DatasetError must carry its problems"
    return caught.value.problems


def data_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.reader(handle) if row][1:]


# --- the bundled dataset ----------------------------------------------------------------------


def test_bundled_dataset_matches_its_files_row_for_row() -> None:
    dataset = load_bundled()
    assert len(dataset.members) == len(data_rows(DATA / "members.csv")) == 32
    manifest = data_rows(DATA / "releases.csv")
    assert [r.release_id for r in dataset.releases] == [row[0] for row in manifest]
    for release in dataset.releases:
        rows = data_rows(DATA / f"{release.release_id}.csv")
        loaded = [r for r in dataset.records if r.release_id == release.release_id]
        assert len(loaded) == len(rows), release.release_id
    assert len(dataset.records) == 1255


def test_bundled_values_survive_parsing() -> None:
    dataset = load_bundled()
    by_key = {(r.release_id, r.iso3, r.year): r for r in dataset.records}
    poland = by_key[("2024-06", "POL", 2024)]
    assert poland.estimate is True
    assert poland.pct_gdp == pytest.approx(4.12, abs=0.005)
    assert by_key[("2026-07", "ALB", 2014)].gdp_usd_bn == 13.314
    assert by_key[("2024-06", "NATO_TOTAL", 2014)].is_aggregate
    assert {c.iso3: c for c in dataset.members}["ISL"].has_armed_forces is False
    assert {r.release_id: r.basis for r in dataset.releases}["2026-07"] == "core"


def test_bundled_aliases_name_every_ally_without_ambiguity() -> None:
    members = {c.iso3: c.name for c in load_bundled().members}
    aliases = bundled_aliases()
    assert set(aliases.values()) == set(members)
    keys: dict[str, set[str]] = {}
    for iso3, name in members.items():
        keys.setdefault(normalise(name), set()).add(iso3)
        keys.setdefault(normalise(iso3), set()).add(iso3)
    for alias, iso3 in aliases.items():
        keys.setdefault(normalise(alias), set()).add(iso3)
    assert {k: v for k, v in keys.items() if len(v) > 1 or not k} == {}
    for alias, iso3 in [("UK", "GBR"), ("U.S.", "USA"), ("Turkey", "TUR"), ("Holland", "NLD")]:
        assert aliases[alias] == iso3
    assert "England" not in aliases  # England is not the United Kingdom


# --- one release file: each class of problem, located ---------------------------------------


def test_valid_release_file_parses_every_column() -> None:
    records = parse(release_text(*ROWS))
    assert [r.iso3 for r in records] == ["ALB", "BEL", "NATO_TOTAL"]
    alb = records[0]
    assert (alb.release_id, alb.year, alb.estimate) == ("2024-06", 2023, False)
    assert (alb.pct_gdp, alb.spend_usd_m, alb.gdp_usd_bn) == (1.75, 400.0, 22.1)
    assert (alb.equipment_pct, alb.personnel_k) == (20.5, 6.7)
    assert (alb.spend_per_capita_usd_2015, alb.real_change_pct) == (120.4, 49.3)
    assert records[1].spend_usd_m is None and records[1].estimate is True


def test_problem_reads_file_line_column_reason() -> None:
    rows = [f"POL,{year},false,2.0,,,,,," for year in range(2014, 2024)]
    rows.append("ALB,2024,false,25,,,,,,")  # line 12
    (problem,) = problems_of(release_text(*rows))
    assert str(problem) == "2024-06.csv:12: pct_gdp: 25 is outside 0–20 % of GDP"
    assert problem == Problem("2024-06.csv", 12, "pct_gdp", "25 is outside 0–20 % of GDP")


NEXT_YEAR = date.today().year + 1


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("XYZ,2023,false,1.0,,,,,,", "iso3", "'XYZ' is not an ally"),
        ("NATO_XYZ,2023,false,1.0,,,,,,", "iso3", "not an ally"),
        (",2023,false,1.0,,,,,,", "iso3", "empty; a value is required"),
        ("POL,20x3,false,1.0,,,,,,", "year", "'20x3' is not a whole number"),
        ("POL,2023.0,false,1.0,,,,,,", "year", "not a whole number"),
        ("POL,1948,false,1.0,,,,,,", "year", f"1948 is outside 1949–{NEXT_YEAR}"),
        (f"POL,{NEXT_YEAR + 1},false,1.0,,,,,,", "year", "is outside"),
        ("POL,2023,false,-0.1,,,,,,", "pct_gdp", "-0.1 is outside 0–20 % of GDP"),
        ("POL,2023,false,20.01,,,,,,", "pct_gdp", "outside 0–20"),
        ("POL,2023,false,1.0,-5,,,,,", "spend_usd_m", "-5 is negative"),
        ("POL,2023,false,1.0,,-1,,,,", "gdp_usd_bn", "-1 is negative"),
        ("POL,2023,false,1.0,,,,-0.5,,", "personnel_k", "-0.5 is negative"),
        ("POL,2023,false,1.0,,,,,-3,", "spend_per_capita_usd_2015", "negative"),
        ("POL,2023,false,1.0,,,101,,,", "equipment_pct", "101 is outside 0–100"),
        ("POL,2023,false,abc,,,,,,", "pct_gdp", "'abc' is not a number"),
        ("POL,2023,false,1,5,,,,,,", None, "row has 11 fields but the header has 10"),
        ("POL,2023,false,nan,,,,,,", "pct_gdp", "'nan' is not a number"),
        ("POL,2023,false,1.0,inf,,,,,", "spend_usd_m", "not a number"),
        ("POL,2023,false,1.0,1e999,,,,,", "spend_usd_m", "too large"),
        ('POL,2023,false,1.0,"1,000",,,,,', "spend_usd_m", "'1,000' is not a number"),
        ("POL,2023,maybe,1.0,,,,,,", "estimate", "'maybe' is not a boolean"),
        ("POL,2023,,1.0,,,,,,", "estimate", "empty is not a boolean"),
        ("POL,2023,e,1.0,,,,,,", "estimate", "not a boolean"),
    ],
)
def test_each_bad_cell_is_reported_at_its_line_and_column(
    row: str, column: str | None, reason: str
) -> None:
    (problem,) = problems_of(release_text(*ROWS, row))
    assert (problem.file, problem.line, problem.column) == ("2024-06.csv", 5, column)
    assert reason in problem.reason


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("true", True), ("TRUE", True), ("Yes", True), ("1", True), ("false", False),
     ("No", False), ("0", False), (" false ", False)],
)  # fmt: skip
def test_booleans_accept_true_false_yes_no_one_zero(cell: str, expected: bool) -> None:
    (record,) = parse(release_text(f"POL,2023,{cell},1.0,,,,,,"))
    assert record.estimate is expected


def test_provenance_column_is_read_and_old_files_default_to_table() -> None:
    with_column = release_text(
        "ALB,2023,false,1.75,,,,,,,press",
        "BEL,2023,true,1.21,,,,,,,extraction",
        "POL,2023,true,3.9,,,,,,,table",
        header=HEADER + ",provenance",
    )
    assert [r.provenance for r in parse(with_column)] == ["press", "extraction", "table"]
    # A file written before the column existed: every row was read from NATO's own table.
    assert {r.provenance for r in parse(release_text(*ROWS))} == {"table"}


@pytest.mark.parametrize("cell", ["", "Press", "wire", "tabel"])
def test_bad_provenance_is_reported_at_its_cell(cell: str) -> None:
    text = release_text("ALB,2023,false,1.75,,,,,,," + cell, header=HEADER + ",provenance")
    (problem,) = problems_of(text)
    assert (problem.line, problem.column) == (2, "provenance")
    if cell:
        assert "is not one of table, extraction, press" in problem.reason


def test_bundled_provenance_matches_sources() -> None:
    dataset = load_bundled()
    by_release: dict[str, set[str]] = {}
    for record in dataset.records:
        by_release.setdefault(record.release_id, set()).add(record.provenance)
    # SOURCES.md: 2024-06 from NATO's workbook; the annual reports from press transcriptions;
    # 2025-08 mixes an extraction (2014-2024) with press reports (2025e).
    assert by_release["2024-06"] == {"table"}
    assert by_release["2024-03"] == by_release["2025-04"] == {"press"}
    assert {"extraction", "press"} <= by_release["2025-08"]
    press_2025_08 = {
        r.year for r in dataset.records if r.release_id == "2025-08" and r.provenance == "press"
    }
    assert 2025 in press_2025_08


def test_bounds_and_next_year_are_accepted() -> None:
    records = parse(
        release_text(
            f"POL,{NEXT_YEAR},true,20,0,0,100,0,0,-60",
            "POL,1949,false,0,,,0,,,",
            "NATO_EUR_CAN,2023,true,1.9,,,,,,",
        )
    )
    assert [(r.year, r.pct_gdp) for r in records] == [(NEXT_YEAR, 20.0), (1949, 0.0), (2023, 1.9)]


def test_duplicate_ally_year_names_both_lines() -> None:
    (problem,) = problems_of(release_text(*ROWS, "ALB,2023,true,1.8,,,,,,"))
    assert (problem.line, problem.column) == (5, None)
    assert problem.reason == "ALB 2023 appears twice (first on line 2)"


def test_unknown_release_id_is_a_file_level_problem() -> None:
    (problem,) = problems_of(release_text(*ROWS), release_id="2023-01")
    assert (problem.file, problem.line, problem.column) == ("2023-01.csv", None, None)
    assert "release 2023-01 is not in releases.csv" in problem.reason


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff", b"", b"  \r\n"])
def test_empty_file(text: str | bytes) -> None:
    assert problems_of(text) == [Problem("2024-06.csv", None, None, "empty file")]


def test_header_only_file_has_no_figures() -> None:
    assert problems_of(release_text()) == [
        Problem("2024-06.csv", None, None, "no figures in the file")
    ]


def test_missing_header_row() -> None:
    (problem,) = problems_of("\n".join(ROWS))
    assert (problem.line, problem.column) == (1, None)
    assert problem.reason.startswith("missing header row: expected columns iso3,year,")


def test_missing_and_unexpected_columns_are_reported_and_other_cells_still_checked() -> None:
    header = HEADER.replace(",equipment_pct", "").replace("iso3,", "iso3,comment,")
    text = release_text(
        "POL,hello,2023,false,1.0,,,,,",
        "POL,world,2022,false,99,,,,,",
        header=header,
    )
    problems = problems_of(text)
    assert problems == [
        Problem("2024-06.csv", 1, "comment", "unexpected column"),
        Problem("2024-06.csv", 1, "equipment_pct", "missing column"),
        Problem("2024-06.csv", 3, "pct_gdp", "99 is outside 0–20 % of GDP"),
    ]


def test_duplicate_column_is_reported() -> None:
    problems = problems_of(release_text("POL,2023,false,1.0,,,,,,,", header=HEADER + ",year"))
    assert Problem("2024-06.csv", 1, "year", "duplicate column") in problems


def test_non_utf8_is_reported_with_its_line_not_raised() -> None:
    raw = release_text(*ROWS).encode("utf-8") + "POL,2023,false,1.0,,,,,,\n".encode("cp1252")
    raw = raw.replace(b"POL", "PÖL".encode("latin-1"))
    (problem,) = problems_of(raw)
    assert (problem.line, problem.column) == (5, None)
    assert problem.reason.startswith("not UTF-8 text")


@pytest.mark.parametrize("bom", ["\ufeff", b"\xef\xbb\xbf"])
def test_byte_order_mark_is_tolerated(bom: str | bytes) -> None:
    text = release_text(*ROWS)
    data = bom + text if isinstance(bom, str) else bom + text.encode("utf-8")
    assert [r.iso3 for r in parse(data)] == ["ALB", "BEL", "NATO_TOTAL"]


def test_crlf_blank_lines_and_padding_are_tolerated() -> None:
    text = "\r\n".join([HEADER, "", " POL , 2023 , true , 2.2 ,,,,,,", "", ""])
    (record,) = parse(text)
    assert (record.iso3, record.year, record.pct_gdp) == ("POL", 2023, 2.2)


def test_malformed_csv_is_reported_not_raised() -> None:
    problems = problems_of(release_text(*ROWS, 'POL,2023,"false,1.0,,,,,,'))
    assert any(p.reason.startswith("malformed CSV") for p in problems)


def test_several_bad_rows_are_all_reported_at_once() -> None:
    text = release_text(
        "ALB,2023,false,1.7,,,,,,",  # 2: fine
        "XXX,2023,false,1.7,,,,,,",  # 3
        "BEL,1900,maybe,30,-1,,,,,",  # 4: four problems
        "ALB,2023,false,1.7,,,,,,",  # 5: duplicate
        "POL,2024,false,1.7,,,,,,",  # 6: fine
    )
    problems = problems_of(text)
    assert [(p.line, p.column) for p in problems] == [
        (3, "iso3"),
        (4, "year"),
        (4, "estimate"),
        (4, "pct_gdp"),
        (4, "spend_usd_m"),
        (5, None),
    ]
    message = str(DatasetError(problems))
    assert message.startswith("6 problems in the dataset; first: 2024-06.csv:3: iso3:")


# --- members and releases manifests -----------------------------------------------------------


def test_members_problems() -> None:
    text = (
        "iso3,name,joined,has_armed_forces\n"
        "POL,Poland,1999,true\n"
        "POL,Poland again,1999,true\n"
        "FIN,Finland,2023-02-30,true\n"
        "ISL,Iceland,1949,nope\n"
        "xx,Nowhere,1949,true\n"
        "SWE,,2024-03-07,true\n"
    )
    with pytest.raises(DatasetError) as caught:
        parse_members(text)
    located = [(p.line, p.column) for p in caught.value.problems]
    assert located == [
        (3, "iso3"),
        (4, "joined"),
        (5, "has_armed_forces"),
        (6, "iso3"),
        (7, "name"),
    ]
    assert "listed twice (first on line 2)" in caught.value.problems[0].reason


def test_members_parse() -> None:
    members = parse_members("iso3,name,joined,has_armed_forces\nFIN,Finland,2023-04-04,yes\n")
    assert [(c.iso3, c.accession_year, c.has_armed_forces) for c in members] == [
        ("FIN", 2023, True)
    ]


def test_releases_problems() -> None:
    text = (
        "release,title,published,basis,price_base,coverage\n"
        "2024-06,Fine,2024-06-17,total,2015,\n"
        "2024-13,Bad month,2024-06,total,,\n"
        "2025-08,Bad basis,2025-08-28,gross,2021,\n"
        "2025-09,Bad date,28 Aug 2025,core,x,\n"
        "2024-06,Again,2024-06-17,total,2015,\n"
    )
    with pytest.raises(DatasetError) as caught:
        parse_releases(text)
    located = [(p.line, p.column) for p in caught.value.problems]
    assert located == [
        (3, "release"),
        (4, "basis"),
        (5, "price_base"),
        (5, "published"),
        (6, "release"),
    ]


def test_releases_parse() -> None:
    (release,) = parse_releases(
        "release,title,published,basis,price_base,coverage\n2026-07,Core,2026-07,core,,\n"
    )
    assert release == Release(
        release_id="2026-07", title="Core", published="2026-07", basis="core", price_base=None
    )


# --- whole directories ------------------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("raw", "*.md"))
    return target


def test_load_directory_equals_bundled(data_dir: Path) -> None:
    assert load_directory(data_dir) == load_bundled()


def test_load_directory_collects_problems_across_files(data_dir: Path) -> None:
    (data_dir / "2025-04.csv").unlink()
    (data_dir / "2027-01.csv").write_text(release_text(*ROWS), encoding="utf-8")
    bad = (
        (data_dir / "2024-03.csv")
        .read_text(encoding="utf-8")
        .replace("BEL,2023,true,1.21", "BEL,2023,true,x")
    )
    (data_dir / "2024-03.csv").write_text(bad, encoding="utf-8")
    members = (
        (data_dir / "members.csv")
        .read_text(encoding="utf-8")
        .replace("ALB,Albania,2009", "ALB,Albania,209")
    )
    (data_dir / "members.csv").write_text(members, encoding="utf-8")  # fmt: skip
    with pytest.raises(DatasetError) as caught:
        load_directory(data_dir)
    summary = {(p.file, p.line, p.column) for p in caught.value.problems}
    assert summary == {
        ("members.csv", 2, "joined"),
        ("2024-03.csv", 3, "pct_gdp"),
        ("2025-04.csv", None, None),
        ("2027-01.csv", None, None),
    }
    reasons = {p.file: p.reason for p in caught.value.problems}
    assert reasons["2025-04.csv"] == "file is missing"
    assert reasons["2027-01.csv"] == "release 2027-01 is not in releases.csv"


def test_a_typo_in_the_manifest_is_reported_once(data_dir: Path) -> None:
    manifest = data_dir / "releases.csv"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("2024-06-17,total", "2024-06-17,gross"),
        encoding="utf-8",
    )
    members = data_dir / "members.csv"
    members.write_text(
        members.read_text(encoding="utf-8").replace("POL,Poland,1999,true", "POL,Poland,1999,t"),
        encoding="utf-8",
    )
    with pytest.raises(DatasetError) as caught:
        load_directory(data_dir)
    assert [(p.file, p.line, p.column) for p in caught.value.problems] == [
        ("members.csv", 24, "has_armed_forces"),
        ("releases.csv", 3, "basis"),
    ]


def test_load_directory_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not a directory"):
        load_directory(tmp_path / "nope")


# --- cross-check against NATO's own workbook -------------------------------------------------

WORKBOOK = DATA / "raw" / "240617-def-exp-2024-TABLES-en.xlsx"
WORKBOOK_NAMES = {
    "Slovak Republic": "SVK",
    "NATO Europe and Canada": "NATO_EUR_CAN",
    "NATO Total": "NATO_TOTAL",
}


def read_table3() -> dict[str, dict[tuple[str, int], tuple[float, bool]]]:
    """Table 3 of NATO's June 2024 workbook: section -> (iso3, year) -> (value, estimate)."""
    names = {c.name: c.iso3 for c in BUNDLED.members} | WORKBOOK_NAMES
    sheet = openpyxl.load_workbook(WORKBOOK, read_only=True, data_only=True)["TABLE3"]
    years: list[tuple[int, bool]] = []
    sections: dict[str, dict[tuple[str, int], tuple[float, bool]]] = {}
    section = ""
    for row in sheet.iter_rows(values_only=True):
        label = row[1] or row[2]
        if label is None and row[3] is not None:  # the header row of years: 2014 … '2024e'
            years = [(int(str(y).rstrip("e")), str(y).endswith("e")) for y in row[3:] if y]
        elif isinstance(label, str) and label.strip("* ") in names:
            iso3 = names[label.strip("* ")]
            for (year, estimate), value in zip(years, row[3:], strict=False):
                sections[section][(iso3, year)] = (float(value), estimate)
        elif isinstance(label, str) and label.endswith("(%)"):
            section = label
            sections[section] = {}
    return sections


def test_2024_06_matches_nato_workbook_table_3() -> None:
    """Every ally-year of Table 3 (share of real GDP and real change), aggregates included."""
    sections = read_table3()
    shares, changes = sections["Share of real GDP (%)"], sections["Annual real change (%)"]
    assert len(shares) == len(changes) == (31 + 2) * 11  # 31 allies with forces + 2 aggregates
    ours = {(r.iso3, r.year): r for r in BUNDLED.records if r.release_id == "2024-06"}
    for key, (share, estimate) in shares.items():
        record = ours[key]
        assert record.pct_gdp == pytest.approx(share, abs=0.005), key
        assert record.estimate is estimate, key
        assert record.real_change_pct == pytest.approx(changes[key][0], abs=0.005), key
    # The file holds nothing for allies and years the table does not.
    assert {k for k, r in ours.items() if r.pct_gdp is not None} == set(shares)


# --- hashing and composing --------------------------------------------------------------------


def test_sha256_ignores_order_and_sees_any_value_change() -> None:
    dataset = load_bundled()
    shuffled = dataset.model_copy(
        update={
            "members": tuple(reversed(dataset.members)),
            "records": tuple(reversed(dataset.records)),
        }
    )
    assert dataset_sha256(shuffled) == dataset_sha256(dataset)
    first = dataset.records[0]
    nudged = first.model_copy(update={"pct_gdp": (first.pct_gdp or 0) + 1e-12})
    changed = dataset.model_copy(update={"records": (nudged, *dataset.records[1:])})
    assert dataset_sha256(changed) != dataset_sha256(dataset)


def test_sha256_is_the_hash_of_the_datasets_canonical_json() -> None:
    """The definition, spelled out slowly: the sha256 of the dataset's JSON (each model as
    pydantic dumps it, sorted keys, no spaces, canonical order); stored hashes depend on it."""
    dataset = load_bundled()
    canonical = {
        "members": sorted(
            (m.model_dump(mode="json") for m in dataset.members), key=lambda m: m["iso3"]
        ),
        "records": sorted(
            (r.model_dump(mode="json") for r in dataset.records),
            key=lambda r: (r["release_id"], r["iso3"], r["year"]),
        ),
        "releases": sorted(
            (r.model_dump(mode="json") for r in dataset.releases), key=lambda r: r["release_id"]
        ),
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), allow_nan=False)
    assert dataset_sha256(dataset) == hashlib.sha256(text.encode()).hexdigest()


def test_with_release_adds_or_replaces() -> None:
    base = load_bundled()
    old = {r.release_id: r for r in base.releases}["2024-03"]
    record = SpendingRecord(release_id="2024-03", iso3="POL", year=2023, pct_gdp=3.9)
    replaced = with_release(base, old.model_copy(update={"title": "Re"}), [record])
    assert [r for r in replaced.records if r.release_id == "2024-03"] == [record]
    assert len(replaced.records) == len(base.records) - 30 + 1
    assert {r.release_id: r.title for r in replaced.releases}["2024-03"] == "Re"
    new = Release(release_id="2027-06", title="Next", published="2027-06", basis="core")
    added = with_release(base, new, [record.model_copy(update={"release_id": "2027-06"})])
    assert len(added.releases) == len(base.releases) + 1
    with pytest.raises(ValueError, match="another release"):
        with_release(base, new, [record])


# --- validate_path ----------------------------------------------------------------------------


def test_validate_single_release_file_against_base(tmp_path: Path) -> None:
    base = load_bundled()
    path = tmp_path / "2024-03.csv"
    path.write_text(release_text("POL,2023,true,3.9,,,,,,"), encoding="utf-8")
    result = validate_path(path, base)
    assert [r for r in result.records if r.release_id == "2024-03"] == [
        SpendingRecord(release_id="2024-03", iso3="POL", year=2023, estimate=True, pct_gdp=3.9)
    ]
    unknown = tmp_path / "2030-01.csv"
    unknown.write_text(release_text("POL,2023,true,3.9,,,,,,"), encoding="utf-8")
    # A release not yet in the manifest is a new release, as ``load`` reads it (issue 16).
    added = validate_path(unknown, base)
    assert added.releases[-1].release_id == "2030-01"
    assert len(added.records) == len(base.records) + 1


def test_validate_members_file_must_keep_allies_with_figures(tmp_path: Path) -> None:
    base = load_bundled()
    text = (DATA / "members.csv").read_text(encoding="utf-8")
    path = tmp_path / "members.csv"
    path.write_text(
        "\n".join(line for line in text.splitlines() if not line.startswith("POL")), "utf-8"
    )
    with pytest.raises(DatasetError) as caught:
        validate_path(path, base)
    assert {p.reason for p in caught.value.problems} == {
        f"POL has figures in release {rid} but is not listed"
        for rid in ("2024-03", "2024-06", "2025-04", "2025-08", "2026-07")
    }
    path.write_text(text.replace("Türkiye", "Turkey"), "utf-8")
    renamed = validate_path(path, base)
    assert {c.iso3: c.name for c in renamed.members}["TUR"] == "Turkey"


def test_validate_releases_file(tmp_path: Path) -> None:
    base = load_bundled()
    text = (DATA / "releases.csv").read_text(encoding="utf-8")
    path = tmp_path / "releases.csv"
    path.write_text(text + "2027-06,Next,2027-06,core,2021,\n", encoding="utf-8")
    with pytest.raises(DatasetError) as caught:
        validate_path(path, base)
    (problem,) = caught.value.problems
    assert "release 2027-06 has no figures yet" in problem.reason
    path.write_text("\n".join(text.splitlines()[:-1]) + "\n", encoding="utf-8")
    fewer = validate_path(path, base)
    assert "2026-07" not in {r.release_id for r in fewer.releases}
    assert not any(r.release_id == "2026-07" for r in fewer.records)


def test_validate_directory(data_dir: Path) -> None:
    assert validate_path(data_dir, load_bundled()) == load_bundled()


# --- robustness -------------------------------------------------------------------------------

VALID_FILE = (DATA / "2024-03.csv").read_bytes()
BUNDLED = load_bundled()
KNOWN_CODES = {c.iso3 for c in BUNDLED.members}


@st.composite
def corrupted(draw: st.DrawFn) -> bytes:
    """The valid 2024-03.csv with a few random byte-level or line-level edits."""
    data = bytearray(VALID_FILE)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["replace", "insert", "delete", "dropline", "dupline"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "replace" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            chunk = draw(st.sampled_from([b",", b"\n", b'"', b"\r", b"\x00", b"-", b"e", b"\xff"]))
            data[at:at] = chunk + draw(st.binary(max_size=3))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        else:
            lines = bytes(data).split(b"\n")
            index = draw(st.integers(0, len(lines) - 1))
            if kind == "dropline":
                del lines[index]
            else:
                lines.insert(index, lines[index])
            data = bytearray(b"\n".join(lines))
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corrupted())
def test_random_corruption_never_crashes_nor_half_loads(data: bytes) -> None:
    try:
        records = parse_release_file(
            data,
            filename="2024-03.csv",
            release_id="2024-03",
            known_codes=KNOWN_CODES,
            known_releases={"2024-03"},
        )
    except DatasetError as exc:
        assert exc.problems
        assert all(isinstance(p, Problem) and p.file == "2024-03.csv" for p in exc.problems)
        return
    # Accepted: then every data row became a record, each valid.
    text = data.decode("utf-8-sig")
    rows = [r for r in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in r)]
    assert len(records) == len(rows) - 1
    for record in records:
        assert record.iso3 in KNOWN_CODES | AGGREGATE_CODES
        assert record.pct_gdp is None or 0 <= record.pct_gdp <= 20


# --- the bot's ranges, ASCII digits, encodings (issue 11) ------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (
            "POL,٢٠٢٤,false,1.0,,,,,,",
            "year",
            "'٢٠٢٤' is not a whole number: write it with the digits 0-9",
        ),
        (
            "POL,２０２４,false,1.0,,,,,,",
            "year",
            "'２０２４' is not a whole number: write it with the digits 0-9",
        ),
        (
            "POL,2023,false,٢.٥,,,,,,",
            "pct_gdp",
            "'٢.٥' is not a number: write it with the digits 0-9",
        ),
        (
            "POL,2023,false,１.5,,,,,,",
            "pct_gdp",
            "'１.5' is not a number: write it with the digits 0-9",
        ),
        (
            "POL,2023,false,1.0,1e308,,,,,",
            "spend_usd_m",
            "1e308 is too large: above 5,000,000 million USD "
            "(USD 5 trillion: over twice what all of NATO spends)",
        ),
        (
            "POL,2023,false,1.0,,1e308,,,,",
            "gdp_usd_bn",
            "1e308 is too large: above 200,000 billion USD "
            "(USD 200 trillion: over three times NATO's GDP)",
        ),
        (
            "POL,2023,false,1.0,,,,10000.5,,",
            "personnel_k",
            "10000.5 is too large: above 10,000 thousand personnel "
            "(10 million: about three times NATO's armed forces)",
        ),
        (
            "POL,2023,false,1.0,,,,,100001,",
            "spend_per_capita_usd_2015",
            "100001 is too large: above 100,000 USD per capita "
            "(over 40 times the most any ally spends per head)",
        ),
        (
            "POL,2023,false,1.0,,,,,,1e27",
            "real_change_pct",
            "1e27 is too large: above 1,000 % "
            "(an elevenfold rise in a year; the largest published is +125%)",
        ),
        (
            "POL,2023,false,1.0,,,,,,-100.01",
            "real_change_pct",
            "-100.01 is below -100 %: spending cannot fall by more than all of it",
        ),
        (
            "POL,2023,false,0.0000000000001,,,,,,",
            "pct_gdp",
            "0.0000000000001 has 13 decimal places; at most 12 are meaningful",
        ),
        (
            "POL,2023,false,1e-320,,,,,,",
            "pct_gdp",
            "1e-320 has 320 decimal places; at most 12 are meaningful",
        ),
        (
            "POL," + "9" * 5000 + ",false,1.0,,,,,,",
            "year",
            "9" * 30 + "… (5,000 characters) is outside 1949–",
        ),
        (
            "POL,2023,false," + "7" * 100_000 + ",,,,,,",
            "pct_gdp",
            "7" * 30 + "… (100,000 characters) is outside 0–20 % of GDP",
        ),
    ],
)
def test_out_of_range_and_foreign_digits_are_refused_with_their_reason(
    row: str, column: str, reason: str
) -> None:
    (problem,) = problems_of(release_text(*ROWS, row))
    assert (problem.line, problem.column) == (5, column)
    assert problem.reason.startswith(reason)


def test_every_bound_and_the_most_decimals_are_accepted() -> None:
    highs = "POL,2023,false,20,5000000,200000,100,10000,100000,1000"
    lows = "POL,2022,false,0,0,0,0,0,0,-100"
    precise = "POL,2021,false,0.000000000001,,1.123456789012,,,,-0.000000000001"
    records = parse(release_text(highs, lows, precise))
    assert [r.spend_usd_m for r in records] == [5_000_000, 0, None]
    assert [r.real_change_pct for r in records] == [1000, -100, -1e-12]
    assert records[2].pct_gdp == 1e-12 and records[2].gdp_usd_bn == 1.123456789012


def test_a_gdp_derived_from_spending_and_share_must_be_plausible_too() -> None:
    # No GDP given: the bot would derive 1,000,000 million USD at 0.0001% as 1e9 billion USD.
    (problem,) = problems_of(release_text("POL,2023,false,0.0001,1000000,,,,,"))
    assert (problem.line, problem.column) == (2, None)
    assert problem.reason == (
        "spending of 1e+06 million USD at 0.0001% of GDP means a GDP of 1,000,000,000 billion "
        "USD, above 200,000: a figure is wrong (or give gdp_usd_bn)"
    )
    # With its GDP given, nothing is derived.
    (record,) = parse(release_text("POL,2023,false,0.0001,1000000,1000,,,,"))
    assert record.gdp_usd_bn == 1000


def test_foreign_digits_in_manifests_are_refused() -> None:
    with pytest.raises(DatasetError) as caught:
        parse_members("iso3,name,joined,has_armed_forces\nPOL,Poland,١٩٩٩,true\n")
    assert [str(p) for p in caught.value.problems] == [
        "members.csv:2: joined: '١٩٩٩' has digits other than 0-9: write it with the digits 0-9"
    ]
    with pytest.raises(DatasetError) as caught:
        parse_releases(
            "release,title,published,basis,price_base,coverage\n"
            "٢٠٢٤-٠٦,NATO 2024,２０２４-06,total,٢٠١٥,\n"
        )
    assert [(p.column, p.reason) for p in caught.value.problems] == [
        ("release", "'٢٠٢٤-٠٦' has digits other than 0-9: write it with the digits 0-9"),
        ("price_base", "'٢٠١٥' is not a whole number: write it with the digits 0-9"),
        ("published", "'２０２４-06' is not YYYY-MM or YYYY-MM-DD: write it with the digits 0-9"),
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            release_text(*ROWS).encode("utf-16-le"),
            "not UTF-8 (looks like UTF-16): save it as UTF-8",
        ),
        (
            release_text(*ROWS).encode("utf-16-be"),
            "not UTF-8 (looks like UTF-16): save it as UTF-8",
        ),
        (
            release_text(*ROWS).encode("utf-16"),
            "not UTF-8 (UTF-16, with a byte-order mark): save it as UTF-8",
        ),
        (
            release_text(*ROWS).encode("utf-32"),
            "not UTF-8 (UTF-32, with a byte-order mark): save it as UTF-8",
        ),
    ],
)
def test_other_encodings_are_named(data: bytes, reason: str) -> None:
    assert problems_of(data) == [Problem("2024-06.csv", None, None, reason)]


def test_a_nul_byte_is_not_text() -> None:
    data = release_text(*ROWS).encode("utf-8").replace(b"BEL", b"B\x00L")
    assert problems_of(data) == [
        Problem("2024-06.csv", 3, None, "a NUL character: not a text file")
    ]


def test_a_line_of_commas_is_no_header_rather_than_an_empty_file() -> None:
    (problem,) = problems_of("," * 1_000_000 + "\n" + "\n".join(ROWS))
    assert (problem.line, problem.column) == (1, None)
    assert problem.reason.startswith("no header row: the first line has no column names")


def test_problems_past_the_cap_are_counted_not_kept() -> None:
    rows = ["POL,1948,false,1.0,,,,,," for _ in range(MAX_PROBLEMS_KEPT + 2500)]
    with pytest.raises(DatasetError) as caught:
        parse(release_text(*rows))
    error = caught.value
    assert error.total == MAX_PROBLEMS_KEPT + 2500
    assert len(error.problems) == MAX_PROBLEMS_KEPT
    assert [p.line for p in error.problems[:2]] == [2, 3]  # the first ones, in order
    assert str(error).startswith(f"{MAX_PROBLEMS_KEPT + 2500:,} problems in the dataset; first:")


def test_validate_path_refuses_a_named_pipe_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "2024-06.csv"
    os.mkfifo(fifo)  # nobody writes: opening it for reading would block for ever
    with pytest.raises(DatasetError) as caught:
        validate_path(fifo, load_bundled())
    assert [str(p) for p in caught.value.problems] == [
        "2024-06.csv: not a regular file (a named pipe)"
    ]


def test_load_directory_refuses_a_named_pipe_and_an_oversized_file(data_dir: Path) -> None:
    (data_dir / "members.csv").unlink()
    os.mkfifo(data_dir / "members.csv")
    with (data_dir / "2024-03.csv").open("r+b") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(DatasetError) as caught:
        load_directory(data_dir)
    reasons = {p.file: p.reason for p in caught.value.problems}
    assert reasons["members.csv"] == "not a regular file (a named pipe)"
    assert reasons["2024-03.csv"] == "5.0 MiB: larger than 5.0 MiB, the most a dataset file may be"


def test_losses_name_the_allies_and_years_a_release_file_would_drop(tmp_path: Path) -> None:
    base = load_bundled()
    path = tmp_path / "2024-06.csv"
    path.write_text(release_text("ALB,2023,false,1.75,,,,,,", "ALB,2024,false,2.0,,,,,,"), "utf-8")
    after = validate_path(path, base)
    allies = sorted(
        {r.iso3 for r in base.records if r.release_id == "2024-06"} - {"ALB"} - AGGREGATE_CODES
    )
    assert losses(base, after) == [
        f"would drop {len(allies)} allies' figures: {', '.join(allies)} and NATO's aggregates "
        "NATO_EUR_CAN, NATO_TOTAL that release 2024-06 has now",
        "would drop years 2014–2022 that release 2024-06 has now",
    ]
    assert losses(base, base) == []
    fewer = base.model_copy(update={"releases": base.releases[1:]})
    count = sum(1 for r in base.records if r.release_id == base.releases[0].release_id)
    assert losses(base, fewer) == [
        f"would drop release {base.releases[0].release_id} and its {count:,} rows of figures"
    ]


def test_text_parsed_from_memory_has_the_same_size_cap_as_a_file() -> None:
    data = release_text(*ROWS).encode() + b"\n" * MAX_FILE_BYTES
    assert problems_of(data) == [
        Problem("2024-06.csv", None, None, "larger than 5.0 MiB, the most a dataset file may be")
    ]


# --- the one release-id rule (issue 16) -------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["٢٠٢٥-08", "２０２５-08", "2025-٠٨", "2025-08\n", " 2025-08", "2025-13", "2025-8"]
)
def test_a_release_id_is_yyyy_mm_in_ascii_digits_only(text: str) -> None:
    assert not is_release_id(text)
    with pytest.raises(ValidationError, match="release id must be YYYY-MM"):
        Release(release_id=text, title="t", published="2025-08", basis="core")


def test_every_reader_keeps_the_rule_of_the_model(tmp_path: Path) -> None:
    assert is_release_id("2025-08")
    arabic = tmp_path / "٢٠٢٥-08.csv"  # a name \d would take for a release's
    arabic.write_text(release_text("POL,2023,true,3.9,,,,,,"), encoding="utf-8")
    with pytest.raises(DatasetError) as caught:
        validate_path(arabic, load_bundled())
    assert [p.reason for p in caught.value.problems] == [
        "name the release: ٢٠٢٥-08.csv is not <YYYY-MM>.csv"
    ]
