"""End to end: commands and autocomplete in the reader's language, through the fake Discord."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot import countries
from bot.client import NatoBot
from bot.i18n import negotiate, shipped_discord_locales
from bot.i18n.names import country_names
from db.store import Store
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import JSON

#: Issue 18's first languages, as Discord names them.
REQUIRED = {"de", "es-ES", "fr", "it", "nl", "pl", "tr"}


def localisable(commands: list[JSON]) -> Iterator[tuple[str, JSON]]:
    """Every command, group, subcommand and option (with where it is), and every choice."""
    stack = [(f"/{c['name']}", c) for c in commands]
    while stack:
        where, item = stack.pop()
        yield where, item
        for option in item.get("options") or []:
            stack.append((f"{where} {option['name']}", option))
        for choice in item.get("choices") or []:
            yield f"{where} choice {choice['name']!r}", choice


async def test_every_command_is_synced_in_every_shipped_language(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    shipped = set(shipped_discord_locales())
    assert shipped >= REQUIRED
    missing = []
    for where, item in localisable(fake_discord.commands()):
        kinds = ["name_localizations"]
        if "value" not in item:  # a choice has a name only
            kinds.append("description_localizations")
        for kind in kinds:
            absent = shipped - set(item.get(kind) or {})
            if absent:
                missing.append(f"{where}: {kind} lacks {sorted(absent)}")
    assert missing == []


async def test_names_differ_from_english_where_the_language_does(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    by_name = {c["name"]: c for c in fake_discord.commands()}
    assert by_name["summary"]["name_localizations"]["pl"] == "podsumowanie"
    assert by_name["summary"]["description_localizations"]["fr"] == (
        "Qui atteint l'objectif, qui ne l'atteint pas"
    )
    gap = by_name["gap"]
    assert {o["name"]: o["name_localizations"]["de"] for o in gap["options"]}["year"] == "jahr"
    # Interactions still carry the English names the bot registered: a German user's /lücke
    # arrives as /gap.
    inter = await fake_discord.invoke("gap", {"country": "de"}, locale="de")
    assert (await inter.final_message()).embeds


async def test_the_sync_hash_covers_the_translations(natobot: NatoBot) -> None:
    translated = await natobot.command_tree_hash(None)
    await natobot.tree.set_translator(None)
    assert await natobot.command_tree_hash(None) != translated


@pytest.mark.parametrize(
    ("locale", "typed", "shown", "value"),
    [
        ("pl", "niem", "Niemcy", "DEU"),
        ("de", "tür", "Türkei", "TUR"),
        ("fr", "tür", "Türkiye", "TUR"),  # NATO's French
        ("tr", "çek", "Çekya", "CZE"),
        ("it", "macedonia", "Macedonia del Nord", "MKD"),
        ("es-ES", "alem", "Alemania", "DEU"),
        ("nl", "duits", "Duitsland", "DEU"),
        ("cs", "něm", "Německo", "DEU"),
        ("en-US", "czech", "Czechia", "CZE"),
        ("en-GB", "turk", "Türkiye", "TUR"),
    ],
)
async def test_country_autocomplete_speaks_the_readers_language(
    natobot: NatoBot, fake_discord: FakeDiscord, locale: str, typed: str, shown: str, value: str
) -> None:
    choices = await fake_discord.autocomplete(
        "gap", {"country": typed}, focused="country", locale=locale
    )
    assert choices[0] == {"name": shown, "value": value}


async def test_codes_and_exonyms_still_match_in_another_language(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    code = await fake_discord.autocomplete("gap", {"country": "de"}, focused="country", locale="pl")
    assert {"name": "Niemcy", "value": "DEU"} in code
    english = await fake_discord.autocomplete(
        "gap", {"country": "germany"}, focused="country", locale="pl"
    )
    assert english[0] == {"name": "Niemcy", "value": "DEU"}
    listed = await fake_discord.autocomplete("gap", {"country": ""}, focused="country", locale="de")
    assert [c["name"] for c in listed][:3] == ["Albanien", "Belgien", "Bulgarien"]


async def test_compare_completes_the_last_ally_in_the_readers_language(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    choices = await fake_discord.autocomplete(
        "compare", {"countries": "pl, niem"}, focused="countries", locale="pl"
    )
    assert choices[0] == {"name": "pl, Niemcy", "value": "pl, DEU"}


async def test_every_offered_languages_names_resolve(store: Store) -> None:
    snap = store.snapshot
    for locale in shipped_discord_locales():
        for iso3, name in country_names(negotiate(locale)).shown.items():
            assert countries.resolve(snap, name).iso3 == iso3, (locale, name)
