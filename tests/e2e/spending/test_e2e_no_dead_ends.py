"""End to end: every path a new user tried ends in an answer or one private line that helps."""

from __future__ import annotations

from bot.client import NatoBot
from cogs.spending import CHART_RATE
from tests.fakediscord import FakeDiscord
from tests.support.discord_text import embed_json_text as _text
from tests.support.oracle import cell, half_up, release_ids, release_years
from tests.support.png import PNG_SIGNATURE


def _newest_with(column: str) -> str:
    """The newest release that publishes ``column`` for any ally, from the release files."""
    return next(
        rid
        for rid in reversed(release_ids())
        if any(cell(rid, iso3, y, column) for y in release_years(rid) for iso3 in ("USA", "POL"))
    )


# --------------------------------------------------------------------------- /ranking


async def test_ranking_per_capita_answers_from_the_newest_release_that_has_it(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    newest = release_ids()[-1]
    source = _newest_with("spend_per_capita_usd_2015")
    assert source == "2024-06" and newest != source
    inter = await fake_discord.invoke("ranking", {"metric": "per_capita"})
    message = await inter.final_message()
    assert not message.ephemeral
    text = _text(message.embeds[0])
    assert f"Release {newest} publishes no" in text
    assert f"this is {source}, the newest release that does" in text
    year = release_years(source)[-1]
    top = f"{float(cell(source, 'USA', year, 'spend_per_capita_usd_2015')):,.0f}"
    assert "United States" in text and top in text
    assert "No ally has this figure" not in text
    # The next page still says where it comes from, whoever turns it.
    _, _, next_id = message.custom_ids()[:3]  # then the Export CSV button
    other = fake_discord.add_member(next(iter(fake_discord.guilds.values())), name="reader")
    await (await fake_discord.click(message, next_id, user=other)).response()
    assert f"this is {source}" in _text(message.embeds[0])


async def test_ranking_a_metric_no_release_has_that_year_is_one_private_line(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    inter = await fake_discord.invoke("ranking", {"metric": "real_change", "year": 2026})
    message = await inter.final_message()
    assert message.ephemeral
    assert "\n" not in message.content
    assert "for 2026" in message.content and "2024-06 (2014–2024)" in message.content


async def test_ranking_lowest_first_with_a_target_line(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    inter = await fake_discord.invoke(
        "ranking", {"release": "2024-06", "year": 2024, "order": "lowest", "target": 2}
    )
    message = await inter.final_message()
    embed = message.embeds[0]
    assert embed["title"].endswith("lowest first")
    table = embed["description"].split("```")[1].strip().splitlines()
    assert table[0].split()[1] == "Spain"  # the lowest share of 2024 (1.28)
    marker = table.index("— 2% —")
    below = [float(row.split()[-1].rstrip("e")) for row in table[:marker]]
    above = [float(row.split()[-1].rstrip("e")) for row in table[marker + 1 :]]
    assert below and all(v < 2 for v in below)
    assert above and all(v >= 2 for v in above)
    assert len(below) == sum(
        1
        for iso3 in ("ESP", "BEL", "LUX", "SVN", "CAN", "ITA", "PRT", "HRV")
        if half_up(cell("2024-06", iso3, 2024, "pct_gdp")) < 2
    )


async def test_release_accepts_a_year_or_a_loose_month(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    loose = await fake_discord.invoke("summary", {"release": "2024-6", "year": 2024, "target": 2})
    assert "NATO 2024-06 · " in _text((await loose.final_message()).embeds[0])
    two = await fake_discord.invoke("summary", {"release": "2025"})
    message = await two.final_message()
    assert message.ephemeral and "2025-04" in message.content and "2025-08" in message.content
    offered = await fake_discord.autocomplete("summary", {"release": "2025"}, focused="release")
    assert [c["value"] for c in offered] == ["2025-08", "2025-04"]


# --------------------------------------------------------------------------- /compare


async def test_compare_poland_vs_germany_against_three_and_a_half(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    inter = await fake_discord.invoke("compare", {"countries": "Poland vs Germany", "target": 3.5})
    message = await inter.final_message()
    assert not message.ephemeral
    embed = message.embeds[0]
    assert embed["title"].startswith("Poland vs Germany, ")
    text = _text(embed)
    assert "Against 3.5%" in text and "**vs 3.5%:**" in text
    year = int(embed["title"].rsplit(" ", 1)[1])
    rid = release_ids()[-1]
    for iso3 in ("POL", "DEU"):
        assert str(half_up(cell(rid, iso3, year, "pct_gdp"))) in text


async def test_compare_splits_on_spaces_and_names_an_unknown_part(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    spaced = await fake_discord.invoke("compare", {"countries": "pl de & fr"})
    assert _text((await spaced.final_message()).embeds[0]).count("**% of GDP:**") == 3
    bad = await fake_discord.invoke("compare", {"countries": "pl, narnia"})
    message = await bad.final_message()
    assert message.ephemeral
    assert "“narnia” matches no NATO ally" in message.content
    assert "e.g. pl, de, fr" in message.content


async def test_compare_autocompletes_the_ally_being_typed(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    choices = await fake_discord.autocomplete(
        "compare", {"countries": "Poland vs Germ"}, focused="countries"
    )
    assert choices[0] == {"name": "Poland vs Germany", "value": "Poland vs DEU"}
    listed = await fake_discord.autocomplete(
        "compare", {"countries": "pl, fra"}, focused="countries"
    )
    assert listed[0]["value"] == "pl, FRA"
    whole = await fake_discord.autocomplete(
        "compare", {"countries": "pl, nat"}, focused="countries"
    )
    assert whole[0] == {"name": "pl, NATO as a whole", "value": "pl, NATO_TOTAL"}


async def test_compare_an_ally_with_nato_as_a_whole(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    inter = await fake_discord.invoke(
        "compare", {"countries": "pl, Europe & Canada", "year": 2024, "release": "2024-06"}
    )
    text = _text((await inter.final_message()).embeds[0])
    assert "European allies and Canada" in text
    assert "NATO's own aggregate, not an ally" in text
    assert str(half_up(cell("2024-06", "NATO_EUR_CAN", 2024, "pct_gdp"))) in text


# --------------------------------------------------------------------------- /country, /gap


async def test_country_nato_answers_as_an_aggregate(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    inter = await fake_discord.invoke("country", {"country": "nato", "release": "2024-06"})
    message = await inter.final_message()
    assert not message.ephemeral
    text = _text(message.embeds[0])
    assert message.embeds[0]["title"].startswith("NATO as a whole")
    assert "NATO's own aggregate, not an ally" in text
    assert str(half_up(cell("2024-06", "NATO_TOTAL", 2024, "pct_gdp"))) in text
    assert "Rank by share" not in text
    assert inter.files[0].data.startswith(PNG_SIGNATURE)


async def test_country_with_a_year_and_an_exonym(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    inter = await fake_discord.invoke(
        "country", {"country": "Niemcy", "release": "2024-06", "year": 2020}
    )
    embed = (await inter.final_message()).embeds[0]
    assert embed["title"] == "Germany (DEU), 2020"
    assert str(half_up(cell("2024-06", "DEU", 2020, "pct_gdp"))) in _text(embed)
    offered = await fake_discord.autocomplete("country", {"country": "Niemcy"}, focused="country")
    assert offered[0]["value"] == "DEU"
    nato = await fake_discord.autocomplete("country", {"country": "nat"}, focused="country")
    assert nato[0]["value"] == "NATO_TOTAL"


async def test_gap_ukraine_is_the_private_not_an_ally_line(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    inter = await fake_discord.invoke("gap", {"country": "ukraine"})
    message = await inter.final_message()
    assert message.ephemeral
    assert message.content.startswith("Ukraine is not a NATO ally: NATO publishes no figures")
    assert "SIPRI" in message.content
    whole = await fake_discord.invoke("gap", {"country": "nato"})
    message = await whole.final_message()
    assert message.ephemeral and "NATO's own aggregate, not an ally" in message.content


async def test_typos_do_not_spend_the_chart_allowance(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    for _ in range(CHART_RATE + 1):
        typo = await fake_discord.invoke("country", {"country": "narnia"})
        assert (await typo.final_message()).ephemeral
    uncovered = await fake_discord.invoke(
        "country", {"country": "pl", "release": "2024-06", "year": 2031}
    )
    assert (await uncovered.final_message()).ephemeral
    for _ in range(CHART_RATE):
        ok = await fake_discord.invoke("country", {"country": "pl"})
        assert not (await ok.final_message()).ephemeral
    spent = await fake_discord.invoke("country", {"country": "pl"})
    assert "try that again in" in (await spent.final_message()).content


async def test_echoed_input_is_neutralised(natobot: NatoBot, fake_discord: FakeDiscord) -> None:
    inter = await fake_discord.invoke("country", {"country": "\u202epolnad"})
    message = await inter.final_message()
    assert message.ephemeral
    assert "\u202e" not in message.content
    assert "“polnad”" in message.content
    styled = await fake_discord.invoke("compare", {"countries": "pl, **narnia**"})
    content = (await styled.final_message()).content
    assert "\\*\\*narnia\\*\\*" in content and "**narnia**" not in content.replace("\\*", "")


# --------------------------------------------------------------------------- names that are no ally


async def test_country_europe_suggests_europe_and_canada_which_answers(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    inter = await fake_discord.invoke("country", {"country": "europe"})
    message = await inter.final_message()
    assert message.ephemeral
    assert message.content == "No NATO ally matches “europe”. Did you mean Europe & Canada?"
    meant = await fake_discord.invoke("country", {"country": "Europe & Canada"})
    assert (await meant.final_message()).embeds[0]["title"].startswith("European allies")


async def test_country_eu_is_the_european_union_not_the_united_states(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    inter = await fake_discord.invoke("country", {"country": "EU"})
    message = await inter.final_message()
    assert message.ephemeral and "\n" not in message.content
    assert "United States" not in message.content
    assert message.content.startswith("“EU” is the European Union, not a NATO ally")
    assert "(“Europe & Canada” in /country and /compare)" in message.content


async def test_russia_china_and_kosovo_are_pointed_to_sipri(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    for name in ("Russia", "China", "Kosovo"):
        inter = await fake_discord.invoke("gap", {"country": name})
        message = await inter.final_message()
        assert message.ephemeral
        assert message.content == (
            f"{name} is not a NATO ally: NATO publishes no figures for it. SIPRI's Military"
            " Expenditure Database covers it."
        )
