"""The CSV oracle: expected values read straight from the bundled CSV text with the csv module.

Tests compute what analytics and the renderers should say from these, never by calling the code
under test.
"""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from tests.support.paths import ROOT

DATA = ROOT / "db" / "data"


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


# --------------------------------------------------------------------------- verdicts
# NATO's rules restated from SOURCES.md ("One measure, two names"), on the CSV text alone.

#: The 5% commitment's core element.
CORE = Decimal("3.5")
FIVE = Decimal("5")


def verdict(share_text: str, target: str) -> str:
    """'meets', 'open' (5%: 3.5 core met, the rest unpublished) or 'below' for a share as
    written in a release file, against a target written as text ('2', '3.5', '5', '4.2')."""
    share, goal = half_up(share_text), Decimal(target)
    if goal == FIVE:
        return "meets" if share >= FIVE else "open" if share >= CORE else "below"
    return "meets" if share >= goal else "below"


def verdicts(release: str, year: int, target: str) -> dict[str, str]:
    """iso3 -> verdict for every assessed ally of that year in that release."""
    return {iso3: verdict(text, target) for iso3, text in shares(release, year).items()}


def median_text(release: str, year: int) -> Decimal:
    """The median of the published shares, exactly, rounded half-up to two decimals."""
    values = sorted(Decimal(t) for t in shares(release, year).values())
    mid = len(values) // 2
    exact = values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def not_published(release: str, year: int) -> list[str]:
    """Allies of the year with armed forces and no published share."""
    published = shares(release, year)
    return [
        iso3
        for iso3, m in allies_of(year).items()
        if m["has_armed_forces"] == "true" and iso3 not in published
    ]


def provenances(release: str, year: int) -> set[str]:
    return {
        row["provenance"]
        for row in csv_rows(f"{release}.csv")
        if int(row["year"]) == year and row["iso3"] in allies_of(year)
    }
