"""The /admin group: thin glue from Discord to the one reload path (``bot/reload.py``)."""

from __future__ import annotations

import io
import os
import resource
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import NotOwner
from bot.reload import (
    MAX_BYTES,
    Bundled,
    InvalidData,
    Plan,
    ReloadError,
    Source,
    Upload,
    Url,
)
from bot.render.diff import diff_embed
from bot.render.embeds import NATO_BLUE, fit
from cogs.admin.access import actor, audited_owner_check, context, record_attempt
from cogs.admin.confirm import OwnerConfirm

if TYPE_CHECKING:
    from bot.client import NatoBot

#: Problems listed in the reply itself; a longer list comes as an attached text file.
PROBLEMS_INLINE = 15
#: Versions /admin history lists.
HISTORY_SHOWN = 20
#: Room left in a 2,000-character message for the problems listed inline.
_INLINE_CHARS = 1700


def _rss_bytes() -> int:
    """The process's resident memory now (Linux), else its peak."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB"


def problems_reply(error: InvalidData) -> tuple[str, discord.File | None]:
    """Every problem: listed in the message when they fit, else the first few and a .txt file."""
    lines = [str(p) for p in error.problems]
    if error.total > len(lines):
        lines.append(f"… and {error.total - len(lines):,} more problems (not kept)")
    head = f"**{error}**"
    inline = "\n".join(lines)
    if len(lines) <= PROBLEMS_INLINE and len(inline) <= _INLINE_CHARS:
        return f"{head}\n```\n{inline}\n```", None
    shown = "\n".join(lines[:PROBLEMS_INLINE])[:_INLINE_CHARS]
    file = discord.File(io.BytesIO((inline + "\n").encode("utf-8")), filename="problems.txt")
    return f"{head} The first of them, and all in problems.txt:\n```\n{shown}\n```", file


@app_commands.guild_only()
@app_commands.default_permissions(administrator=True)  # a hint only: the owners are checked
class AdminCog(commands.GroupCog, group_name="admin", group_description="Bot owners: the data"):
    def __init__(self, bot: NatoBot) -> None:
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction[NatoBot]) -> bool:  # type: ignore[override]
        """Every /admin command: owners only, and every attempt audited."""
        command = f"/{interaction.command.qualified_name}" if interaction.command else "/admin"
        if not await audited_owner_check(interaction, command):
            raise NotOwner()
        return True

    # --- reload and rollback ------------------------------------------------------------------

    @app_commands.command(name="reload", description="Load new data: a dry run, then confirm")
    @app_commands.describe(
        source="bundled (shipped with the bot), file (attach it) or url (https, allow-listed)",
        file="a release CSV or NATO's Excel workbook (at most 5 MiB)",
        url="https URL of a release CSV or NATO's workbook",
        release="the release id (YYYY-MM) a CSV holds: loaded or new",
        manifest="releases.csv rows giving a new release its title, date and basis",
    )
    async def reload(
        self,
        interaction: discord.Interaction[NatoBot],
        source: Literal["bundled", "file", "url"],
        file: discord.Attachment | None = None,
        url: str | None = None,
        release: str | None = None,
        manifest: discord.Attachment | None = None,
    ) -> None:
        chosen = await self._source(interaction, source, file, url, release, manifest)
        if chosen is None:
            return
        await interaction.response.defer(thinking=True)
        try:
            plan = await self.bot.reloader.prepare(chosen)
        except InvalidData as exc:
            content, attached = problems_reply(exc)
            if attached is None:
                await interaction.followup.send(content)
            else:
                await interaction.followup.send(content, file=attached)
            return
        except ReloadError as exc:
            await interaction.followup.send(str(exc))
            return
        await self._confirm_and_apply(interaction, plan, "/admin reload")

    async def _source(
        self,
        interaction: discord.Interaction[NatoBot],
        source: str,
        file: discord.Attachment | None,
        url: str | None,
        release: str | None,
        manifest: discord.Attachment | None,
    ) -> Source | None:
        """The reload source the options name, or None once the user was told what is wrong.

        Attachments are measured before a byte of them is read.
        """

        async def refuse(text: str) -> None:
            await interaction.response.send_message(text, ephemeral=True)

        if source == "bundled":
            return Bundled()
        if source == "url":
            if not url:
                await refuse("Give the `url` of the file to load (https, an allowed host).")
                return None
            return Url(url, release=release)
        if file is None:
            await refuse("Attach the `file` to load: a release CSV or NATO's Excel workbook.")
            return None
        for attachment in (file, manifest):
            if attachment is not None and attachment.size > MAX_BYTES:
                await refuse(
                    f"{attachment.filename} is {_mib(attachment.size)}: larger than "
                    f"{_mib(MAX_BYTES)}, the most a dataset file may be. Nothing was changed."
                )
                return None
        data = await file.read()
        manifest_data = await manifest.read() if manifest is not None else None
        return Upload(
            file.filename,
            data,
            release=release,
            manifest=manifest_data,
            label=f"attachment {file.filename}",
        )

    @app_commands.command(name="rollback", description="Return to an earlier dataset version")
    @app_commands.describe(version="the version to return to (default: the one replaced)")
    async def rollback(
        self,
        interaction: discord.Interaction[NatoBot],
        version: app_commands.Range[int, 1] | None = None,
    ) -> None:
        await interaction.response.defer(thinking=True)
        try:
            plan = await self.bot.reloader.prepare_rollback(version)
        except ReloadError as exc:
            await interaction.followup.send(str(exc))
            return
        await self._confirm_and_apply(interaction, plan, "/admin rollback")

    async def _confirm_and_apply(
        self, interaction: discord.Interaction[NatoBot], plan: Plan, command: str
    ) -> None:
        """Show the dry run with Confirm / Cancel; apply only on the invoker's Confirm."""
        names = {c.iso3: c.name for c in (*plan.dataset.members,)}
        names.update({iso3: c.name for iso3, c in plan.snapshot.countries.items()})
        if plan.kind == "rollback":
            title = f"Dry run: roll back from version {plan.base.version_id} to {plan.rollback_to}"
        else:
            title = f"Dry run: load {plan.source} (active: version {plan.base.version_id})"
        embed = diff_embed(
            plan.diff,
            names,
            title=title,
            notes=plan.notes,
            warnings=plan.warnings,
            footer=f"sha256 {plan.sha256[:12]} · {len(plan.dataset.records):,} figures",
        )
        if plan.unchanged:
            await interaction.followup.send("Nothing to do: nothing was changed.", embed=embed)
            return
        view = OwnerConfirm(owner_id=interaction.user.id, command=command)
        view.message = await interaction.followup.send(
            "Nothing changes until you press Confirm.", embed=embed, view=view, wait=True
        )
        await view.wait()
        if view.value is None:
            await record_attempt(
                interaction, command, allowed=False, why="nobody answered", outcome="expired"
            )
            return  # the buttons are disabled; nothing was changed
        if not view.value:
            await interaction.followup.send("Cancelled: nothing was changed.")
            return
        try:
            version = await self.bot.reloader.apply(
                plan,
                actor(interaction.user),
                bot=self.bot,
                context=context(interaction, command, "applied"),
            )
        except ReloadError as exc:
            await interaction.followup.send(str(exc))
            return
        await interaction.followup.send(
            f"Version {version.version_id} is active: {version.record_count:,} figures from "
            f"{version.source} (sha256 {version.sha256[:12]})."
        )

    # --- looking ------------------------------------------------------------------------------

    @app_commands.command(name="history", description="Dataset versions, newest first")
    async def history(self, interaction: discord.Interaction[NatoBot]) -> None:
        versions = await self.bot.store.versions()
        lines = [f"{'id':>3} {'when (UTC)':16} {'rows':>6} {'sha256':12}  who / source"]
        for v in versions[:HISTORY_SHOWN]:
            mark = "*" if v.active else " "
            lines.append(
                f"{v.version_id:>3}{mark}{v.loaded_at:%Y-%m-%d %H:%M} {v.record_count:>6} "
                f"{v.sha256[:12]}  {v.loaded_by} / {v.source}"
            )
        more = len(versions) - HISTORY_SHOWN
        embed = discord.Embed(
            title="Dataset versions",
            description="```\n" + "\n".join(lines) + "\n```",
            colour=NATO_BLUE,
        )
        embed.set_footer(
            text="* = active" + (f" · {more} older versions not shown" if more > 0 else "")
        )
        await interaction.response.send_message(embed=fit(embed), ephemeral=True)

    @app_commands.command(name="status", description="The bot's database, servers and health")
    async def status(self, interaction: discord.Interaction[NatoBot]) -> None:
        store = await self.bot.store.status()
        active = self.bot.store.snapshot.version
        embed = discord.Embed(title="Status", colour=NATO_BLUE)
        embed.add_field(name="Database", value=f"{_mib(store.size_bytes)} · {store.path.name}")
        embed.add_field(
            name="Dataset versions",
            value=f"{store.versions} (version {active.version_id} active)",
        )
        embed.add_field(name="Servers", value=str(len(self.bot.guilds)))
        embed.add_field(
            name="Subscriptions",
            value="none (no such table yet)"
            if store.subscriptions is None
            else f"{store.subscriptions}",
        )
        latencies = ", ".join(
            f"#{shard}: {latency * 1000:.0f} ms" for shard, latency in self.bot.latencies
        )
        embed.add_field(name="Shard latencies", value=latencies or "not connected")
        embed.add_field(name="Uptime", value=str(timedelta(seconds=int(self.bot.uptime_seconds))))
        embed.add_field(name="Memory (RSS)", value=_mib(_rss_bytes()))
        embed.add_field(name="Audit entries", value=str(store.audit_entries))
        embed.add_field(name="Reload", value="running" if self.bot.reloader.busy else "idle")
        await interaction.response.send_message(embed=fit(embed), ephemeral=True)

    @app_commands.command(name="sync", description="Re-sync the slash commands now")
    @app_commands.describe(guild="a server id to sync (default: every scope the bot uses)")
    async def sync(
        self, interaction: discord.Interaction[NatoBot], guild: str | None = None
    ) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        if guild is None:
            scopes = self.bot.sync_scopes()
        elif guild.strip().isdigit():
            scopes = [discord.Object(id=int(guild.strip()))]
        else:
            await interaction.followup.send(f"“{guild[:40]}” is not a server id.", ephemeral=True)
            return
        names = []
        for scope in scopes:
            await self.bot.sync_scope(scope, force=True)
            names.append("globally" if scope is None else f"server {scope.id}")
        await interaction.followup.send(f"Synced {', '.join(names)}.", ephemeral=True)
