"""Start-up faults end in one line naming the problem and a non-zero exit: the real entry point.

Each test runs ``natobot run`` in a subprocess with LOG_LEVEL=WARNING, so stderr holds what an
operator must read and nothing else: exactly one line, no traceback, no thread noise.
Discord's refusals come from a small proxy in front of the fake Discord that answers one route
with an error and passes every other request through.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.client import NatoBot
from db.store import Store
from tests.fakediscord import FakeDiscord, FakeGuild
from tests.support.natobot_process import finish, start_natobot
from tests.support.paths import ROOT

QUIET = {"LOG_LEVEL": "WARNING"}
#: Nothing listens here: for faults found before the bot talks to Discord.
NOWHERE = ("http://127.0.0.1:9/api/v10", "ws://127.0.0.1:9/gateway")


def _one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@contextlib.asynccontextmanager
async def refusing(
    fake: FakeDiscord, method: str, path: str, statuses: list[int], body: dict[str, Any]
) -> AsyncIterator[str]:
    """A proxy to ``fake`` answering ``method`` on paths matching ``path`` (a regex, after
    /api/v10) with ``body`` and the next of ``statuses`` (the last one repeats); yields its
    API base."""
    route = re.compile(path)
    answers = list(statuses)

    async def handle(request: web.Request) -> web.StreamResponse:
        tail = request.path.removeprefix("/api/v10")
        if request.method == method and route.fullmatch(tail):
            status = answers.pop(0) if len(answers) > 1 else answers[0]
            # Discord's content type exactly: discord.py reads JSON only under this one.
            return web.Response(
                status=status, body=json.dumps(body).encode(), content_type="application/json"
            )
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method,
                fake.base_url + request.path_qs,
                headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
                data=await request.read(),
            ) as answer,
        ):
            return web.Response(
                status=answer.status,
                body=await answer.read(),
                content_type=answer.content_type,
            )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/api/v10"
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"DISCORD_TOKEN=x\nLOG_LEVEL=\xffINFO\n", ".env is not valid UTF-8 (byte 0xff on line 2)"),
        (b"DISCORD_TOKEN=x\n\nDATABASE_PATH=a\0b\n", ".env has a NUL byte on line 3"),
    ],
)
async def test_a_dotenv_that_is_not_utf8_text(tmp_path: Path, content: bytes, says: str) -> None:
    (tmp_path / ".env").write_bytes(content)
    code, stderr = await finish(await start_natobot(*NOWHERE, tmp_path, env=QUIET))
    assert code == 2
    line = _one_line(stderr)
    assert line.startswith("natobot: configuration error: ")
    assert says in line
    assert not (tmp_path / "proc.sqlite3").exists()  # nothing was created


FORM_ERROR = {
    "code": 50035,
    "message": "Invalid Form Body",
    "errors": {"0": {"name": {"_errors": [{"code": "X", "message": "Bad name."}]}}},
}
UNAVAILABLE = {"message": "upstream connect error", "code": 0}


@pytest.mark.parametrize(
    ("method", "path", "statuses", "body", "says"),
    [
        ("GET", "/users/@me", [503], UNAVAILABLE, "Discord answered 503 to login after 1 try"),
        # discord.py retries a 500 (after 1 s), then gives up on the 503.
        ("GET", "/users/@me", [500, 503], UNAVAILABLE, "answered 503 to login after 2 tries"),
        ("GET", "/users/@me", [400], {"message": "Bad", "code": 0}, "answered 400 to login"),
        (
            "PUT",
            r"/applications/\d+/commands",
            [503],
            UNAVAILABLE,
            "Discord answered 503 to command sync after 1 try",
        ),
        (
            "PUT",
            r"/applications/\d+/commands",
            [400],
            FORM_ERROR,
            "answered 400 to command sync after 1 try: Invalid Form Body In 0.name: Bad name.",
        ),
    ],
)
async def test_discord_refusing_a_start_up_request(
    fake_discord: FakeDiscord,
    guild: FakeGuild,
    tmp_path: Path,
    method: str,
    path: str,
    statuses: list[int],
    body: dict[str, Any],
    says: str,
) -> None:
    async with refusing(fake_discord, method, path, statuses, body) as api_base:
        proc = await start_natobot(api_base, fake_discord.gateway_url, tmp_path, env=QUIET)
        code, stderr = await finish(proc)
    assert code == 1
    line = _one_line(stderr)
    assert says in line
    assert ("try again later" in line) == (statuses[-1] >= 500)
    assert "fake-token" not in line
    assert not fake_discord.commands()  # nothing was synced


async def test_sync_guild_id_of_a_server_the_bot_is_not_in(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path
) -> None:
    env = {**QUIET, "SYNC_GUILD_ID": "123"}
    proc = await start_natobot(fake_discord.api_base, fake_discord.gateway_url, tmp_path, env=env)
    code, stderr = await finish(proc)
    assert code == 1
    line = _one_line(stderr)
    assert "SYNC_GUILD_ID 123 is a server the bot is not in (or lacks applications.commands)" in (
        line
    )
    assert fake_discord.commands(123) == []


async def test_a_database_schema_newer_than_the_code(
    fake_discord: FakeDiscord, guild: FakeGuild, tmp_path: Path
) -> None:
    database = tmp_path / "proc.sqlite3"
    await (await Store.open(database)).close()
    with contextlib.closing(sqlite3.connect(database)) as conn:
        conn.execute("PRAGMA user_version = 99")
    before = database.read_bytes()
    proc = await start_natobot(fake_discord.api_base, fake_discord.gateway_url, tmp_path, env=QUIET)
    code, stderr = await finish(proc)
    assert code == 1
    line = _one_line(stderr)
    assert f"DATABASE_PATH={database}" in line
    assert "schema is version 99" in line
    assert database.read_bytes() == before  # left as it was
    assert not fake_discord.commands()


async def test_requests_are_counted_during_start_up_only(
    natobot: NatoBot, fake_discord: FakeDiscord
) -> None:
    """The count behind "after N tries" must not grow with every interaction's own URLs."""
    await fake_discord.invoke("targets")
    await (await fake_discord.invoke("about")).final_message()
    assert natobot.startup_step == "running"
    assert not natobot.request_attempts.counting
    assert not natobot.request_attempts.counts


@pytest.mark.parametrize("argv", [["preview", "targets"], ["data", "history"]])
def test_terminal_commands_refuse_a_dotenv_that_is_not_utf8(
    tmp_path: Path, argv: list[str]
) -> None:
    (tmp_path / ".env").write_bytes(b"DATABASE_PATH=caf\xe9.sqlite3\n")
    done = subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    line = _one_line(done.stderr)
    assert line == (
        "natobot: configuration error: .env is not valid UTF-8 (byte 0xe9 on line 1): "
        "save it as UTF-8."
    )
    assert list(tmp_path.iterdir()) == [tmp_path / ".env"]  # no database was created
