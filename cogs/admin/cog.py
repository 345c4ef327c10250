"""The /admin group: thin glue from Discord to the one reload path (``bot/reload.py``)."""

from __future__ import annotations

import contextlib
import os
import resource
import sys
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import owner_only
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
from bot.render import admin as words
from bot.render.diff import diff_embed
from cogs.admin.access import actor, audit_owner_check, context, record_attempt
from cogs.admin.confirm import OwnerConfirm

if TYPE_CHECKING:
    from bot.client import NatoBot


def _rss_bytes() -> int:
    """The process's resident memory now (Linux), else its peak."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def _plan_embed(plan: Plan, *, dry_run: bool) -> discord.Embed:
    return diff_embed(
        plan.diff,
        words.ally_names((*plan.dataset.members, *plan.snapshot.countries.values())),
        title=words.change_title(
            source=plan.source,
            active=plan.base.version_id,
            rollback_to=plan.rollback_to,
            dry_run=dry_run,
        ),
        notes=plan.notes,
        warnings=plan.warnings,
        footer=words.plan_footer(plan.sha256, len(plan.dataset.records)),
    )


async def _say(
    message: discord.WebhookMessage, outcome: str, embed: discord.Embed | None = None
) -> None:
    """The dry run's message says the outcome now (its buttons are already disabled)."""
    with contextlib.suppress(discord.HTTPException):  # deleted, or the token expired
        if embed is None:
            await message.edit(content=outcome)
        else:
            await message.edit(content=outcome, embed=embed)


@app_commands.guild_only()
# Every /admin command: owners only (shown to server administrators), every attempt audited.
@owner_only(shown_to=discord.Permissions(administrator=True), on_attempt=audit_owner_check)
class AdminCog(commands.GroupCog, group_name="admin", group_description="Bot owners: the data"):
    def __init__(self, bot: NatoBot) -> None:
        self.bot = bot

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
        await interaction.response.defer(thinking=True, ephemeral=True)
        try:
            plan = await self.bot.reloader.prepare(chosen)
        except InvalidData as exc:
            reply = words.problems_reply(str(exc), exc.problems, exc.total)
            attached = reply.file()
            if attached is None:
                await interaction.followup.send(reply.content, ephemeral=True)
            else:
                await interaction.followup.send(reply.content, file=attached, ephemeral=True)
            return
        except ReloadError as exc:
            await interaction.followup.send(str(exc), ephemeral=True)
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
                    f"{attachment.filename} is {words.mib(attachment.size)}: larger than "
                    f"{words.mib(MAX_BYTES)}, the most a dataset file may be. Nothing was changed."
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
        await interaction.response.defer(thinking=True, ephemeral=True)
        try:
            plan = await self.bot.reloader.prepare_rollback(version)
        except ReloadError as exc:
            await interaction.followup.send(str(exc), ephemeral=True)
            return
        await self._confirm_and_apply(interaction, plan, "/admin rollback")

    async def _confirm_and_apply(
        self, interaction: discord.Interaction[NatoBot], plan: Plan, command: str
    ) -> None:
        """Show the dry run with Confirm / Cancel, to the owner alone; apply only on their
        Confirm. The dry run's message then says the outcome; only a confirmed change is
        announced (the ``dataset_updated`` notices)."""
        if plan.unchanged:
            await interaction.followup.send(
                words.NOTHING_TO_DO, embed=_plan_embed(plan, dry_run=True), ephemeral=True
            )
            return
        view = OwnerConfirm(owner_id=interaction.user.id, command=command)
        message = await interaction.followup.send(
            words.UNTIL_CONFIRMED,
            embed=_plan_embed(plan, dry_run=True),
            view=view,
            ephemeral=True,
            wait=True,
        )
        view.message = message
        await view.wait()
        if view.value is None:
            await record_attempt(
                interaction, command, allowed=False, why="nobody answered", outcome="expired"
            )
            await _say(message, words.EXPIRED)  # the buttons are disabled
            return
        if not view.value:
            await _say(message, words.CANCELLED)
            return
        try:
            version = await self.bot.reloader.apply(
                plan,
                actor(interaction.user),
                bot=self.bot,
                context=context(interaction, command, "applied"),
            )
        except ReloadError as exc:
            await _say(message, str(exc))
            return
        await _say(message, words.activated(version), _plan_embed(plan, dry_run=False))

    # --- looking ------------------------------------------------------------------------------

    @app_commands.command(name="history", description="Dataset versions, newest first")
    async def history(self, interaction: discord.Interaction[NatoBot]) -> None:
        versions = await self.bot.store.versions()
        await interaction.response.send_message(embed=words.history_embed(versions), ephemeral=True)

    @app_commands.command(name="status", description="The bot's database, servers and health")
    async def status(self, interaction: discord.Interaction[NatoBot]) -> None:
        store = await self.bot.store.status()
        status = words.Status(
            database=store.path.name,
            size_bytes=store.size_bytes,
            versions=store.versions,
            active_version=self.bot.store.snapshot.version.version_id,
            servers=len(self.bot.guilds),
            subscriptions=store.subscriptions,
            latencies=self.bot.latencies,
            uptime_seconds=self.bot.uptime_seconds,
            rss_bytes=_rss_bytes(),
            audit_entries=store.audit_entries,
            reloading=self.bot.reloader.busy,
        )
        await interaction.response.send_message(embed=words.status_embed(status), ephemeral=True)

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
