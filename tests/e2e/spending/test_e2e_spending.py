"""End to end: the real bot against the fake Discord, for every /spending command."""

from __future__ import annotations

import pytest

from bot.client import NatoBot
from cogs.spending import CHART_RATE
from tests.fakediscord import FakeDiscord
from tests.support.discord_text import embed_json_text as _text
from tests.support.oracle import cell, half_up, median_text, not_published, release_ids, verdicts
from tests.support.png import PNG_SIGNATURE
from tests.support.waiting import SLOW, eventually


async def test_commands_are_synced(natobot: NatoBot, fake_discord: FakeDiscord) -> None:
    names = {c["name"] for c in fake_discord.commands()}
    assert {
        "summary",
        "ranking",
        "gap",
        "country",
        "compare",
        "revisions",
        "targets",
        "about",
        "settings",
    } <= names


async def test_summary_2024_names_the_eight_below(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    inter = await fake_discord.invoke("summary", {"year": 2024, "target": 2, "release": "2024-06"})
    message = await inter.final_message()
    assert not message.ephemeral
    text = _text(message.embeds[0])
    assert "23 of 31" in text
    assert "NATO 2024-06 · defence expenditure" in text
    for ally in (
        "Croatia",
        "Portugal",
        "Italy",
        "Canada",
        "Belgium",
        "Luxembourg",
        "Slovenia",
        "Spain",
    ):
        assert ally in text
    assert "2024-06" in text
    assert "Source: NATO" in message.embeds[0]["footer"]["text"]


async def test_gap_spain(natobot: NatoBot, fake_discord: FakeDiscord) -> None:
    inter = await fake_discord.invoke(
        "gap", {"country": "Spain", "year": 2024, "target": 2, "release": "2024-06"}
    )
    text = _text((await inter.final_message()).embeds[0])
    assert "0.72" in text
    assert "Spain" in text


async def test_country_attaches_a_png_chart(natobot: NatoBot, fake_discord: FakeDiscord) -> None:
    inter = await fake_discord.invoke("country", {"country": "pl"})
    # The first chart waits for a worker process to start and import matplotlib: seconds on a
    # loaded machine. Wait for the reply itself, with a deadline only a broken bot reaches.
    message = await inter.final_message(timeout=SLOW)
    assert "Poland" in _text(message.embeds[0])
    [chart] = inter.files
    assert chart.data.startswith(PNG_SIGNATURE)
    assert chart.filename.endswith(".png")
    assert message.embeds[0]["image"]["url"] == f"attachment://{chart.filename}"


async def test_charts_are_cached_per_dataset_version(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    first = await fake_discord.invoke("country", {"country": "Poland"})
    await first.final_message(timeout=SLOW)
    again = await fake_discord.invoke("country", {"country": "POL"})
    await again.final_message(timeout=SLOW)
    other_release = await fake_discord.invoke("country", {"country": "pl", "release": "2024-06"})
    await other_release.final_message(timeout=SLOW)
    assert first.files[0].data == again.files[0].data
    assert first.files[0].data != other_release.files[0].data
    assert natobot.charts.rendered == 2


async def test_chart_command_has_a_per_person_cooldown(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    for _ in range(CHART_RATE):
        inter = await fake_discord.invoke("country", {"country": "Poland"})
        await inter.final_message(timeout=SLOW)
        assert inter.files[0].data.startswith(PNG_SIGNATURE)
    refused = await fake_discord.invoke("country", {"country": "Poland"})
    message = await refused.final_message()
    assert message.ephemeral
    assert "try that again in" in message.content
    # Someone else is not held back.
    other = fake_discord.add_member(next(iter(fake_discord.guilds.values())), name="other")
    theirs = await fake_discord.invoke("country", {"country": "Poland"}, user=other)
    assert not (await theirs.final_message(timeout=SLOW)).ephemeral


async def test_unknown_country_gets_ephemeral_did_you_mean(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    # A typo, not a made-up place: weak matches ("narnia") get no suggestion.
    inter = await fake_discord.invoke("country", {"country": "polnad"})
    message = await inter.final_message()
    assert message.ephemeral
    assert "polnad" in message.content
    assert "Did you mean Poland?" in message.content
    assert not inter.files


async def test_country_autocomplete(natobot: NatoBot, fake_discord: FakeDiscord) -> None:
    choices = await fake_discord.autocomplete("gap", {"country": "pol"}, focused="country")
    assert choices[0] == {"name": "Poland", "value": "POL"}
    everything = await fake_discord.autocomplete("gap", {"country": ""}, focused="country")
    assert 0 < len(everything) <= 25
    alias = await fake_discord.autocomplete("country", {"country": "britain"}, focused="country")
    assert alias[0]["value"] == "GBR"


async def test_release_and_year_autocomplete(natobot: NatoBot, fake_discord: FakeDiscord) -> None:
    releases = await fake_discord.autocomplete("summary", {"release": ""}, focused="release")
    assert next(c["value"] for c in releases) == "2026-07"
    assert {c["value"] for c in releases} >= {"2024-06", "2025-08"}
    years = await fake_discord.autocomplete(
        "summary", {"release": "2024-06", "year": 20}, focused="year"
    )
    assert next(c["value"] for c in years) == 2024
    assert 2025 not in [c["value"] for c in years]


async def test_year_a_release_does_not_cover_lists_its_years(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    inter = await fake_discord.invoke("summary", {"year": 2030, "release": "2024-06"})
    message = await inter.final_message()
    assert message.ephemeral
    assert "2014" in message.content and "2024" in message.content


async def test_ranking_paginates_with_buttons(natobot: NatoBot, fake_discord: FakeDiscord) -> None:
    inter = await fake_discord.invoke("ranking", {"release": "2024-06", "year": 2024})
    message = await inter.final_message()
    page_one = message.embeds[0]
    assert "Poland" in _text(page_one)
    prev_id, counter_id, next_id = message.custom_ids()[:3]  # then the Export CSV button
    assert message.component(prev_id)["disabled"] is True
    pages = int(message.component(counter_id)["label"].split("/")[1])
    assert pages >= 2

    click = await fake_discord.click(message, next_id)
    assert (await click.response()).type == 7  # UPDATE_MESSAGE: the same message, edited
    assert message.embeds[0] != page_one
    assert message.component(counter_id)["label"] == f"2 / {pages}"
    assert message.component(prev_id).get("disabled") is not True

    # Anyone in the channel can turn the pages, not only the person who asked.
    assert message.guild_id is not None
    lurker = fake_discord.add_member(fake_discord.guilds[message.guild_id], name="lurker")
    turned = await fake_discord.click(message, prev_id, user=lurker)
    assert (await turned.response()).type == 7
    assert message.embeds[0] == page_one
    assert message.component(counter_id)["label"] == f"1 / {pages}"


async def test_ranking_buttons_are_disabled_when_the_view_times_out(
    natobot: NatoBot, fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.views.paginator.PAGINATOR_TIMEOUT", 0.2)
    inter = await fake_discord.invoke("ranking", {"metric": "spending"})
    message = await inter.final_message()
    assert "Spending" in _text(message.embeds[0]) or "USD" in _text(message.embeds[0])
    await eventually(
        lambda: all(message.component(c).get("disabled") for c in message.custom_ids()[:3]),
        "every page button disabled after the timeout (Export CSV stays)",
    )
    assert all(message.component(c).get("disabled") for c in message.custom_ids()[:3])


@pytest.mark.parametrize(
    ("command", "options", "expected"),
    [
        ("compare", {"countries": "pl, de, fr"}, ["Poland", "Germany", "France"]),
        ("revisions", {"country": "Poland", "year": 2024}, ["2024-06", "2025-08", "4.12"]),
        ("targets", {}, ["3.5", "20", "1.5"]),
        ("about", {}, ["2026-07"]),
    ],
)
async def test_text_commands(
    natobot: NatoBot,
    fake_discord: FakeDiscord,
    command: str,
    options: dict[str, object],
    expected: list[str],
) -> None:
    inter = await fake_discord.invoke(command, options)
    message = await inter.final_message()
    assert not message.ephemeral
    text = _text(message.embeds[0])
    for needle in expected:
        assert needle in text, (needle, text)


@pytest.mark.parametrize(
    ("command", "options", "expected"),
    [
        ("compare", {"countries": "pl"}, "2 to 5"),
        ("compare", {"countries": "pl, de, fr, it, es, nl"}, "2 to 5"),
        ("compare", {"countries": "pl, narnia"}, "narnia"),
        ("summary", {"release": "1999-01"}, "2024-06"),
        ("gap", {"country": "Iceland", "release": "2024-06"}, "Iceland"),
        ("revisions", {"country": "zz"}, "zz"),
        # The longest values Discord lets through are quoted back clipped, never refused.
        ("gap", {"country": "x" * 100}, "xxx…"),
        ("summary", {"release": "2" * 20}, "Loaded:"),
        ("compare", {"countries": ", ".join(["narnia"] * 25)}, "narnia"),
    ],
)
async def test_bad_options_get_a_private_helpful_answer(
    natobot: NatoBot,
    fake_discord: FakeDiscord,
    command: str,
    options: dict[str, object],
    expected: str,
) -> None:
    inter = await fake_discord.invoke(command, options)
    message = await inter.final_message()
    assert message.ephemeral
    assert expected in message.content
    assert "Sorry" not in message.content  # a user's mistake is not an internal error


async def test_summary_2026_at_two_is_a_plain_count(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    inter = await fake_discord.invoke("summary", {"year": 2026, "target": 2, "release": "2026-07"})
    embed = (await inter.final_message()).embeds[0]
    expected = list(verdicts("2026-07", 2026, "2").values())
    assert (
        f"{expected.count('meets')} of {len(expected)} published allies meet 2% in 2026"
        in (embed["description"])
    )
    for hedge in ("may still meet", "on core alone", "not in this release"):
        assert hedge not in _text(embed)


async def test_summary_2025_names_the_unpublished_and_the_press(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    inter = await fake_discord.invoke("summary", {"year": 2025, "target": 2, "release": "2025-08"})
    embed = (await inter.final_message()).embeds[0]
    missing = len(not_published("2025-08", 2025))
    assert f"; {missing} not published; Iceland not assessed" in embed["description"]
    assert "2025 figures from press reports of the release" in embed["footer"]["text"]


async def test_gap_slovenia_five_says_it_does_not_meet_and_why(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    inter = await fake_discord.invoke(
        "gap", {"country": "Slovenia", "year": 2026, "target": 5, "release": "2026-07"}
    )
    text = _text((await inter.final_message()).embeds[0])
    assert "it does not meet 5%, because its core defence spending is below the 3.5%" in text


async def test_revisions_poland_2024_shows_every_change(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    inter = await fake_discord.invoke("revisions", {"country": "Poland", "year": 2024})
    text = _text((await inter.final_message()).embeds[0])
    for rid in release_ids():
        value = cell(rid, "POL", 2024, "pct_gdp")
        if value:
            assert f"**{rid}**" in text and str(half_up(value)) in text
    assert "3.79 → 3.75, −0.04 pts" in text


async def test_summary_2023_median_and_compare_exactly_at(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    inter = await fake_discord.invoke("summary", {"year": 2023, "release": "2024-03"})
    text = _text((await inter.final_message()).embeds[0])
    assert f"median ally {median_text('2024-03', 2023)}" in text
    inter = await fake_discord.invoke(
        "compare", {"countries": "sk, dk", "year": 2024, "release": "2024-06"}
    )
    text = _text((await inter.final_message()).embeds[0])
    assert "meets (exactly at 2%)" in text
    assert "−0.00" not in text and "-0.00" not in text


@pytest.mark.parametrize(
    ("command", "options", "named"),
    [
        ("summary", {"year": 2025, "target": 2}, "Who meets 2% (Vilnius 2023 commitment) in 2025"),
        ("summary", {"year": 2024, "target": 2}, "Who meets 2% (Vilnius 2023 commitment) in 2024"),
        ("summary", {"year": 2023, "target": 2}, "Who meets 2% (Wales 2014 guideline) in 2023"),
        (
            "gap",
            {"country": "Spain", "year": 2026, "target": 2},
            "Spain: gap to 2% (Vilnius 2023 commitment) in 2026",
        ),
        (
            "gap",
            {"country": "Spain", "year": 2020, "target": 2},
            "Spain: gap to 2% (Wales 2014 guideline) in 2020",
        ),
        (
            "compare",
            {"countries": "Spain, Poland", "year": 2026, "target": 2},
            "Against 2% (Vilnius 2023 commitment).",
        ),
    ],
)
async def test_two_percent_is_named_as_it_was_in_the_year_asked_about(
    natobot: NatoBot,
    fake_discord: FakeDiscord,
    command: str,
    options: dict[str, object],
    named: str,
) -> None:
    """Issue 19.2: from 2024, 2% is the Vilnius 2023 commitment, not the Wales 2014 guideline."""
    inter = await fake_discord.invoke(command, options)
    embed = (await inter.final_message(timeout=SLOW)).embeds[0]
    assert named in (embed["title"], embed.get("description", "").split("\n")[0])
    if "Vilnius" in named:
        assert "Wales 2014 guideline" not in _text(embed)


async def test_summary_at_5_names_the_first_allies_to_meet_it(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    """Issue 19.4: open (the 3.5% core element) to meeting 5% is news; Estonia and Lithuania in
    2026 are the first allies of release 2026-07 at 5%."""
    inter = await fake_discord.invoke("summary", {"target": 5})
    embed = (await inter.final_message(timeout=SLOW)).embeds[0]
    since = {f["name"]: f["value"] for f in embed["fields"]}["Since 2025"].splitlines()
    assert since[0] == (
        "First allies to meet 5% (none did before 2026 in this release): Estonia, Lithuania"
    )
    assert "Newly at the 3.5% core element: Greece" in since


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("summary", {}),
        ("gap", {"country": "Spain"}),
        ("compare", {"countries": "Spain, Poland"}),
    ],
)
async def test_a_target_taken_to_two_decimals_says_so(
    natobot: NatoBot, fake_discord: FakeDiscord, command: str, options: dict[str, object]
) -> None:
    """Issue 19.4: 2.005 is judged as 2.01, and the reply says it."""
    inter = await fake_discord.invoke(command, {**options, "target": 2.005})
    embed = (await inter.final_message(timeout=SLOW)).embeds[0]
    assert (
        "Target 2.005% taken as 2.01%: targets are judged to two decimals, like NATO's shares."
        in embed["description"].splitlines()
    )
    plain = await fake_discord.invoke(command, {**options, "target": 2.01})
    assert "taken as" not in (await plain.final_message(timeout=SLOW)).embeds[0]["description"]


async def test_press_figures_with_known_doubts_show_their_precision_and_a_mark(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    """Issue 19.3: the Netherlands' 2025 figure in 2025-08 is one outlet's, to one decimal (2.5,
    not 2.50); Germany's 2.00 may never have been published by NATO; both are marked."""
    inter = await fake_discord.invoke("summary", {"release": "2025-08", "year": 2025})
    embed = (await inter.final_message(timeout=SLOW)).embeds[0]
    meeting = {f["name"]: f["value"] for f in embed["fields"]}["Meeting 2% (25)"].split(", ")
    assert "Netherlands 2.5?" in meeting and "Germany 2.00?" in meeting
    assert "Poland 4.48" in meeting  # a figure nobody doubts is as it was
    lines = embed["description"].splitlines()
    assert "? Netherlands 2025: 2.5 is one outlet's figure, rounded to one decimal." in lines
    assert (
        "? Germany 2025: 2.00 is reported by most outlets, but one says NATO published no "
        "figure for Germany."
    ) in lines
    assert any(line.startswith("? From a single source: Norway 2025 3.35, ") for line in lines)

    gap = await fake_discord.invoke(
        "gap", {"country": "Germany", "release": "2025-08", "year": 2025, "target": 2}
    )
    lines = (await gap.final_message(timeout=SLOW)).embeds[0]["description"].splitlines()
    assert lines[0] == "Germany meets 2% with 2.00%? of GDP (estimate): exactly at 2%."
    assert lines[1].startswith("? Germany 2025: 2.00 is reported by most outlets, but one says")

    country = await fake_discord.invoke("country", {"country": "nl", "release": "2025-08"})
    embed = (await country.final_message(timeout=SLOW)).embeds[0]
    assert {f["name"]: f["value"] for f in embed["fields"]}["% of GDP"] == "2.5?"
    assert "rounded to one decimal" in embed["description"]
