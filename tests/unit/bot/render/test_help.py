"""/help and the welcome message as rendered (bot/render/help.py, cogs/help.py): every command
of the real tree is there with an example that uses its own options, the answers follow the
data, and everything fits Discord's limits."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest

from bot.client import NatoBot, discover_extensions
from bot.config import Settings
from bot.countries import resolve
from bot.models import NATO_EUR_CAN, NATO_TOTAL, Snapshot
from bot.render import help as words
from cogs.help import command_helps
from db.store import Store
from tests.fakediscord.limits import check_embeds
from tests.support.oracle import csv_rows, release_ids
from tests.support.snapshots import bundled_snapshot


@pytest.fixture
async def tree_commands(tmp_path: Path) -> AsyncIterator[list[words.CommandHelp]]:
    """The commands of every cog, as /help reads them (the bot set up, never logged in)."""
    settings = Settings(_env_file=None, discord_token="unused", database_path=tmp_path / "x")
    async with NatoBot(settings) as bot:
        for extension in discover_extensions():
            await bot.load_extension(extension)
        yield command_helps(bot.tree)


@pytest.fixture(scope="module")
def snap() -> Snapshot:
    return bundled_snapshot()


def problems(embeds: list[discord.Embed]) -> list[str]:
    """What the fake Discord would refuse in one message carrying these embeds."""
    return [str(e) for e in check_embeds([e.to_dict() for e in embeds], ("embeds",))]


def all_text(embeds: list[discord.Embed]) -> str:
    parts: list[str] = []
    for embed in embeds:
        parts += [embed.title or "", embed.description or "", embed.footer.text or ""]
        parts += [f"{f.name}\n{f.value}" for f in embed.fields]
    return "\n".join(parts)


async def test_every_command_has_an_example_with_its_own_options(
    tree_commands: list[words.CommandHelp],
) -> None:
    names = [c.name for c in tree_commands]
    assert {"summary", "help", "settings target", "settings show"} <= set(names)
    missing = [n for n in names if n not in words.EXAMPLES]
    assert not missing, f"add an example to bot/render/help.py EXAMPLES for: {missing}"
    assert not set(words.EXAMPLES) - set(names), "an example for a command that is gone"
    for command in tree_commands:
        example, meaning = words.EXAMPLES[command.name]
        assert example == f"/{command.name}" or example.startswith(f"/{command.name} ")
        used = re.findall(r"(\w+):", example.removeprefix(f"/{command.name}"))
        known = {name for name, _ in command.options}
        assert set(used) <= known, (command.name, used, known)
        required = {name for name, needed in command.options if needed}
        assert required <= set(used), (command.name, "an example must give every required option")
        assert meaning


async def test_help_lists_every_command_with_its_signature(
    tree_commands: list[words.CommandHelp], snap: Snapshot
) -> None:
    messages = words.help_messages(tree_commands, snap, 2.0)
    assert [problems(embeds) for embeds in messages] == [[]] * len(messages)
    listing = "\n".join(e.description or "" for e in messages[0] if e.title != words.FAQ_TITLE)
    for command in tree_commands:
        assert f"**/{command.name}**" in listing
        assert command.description in listing
        example = words.EXAMPLES[command.name][0]
        assert example == f"/{command.name}" or f"e.g. `{example}`" in listing
    gap = next(c for c in tree_commands if c.name == "gap")
    assert gap.signature.startswith("/gap country [")  # required first, optional in brackets
    assert "**/settings target** `[value]`\nSet the default target" in listing
    assert "(Manage Server) · e.g. `/settings target value:3.5`" in listing
    assert "**/admin status**\nThe bot's database, servers and health (bot owners only)" in listing
    # Today everything fits in one message: the commands, then the questions.
    assert [e.title for e in messages[0]][-1] == words.FAQ_TITLE and len(messages) == 1


async def test_help_fits_discord_with_long_descriptions(
    tree_commands: list[words.CommandHelp], snap: Snapshot
) -> None:
    # Discord allows 100-character descriptions, and more commands may come: every message
    # is accepted, no command is cut, and the questions move to a message of their own.
    long = [dataclasses.replace(c, description="d" * 100) for c in tree_commands] * 2
    messages = words.help_messages(long, snap, 2.0)
    assert [problems(embeds) for embeds in messages] == [[]] * len(messages)
    assert len(messages) >= 2 and [e.title for e in messages[-1]][-1] == words.FAQ_TITLE
    listing = "\n".join(e.description or "" for m in messages for e in m)
    assert listing.count("d" * 100) == len(long)
    assert "…" not in listing


def test_the_answers_follow_the_data(snap: Snapshot) -> None:
    answers = dict(words.faq(snap, 3.5))
    newest = csv_rows("releases.csv")[-1]
    assert newest["release"] in answers["Which release does a reply use?"]
    assert newest["title"] in answers["Which release does a reply use?"]
    unarmed = [m["name"] for m in csv_rows("members.csv") if m["has_armed_forces"] == "false"]
    assert unarmed == ["Iceland"]
    assert "Iceland has no armed forces" in answers["Why is Iceland not assessed?"]
    press = [
        r
        for r in release_ids()
        if any(row.get("provenance") == "press" for row in csv_rows(f"{r}.csv"))
    ]
    assert (
        press
        and f"press reports of the release ({', '.join(press)})"
        in answers["Where do press figures come from?"]
    )
    assert "here 3.5% of GDP" in answers["Which target is used when I name none?"]
    core = answers["What is “core” defence expenditure?"]
    assert "agreed definition of NATO defence expenditure" in core
    assert "same measure 2% has always been judged on" in core
    assert "NATO estimate" in answers["What does “e” mean?"]
    # What the answer about NATO as a whole tells people to type does answer.
    whole = answers["Can I ask about NATO as a whole?"]
    for typed in re.findall(r"country:([^`]+)`", whole):
        assert resolve(snap, typed, aggregates=True).iso3 in {NATO_TOTAL, NATO_EUR_CAN}


def test_questions_about_data_that_is_not_there_are_left_out(snap: Snapshot) -> None:
    armed = {k: c for k, c in snap.countries.items() if c.has_armed_forces}
    only_table = {
        rid: {key: r.model_copy(update={"provenance": "table"}) for key, r in records.items()}
        for rid, records in snap.records.items()
    }
    other = dataclasses.replace(snap, countries=armed, records=only_table)
    questions = [q for q, _ in words.faq(other, 2.0)]
    assert not [q for q in questions if "not assessed" in q]
    assert "Where do press figures come from?" not in questions
    assert "What does “e” mean?" in questions


def test_the_welcome_says_what_to_try(snap: Snapshot) -> None:
    embed = words.welcome_embed(snap, "NATO Bot", 2.0)
    assert problems([embed]) == []
    text = all_text([embed])
    assert embed.title == "Thanks for adding me: NATO Bot"
    assert "`/summary target:3.5`" in text and "`/help`" in text
    assert snap.newest_release.release_id in text
    assert "default target here is 2%" in text


async def test_claim_meta_is_won_once(store: Store, tmp_path: Path) -> None:
    """The welcome's memory: of concurrent claims exactly one wins, and it stays won."""
    results = await asyncio.gather(*(store.claim_meta("welcomed:1", str(n)) for n in range(5)))
    assert sorted(results) == [False] * 4 + [True]
    winner = str(results.index(True))
    assert await store.get_meta("welcomed:1") == winner
    reopened = await Store.open(store.path)
    try:
        assert await reopened.claim_meta("welcomed:1", "again") is False
        assert await reopened.claim_meta("welcomed:2", "other") is True
    finally:
        await reopened.close()
    assert await store.get_meta("welcomed:1") == winner
