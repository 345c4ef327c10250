"""Turning what people type into allies: exact aliases, suggestions, lists, autocomplete."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.countries import (
    ally_parts,
    autocomplete,
    non_allies,
    normalise,
    resolve,
    resolve_many,
    suggest,
)
from bot.errors import NotAnAlly, NotAnAllyGroup, UnknownCountry, UnknownListItem
from bot.models import Country, Snapshot
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
    ["narnia", "qqqqzzzz", "atlantis", "mordor", "hello", "an", "texas"],
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


# --------------------------------------------------------------------------- names people type

#: Every ally's name in German, French, Polish and Turkish, written here independently of
#: db/data/aliases.csv so that a missing or mistyped exonym there fails.
EXONYMS: dict[str, tuple[str, str, str, str]] = {
    "ALB": ("Albanien", "Albanie", "Albania", "Arnavutluk"),
    "BEL": ("Belgien", "Belgique", "Belgia", "Belçika"),
    "BGR": ("Bulgarien", "Bulgarie", "Bułgaria", "Bulgaristan"),
    "CAN": ("Kanada", "Canada", "Kanada", "Kanada"),
    "HRV": ("Kroatien", "Croatie", "Chorwacja", "Hırvatistan"),
    "CZE": ("Tschechien", "Tchéquie", "Czechy", "Çekya"),
    "DNK": ("Dänemark", "Danemark", "Dania", "Danimarka"),
    "EST": ("Estland", "Estonie", "Estonia", "Estonya"),
    "FIN": ("Finnland", "Finlande", "Finlandia", "Finlandiya"),
    "FRA": ("Frankreich", "France", "Francja", "Fransa"),
    "DEU": ("Deutschland", "Allemagne", "Niemcy", "Almanya"),
    "GRC": ("Griechenland", "Grèce", "Grecja", "Yunanistan"),
    "HUN": ("Ungarn", "Hongrie", "Węgry", "Macaristan"),
    "ISL": ("Island", "Islande", "Islandia", "İzlanda"),
    "ITA": ("Italien", "Italie", "Włochy", "İtalya"),
    "LVA": ("Lettland", "Lettonie", "Łotwa", "Letonya"),
    "LTU": ("Litauen", "Lituanie", "Litwa", "Litvanya"),
    "LUX": ("Luxemburg", "Luxembourg", "Luksemburg", "Lüksemburg"),
    "MNE": ("Montenegro", "Monténégro", "Czarnogóra", "Karadağ"),
    "NLD": ("Niederlande", "Pays-Bas", "Holandia", "Hollanda"),
    "MKD": ("Nordmazedonien", "Macédoine du Nord", "Macedonia Północna", "Kuzey Makedonya"),
    "NOR": ("Norwegen", "Norvège", "Norwegia", "Norveç"),
    "POL": ("Polen", "Pologne", "Polska", "Polonya"),
    "PRT": ("Portugal", "Portugal", "Portugalia", "Portekiz"),
    "ROU": ("Rumänien", "Roumanie", "Rumunia", "Romanya"),
    "SVK": ("Slowakei", "Slovaquie", "Słowacja", "Slovakya"),
    "SVN": ("Slowenien", "Slovénie", "Słowenia", "Slovenya"),
    "ESP": ("Spanien", "Espagne", "Hiszpania", "İspanya"),
    "SWE": ("Schweden", "Suède", "Szwecja", "İsveç"),
    "TUR": ("Türkei", "Turquie", "Turcja", "Türkiye"),
    "GBR": ("Vereinigtes Königreich", "Royaume-Uni", "Wielka Brytania", "Birleşik Krallık"),
    "USA": ("Vereinigte Staaten", "États-Unis", "Stany Zjednoczone", "ABD"),
}


def test_every_ally_answers_to_its_german_french_polish_and_turkish_names(snap: Snapshot) -> None:
    assert set(EXONYMS) == {m["iso3"] for m in csv_rows("members.csv")}
    for iso3, names in EXONYMS.items():
        for name in names:
            assert resolve(snap, name).iso3 == iso3, name


@pytest.mark.parametrize(
    ("query", "iso3"),
    [
        ("Niemcy", "DEU"),
        ("allemagne", "DEU"),
        ("ALMANYA", "DEU"),
        ("Alemania", "DEU"),
        ("Germania", "DEU"),
        ("Duitsland", "DEU"),
        ("Alemanha", "DEU"),
        ("Países Bajos", "NLD"),
        ("Paesi Bassi", "NLD"),
        ("Reino Unido", "GBR"),
        ("Regno Unito", "GBR"),
        ("Verenigd Koninkrijk", "GBR"),
        ("Estados Unidos", "USA"),
        ("EE. UU.", "USA"),
        ("Stati Uniti", "USA"),
        ("República Checa", "CZE"),
        ("Eslovaquia", "SVK"),
        ("Eslovenia", "SVN"),
        ("Noord-Macedonië", "MKD"),
        ("Macedonia del Norte", "MKD"),
        # Letters Unicode does not decompose, typed on a plain keyboard.
        ("Wlochy", "ITA"),
        ("Lotwa", "LVA"),
        ("Hirvatistan", "HRV"),
        ("Izlanda", "ISL"),
    ],
)
def test_exonyms_in_the_allies_languages(snap: Snapshot, query: str, iso3: str) -> None:
    assert resolve(snap, query).iso3 == iso3


@pytest.mark.parametrize(
    ("code", "iso3"),
    [
        ("GER", "DEU"),
        ("NED", "NLD"),
        ("POR", "PRT"),
        ("CRO", "HRV"),
        ("DEN", "DNK"),
        ("GRE", "GRC"),
        ("BUL", "BGR"),
        ("LAT", "LVA"),
        ("SLO", "SVN"),
        ("ROM", "ROU"),
        ("rou", "ROU"),
        ("ger", "DEU"),
    ],
)
def test_sports_codes(snap: Snapshot, code: str, iso3: str) -> None:
    assert resolve(snap, code).iso3 == iso3


def test_no_three_letter_alias_is_another_countrys_code(snap: Snapshot) -> None:
    own = {normalise(c.iso3): c.iso3 for c in snap.countries.values()}
    others = {normalise(c.iso3) for c in set(non_allies().values())}
    for row in csv_rows("aliases.csv"):
        key = normalise(row["alias"])
        if len(key) == 3:  # e.g. a sports code: never another ally's or a non-ally's ISO code
            assert own.get(key, row["iso3"]) == row["iso3"], row
            assert key not in others, row
    assert own.keys().isdisjoint(others)


@pytest.mark.parametrize(
    ("query", "iso3"),
    [
        ("England", "GBR"),
        ("Scotland", "GBR"),
        ("wales", "GBR"),
        ("Northern Ireland", "GBR"),
        ("Great Britain", "GBR"),
        ("ENG", "GBR"),
        ("Cymru", "GBR"),
        ("Inghilterra", "GBR"),
        ("Greenland", "DNK"),
        ("Faroe Islands", "DNK"),
    ],
)
def test_parts_of_an_ally_answer_with_the_ally(snap: Snapshot, query: str, iso3: str) -> None:
    assert resolve(snap, query).iso3 == iso3


def test_a_typo_of_a_part_suggests_its_ally(snap: Snapshot) -> None:
    assert suggest(snap, "Englnd") == ["United Kingdom"]


def test_allies_non_allies_and_parts_never_share_a_name(snap: Snapshot) -> None:
    ally_keys, non_ally_keys, part_keys = set(snap.aliases), set(non_allies()), set(ally_parts())
    assert ally_keys.isdisjoint(non_ally_keys)
    assert ally_keys.isdisjoint(part_keys)
    assert non_ally_keys.isdisjoint(part_keys)
    assert set(ally_parts().values()) <= set(snap.countries)
    assert "" not in ally_keys | non_ally_keys | part_keys


# --------------------------------------------------------------------------- non-allies


@pytest.mark.parametrize(
    ("query", "name", "partner"),
    [
        ("ukraine", "Ukraine", True),
        ("Ukraina", "Ukraine", True),
        ("UKR", "Ukraine", True),
        ("Georgia", "Georgia", True),
        ("Japan", "Japan", True),
        ("Austria", "Austria", True),
        ("Österreich", "Austria", True),
        ("Ireland", "Ireland", True),
        ("Switzerland", "Switzerland", True),
        ("SUI", "Switzerland", True),
        ("Schweiz", "Switzerland", True),
        ("Malta", "Malta", True),
        ("Australia", "Australia", True),
        ("South Korea", "South Korea", True),
        ("New Zealand", "New Zealand", True),
        ("Moldova", "Moldova", True),
        ("Bosnia and Herzegovina", "Bosnia and Herzegovina", True),
        ("Serbia", "Serbia", True),
        ("Israel", "Israel", True),
        ("Russia", "Russia", False),
        ("Russland", "Russia", False),
        ("China", "China", False),
        ("Belarus", "Belarus", False),
        ("Iran", "Iran", False),
        ("North Korea", "North Korea", False),
        ("India", "India", False),
        ("Brazil", "Brazil", False),
        ("Cyprus", "Cyprus", False),
    ],
)
def test_a_non_ally_is_named_as_such(snap: Snapshot, query: str, name: str, partner: bool) -> None:
    with pytest.raises(NotAnAlly) as caught:
        resolve(snap, query)
    assert (caught.value.name, caught.value.partner, caught.value.query) == (name, partner, query)
    assert caught.value.suggestions == []
    assert isinstance(caught.value, UnknownCountry)  # callers catching that still catch it
    # Autocomplete offers allies only (Ireland's spelling is close to Iceland's, so that may be).
    assert all(snap.countries[c.iso3] == c for c in autocomplete(snap, query))


def test_not_an_ally_messages(snap: Snapshot) -> None:
    with pytest.raises(NotAnAlly) as partner:
        resolve(snap, "ukraine")
    assert str(partner.value) == (
        "Ukraine is not a NATO ally: NATO publishes no figures for it. Ukraine is a NATO"
        " partner; SIPRI's Military Expenditure Database covers it."
    )
    with pytest.raises(NotAnAlly) as other:
        resolve(snap, "russia")
    assert str(other.value) == (
        "Russia is not a NATO ally: NATO publishes no figures for it. SIPRI's Military"
        " Expenditure Database covers it."
    )
    with pytest.raises(NotAnAlly) as uncovered:  # SIPRI publishes no figure for North Korea
        resolve(snap, "DPRK")
    assert (
        str(uncovered.value) == "North Korea is not a NATO ally: NATO publishes no figures for it."
    )


@pytest.mark.parametrize("query", ["Russia", "China", "Kosovo", "Taiwan", "Iran", "India"])
def test_a_non_partner_with_sipri_figures_is_pointed_to_sipri(snap: Snapshot, query: str) -> None:
    with pytest.raises(NotAnAlly) as caught:
        resolve(snap, query)
    assert str(caught.value).endswith(" SIPRI's Military Expenditure Database covers it.")


@pytest.mark.parametrize(
    ("query", "meant"),
    [
        ("europe", "Europe & Canada"),
        ("Europa", "Europe & Canada"),
        ("european allies", "Europe & Canada"),
        ("natoo", "NATO"),
        ("alliancee", "NATO"),
    ],
)
def test_the_start_of_an_aggregates_name_suggests_it(
    snap: Snapshot, query: str, meant: str
) -> None:
    for aggregates in (True, False):  # where an ally is needed, its refusal then says where
        with pytest.raises(UnknownCountry) as caught:
            resolve(snap, query, aggregates=aggregates)
        assert str(caught.value) == f"No NATO ally matches “{query}”. Did you mean {meant}?"
    assert resolve(snap, meant, aggregates=True).iso3 in ("NATO_TOTAL", "NATO_EUR_CAN")


@pytest.mark.parametrize("query", ["EU", "eu", "the EU", "European Union", "UE", "Unia Europejska"])
def test_the_european_union_points_to_europe_and_canada(snap: Snapshot, query: str) -> None:
    for aggregates in (True, False):
        with pytest.raises(NotAnAllyGroup) as caught:
            resolve(snap, query, aggregates=aggregates)
        assert caught.value.suggestions == []  # not "Did you mean United States?" (EUA)
        assert str(caught.value) == (
            f"“{query}” is the European Union, not a NATO ally, and NATO publishes no figures"
            " for it; the nearest NATO figure is European allies and Canada (“Europe & Canada”"
            " in /country and /compare)."
        )
    with pytest.raises(NotAnAllyGroup):
        resolve_many(snap, "pl, EU", aggregates=True)


@pytest.mark.parametrize(
    ("typo", "name"),
    [
        ("ukriane", "Ukraine"),
        ("ukraien", "Ukraine"),  # Kroatien is close too, Ukraine closer
        ("swizerland", "Switzerland"),
        ("Austrlia", "Australia"),
        ("Serbai", "Serbia"),
        ("Isreal", "Israel"),
        ("moldva", "Moldova"),
    ],
)
def test_a_typo_of_a_non_ally_is_named_when_no_ally_is_as_close(
    snap: Snapshot, typo: str, name: str
) -> None:
    with pytest.raises(NotAnAlly) as caught:
        resolve(snap, typo)
    assert caught.value.name == name
    assert caught.value.query == typo


def test_an_ally_as_close_as_a_non_ally_wins(snap: Snapshot) -> None:
    # "rieland" is as close to Iceland as to Ireland: the ally is suggested.
    with pytest.raises(UnknownCountry) as caught:
        resolve(snap, "rieland")
    assert not isinstance(caught.value, NotAnAlly)
    assert caught.value.suggestions == ["Iceland"]


def test_autocomplete_never_offers_a_non_ally(snap: Snapshot) -> None:
    for name in ("ukraine", "Russia", "Japan", "georgia", "switzerland", "bosnia"):
        assert autocomplete(snap, name) == []
    for key in ("ukr", "russ", "jap", "georg", "swit", "austr"):
        assert all(c.iso3 in snap.countries for c in autocomplete(snap, key))
        assert {c.iso3 for c in autocomplete(snap, key)}.isdisjoint(
            {n.iso3 for n in non_allies().values()}
        )


def test_the_non_ally_table_is_well_formed() -> None:
    rows = csv_rows("non_allies.csv")
    assert len({row["iso3"] for row in rows}) == len(rows)
    assert {row["partner"] for row in rows} == {"true", "false"}
    assert {row["sipri"] for row in rows} == {"true", "false"}
    allies = {m["iso3"] for m in csv_rows("members.csv")}
    assert allies.isdisjoint(row["iso3"] for row in rows)
    for row in rows:
        # Every ISO code names its country, except Andorra's: "and" separates a list.
        if row["iso3"] != "AND":
            assert non_allies()[normalise(row["iso3"])].name == row["name"]
    assert normalise("AND") not in non_allies()


# --------------------------------------------------------------------------- lists for /compare


def iso3s(countries: list[Country]) -> list[str]:
    return [c.iso3 for c in countries]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pl de fr", ["POL", "DEU", "FRA"]),
        ("Poland vs Germany", ["POL", "DEU"]),
        ("Poland vs. Germany", ["POL", "DEU"]),
        ("Poland v Germany", ["POL", "DEU"]),
        ("poland versus germany", ["POL", "DEU"]),
        ("poland and germany & france", ["POL", "DEU", "FRA"]),
        ("pl&de", ["POL", "DEU"]),
        ("pl+de/fr", ["POL", "DEU", "FRA"]),
        ("United Kingdom, North Macedonia", ["GBR", "MKD"]),
        ("United Kingdom North Macedonia", ["GBR", "MKD"]),
        ("us uk", ["USA", "GBR"]),
        ("United States and United Kingdom", ["USA", "GBR"]),
        ("U.S. vs U.K.", ["USA", "GBR"]),
        ("czech republic vs slovak republic", ["CZE", "SVK"]),
        ("Niemcy, Francja", ["DEU", "FRA"]),
        ("Macedonia del Norte vs Reino Unido", ["MKD", "GBR"]),
        ("England vs Scotland and Wales", ["GBR"]),
        ("pl poland POL, Polska", ["POL"]),
        ("Poland and the UK", ["POL", "GBR"]),
        ("the Netherlands vs Belgium", ["NLD", "BEL"]),
        ("U.S. - U.K.", ["USA", "GBR"]),
        ("Poland vs Germany and the United States", ["POL", "DEU", "USA"]),
        ("  ,; ", []),
    ],
)
def test_resolve_many_separators_and_multi_word_names(
    snap: Snapshot, text: str, expected: list[str]
) -> None:
    assert iso3s(resolve_many(snap, text)) == expected


def test_resolve_many_names_the_non_ally(snap: Snapshot) -> None:
    with pytest.raises(NotAnAlly) as bosnia:
        resolve_many(snap, "Bosnia and Herzegovina")
    assert bosnia.value.name == "Bosnia and Herzegovina"
    with pytest.raises(NotAnAlly) as amp:
        resolve_many(snap, "pl, Bosnia & Herzegovina")
    assert amp.value.name == "Bosnia and Herzegovina"
    with pytest.raises(NotAnAlly) as typo:
        resolve_many(snap, "Poland vs ukriane")
    assert typo.value.name == "Ukraine"


def test_resolve_many_unknown_part_is_named_with_an_example(snap: Snapshot) -> None:
    with pytest.raises(UnknownListItem) as caught:
        resolve_many(snap, "pl narnia de")
    assert caught.value.query == "narnia"
    assert caught.value.suggestions == []
    assert str(caught.value) == (
        "“narnia” matches no NATO ally. Separate allies with commas, e.g. pl, de, fr."
    )


def test_resolve_many_keeps_unknown_multi_word_names_whole(snap: Snapshot) -> None:
    with pytest.raises(UnknownListItem) as caught:
        resolve_many(snap, "Trinidad and Tobago")
    assert caught.value.query == "Trinidad and Tobago"
    assert not isinstance(caught.value, NotAnAlly)


def test_resolve_many_suggests_for_a_typo_among_unknown_words(snap: Snapshot) -> None:
    with pytest.raises(UnknownListItem) as typo:
        resolve_many(snap, "pl untied kingdom")
    assert (typo.value.query, typo.value.suggestions) == ("untied kingdom", ["United Kingdom"])
    assert str(typo.value) == (
        "“untied kingdom” matches no NATO ally. Did you mean United Kingdom?"
        " Separate allies with commas, e.g. pl, de, fr."
    )
    with pytest.raises(UnknownListItem) as piece:
        resolve_many(snap, "germny and narnia")
    assert (piece.value.query, piece.value.suggestions) == ("germny", ["Germany"])


def test_normalise_folds_letters_unicode_does_not_decompose() -> None:
    assert normalise("Łotwa") == normalise("Lotwa") == "lotwa"
    assert normalise("Hırvatistan") == "hirvatistan"
    assert normalise("İzlanda") == "izlanda"
    assert normalise("Føroyar") == "foroyar"
