"""The CSV oracle: expected values read straight from the bundled CSV text with the csv module.

Tests compute what analytics and the renderers should say from these, never by calling the code
under test.
"""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "db" / "data"


@cache
def csv_rows(name: str) -> tuple[dict[str, str], ...]:
    with (DATA / name).open(newline="", encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def cell(release: str, iso3: str, year: int, column: str) -> str:
    for row in csv_rows(f"{release}.csv"):
        if row["iso3"] == iso3 and int(row["year"]) == year:
            return row[column]
    return ""


def half_up(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def allies_of(year: int) -> dict[str, dict[str, str]]:
    return {m["iso3"]: m for m in csv_rows("members.csv") if int(m["joined"][:4]) <= year}


def shares(release: str, year: int) -> dict[str, str]:
    """Published shares of the allies (with armed forces) of that year: iso3 -> text."""
    allies = allies_of(year)
    return {
        row["iso3"]: row["pct_gdp"]
        for row in csv_rows(f"{release}.csv")
        if int(row["year"]) == year
        and row["iso3"] in allies
        and allies[row["iso3"]]["has_armed_forces"] == "true"
        and row["pct_gdp"]
    }


def names() -> dict[str, str]:
    return {m["iso3"]: m["name"] for m in csv_rows("members.csv")}


def release_years(release: str) -> list[int]:
    return sorted({int(row["year"]) for row in csv_rows(f"{release}.csv")})


def release_ids() -> list[str]:
    return [row["release"] for row in csv_rows("releases.csv")]
