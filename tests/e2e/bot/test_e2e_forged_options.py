"""End to end: options Discord would never send get one clear private line and one warning.

A forged interaction (or a client with a stale command list) can carry a string where the
integer ``year`` is expected, a number for ``country``, an option the command does not have, or
leave out a required one. `fake.invoke` refuses to build those, so these go through
`fake.invoke_raw`, which sends the options exactly as given.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.client import NatoBot
from tests.fakediscord import FakeDiscord, FakeGuild

STRING, INTEGER, NUMBER, BOOLEAN = 3, 4, 10, 5

#: case -> (command, options as sent, the one line the user gets)
FORGED: dict[str, tuple[str, list[dict[str, Any]], str]] = {
    "a string for an integer year": (
        "ranking",
        [{"name": "year", "type": STRING, "value": "twenty"}],
        "That option had the wrong type: year must be a whole number.",
    ),
    "an integer year sent as a string": (
        "ranking",
        [{"name": "year", "type": INTEGER, "value": "2024"}],
        "That option had the wrong type: year must be a whole number.",
    ),
    "a fraction for an integer year": (
        "summary",
        [{"name": "year", "type": NUMBER, "value": 2024.5}],
        "That option had the wrong type: year must be a whole number.",
    ),
    "true for an integer year": (
        "ranking",
        [{"name": "year", "type": INTEGER, "value": True}],
        "That option had the wrong type: year must be a whole number.",
    ),
    "a number for country": (
        "gap",
        [{"name": "country", "type": INTEGER, "value": 616}],
        "That option had the wrong type: country must be text.",
    ),
    "a string for a number target": (
        "summary",
        [{"name": "target", "type": STRING, "value": "lots"}],
        "That option had the wrong type: target must be a number.",
    ),
    "a string in a subcommand's number option": (
        "settings target",
        [{"name": "value", "type": STRING, "value": "4"}],
        "That option had the wrong type: value must be a number.",
    ),
    "a year outside the command's range": (
        "ranking",
        [{"name": "year", "type": INTEGER, "value": 99999}],
        "That option is out of range: year must be between 1949 and 2100.",
    ),
    "a value that is not one of the choices": (
        "ranking",
        [{"name": "metric", "type": STRING, "value": "nukes"}],
        "“nukes” is not one of the choices for metric: pick one from the list.",
    ),
    "an unknown option name": (
        "ranking",
        [{"name": "colour", "type": STRING, "value": "red"}],
        "/ranking has no option “colour”: your Discord app may have an old copy of the "
        "command (restart it and try again).",
    ),
    "a required option left out": (
        "gap",
        [{"name": "year", "type": INTEGER, "value": 2024}],
        "/gap needs the option country: your Discord app may have an old copy of the "
        "command (restart it and try again).",
    ),
}


@pytest.mark.parametrize("case", sorted(FORGED))
async def test_a_forged_option_gets_one_private_line_and_one_warning(
    natobot: NatoBot,
    fake_discord: FakeDiscord,
    guild: FakeGuild,
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    command, options, expected = FORGED[case]
    with caplog.at_level(logging.DEBUG):
        inter = await fake_discord.invoke_raw(command, options)
        reply = await inter.final_message()

    assert reply.content == expected
    assert reply.ephemeral
    assert not reply.embeds and not reply.components
    assert len(inter.callbacks) == 1 and not inter.followups  # one line, nothing after it
    assert await natobot.store.guild_target(guild.id) is None  # nothing was changed

    ours = [r for r in caplog.records if r.name.startswith(("bot", "cogs", "discord"))]
    warnings = [r for r in ours if r.levelno == logging.WARNING]
    assert [r.levelno for r in ours if r.levelno >= logging.ERROR] == []
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    line = warnings[0].getMessage()
    assert f"refused /{command} (interaction {inter.id}" in line
    assert "\n" not in line
    assert all(r.exc_info is None for r in ours)  # no traceback anywhere


async def test_the_same_options_sent_as_discord_would_are_answered(
    natobot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild, caplog: pytest.LogCaptureFixture
) -> None:
    """The check refuses only what does not fit: well-typed options pass it."""
    with caplog.at_level(logging.WARNING):
        ranked = await fake_discord.invoke_raw(
            "ranking",
            [
                {"name": "metric", "type": STRING, "value": "share"},
                {"name": "year", "type": INTEGER, "value": 2024},
            ],
        )
        gap = await fake_discord.invoke_raw(
            "gap",
            [
                {"name": "country", "type": STRING, "value": "Poland"},
                {"name": "target", "type": NUMBER, "value": 3},
            ],
        )
        ranking_reply, gap_reply = await ranked.final_message(), await gap.final_message()
    assert ranking_reply.embeds and "2024" in ranking_reply.embeds[0]["title"]
    assert gap_reply.embeds and "Poland" in str(gap_reply.embeds[0])
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_group_invoked_without_its_subcommand_gets_one_line_and_one_warning(
    natobot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild, caplog: pytest.LogCaptureFixture
) -> None:
    """discord.py's own CommandSignatureMismatch (the payload names no subcommand of /settings):
    also the sender's fault, so answered and logged the same way."""
    with caplog.at_level(logging.DEBUG):
        inter = await fake_discord.invoke_raw("settings", [])
        reply = await inter.final_message()
    assert reply.content == (
        "Your Discord app has an old copy of this command: restart it (or wait a minute) and "
        "try again."
    )
    assert reply.ephemeral
    ours = [r for r in caplog.records if r.name.startswith(("bot", "cogs", "discord"))]
    assert [r.levelno for r in ours if r.levelno >= logging.ERROR] == []
    (warning,) = [r for r in ours if r.levelno == logging.WARNING]
    assert f"refused interaction {inter.id}" in warning.getMessage()
    assert "signature for command 'settings'" in warning.getMessage()
    assert all(r.exc_info is None for r in ours)


#: Beyond what Discord's integer options hold (±(2**53 - 1)): SQLite's own limit is 2**63 - 1.
HUGE_IDS = {"2**63": 2**63, "10**30": 10**30}


@pytest.mark.parametrize("value", sorted(HUGE_IDS))
@pytest.mark.parametrize("command", ["unsubscribe", "pause", "resume", "preview"])
async def test_an_updates_id_beyond_discords_integers_is_one_line_naming_the_option(
    natobot: NatoBot,
    fake_discord: FakeDiscord,
    guild: FakeGuild,
    caplog: pytest.LogCaptureFixture,
    command: str,
    value: str,
) -> None:
    with caplog.at_level(logging.WARNING):
        inter = await fake_discord.invoke_raw(
            f"updates {command}", [{"name": "id", "type": INTEGER, "value": HUGE_IDS[value]}]
        )
        reply = await inter.final_message()
    assert reply.content == (
        "That option is out of range: id must be between 1 and 9007199254740991."
    )
    assert reply.ephemeral and len(inter.callbacks) == 1 and not inter.followups
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_forged_ranking_button_state_is_one_line_naming_its_part(
    natobot: NatoBot, fake_discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    ranked = await fake_discord.invoke("ranking", {})
    message = await ranked.final_message()
    real = next(i for i in message.custom_ids() if i.endswith(":next"))
    source, _state, owner, expires, action = real.split(":")[1:]
    forged_states = {
        "2024-06//metric/highest": "its metric “metric” is not one /ranking takes",
        "share/2024-06/20x4/highest/": "its year “20x4” is not one /ranking takes",
        "share/2024-06/2024/x/": "its order “x” is not one /ranking takes",
        "share/2024-06/2024/highest/nan": "its target “nan” is not one /ranking takes",
        "share/2024-06/2024/highest/20": "its target “20” is not one /ranking takes",
    }
    before = message.components
    for state, named in forged_states.items():
        with caplog.at_level(logging.WARNING):
            click = await fake_discord.click_raw(
                message, real, f"page:{source}:{state}:{owner}:{expires}:{action}"
            )
            reply = await click.final_message()
        assert reply.ephemeral
        assert reply.content == (
            f"This button does not say which pages to show ({named}): run /ranking again."
        )
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # The public message keeps its pages and working buttons.
    assert message.components == before
