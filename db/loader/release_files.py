"""The files of a dataset, each parsed into validated models: members.csv, releases.csv, one
``<release>.csv`` per release, and aliases.csv. Each public parser returns complete models or
raises ``DatasetError`` with every problem; the ``*_found`` forms return the problems instead,
for readers that check several files together."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from pydantic import ValidationError

from bot.models import (
    AGGREGATE_CODES,
    NUMERIC_RANGES,
    PROVENANCES,
    Country,
    Release,
    SpendingRecord,
    bound_text,
)
from db.loader.cells import Cells, check_ascii, model_problems, rows
from db.loader.formats import (
    ALIAS_COLUMNS,
    ALIASES_FILE,
    FIRST_YEAR,
    MEMBER_COLUMNS,
    MEMBERS_FILE,
    OPTIONAL_RECORD_COLUMNS,
    RECORD_COLUMNS,
    RELEASE_COLUMNS,
    RELEASES_FILE,
)
from db.loader.problems import ASCII_HINT, Problem, Problems, non_ascii_digits, quoted, raise_if

_PUBLISHED = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])(-[0-9]{2})?")

# --- members.csv ------------------------------------------------------------------------------


def members_found(data: str | bytes, filename: str) -> tuple[list[Country], Problems, set[str]]:
    """Valid members, problems, and every code listed (even on a bad row: spares other files
    a cascade of "unknown ally" problems caused by one typo in members.csv)."""
    problems = Problems()
    members: list[Country] = []
    listed: set[str] = set()
    first_line: dict[str, int] = {}
    for row in rows(data, filename, MEMBER_COLUMNS, problems):
        cells = Cells(filename, row, problems)
        iso3 = cells.text("iso3")
        if iso3:
            listed.add(iso3)
        name = cells.text("name")
        joined = cells.text("joined")
        check_ascii(cells, "joined", joined)
        armed = cells.boolean("has_armed_forces")
        if not cells.ok or iso3 is None or name is None or joined is None or armed is None:
            continue
        if iso3 in first_line:
            cells.fail("iso3", f"{iso3} is listed twice (first on line {first_line[iso3]})")
            continue
        try:
            country = Country(iso3=iso3, name=name, joined=joined, has_armed_forces=armed)
        except ValidationError as exc:
            problems.extend(model_problems(exc, filename, row.line, {}))
            continue
        first_line[iso3] = row.line
        members.append(country)
    if not members and not problems:
        problems.append(Problem(filename, None, None, "no members listed"))
    return members, problems, listed


def parse_members(text: str | bytes, filename: str = MEMBERS_FILE) -> list[Country]:
    """The allies listed in a members file; raises DatasetError listing every problem."""
    members, problems, _ = members_found(text, filename)
    raise_if(problems)
    return members


# --- releases.csv -----------------------------------------------------------------------------


def releases_found(data: str | bytes, filename: str) -> tuple[list[Release], Problems, set[str]]:
    """Valid releases, problems, and every release id listed (even on a bad row)."""
    problems = Problems()
    releases: list[Release] = []
    listed: set[str] = set()
    first_line: dict[str, int] = {}
    for row in rows(data, filename, RELEASE_COLUMNS, problems):
        cells = Cells(filename, row, problems)
        release_id = cells.text("release")
        if release_id:
            listed.add(release_id)
        check_ascii(cells, "release", release_id)
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
            hint = f": {ASCII_HINT}" if non_ascii_digits(published) else ""
            cells.fail("published", f"{quoted(published)} is not YYYY-MM or YYYY-MM-DD{hint}")
        if basis and basis not in ("total", "core"):
            cells.fail("basis", f"{quoted(basis)} is not total or core")
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
            problems.extend(model_problems(exc, filename, row.line, {"release_id": "release"}))
            continue
        first_line[release_id] = row.line
        releases.append(release)
    if not releases and not problems:
        problems.append(Problem(filename, None, None, "no releases listed"))
    return releases, problems, listed


def parse_releases(text: str | bytes, filename: str = RELEASES_FILE) -> list[Release]:
    """The releases manifest; raises DatasetError listing every problem."""
    releases, problems, _ = releases_found(text, filename)
    raise_if(problems)
    return releases


# --- <release>.csv ----------------------------------------------------------------------------


def release_file_found(
    data: str | bytes,
    *,
    filename: str,
    release_id: str,
    known_codes: set[str] | frozenset[str],
    known_releases: set[str] | frozenset[str],
) -> tuple[list[SpendingRecord], Problems]:
    problems = Problems()
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
    for row in rows(data, filename, RECORD_COLUMNS, problems, OPTIONAL_RECORD_COLUMNS):
        cells = Cells(filename, row, problems)
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
        # tests/unit/bot/render/test_accepted_data_renders.py checks every record accepted
        # validates as built.
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


def _check_derived_gdp(cells: Cells, numbers: Mapping[str, float | None]) -> None:
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
    records, problems = release_file_found(
        text,
        filename=filename,
        release_id=release_id,
        known_codes=known_codes,
        known_releases=known_releases,
    )
    raise_if(problems)
    return records


def parse_aliases(text: str | bytes, filename: str = ALIASES_FILE) -> dict[str, str]:
    """alias (as written) -> iso3, from an aliases file; raises DatasetError on problems."""
    problems = Problems()
    aliases: dict[str, str] = {}
    for row in rows(text, filename, ALIAS_COLUMNS, problems):
        cells = Cells(filename, row, problems)
        iso3, alias = cells.text("iso3"), cells.text("alias")
        if iso3 is not None and not re.fullmatch(r"[A-Z]{3}", iso3):
            cells.fail("iso3", f"{iso3!r} is not an ISO alpha-3 code")
        if alias is not None and aliases.get(alias, iso3) != iso3:
            cells.fail("alias", f"{alias!r} already names {aliases[alias]}")
        if cells.ok and iso3 is not None and alias is not None:
            aliases[alias] = iso3
    raise_if(problems)
    return aliases
