"""Turning what people type into allies: exact aliases, suggestions, lists, autocomplete."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.countries import autocomplete, normalise, resolve, resolve_many, suggest
from bot.errors import UnknownCountry
from bot.models import Snapshot
from tests.support.oracle import csv_rows
from tests.support.snapshots import bundled_snapshot


@pytest.fixture(scope="module")
def snap() -> Snapshot:
    return bundled_snapshot()


@pytest.mark.parametrize(
    ("query", "iso3"),
    [
        ("Poland", "POL"),
        ("  poland ", "POL"),
        ("POL", "POL"),
        ("pl", "POL"),
        ("Türkiye", "TUR"),
        ("turkiye", "TUR"),
        ("Turkey", "TUR"),
        ("UK", "GBR"),
        ("Britain", "GBR"),
        ("U.S.A.", "USA"),
        ("us", "USA"),
        ("America", "USA"),
        ("Czech Republic", "CZE"),
        ("Macedonia", "MKD"),
        ("north macedonia", "MKD"),
    ],
)
def test_resolve_names_codes_and_aliases(snap: Snapshot, query: str, iso3: str) -> None:
    assert resolve(snap, query).iso3 == iso3


def test_every_member_resolves_by_name_and_code(snap: Snapshot) -> None:
    for member in csv_rows("members.csv"):
        assert resolve(snap, member["name"]).iso3 == member["iso3"]
        assert resolve(snap, member["iso3"].lower()).iso3 == member["iso3"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Germny", "Germany"),
        ("polnad", "Poland"),
        ("Polnad", "Poland"),
        ("turky", "Türkiye"),
        ("untied kingdom", "United Kingdom"),
        ("Lithuana", "Lithuania"),
        ("Estnia", "Estonia"),
        ("spian", "Spain"),
        ("germ", "Germany"),  # a prefix
    ],
)
def test_typo_suggests_the_ally_meant_and_only_it(
    snap: Snapshot, query: str, expected: str
) -> None:
    with pytest.raises(UnknownCountry) as caught:
        resolve(snap, query)
    # Weak matches are dropped, so the ally meant is the only suggestion.
    assert caught.value.suggestions == [expected]
    assert str(caught.value).endswith(f"Did you mean {expected}?")


@pytest.mark.parametrize(
    # Greenland is part of Denmark and Ukraine a non-ally: see the tests below.
    "query",
    ["narnia", "qqqqzzzz", "atlantis", "mordor", "hello", "an", "texas", "europe"],
)
def test_a_place_that_is_no_ally_gets_no_suggestion(snap: Snapshot, query: str) -> None:
    with pytest.raises(UnknownCountry) as caught:
        resolve(snap, query)
    assert caught.value.suggestions == []
    # Still a clear answer: what was not found, and no "Did you mean" with nothing after it.
    assert str(caught.value) == f"No NATO ally matches “{query}”."
    assert autocomplete(snap, query) == []


def test_suggestions_from_prefixes_and_empty_input(snap: Snapshot) -> None:
    assert suggest(snap, "po") == ["Poland", "Portugal"]
    assert suggest(snap, "") == []
    assert suggest(snap, "x") == []


def test_resolve_does_not_accept_aggregates(snap: Snapshot) -> None:
    with pytest.raises(UnknownCountry):
        resolve(snap, "NATO_TOTAL")


def test_resolve_many_in_order_once_each(snap: Snapshot) -> None:
    assert [c.iso3 for c in resolve_many(snap, "pl, de, fr")] == ["POL", "DEU", "FRA"]
    assert [c.iso3 for c in resolve_many(snap, "Poland; POL ,, germany")] == ["POL", "DEU"]
    assert resolve_many(snap, " , ") == []


def test_resolve_many_reports_the_unknown_part(snap: Snapshot) -> None:
    with pytest.raises(UnknownCountry) as caught:
        resolve_many(snap, "pl, Germny")
    assert caught.value.query == "Germny"


def test_autocomplete_empty_lists_allies_alphabetically(snap: Snapshot) -> None:
    all_names = sorted(m["name"] for m in csv_rows("members.csv"))
    assert [c.name for c in autocomplete(snap, "")] == all_names[:25]
    assert [c.name for c in autocomplete(snap, "", limit=40)] == all_names


def test_autocomplete_prefers_name_prefixes(snap: Snapshot) -> None:
    found = [c.name for c in autocomplete(snap, "po")]
    assert found[:2] == ["Poland", "Portugal"]
    assert [c.name for c in autocomplete(snap, "sl")][:2] == ["Slovakia", "Slovenia"]


def test_autocomplete_alias_prefix_and_fuzzy(snap: Snapshot) -> None:
    assert autocomplete(snap, "brit")[0].iso3 == "GBR"
    assert autocomplete(snap, "germny")[0].iso3 == "DEU"
    assert autocomplete(snap, "Türk")[0].iso3 == "TUR"


@settings(max_examples=150)
@given(st.text(max_size=20), st.integers(min_value=0, max_value=30))
def test_autocomplete_never_exceeds_limit_nor_repeats(text: str, limit: int) -> None:
    found = autocomplete(bundled_snapshot(), text, limit=limit)
    assert len(found) <= limit
    assert len({c.iso3 for c in found}) == len(found)


def test_normalise_is_unchanged() -> None:
    assert normalise("Türkiye") == "turkiye"
    assert normalise("U.S.A.") == "usa"
    assert normalise("  North  Macedonia ") == "northmacedonia"
