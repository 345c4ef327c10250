"""Settings from the environment and ``.env`` (pydantic-settings).

``load_settings()`` turns any validation failure into a ``ConfigError`` with one line per bad
setting, naming the variable, so start-up can stop with a clear message and no traceback.
Settings are built when asked for, never at import time, so tests construct their own.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.analytics.targets import MAX_TARGET, MIN_TARGET, WALES
from bot.fetch import DEFAULT_ALLOWED_HOSTS

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
DEFAULT_DATABASE_PATH = Path("data/natobot.sqlite3")
ENV_FILE = Path(".env")


class ConfigError(Exception):
    """Start-up configuration is missing or malformed; the message is meant for the operator."""


class StoreSettings(BaseSettings):
    """What the terminal commands (preview, data) need: no Discord token."""

    model_config = SettingsConfigDict(
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    database_path: Path = DEFAULT_DATABASE_PATH


class PreviewSettings(StoreSettings):
    """What ``natobot preview`` reads besides the database: the same default target as the bot."""

    #: % of GDP used when neither the command nor the server's setting names a target.
    default_target: float = Field(default=WALES.value, ge=MIN_TARGET, le=MAX_TARGET)


class Settings(PreviewSettings):
    """Everything the bot needs to run."""

    discord_token: SecretStr = Field(min_length=1)
    #: Discord user ids allowed to run the owner-only admin commands ("123,456").
    owner_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    #: Sync commands to this one guild only (instant; for development).
    sync_guild_id: int | None = None
    #: The one server where the owner-only /admin commands are registered (empty: everywhere,
    #: still refused to anyone but the owners).
    admin_guild_id: int | None = None
    #: Hosts /admin reload may download from ("www.nato.int,nato.int"): exact names, https only.
    reload_allowed_hosts: Annotated[tuple[str, ...], NoDecode] = DEFAULT_ALLOWED_HOSTS
    log_level: LogLevel = "INFO"
    #: Seconds between two looks for scheduled posts that are due.
    updates_tick_seconds: float = Field(default=60.0, gt=0, le=3600)
    #: Shards of the whole bot (None: discord.py asks Discord), and which of them this process
    #: runs (None: all). Several processes on one database each take a range of SHARD_IDS.
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = None

    @field_validator("discord_token", mode="before")
    @classmethod
    def _strip_token(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("owner_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",")]
            return frozenset(p for p in parts if p)
        return value

    @field_validator("reload_allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip().lower() for p in value.replace(";", ",").split(",")]
            return tuple(p for p in parts if p)
        return value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _split_shards(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            if not parts:
                return None
            # Numbers sorted and each once; anything else is left for pydantic to name.
            return tuple(sorted({int(p) for p in parts})) if all(map(str.isdigit, parts)) else parts
        return value

    @field_validator("shard_ids")
    @classmethod
    def _shards_fit(cls, value: tuple[int, ...] | None, info: ValidationInfo) -> Any:
        if value is None:
            return None
        count = info.data.get("shard_count")  # validated first: it is declared first
        if count is None:
            raise ValueError("SHARD_IDS needs SHARD_COUNT (the bot's total number of shards)")
        outside = [i for i in value if not 0 <= i < count]
        if outside:
            raise ValueError(f"SHARD_IDS must be 0 to SHARD_COUNT - 1 ({count - 1}); got {outside}")
        return value

    @field_validator("sync_guild_id", "admin_guild_id", "shard_count", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]


def _describe(error: ErrorDetails) -> str:
    name = str(error["loc"][0]).upper() if error.get("loc") else "setting"
    value = error.get("input")
    if error["type"] == "missing" or (isinstance(value, str) and not value.strip()):
        return f"{name} is not set: put it in the environment or in .env (see .env.example)."
    shown = "" if name == "DISCORD_TOKEN" else f" (got {value!r})"
    return f"{name} is invalid{shown}: {error['msg']}. See .env.example."


def check_env_file(path: Path = ENV_FILE) -> None:
    """Refuse a ``.env`` that is not UTF-8 text, naming the line.

    pydantic-settings would end in a UnicodeDecodeError traceback on invalid UTF-8, and hand a
    NUL byte on inside a setting's value (where it fails later, far from its cause).
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read: {exc.strerror or exc}.") from None
    if (nul := data.find(b"\0")) >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise ConfigError(f"{path} has a NUL byte on line {line}: it must be plain UTF-8 text.")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{path} is not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line}): "
            "save it as UTF-8."
        ) from None


def _env_file_of(overrides: dict[str, Any]) -> Path | None:
    """The .env a settings class will read, given its constructor's overrides."""
    env_file = overrides.get("_env_file", ENV_FILE)
    return Path(env_file) if isinstance(env_file, str | Path) else None


def load_settings(**overrides: Any) -> Settings:
    """Read settings; raise ConfigError naming every bad variable, one per line."""
    if (env_file := _env_file_of(overrides)) is not None:
        check_env_file(env_file)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError("\n".join(_describe(e) for e in exc.errors())) from None


def database_path() -> Path:
    """DATABASE_PATH from the environment or .env, for the terminal commands."""
    check_env_file()
    try:
        return StoreSettings().database_path
    except ValidationError as exc:
        raise ConfigError("\n".join(_describe(e) for e in exc.errors())) from None


def default_target() -> float:
    """DEFAULT_TARGET from the environment or .env, as the bot reads it, for ``preview``."""
    check_env_file()
    try:
        return PreviewSettings().default_target
    except ValidationError as exc:
        raise ConfigError("\n".join(_describe(e) for e in exc.errors())) from None
