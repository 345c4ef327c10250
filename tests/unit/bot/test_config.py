"""Settings: every bad value stops start-up with one clear line naming the variable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from tests.support.paths import ROOT


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No stray .env or environment variables leak into these tests."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "DISCORD_TOKEN",
        "DATABASE_PATH",
        "OWNER_IDS",
        "SYNC_GUILD_ID",
        "LOG_LEVEL",
        "DEFAULT_TARGET",
        "UPDATES_TICK_SECONDS",
        "SHARD_COUNT",
        "SHARD_IDS",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_need_only_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "abc")
    settings = load_settings()
    assert settings.discord_token.get_secret_value() == "abc"
    assert settings.database_path == Path("data/natobot.sqlite3")
    assert settings.owner_ids == frozenset()
    assert settings.sync_guild_id is None
    assert settings.default_target == 2.0
    assert "abc" not in repr(settings)  # the token never shows in logs


def test_values_from_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "DISCORD_TOKEN=t0k\nOWNER_IDS=12, 34;56\nSYNC_GUILD_ID=\n"
        "LOG_LEVEL=debug\nDEFAULT_TARGET=3.5\n"
    )
    settings = load_settings()
    assert settings.owner_ids == frozenset({12, 34, 56})
    assert settings.sync_guild_id is None
    assert settings.log_level == "DEBUG"
    assert settings.default_target == 3.5


def test_example_file_documents_every_setting() -> None:
    example = (ROOT / ".env.example").read_text()
    from bot.config import Settings

    for name in Settings.model_fields:
        assert f"\n{name.upper()}=" in example, name


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "DISCORD_TOKEN is not set"),
        ({"DISCORD_TOKEN": "  "}, "DISCORD_TOKEN is not set"),
        ({"DISCORD_TOKEN": "x", "OWNER_IDS": "12,abc"}, "OWNER_IDS is invalid"),
        ({"DISCORD_TOKEN": "x", "SYNC_GUILD_ID": "guild"}, "SYNC_GUILD_ID is invalid"),
        ({"DISCORD_TOKEN": "x", "LOG_LEVEL": "LOUD"}, "LOG_LEVEL is invalid"),
        ({"DISCORD_TOKEN": "x", "DEFAULT_TARGET": "11"}, "DEFAULT_TARGET is invalid"),
        ({"DISCORD_TOKEN": "x", "DEFAULT_TARGET": "two"}, "DEFAULT_TARGET is invalid"),
        ({"DISCORD_TOKEN": "x", "UPDATES_TICK_SECONDS": "0"}, "UPDATES_TICK_SECONDS is invalid"),
        ({"DISCORD_TOKEN": "x", "SHARD_COUNT": "0"}, "SHARD_COUNT is invalid"),
        ({"DISCORD_TOKEN": "x", "SHARD_IDS": "0,1"}, "SHARD_IDS needs SHARD_COUNT"),
        (
            {"DISCORD_TOKEN": "x", "SHARD_COUNT": "2", "SHARD_IDS": "1,2"},
            "SHARD_IDS must be 0 to SHARD_COUNT - 1 (1); got [2]",
        ),
        ({"DISCORD_TOKEN": "x", "SHARD_COUNT": "2", "SHARD_IDS": "0,one"}, "SHARD_IDS is invalid"),
    ],
)
def test_bad_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert named in message
    assert ".env.example" in message
    assert len(message.splitlines()) == 1


def test_shards_and_the_tick(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "DISCORD_TOKEN=t\nUPDATES_TICK_SECONDS=0.5\nSHARD_COUNT=4\nSHARD_IDS=3, 1;1\n"
    )
    settings = load_settings()
    assert settings.updates_tick_seconds == 0.5
    assert (settings.shard_count, settings.shard_ids) == (4, (1, 3))
    (tmp_path / ".env").write_text("DISCORD_TOKEN=t\nSHARD_COUNT=\nSHARD_IDS=\n")
    settings = load_settings()
    assert (settings.shard_count, settings.shard_ids) == (None, None)  # discord.py decides
    assert settings.updates_tick_seconds == 60


def test_secret_token_is_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "x")
    monkeypatch.setenv("DEFAULT_TARGET", "99")
    with pytest.raises(ConfigError) as caught:
        load_settings(discord_token="super-secret")
    assert "super-secret" not in str(caught.value)


def test_run_without_token_exits_nonzero_naming_env_example(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "DISCORD_TOKEN" in done.stderr
    assert ".env.example" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("argv", [["preview", "targets"], ["data", "history"]])
def test_terminal_commands_use_database_path_from_dotenv(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.__main__ import main

    (tmp_path / ".env").write_text("DATABASE_PATH=custom/here.sqlite3\n")
    if argv[0] == "data":  # history reads an existing database: let preview create it first
        assert main(["preview", "targets"]) == 0
    assert main(argv) == 0
    assert (tmp_path / "custom" / "here.sqlite3").exists()
    assert not (tmp_path / "data").exists()
    capsys.readouterr()
