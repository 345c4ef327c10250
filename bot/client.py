"""NatoBot: the discord.py client. Opens the Store, loads every cog, syncs only when needed."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import importlib.util
import json
import logging
import math
import pkgutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import chart_replies
from bot.chart_renderer import ChartRenderer
from bot.command_translator import CatalogTranslator
from bot.config import Settings
from bot.errors import UserFacingError, echo
from bot.inflight import InFlight
from bot.malloc import return_freed_memory_promptly
from bot.option_check import UnexpectedOptions, check_options
from bot.reload import Reloader
from bot.replies import send_ephemeral
from bot.startup import RequestAttempts, StartupFailure, describe_http_failure
from bot.views import Confirm, PageButton, disable_all_pages
from bot.views.export import ExportButton
from bot.views.stale import watch_for_stale_clicks
from db.store import Store, StoreError

log = logging.getLogger(__name__)

#: Allocations between young-generation collections (Python's default is 700).
GC_YOUNG_THRESHOLD = 10_000

#: How often the bot looks for a dataset version another process (the CLI) activated.
REFRESH_SECONDS = 30.0


#: The package whose every module is an extension. Named, not imported: the cogs are the front
#: end above this layer, and discord.py loads extensions by name.
EXTENSIONS_PACKAGE = "cogs"


def discover_extensions() -> list[str]:
    """Every module in cogs/ is an extension (each ends in ``async def setup(bot)``)."""
    spec = importlib.util.find_spec(EXTENSIONS_PACKAGE)
    if spec is None or spec.submodule_search_locations is None:
        raise RuntimeError(f"the {EXTENSIONS_PACKAGE!r} package is not installed")
    return sorted(
        f"{EXTENSIONS_PACKAGE}.{m.name}"
        for m in pkgutil.iter_modules(spec.submodule_search_locations)
        if not m.name.startswith("_")
    )


def user_error_of(error: BaseException) -> UserFacingError | None:
    """The UserFacingError behind discord.py's wrappers (CommandInvokeError, TransformerError)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, UserFacingError):
            return seen
        seen = getattr(seen, "original", None) or seen.__cause__
    return None


def _permission_label(name: str) -> str:
    """A permission as Discord's UI names it ("manage_guild" is "Manage Server" there)."""
    return {"manage_guild": "Manage Server"}.get(name, name.replace("_", " ").title())


class NatoTree(app_commands.CommandTree["NatoBot"]):
    """The command tree, with the one error handler every command shares."""

    async def interaction_check(self, interaction: discord.Interaction[NatoBot], /) -> bool:
        # Runs in the task answering the command: a shutdown can find it there (bot.in_flight).
        if interaction.type is discord.InteractionType.application_command:
            self.client.in_flight.track(interaction)
            check_options(interaction)  # what Discord would not send is refused here
        return True

    async def on_error(
        self, interaction: discord.Interaction[NatoBot], error: app_commands.AppCommandError
    ) -> None:
        if self.client.is_closed():
            # Cut off by the shutdown (its chart workers stopped, its connection closing): no
            # traceback, and no apology, which could not be sent any more.
            log.info("a shutdown cut off interaction %s: %s", interaction.id, error)
            return
        try:
            await send_ephemeral(interaction, self._message_for(interaction, error))
        except discord.HTTPException:
            log.warning("could not deliver the error reply to interaction %s", interaction.id)

    @staticmethod
    def _message_for(
        interaction: discord.Interaction[NatoBot], error: app_commands.AppCommandError
    ) -> str:
        if (user_error := user_error_of(error)) is not None:
            return str(user_error)
        if isinstance(error, app_commands.MissingPermissions):
            needed = ", ".join(_permission_label(p) for p in error.missing_permissions)
            return f"You need the {needed} permission to do that."
        if isinstance(error, app_commands.NoPrivateMessage):
            return "That command only works in a server."
        if isinstance(error, app_commands.CommandOnCooldown):
            return f"You're going fast: try that again in {math.ceil(error.retry_after)} s."
        if isinstance(error, app_commands.CheckFailure):
            return str(error) or "You are not allowed to use that command."
        if isinstance(error, app_commands.TransformerError):
            return f"“{echo(str(error.value))}” is not a valid value for that option."
        command = interaction.command.qualified_name if interaction.command else "?"
        # Options or a command Discord would not send (a forged interaction, a client with a
        # stale command list): the sender's fault, not ours, so one warning and no traceback.
        if isinstance(error, UnexpectedOptions):
            log.warning(
                "refused /%s (interaction %s, user %s): %s",
                command,
                interaction.id,
                interaction.user.id,
                error.detail,
            )
            return str(error)
        if isinstance(error, app_commands.CommandSignatureMismatch | app_commands.CommandNotFound):
            log.warning(
                "refused interaction %s (user %s): %s",
                interaction.id,
                interaction.user.id,
                str(error).split(". ")[0],
            )
            return (
                "Your Discord app has an old copy of this command: "
                "restart it (or wait a minute) and try again."
            )
        log.error("command /%s failed (interaction %s)", command, interaction.id, exc_info=error)
        return (
            "Sorry, something went wrong on our side while answering that. "
            f"It has been logged (reference {interaction.id})."
        )


class NatoBot(commands.AutoShardedBot):
    """The bot. ``settings`` are passed in (never read at import) so tests can build their own."""

    store: Store
    reloader: Reloader

    def __init__(
        self,
        settings: Settings,
        *,
        page_timeout: float | None = None,
        live_page_limit: int | None = None,
        clock: Callable[[], datetime] | None = None,
        **options: Any,
    ) -> None:
        # The bot never joins voice: don't warn at every start that voice libraries are missing.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        # Slash commands need no privileged intents; guilds keeps the server list and channels.
        intents = discord.Intents.none()
        intents.guilds = True
        if settings.shard_ids is not None:  # discord.py wants the option absent, not None
            options.setdefault("shard_ids", list(settings.shard_ids))
        #: Requests sent, retries included: a start-up failure says after how many tries.
        self.request_attempts = RequestAttempts()
        options.setdefault("http_trace", self.request_attempts.trace)
        #: What start() is doing, for the one-line report if Discord refuses it.
        self.startup_step = "login"
        self._startup_over: asyncio.Task[None] | None = None
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            owner_ids=set(settings.owner_ids) or None,
            tree_cls=NatoTree,
            allowed_mentions=discord.AllowedMentions.none(),
            shard_count=settings.shard_count,
            **options,
        )
        self.settings = settings
        #: How long page buttons work (None: PAGINATOR_TIMEOUT); shorter in the memory bench.
        self.page_timeout = page_timeout
        #: How many pages are remembered to disable at expiry (None: MAX_LIVE_PAGES).
        self.live_page_limit = live_page_limit
        #: The wall clock scheduled posts run by (UTC); tests pass one they control.
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.started_at = time.monotonic()
        self.charts = ChartRenderer()
        self.in_flight = InFlight()

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        """Log in, set up, connect; a request Discord refuses on the way is a StartupFailure."""
        try:
            await super().start(token, reconnect=reconnect)
        except discord.HTTPException as error:
            tries = self.request_attempts.of(error.response)
            raise StartupFailure(
                describe_http_failure(
                    error,
                    step=self.startup_step,
                    tries=tries,
                    sync_guild_id=self.settings.sync_guild_id,
                )
            ) from error

    async def _end_startup(self) -> None:
        await self.wait_until_ready()
        self.startup_step = "running"
        self.request_attempts.stop()

    async def setup_hook(self) -> None:
        return_freed_memory_promptly()  # chart replies' 140 KB buffers must not pile up in RSS
        self.store = await Store.open(self.settings.database_path)
        self.reloader = Reloader(self.store, allowed_hosts=self.settings.reload_allowed_hosts)
        # Page and export buttons carry their state: this process answers clicks on replies
        # sent by another.
        self.add_dynamic_items(PageButton, ExportButton)
        watch_for_stale_clicks(self)  # a click nothing here handles still gets an answer
        # Command names and descriptions in every offered language, from the catalogs.
        await self.tree.set_translator(CatalogTranslator())
        for extension in discover_extensions():
            await self.load_extension(extension)
        self.startup_step = "command sync"
        await self.sync_commands_if_changed()
        self.startup_step = "the gateway connection"
        self._startup_over = asyncio.create_task(self._end_startup(), name="natobot-startup")
        self.charts.start()
        chart_replies.keep_warm(self)  # the charts people ask for most, at low priority
        self.refresh_store.start()
        # What start-up built (modules, the snapshot, discord.py's state) lives as long as the
        # bot: keep it out of every later full garbage collection, which pauses the event loop.
        gc.collect()
        gc.freeze()
        # Fewer, not longer, collections: each interaction allocates thousands of short-lived
        # objects (JSON, embeds), and with the default 700 the collector ran many times a second.
        gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)

    async def close(self) -> None:
        self.refresh_store.cancel()
        # First, while the HTTP session is open: nobody is left on "thinking…" forever.
        await self.in_flight.tell_restarting()
        if self._startup_over is not None:
            self._startup_over.cancel()
        # Before the connection closes: a page left enabled would invite clicks after we're gone.
        if not self.is_closed():
            await disable_all_pages(self)
        Confirm.stop_all()
        await super().close()
        self.charts.close()
        if hasattr(self, "store"):
            await self.store.close()

    @tasks.loop(seconds=REFRESH_SECONDS)
    async def refresh_store(self) -> None:
        """Serve a version the CLI (or another process) activated on the same file: one cheap
        PRAGMA when nothing changed."""
        try:
            changed = await self.store.refresh()
        except StoreError as exc:
            log.warning("cannot look for a new dataset version: %s", exc)
            return
        if changed:
            # As if loaded here: scheduled notices wake up, the new version's charts get drawn.
            self.dispatch("dataset_updated", self.store.snapshot.version, None)

    async def on_dataset_updated(self, *_: Any) -> None:
        chart_replies.keep_warm(self)

    # -- command sync -------------------------------------------------------------------------

    def _sync_scope(self) -> discord.Object | None:
        if self.settings.sync_guild_id is None:
            return None
        guild = discord.Object(id=self.settings.sync_guild_id)
        self.tree.copy_global_to(guild=guild)
        return guild

    def sync_scopes(self) -> list[discord.Object | None]:
        """Where commands are synced: globally (or SYNC_GUILD_ID), and ADMIN_GUILD_ID, which
        alone holds the admin group when set."""
        scopes = [self._sync_scope()]
        admin = self.settings.admin_guild_id
        if admin is not None and all(s is None or s.id != admin for s in scopes):
            scopes.append(discord.Object(id=admin))
        return scopes

    async def command_tree_hash(self, guild: discord.abc.Snowflake | None) -> str:
        # What sync sends, translations included: a catalog's change is a change to sync.
        translator = self.tree.translator
        commands = self.tree.get_commands(guild=guild)
        if translator is None:
            payload = [c.to_dict(self.tree) for c in commands]
        else:
            payload = [await c.get_translated_payload(self.tree, translator) for c in commands]
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    async def sync_commands_if_changed(self, *, force: bool = False) -> bool:
        """Sync each scope whose tree differs from its last sync (Discord rate-limits syncing)."""
        changed = False
        for guild in self.sync_scopes():
            changed |= await self.sync_scope(guild, force=force)
        return changed

    async def sync_scope(self, guild: discord.Object | None, *, force: bool = False) -> bool:
        """Sync one scope (None = global) when it changed since its last sync, or ``force``."""
        # Per application too: the same database behind another bot token must still sync.
        key = f"command_tree_hash:{self.application_id}:{guild.id if guild else 'global'}"
        digest = await self.command_tree_hash(guild)
        if not force and await self.store.get_meta(key) == digest:
            log.info("command tree unchanged since last sync; not syncing")
            return False
        synced = await self.tree.sync(guild=guild)
        await self.store.set_meta(key, digest)
        log.info(
            "synced %d commands %s", len(synced), f"to guild {guild.id}" if guild else "globally"
        )
        return True

    async def effective_target(self, guild_id: int | None, explicit: float | None) -> float:
        """The option if given, else the server's /settings target, else DEFAULT_TARGET."""
        if explicit is not None:
            return explicit
        if guild_id is not None and (saved := await self.store.guild_target(guild_id)) is not None:
            return saved
        return self.settings.default_target

    @property
    def uptime_seconds(self) -> float:
        return time.monotonic() - self.started_at
