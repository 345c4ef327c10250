"""Issue #11's smaller faults, each through the real bot: a read-only database file is refused
at start-up in one line, and a GET @original that would fail cannot add an apology to /ranking.

(SIGTERM while charts render: test_shutdown_in_flight.py; ranking pages freed:
test_e2e_views.py::test_timed_out_pages_are_freed and ``python -m bench.ranking_memory``.)
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.client import NatoBot
from bot.views import live_pages
from db.store import Store
from tests.fakediscord import FakeDiscord, FakeGuild
from tests.fakediscord.models import walk_components
from tests.support.bot import bot_settings
from tests.support.natobot_process import finish, start_natobot
from tests.support.waiting import SLOW, eventually

GET_ORIGINAL = "/webhooks/{application_id}/{interaction_token}/messages/@original"


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Take write access to ``path`` away as the kernel enforces it: the immutable flag as root
    (mode bits mean nothing to root), the mode bits otherwise."""
    as_root = os.geteuid() == 0
    mode = path.stat().st_mode
    if as_root:
        subprocess.run(["chattr", "+i", str(path)], check=True)
    else:
        path.chmod(0o444)
    try:
        yield
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            path.chmod(mode)


async def test_the_bot_refuses_a_read_only_database_file_at_start_in_one_line(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path
) -> None:
    path = tmp_path / "proc.sqlite3"  # where start_natobot points DATABASE_PATH
    await (await Store.open(path)).close()  # a good, seeded database
    before = path.read_bytes()
    with read_only(path):
        code, stderr = await finish(
            await start_natobot(
                fake_discord.api_base,
                fake_discord.gateway_url,
                tmp_path,
                env={"LOG_LEVEL": "WARNING"},
            )
        )
    assert code == 1, stderr
    assert "Traceback" not in stderr and "Event loop is closed" not in stderr
    (line,) = stderr.splitlines()
    assert line.endswith(
        f"cannot open the database {path}: the file is read-only, and the bot must write to it"
    ), line
    assert path.read_bytes() == before
    # Found at open, before Discord: no login, no command sync was attempted.
    assert not [r for r in fake_discord.requests if r.path.endswith("/commands")]


async def test_a_failing_get_original_cannot_add_an_apology_to_ranking(
    natobot: NatoBot, fake_discord: FakeDiscord, guild: FakeGuild
) -> None:
    fault = fake_discord.fail_next("GET", GET_ORIGINAL, status=500, times=5)
    inter = await fake_discord.invoke("ranking", {"release": "2024-06", "year": 2024})
    message = await inter.final_message()
    assert len([c for c in message.custom_ids() if c.startswith("page:")]) == 3  # ◀ n/N ▶
    assert message.embeds and not message.ephemeral
    # The bot never fetched @original, so the fault never fired: no apology, no follow-up.
    await eventually(lambda: live_pages(natobot) == [message.id], "the page tracked for expiry")
    assert fault.times == 5
    assert not fake_discord.faulted_requests()
    assert inter.followups == []
    assert [c.type for c in inter.callbacks] == [4]
    assert "Sorry" not in message.content


async def test_page_buttons_expire_after_the_bots_page_timeout(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path
) -> None:
    """NatoBot(page_timeout=...) (what bench.ranking_memory uses): the page is disabled and
    forgotten once it expires, without waiting the default minutes."""
    bot = NatoBot(bot_settings(tmp_path, fake_discord), page_timeout=0.5)
    async with fake_discord.running(bot, timeout=SLOW):
        await fake_discord.wait_for_commands(timeout=SLOW)
        inter = await fake_discord.invoke("ranking", {"release": "2024-06", "year": 2024})
        message = await inter.final_message()

        def page_buttons() -> list[dict[str, Any]]:  # the Export CSV button never expires
            return [
                c
                for c in walk_components(message.components)
                if c.get("type") == 2 and str(c.get("custom_id")).startswith("page:")
            ]

        assert len(page_buttons()) == 3 and not all(b.get("disabled") for b in page_buttons())
        await eventually(
            lambda: all(c.get("disabled") for c in page_buttons()),
            "the buttons disabled on expiry",
        )
        assert live_pages(bot) == []
