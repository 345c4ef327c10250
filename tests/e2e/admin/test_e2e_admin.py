"""End to end: /admin against the fake Discord (owners only, dry run, confirm, rollback, audit)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path

import discord
import pytest

from bot.__main__ import main
from bot.analytics.dataset_diff import DatasetDiff
from bot.client import NatoBot
from bot.models import DatasetVersion
from db.audit import AuditEntry
from tests.fakediscord import FakeDiscord, FakeDiscordError, FakeGuild, FakeMember, FakeMessage
from tests.support.bot import bot_settings
from tests.support.discord_text import embed_json_text
from tests.support.waiting import SLOW, eventually

WORKBOOK = Path(str(resources.files("db").joinpath("data", "raw")))
WORKBOOK_FILE = WORKBOOK / "240617-def-exp-2024-TABLES-en.xlsx"
HEADER = (
    "iso3,year,estimate,pct_gdp,spend_usd_m,gdp_usd_bn,equipment_pct,personnel_k,"
    "spend_per_capita_usd_2015,real_change_pct\n"
)


@pytest.fixture
async def admin_bot(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path
) -> AsyncIterator[NatoBot]:
    """The real bot with its admin group registered in ``guild`` only."""
    bot = NatoBot(bot_settings(tmp_path, fake_discord, admin_guild_id=guild.id))
    async with fake_discord.running(bot):
        await fake_discord.wait_for_commands(guild)
        yield bot


@pytest.fixture
def server_admin(fake_discord: FakeDiscord, guild: FakeGuild) -> FakeMember:
    """A server Administrator who does not own the bot."""
    return fake_discord.add_member(
        guild, name="serveradmin", permissions=discord.Permissions(administrator=True)
    )


def _attempts(log: list[AuditEntry], user_id: int) -> list[tuple[str | None, str | None]]:
    return [(e.command, e.outcome) for e in log if e.user_id == user_id]


async def _dry_run(
    fake: FakeDiscord, command: str, options: dict[str, object]
) -> tuple[FakeMessage, str, str]:
    """The owner's dry run: its message, and the Confirm and Cancel button ids."""
    inter = await fake.invoke(command, options, user=fake.owner)
    message = await inter.final_message(timeout=SLOW)
    confirm_id, cancel_id = message.custom_ids()
    assert message.component(confirm_id)["label"] == "Confirm"
    assert message.component(cancel_id)["label"] == "Cancel"
    return message, confirm_id, cancel_id


def _workbook(fake: FakeDiscord) -> object:
    return fake.upload(WORKBOOK_FILE.name, WORKBOOK_FILE.read_bytes())


async def test_the_admin_group_is_only_in_the_admin_guild(
    admin_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    assert "admin" in {c["name"] for c in fake_discord.commands(guild)}
    assert "admin" not in {c["name"] for c in fake_discord.commands()}
    assert "summary" in {c["name"] for c in fake_discord.commands()}
    [admin] = [c for c in fake_discord.commands(guild) if c["name"] == "admin"]
    assert int(admin["default_member_permissions"]) == discord.Permissions(administrator=True).value


async def test_a_server_admin_who_is_no_owner_is_refused_and_audited(
    admin_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild, server_admin: FakeMember
) -> None:
    refused = await fake_discord.invoke(
        "admin reload", {"source": "file", "file": _workbook(fake_discord)}, user=server_admin
    )
    reply = await refused.final_message()
    assert reply.ephemeral and "owner" in reply.content
    assert admin_bot.store.snapshot.version.version_id == 1

    # The owner's dry run is the owner's alone: the server admin cannot even press its Confirm.
    message, confirm_id, cancel_id = await _dry_run(
        fake_discord, "admin reload", {"source": "file", "file": _workbook(fake_discord)}
    )
    assert message.ephemeral
    with pytest.raises(FakeDiscordError, match="ephemeral"):
        await fake_discord.click(message, confirm_id, user=server_admin)
    assert admin_bot.store.snapshot.version.version_id == 1
    assert len(await admin_bot.store.versions()) == 1

    log = await admin_bot.store.audit_log(20)
    assert _attempts(log, server_admin.user.id) == [("/admin reload", "refused")]
    assert all(e.guild_id == guild.id for e in log if e.user_id == server_admin.user.id)
    # The owner may still answer: Cancel, and nothing changed.
    cancelled = await fake_discord.click(message, cancel_id, user=fake_discord.owner)
    assert (await cancelled.response()).type == 7
    await eventually(
        lambda: any(
            "Cancelled" in m.content for m in fake_discord.channel_messages(guild.text_channel)
        ),
        "the cancellation",
    )
    assert len(await admin_bot.store.versions()) == 1


async def test_a_csv_with_three_bad_rows_gets_all_three_and_changes_nothing(
    admin_bot: NatoBot, fake_discord: FakeDiscord
) -> None:
    before = admin_bot.store.snapshot
    rows = (
        "POL,2026,true,=1+1,,,,,,\n"  # a formula is data, and not a number
        "XXX,2026,true,2.0,,,,,,\n"
        "DEU,20x6,true,2.1,,,,,,\n"
        "FRA,2026,true,2.05,,,,,,\n"
    )
    upload = fake_discord.upload("2026-07.csv", (HEADER + rows).encode())
    inter = await fake_discord.invoke(
        "admin reload", {"source": "file", "file": upload}, user=fake_discord.owner
    )
    reply = await inter.final_message(timeout=SLOW)
    assert "3 problems; nothing was changed" in reply.content
    assert "2026-07.csv:2: pct_gdp: '=1+1' is not a number" in reply.content
    assert "2026-07.csv:3: iso3: 'XXX' is not an ally" in reply.content
    assert "2026-07.csv:4: year: '20x6' is not a whole number" in reply.content
    assert not reply.components
    assert admin_bot.store.snapshot is before
    assert len(await admin_bot.store.versions()) == 1


async def test_a_long_list_of_problems_comes_as_a_text_file(
    admin_bot: NatoBot, fake_discord: FakeDiscord
) -> None:
    rows = "".join(
        f"X{chr(65 + n // 26)}{chr(65 + n % 26)},2026,true,2.0,,,,,,\n" for n in range(40)
    )
    upload = fake_discord.upload("2026-07.csv", (HEADER + rows).encode())
    inter = await fake_discord.invoke(
        "admin reload", {"source": "file", "file": upload}, user=fake_discord.owner
    )
    reply = await inter.final_message(timeout=SLOW)
    assert "40 problems" in reply.content
    [listing] = [f for f in inter.files if f.filename == "problems.txt"]
    lines = listing.data.decode().splitlines()
    assert len(lines) == 40 and all("is not an ally" in line for line in lines)
    assert len(await admin_bot.store.versions()) == 1


async def test_an_oversized_attachment_is_refused_before_it_is_read(
    admin_bot: NatoBot, fake_discord: FakeDiscord
) -> None:
    upload = fake_discord.upload("2026-07.csv", b"x" * (5 * 1024 * 1024 + 1))
    inter = await fake_discord.invoke(
        "admin reload", {"source": "file", "file": upload}, user=fake_discord.owner
    )
    reply = await inter.final_message()
    assert reply.ephemeral and "larger than 5.0 MiB" in reply.content
    assert not [r for r in fake_discord.requests if "/attachments/" in r.path]


async def test_nato_workbook_cancel_then_confirm_then_rollback(
    admin_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    updates: list[tuple[DatasetVersion, DatasetDiff]] = []

    async def on_dataset_updated(version: DatasetVersion, diff: DatasetDiff) -> None:
        updates.append((version, diff))

    admin_bot.add_listener(on_dataset_updated)
    original = admin_bot.store.snapshot

    message, _, cancel_id = await _dry_run(
        fake_discord, "admin reload", {"source": "file", "file": _workbook(fake_discord)}
    )
    text = embed_json_text(message.embeds[0])
    assert "Dry run" in text and "2024-06" in text and "Releases changed" in text
    assert "NATO's workbook" in text
    await (await fake_discord.click(message, cancel_id, user=fake_discord.owner)).response()
    await eventually(
        lambda: all(c.get("disabled") for c in message.components[0]["components"]), "buttons off"
    )
    assert admin_bot.store.snapshot is original
    assert len(await admin_bot.store.versions()) == 1

    message, confirm_id, _ = await _dry_run(
        fake_discord, "admin reload", {"source": "file", "file": _workbook(fake_discord)}
    )
    await (await fake_discord.click(message, confirm_id, user=fake_discord.owner)).response()
    await eventually(lambda: updates, "dataset_updated")
    version, diff = updates[0]
    assert version.version_id == 2 and version.source.endswith(WORKBOOK_FILE.name)
    assert [c.release_id for c in diff.releases_changed] == ["2024-06"]
    assert admin_bot.store.snapshot.version.version_id == 2
    assert admin_bot.store.snapshot.releases["2024-06"].coverage.endswith(WORKBOOK_FILE.name)
    # Every figure of the 2024-06 release is the workbook's, and identical to the bundled one.
    assert admin_bot.store.snapshot.records["2024-06"] == original.records["2024-06"]
    [activation] = [
        e
        for e in await admin_bot.store.audit_log(20)
        if e.action == "dataset.activate" and e.user_id
    ]
    assert activation.user_id == fake_discord.owner.id and activation.outcome == "applied"

    message, confirm_id, _ = await _dry_run(fake_discord, "admin rollback", {})
    assert "roll back from version 2 to 1" in embed_json_text(message.embeds[0])
    await (await fake_discord.click(message, confirm_id, user=fake_discord.owner)).response()
    await eventually(lambda: len(updates) == 2, "the rollback's dataset_updated")
    assert admin_bot.store.snapshot.version.version_id == 1
    assert admin_bot.store.snapshot.releases == original.releases
    assert [v.active for v in await admin_bot.store.versions()] == [False, True]


async def test_history_status_and_sync(
    admin_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    history = await (
        await fake_discord.invoke("admin history", user=fake_discord.owner)
    ).final_message()
    text = embed_json_text(history.embeds[0])
    sha = admin_bot.store.snapshot.version.sha256[:12]
    assert "seed / bundled" in text and sha in text and "1255" in text

    status = await (
        await fake_discord.invoke("admin status", user=fake_discord.owner)
    ).final_message()
    text = embed_json_text(status.embeds[0])
    for label in ("Database", "Dataset versions", "Servers", "Shard latencies", "Uptime", "Memory"):
        assert label in text

    syncs = len([r for r in fake_discord.requests if r.method == "PUT" and "/commands" in r.path])
    synced = await (
        await fake_discord.invoke("admin sync", user=fake_discord.owner)
    ).final_message()
    assert "globally" in synced.content and f"server {guild.id}" in synced.content
    after = len([r for r in fake_discord.requests if r.method == "PUT" and "/commands" in r.path])
    assert after == syncs + 2


async def test_without_an_admin_guild_the_group_is_global_and_still_owners_only(
    natobot: NatoBot, fake_discord: FakeDiscord, server_admin: FakeMember
) -> None:
    assert "admin" in {c["name"] for c in fake_discord.commands()}
    refused = await (await fake_discord.invoke("admin status", user=server_admin)).final_message()
    assert refused.ephemeral and "owner" in refused.content
    [entry] = [e for e in await natobot.store.audit_log(5) if e.user_id == server_admin.user.id]
    assert (entry.command, entry.outcome) == ("/admin status", "refused")


async def test_without_owner_ids_the_application_owner_may(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path, server_admin: FakeMember
) -> None:
    bot = NatoBot(bot_settings(tmp_path, fake_discord, owner_ids=frozenset()))
    async with fake_discord.running(bot):
        await fake_discord.wait_for_commands()
        mine = await fake_discord.invoke("admin history", user=fake_discord.owner)
        assert "Dataset versions" in embed_json_text((await mine.final_message()).embeds[0])
        theirs = await fake_discord.invoke("admin history", user=server_admin)
        assert "owner" in (await theirs.final_message()).content


async def test_admin_and_the_terminal_show_history_and_problems_alike(
    admin_bot: NatoBot,
    fake_discord: FakeDiscord,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One rendering of the history table and of a bad file's problems, for both front ends."""
    database = str(admin_bot.settings.database_path)
    history = await (
        await fake_discord.invoke("admin history", user=fake_discord.owner)
    ).final_message()
    shown = str(history.embeds[0]["description"]).strip("`\n").splitlines()
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["data", "history", "--database", database]) == 0
    assert capsys.readouterr().out.splitlines() == shown

    bad = tmp_path / "2026-07.csv"
    bad.write_text(HEADER + "XXX,2026,true,2.0,,,,,,\nDEU,20x6,true,2.1,,,,,,\n")
    inter = await fake_discord.invoke(
        "admin reload",
        {"source": "file", "file": fake_discord.upload(bad.name, bad.read_bytes())},
        user=fake_discord.owner,
    )
    listed = (await inter.final_message(timeout=SLOW)).content.split("```")[1].strip().splitlines()
    argv = ["data", "load", str(bad), "--dry-run", "--database", database]
    assert await asyncio.to_thread(main, argv) == 1
    printed = capsys.readouterr().out.splitlines()
    assert len(listed) == 2 and printed[:-1] == listed


async def test_every_admin_reply_is_private_and_the_dry_run_ends_with_its_outcome(
    admin_bot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    owner = fake_discord.owner
    bad = fake_discord.upload("2026-07.csv", (HEADER + "XXX,2026,true,2.0,,,,,,\n").encode())
    problems = await (
        await fake_discord.invoke("admin reload", {"source": "file", "file": bad}, user=owner)
    ).final_message(timeout=SLOW)
    assert problems.ephemeral and "1 problem; nothing was changed" in problems.content

    message, _, cancel_id = await _dry_run(
        fake_discord, "admin reload", {"source": "file", "file": _workbook(fake_discord)}
    )
    assert message.ephemeral and message.content == "Nothing changes until you press Confirm."
    await (await fake_discord.click(message, cancel_id, user=owner)).response()
    await eventually(lambda: message.content == "Cancelled: nothing was changed.", "cancelled")

    message, confirm_id, _ = await _dry_run(
        fake_discord, "admin reload", {"source": "file", "file": _workbook(fake_discord)}
    )
    await (await fake_discord.click(message, confirm_id, user=owner)).response()
    await eventually(lambda: message.content.startswith("Version 2 is active: "), "the outcome")
    assert "Nothing changes" not in message.content
    assert not str(message.embeds[0]["title"]).startswith("Dry run")

    message, _, _ = await _dry_run(fake_discord, "admin rollback", {})
    assert message.ephemeral
    history = await (await fake_discord.invoke("admin history", user=owner)).final_message()
    text = embed_json_text(history.embeds[0])
    assert f"{owner.name} (Discord id {owner.id}) / " in text and "discord:" not in text
    # Nothing of it was said in public.
    said = [m for m in fake_discord.channel_messages(guild.text_channel) if m.author.bot]
    assert said and all(m.ephemeral for m in said)
