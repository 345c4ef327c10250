"""Chart replies end to end: the real bot and its real chart workers against the fake Discord."""

from __future__ import annotations

import os
from typing import Any

import pytest

from bot import chart_replies
from bot.client import NatoBot
from tests.fakediscord import FakeDiscord
from tests.fakediscord.interactions import CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE
from tests.support.png import PNG_SIGNATURE
from tests.support.processes import children, is_spawned

#: A first chart waits for its worker process to start and import matplotlib: on a loaded
#: machine that takes seconds. The deadline is not under test.
SLOW = 120.0

CHART_COMMANDS: list[tuple[str, dict[str, Any], str]] = [
    ("summary", {"year": 2024, "target": 2, "release": "2024-06"}, "23 of 31 allies meet 2%"),
    ("summary", {"target": 5}, "allies meet 5%"),
    ("gap", {"country": "Spain", "year": 2024, "target": 2, "release": "2024-06"}, "Spain"),
    ("compare", {"countries": "pl, de, fr"}, "Poland"),
    ("country", {"country": "pl"}, "Poland"),
    ("ranking", {}, "Bar chart of defence spending"),
]


@pytest.mark.parametrize(("command", "options", "finding"), CHART_COMMANDS)
async def test_chart_commands_attach_a_png_with_alt_text(
    natobot: NatoBot,
    fake_discord: FakeDiscord,
    command: str,
    options: dict[str, Any],
    finding: str,
) -> None:
    inter = await fake_discord.invoke(command, options)
    message = await inter.final_message(timeout=SLOW)
    assert message.embeds
    if command == "ranking":  # one chart for all pages, in a message after them
        await inter.followup(0, timeout=SLOW)
    (chart,) = inter.files
    assert chart.data.startswith(PNG_SIGNATURE)
    assert chart.filename.endswith(".png")
    assert chart.description is not None and finding in chart.description
    if command != "ranking":  # shown in the embed itself
        assert message.embeds[0]["image"]["url"] == f"attachment://{chart.filename}"


@pytest.mark.parametrize("command", ["country", "gap", "compare"])
async def test_a_one_year_release_gets_one_line_instead_of_a_line_chart(
    natobot: NatoBot, fake_discord: FakeDiscord, command: str
) -> None:
    options: dict[str, Any] = {"release": "2024-03"}
    options.update({"compare": {"countries": "pl, de"}}.get(command, {"country": "Spain"}))
    inter = await fake_discord.invoke(command, options)
    message = await inter.final_message(timeout=SLOW)
    assert message.content.startswith("No chart: release 2024-03 publishes one year only")
    assert "\n" not in message.content
    assert message.embeds  # the answer itself is still there
    assert not inter.files


async def test_a_cached_chart_is_sent_at_once_without_thinking(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    first = await fake_discord.invoke("summary", {"target": 3.5})
    await first.final_message(timeout=SLOW)
    assert (await first.response()).type == DEFERRED_CHANNEL_MESSAGE
    again = await fake_discord.invoke("summary", {"target": 3.5})
    await again.final_message(timeout=SLOW)
    assert (await again.response()).type == CHANNEL_MESSAGE
    assert again.files[0].data == first.files[0].data
    assert natobot.charts.rendered == 1


async def test_prerender_makes_the_most_asked_charts_cache_hits(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    natobot.charts.prerender_enabled = True
    before = spawned_children()
    task = chart_replies.keep_warm(natobot)
    assert task is not None
    assert chart_replies.keep_warm(natobot) is None  # once per dataset version
    # A live request while pre-rendering runs is answered (it goes first).
    live = await fake_discord.invoke("country", {"country": "de", "release": "2024-06"})
    await live.final_message(timeout=SLOW)
    assert live.files[0].data.startswith(PNG_SIGNATURE)
    # The pre-render draws in the live workers: no process of its own.
    assert spawned_children() - before <= natobot.charts.worker_pids
    drawn = await task
    assert spawned_children() - before <= natobot.charts.worker_pids
    assert drawn >= 30  # 3 summaries, a ranking, ~31 profiles (Iceland has no line)
    rendered = natobot.charts.rendered
    asked: list[tuple[str, dict[str, Any]]] = [
        ("summary", {"target": 5}),
        ("country", {"country": "Latvia"}),
    ]
    for command, options in asked:
        inter = await fake_discord.invoke(command, options)
        await inter.final_message(timeout=SLOW)
        assert (await inter.response()).type == CHANNEL_MESSAGE  # no "thinking…": a hit
        assert inter.files[0].data.startswith(PNG_SIGNATURE)
    assert natobot.charts.rendered == rendered


def spawned_children() -> set[int]:
    """This process's children started by multiprocessing's spawn (chart workers among them)."""
    return {pid for pid in children(os.getpid()) if is_spawned(pid)}


@pytest.mark.parametrize(("country", "joined"), [("Finland", 2023), ("Sweden", 2024)])
async def test_country_marks_the_years_before_the_ally_joined(
    natobot: NatoBot, fake_discord: FakeDiscord, country: str, joined: int
) -> None:
    """Issue 19.4: NATO publishes Finland's and Sweden's figures from 2014; the years before
    they joined are marked in /country and in its chart's alt text, not shown as an ally's."""
    inter = await fake_discord.invoke("country", {"country": country})
    message = await inter.final_message(timeout=SLOW)
    trend = {f["name"]: f["value"] for f in message.embeds[0]["fields"]}["Trend"].splitlines()
    assert trend[0].startswith("2014† ")
    assert trend[1] == (
        f"† {country} joined NATO in {joined}: its figures before {joined} are from before it "
        "was an ally (grey on the chart)."
    )
    (chart,) = inter.files
    assert chart.description is not None
    assert f"{country} joined NATO in {joined}; the years before are grey" in chart.description
    # An ally in every year of the release has nothing to mark.
    poland = await fake_discord.invoke("country", {"country": "Poland"})
    embed = (await poland.final_message(timeout=SLOW)).embeds[0]
    assert "†" not in str(embed) and "joined NATO" not in str(embed)
