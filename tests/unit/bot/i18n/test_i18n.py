"""The allies' languages: catalogs, negotiation, plural forms, numbers and names (bot/i18n)."""

from __future__ import annotations

import datetime

import pytest
from babel import Locale
from babel.messages.catalog import Catalog

from bot.command_translator import name_problem, text_problem
from bot.i18n import ENGLISH, Language, allies, catalogs, lookup, negotiate
from bot.i18n import formats as fmt
from bot.i18n.names import country_names

#: The languages issue 18 wants complete first.
REQUIRED = {"de", "es", "fr", "it", "nl", "pl", "tr"}
NBSP, NNBSP = "\u00a0", "\u202f"


def lang(code: str) -> Language:
    """A catalog's language, as negotiate gives it for an offered one."""
    return Language(code, Locale.parse(code))


def test_the_required_languages_are_complete_and_offered() -> None:
    assert set(catalogs.offered()) >= REQUIRED | {"en"}
    for catalog in REQUIRED:
        assert catalogs.untranslated(catalogs.read(catalog)) == []


def test_an_incomplete_catalog_is_not_offered() -> None:
    draft = Catalog(locale="ro", domain=catalogs.DOMAIN)
    draft.add("summary", "rezumat", context="command name")
    draft.add("ranking", "", context="command name")
    draft.add("gap", "decalaj", context="command name", flags=["fuzzy"])
    assert [m.id for m in catalogs.untranslated(draft)] == ["ranking", "gap"]
    # No Romanian catalog yet: its readers get English, numbers included.
    assert "ro" not in catalogs.offered()
    assert negotiate("ro") == ENGLISH


@pytest.mark.parametrize("catalog", catalogs.available())
def test_every_catalog_passes_the_checks(catalog: str) -> None:
    assert [str(p) for p in catalogs.problems(catalog)] == []


def test_the_checks_catch_a_lost_placeholder_and_a_wrong_plural_count() -> None:
    broken = Catalog(locale="pl", domain=catalogs.DOMAIN)
    broken.add("{n} ally of {total}", "{n} sojusznik", context=None)
    broken.add(("{n} ally", "{n} allies"), ("{n} państwo", "{n} państwa"))
    broken.add(("{n} release", "{n} releases"), ("jedna publikacja", "publikacje", "publikacji"))
    broken.add(("{n} year", "{n} years"), ("jeden rok", "{n} lata", "{n} lat"))  # fine
    found = [p.message for p in catalogs.problems_in(broken, "pl")]
    assert any("expected ['n', 'total']" in m for m in found)
    assert any("plural forms" in m for m in found)  # Polish has three, two given
    assert any("'{n} release': no form uses ['n']" in m for m in found)
    assert not any("year" in m for m in found)
    assert len(found) == 3


@pytest.mark.parametrize(
    ("discord_locale", "catalog", "locale"),
    [
        ("pl", "pl", "pl"),
        ("de", "de", "de"),
        ("es-ES", "es", "es"),
        ("es-419", "es", "es"),
        ("fr", "fr", "fr"),
        ("tr", "tr", "tr"),
        ("en-GB", "en", "en_GB"),
        ("en-US", "en", "en_US"),
        ("ja", "en", "en"),  # no catalog: English, numbers too
        ("no", "en", "en"),  # Bokmål's catalog ("nb") is not written yet
        (None, "en", "en"),
    ],
)
def test_a_discord_locale_gets_its_catalog_or_english(
    discord_locale: str | None, catalog: str, locale: str
) -> None:
    language = negotiate(discord_locale)
    assert (language.catalog, language.code) == (catalog, locale)


def test_the_catalog_names_of_discord_locales() -> None:
    from bot.i18n.locales import catalog_of

    assert [catalog_of(x) for x in ("es-ES", "pt-BR", "sv-SE", "no", "en-GB", "pl")] == [
        "es",
        "pt_BR",
        "sv",
        "nb",
        "en",
        "pl",
    ]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "pl",
            [
                "1 państwo sojusznicze",
                "2 państwa sojusznicze",
                "5 państw sojuszniczych",
                "22 państwa sojusznicze",
                "25 państw sojuszniczych",
            ],
        ),
        # Czech: 22 takes the form of 5, unlike Polish.
        ("cs", ["1 spojenec", "2 spojenci", "5 spojenců", "22 spojenců", "25 spojenců"]),
        ("de", ["1 Verbündeter", "2 Verbündete", "5 Verbündete", "22 Verbündete", "25 Verbündete"]),
        ("en", ["1 ally", "2 allies", "5 allies", "22 allies", "25 allies"]),
    ],
)
def test_plural_forms_come_from_the_catalog(code: str, expected: list[str]) -> None:
    assert [allies(lang(code), n) for n in (1, 2, 5, 22, 25)] == expected


def test_polish_and_czech_catalogs_declare_three_forms() -> None:
    assert catalogs.read("pl").num_plurals == catalogs.read("cs").num_plurals == 3


def test_lookup_is_none_without_a_translation() -> None:
    assert lookup("de", "command name", "summary") == "überblick"
    assert lookup("de", "option name", "summary") is None  # no such option
    assert lookup("cs", "command name", "summary") == "přehled"
    assert lookup("en", "command name", "summary") == "summary"


def spaced(text: str) -> str:
    """'_' for a no-break space and '~' for a narrow one: the expected values stay readable."""
    return text.replace("_", NBSP).replace("~", NNBSP)


@pytest.mark.parametrize(
    ("code", "share", "number", "change", "money", "small_money"),
    [
        ("en", "2.69%", "1,234.50", "−0.05", "44.9B_USD", "523M_USD"),
        ("de", "2,69_%", "1.234,50", "−0,05", "44,9_Mrd._USD", "523_Mio._USD"),
        ("fr", "2,69_%", "1~234,50", "−0,05", "44,9_Md_USD", "523_M_USD"),
        ("pl", "2,69%", "1_234,50", "−0,05", "44,9_mld_USD", "523_mln_USD"),
        ("tr", "%2,69", "1.234,50", "−0,05", "44,9_Mr_USD", "523_Mn_USD"),
    ],
)
def test_numbers_as_each_language_writes_them(
    code: str, share: str, number: str, change: str, money: str, small_money: str
) -> None:
    language = lang(code)
    assert fmt.percent(2.69, language) == spaced(share)
    assert fmt.decimal(1234.5, language) == spaced(number)
    assert fmt.signed_decimal(-0.05, language) == change
    assert fmt.money_usd_bn(44.9, language) == spaced(money)
    assert fmt.money_usd_bn(0.523, language) == spaced(small_money)


def test_the_data_precision_is_kept() -> None:
    de = lang("de")
    assert fmt.percent(2.0, de) == f"2,00{NBSP}%"  # NATO's "2.00", never "2 %"
    assert fmt.percent(2.675, de) == f"2,68{NBSP}%"  # half-up from the decimal written
    assert fmt.percent(2.665, de) == f"2,67{NBSP}%"  # as NATO rounds, not to even
    assert fmt.decimal(0.125, de) == "0,13"
    assert fmt.percent(1.5, de, digits=1) == f"1,5{NBSP}%"
    assert fmt.decimal(-1234.5, lang("pl")) == f"−1{NBSP}234,50"


def test_signs_are_plus_and_true_minus() -> None:
    fr = lang("fr")
    assert fmt.signed_percent(0.12, fr) == f"+0,12{NBSP}%"
    assert fmt.signed_percent(-0.12, fr) == f"−0,12{NBSP}%"
    assert fmt.signed_decimal(-0.001, fr) == "0,00"  # rounds to zero: no sign
    assert "-" not in fmt.money_usd_bn(-5.114, fr)
    assert fmt.money_usd_bn(-5.114, fr) == f"−5,11{NBSP}Md{NBSP}USD"


def test_money_keeps_three_significant_figures() -> None:
    de = lang("de")
    assert fmt.money_usd_bn(1135, de) == f"1,14{NBSP}Bio.{NBSP}USD"
    assert fmt.money_usd_bn(5.114, de) == f"5,11{NBSP}Mrd.{NBSP}USD"
    assert fmt.money_usd_bn(0, de) == f"0{NBSP}USD"


def test_dates_and_months() -> None:
    day = datetime.date(2024, 6, 1)
    assert fmt.date(day, lang("pl")) == "1 czerwca 2024"
    assert fmt.date(day, lang("de")) == "1. Juni 2024"
    assert fmt.date(day, ENGLISH) == "June 1, 2024"
    assert fmt.month(2024, 6, lang("pl")) == "czerwiec 2024"  # a title: the nominative
    assert fmt.month(2024, 6, lang("tr")) == "Haziran 2024"
    assert fmt.month(2024, 6, lang("fr")) == "juin 2024"


def test_country_names_in_the_readers_language_with_natos_own() -> None:
    assert country_names(lang("de")).shown["DEU"] == "Deutschland"
    assert country_names(lang("pl")).shown["DEU"] == "Niemcy"
    assert country_names(lang("de")).shown["TUR"] == "Türkei"
    assert country_names(lang("fr")).shown["TUR"] == "Türkiye"  # NATO's French
    assert country_names(lang("tr")).shown["CZE"] == "Çekya"
    assert country_names(lang("it")).shown["MKD"] == "Macedonia del Nord"
    assert country_names(ENGLISH).shown == {}  # English: the data's names, NATO's
    assert all(len(country_names(lang(c)).shown) == 32 for c in REQUIRED)


@pytest.mark.parametrize(
    "bad",
    ["Lücke", "zwei wörter", "", "x" * 33, "ziel!", "cel."],
)
def test_names_discord_would_refuse(bad: str) -> None:
    assert name_problem(bad) is not None


@pytest.mark.parametrize(
    "good", ["überblick", "yeniden-yükle", "dzień-tygodnia", "σύνοψη", "aujourd'hui"]
)
def test_names_discord_accepts(good: str) -> None:
    assert name_problem(good) is None


def test_descriptions_are_one_to_a_hundred_characters() -> None:
    assert text_problem("d" * 100) is None
    assert text_problem("d" * 101) is not None
    assert text_problem("") is not None


def test_the_template_and_catalogs_are_in_step_with_the_commands(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # What `make i18n-check` runs: a changed command description fails here until
    # `make i18n-extract i18n-update` and its translations follow (docs/TRANSLATING.md).
    from bot.cli import catalogs as tool

    assert tool.check() == 0
    report = capsys.readouterr().out
    for catalog in REQUIRED:
        messages = len(catalogs.read(catalog))
        assert f"{catalog}: {messages}/{messages} translated, offered" in report
