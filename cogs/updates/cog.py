"""/updates: scheduled posts to a channel, and the loop that posts them.

The commands only edit rows (``Store`` subscriptions); the loop (``tasks.loop``, one per
process, started in ``cog_load``) finds due rows each tick and hands them to the ``Poster``.
Nothing is kept in memory between ticks, so a restart picks up exactly where the rows say.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.analytics import dataset_diff
from bot.checks import manage_guild_only
from bot.errors import UserFacingError
from bot.options import TARGET_HELP, TargetArg, target_autocomplete
from bot.render import updates as render
from bot.replies import send_ephemeral
from bot.schedule import Cadence, Weekday, build_schedule
from bot.subscriptions import MAX_PER_GUILD, Content, State
from cogs.updates.poster import Poster

if TYPE_CHECKING:
    from bot.client import NatoBot

    Interaction = discord.Interaction[NatoBot]
else:
    Interaction = discord.Interaction

log = logging.getLogger(__name__)

#: What the bot needs in a channel to post there: (attribute, the name Discord's UI shows).
NEEDED_IN_CHANNEL: tuple[tuple[str, str], ...] = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
    ("attach_files", "Attach Files"),
)

#: In a thread, Send Messages in Threads (from its parent channel) is what lets the bot post.
NEEDED_IN_THREAD = tuple(
    ("send_messages_in_threads", "Send Messages in Threads")
    if name == "send_messages"
    else (name, label)
    for name, label in NEEDED_IN_CHANNEL
)

CADENCE_CHOICES = [
    app_commands.Choice(name="daily", value=Cadence.DAILY.value),
    app_commands.Choice(name="weekly", value=Cadence.WEEKLY.value),
    app_commands.Choice(name="monthly", value=Cadence.MONTHLY.value),
    app_commands.Choice(name="on new data (when NATO's figures change)", value="on-new-data"),
]
WEEKDAY_CHOICES = [app_commands.Choice(name=w.label, value=w.value) for w in Weekday]
CONTENT_CHOICES = [
    app_commands.Choice(name=f"{c.value}: {render.CONTENT_LABEL[c]}", value=c.value)
    for c in Content
]


class ChannelNotUsable(UserFacingError):
    """The bot lacks permissions it needs to post in the channel."""


def missing_permissions(permissions: discord.Permissions, *, thread: bool = False) -> list[str]:
    """The names of what the bot needs in a channel (or a thread) and does not have there."""
    needed = NEEDED_IN_THREAD if thread else NEEDED_IN_CHANNEL
    return [label for name, label in needed if not getattr(permissions, name)]


# Hidden from members without Manage Server, and checked again when run (admins can re-grant it).
@manage_guild_only()
class UpdatesCog(
    commands.GroupCog,
    group_name="updates",
    group_description="Scheduled posts of NATO spending figures to a channel",
):
    def __init__(self, bot: NatoBot) -> None:
        self.bot = bot
        self.poster = Poster(bot)
        #: Set by "dataset_updated": tick now rather than at the next interval.
        self._wake = asyncio.Event()
        self._ticking = False

    # --- the loop ------------------------------------------------------------------------------

    async def cog_load(self) -> None:
        self.ticker.change_interval(seconds=self.bot.settings.updates_tick_seconds)
        self.ticker.start()

    async def cog_unload(self) -> None:
        self.ticker.cancel()
        task = self.ticker.get_task()
        if task is not None and not task.done():
            # A post cut here stays pending and is retried, with its nonce, at the next start.
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @tasks.loop(seconds=60)  # the interval is set from UPDATES_TICK_SECONDS in cog_load
    async def ticker(self) -> None:
        self._ticking = True
        try:
            self._wake.clear()
            await self.poster.tick()
            while self._wake.is_set():  # news came in during the tick, maybe after its refresh
                self._wake.clear()
                await self.poster.tick()
        finally:
            self._ticking = False

    @ticker.before_loop
    async def _until_ready(self) -> None:
        # Shard ids and the guild cache are known from READY on.
        await self.bot.wait_until_ready()

    @commands.Cog.listener()
    async def on_dataset_updated(self, *_: Any) -> None:
        """Another part of the bot activated a version: look now. Nothing relies on it: each
        tick compares versions anyway, so a version activated while the bot was down counts."""
        self._wake.set()
        if self.ticker.is_running() and not self._ticking:
            self.ticker.restart()

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        removed = await self.bot.store.subscriptions.remove(
            guild_id=guild.id, why=f"the bot left guild {guild.id}"
        )
        if removed:
            log.info("left guild %d: removed subscriptions %s", guild.id, removed)

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        removed = await self.bot.store.subscriptions.remove(
            channel_id=channel.id, why=f"channel {channel.id} was deleted"
        )
        if removed:
            log.info("channel %d deleted: removed subscriptions %s", channel.id, removed)

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        removed = await self.bot.store.subscriptions.remove(
            channel_id=payload.thread_id, why=f"thread {payload.thread_id} was deleted"
        )
        if removed:
            log.info("thread %d deleted: removed subscriptions %s", payload.thread_id, removed)

    # --- commands ------------------------------------------------------------------------------

    @app_commands.command(
        name="subscribe", description="Post NATO figures to a channel on a schedule"
    )
    @app_commands.describe(
        channel="Where to post: a channel, or a thread (in a forum: one of its posts)",
        cadence="How often: daily, weekly, monthly, or when new NATO figures are loaded",
        time="Time of day, UTC, HH:MM (default 09:00)",
        weekday="Weekly: the day (default Monday)",
        day="Monthly: the day of the month, 1-28 (default 1)",
        target=TARGET_HELP,
        content="What to post (default: summary)",
        only_on_change="Skip a post while NATO's figures are those of the last one (default: no)",
    )
    @app_commands.choices(cadence=CADENCE_CHOICES, weekday=WEEKDAY_CHOICES, content=CONTENT_CHOICES)
    @app_commands.autocomplete(target=target_autocomplete)
    async def subscribe(
        self,
        interaction: Interaction,
        channel: discord.TextChannel | discord.Thread,
        cadence: app_commands.Choice[str],
        time: app_commands.Range[str, 1, 5] | None = None,
        weekday: app_commands.Choice[str] | None = None,
        day: app_commands.Range[int, 1, 28] | None = None,
        target: TargetArg | None = None,
        content: app_commands.Choice[str] | None = None,
        only_on_change: bool = False,
    ) -> None:
        guild = interaction.guild
        assert guild is not None  # manage_guild_only
        thread = channel if isinstance(channel, discord.Thread) else None
        if thread is not None and thread.locked:
            raise ChannelNotUsable(
                f"{thread.mention} is locked: only moderators can post there. Unlock it, or "
                "pick another thread or channel."
            )
        missing = missing_permissions(channel.permissions_for(guild.me), thread=bool(thread))
        if missing:
            raise ChannelNotUsable(
                f"I can't post in {channel.mention}: I am missing "
                f"{', '.join(missing)} there. Give me {'it' if len(missing) == 1 else 'them'} "
                "(channel settings → Permissions), then subscribe again."
            )
        # A schedule that cannot exist is a ScheduleError, shown as it is by the tree's handler.
        schedule = build_schedule(
            cadence.value, time=time, weekday=weekday.value if weekday else None, day=day
        )
        if only_on_change and not schedule.is_timed:
            raise UserFacingError(
                "`only_on_change` is for daily, weekly or monthly posts: an on-new-data "
                "subscription posts only when the figures change already."
            )
        created = await self.bot.store.subscriptions.create(
            guild_id=guild.id,
            # A thread's posts belong to its parent: deleting the parent removes them too.
            channel_id=thread.parent_id if thread is not None else channel.id,
            thread_id=thread.id if thread is not None else None,
            only_on_change=only_on_change,
            schedule=schedule,
            target=target,
            content=Content(content.value) if content else Content.SUMMARY,
            by=interaction.user.id,
            now=self.bot.clock(),
        )
        await send_ephemeral(interaction, render.subscribed_text(created))

    @app_commands.command(name="list", description="This server's scheduled posts")
    async def list_(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        found = await self.bot.store.subscriptions.in_guild(interaction.guild_id)
        default = await self.bot.effective_target(interaction.guild_id, None)
        embed = render.subscriptions_embed(found, default_target=default, limit=MAX_PER_GUILD)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="unsubscribe", description="Stop and remove a scheduled post")
    @app_commands.describe(id="The subscription's number (see /updates list)")
    async def unsubscribe(self, interaction: Interaction, id: app_commands.Range[int, 1]) -> None:
        assert interaction.guild_id is not None
        await self.bot.store.subscriptions.delete(
            id, guild_id=interaction.guild_id, by=str(interaction.user.id)
        )
        await send_ephemeral(interaction, f"Subscription #{id} removed.")

    @app_commands.command(name="pause", description="Pause a scheduled post")
    @app_commands.describe(id="The subscription's number (see /updates list)")
    async def pause(self, interaction: Interaction, id: app_commands.Range[int, 1]) -> None:
        assert interaction.guild_id is not None
        await self.bot.store.subscriptions.pause(
            id,
            f"paused by {interaction.user.name} with /updates pause",
            by=str(interaction.user.id),
            guild_id=interaction.guild_id,
        )
        await send_ephemeral(
            interaction, f"Subscription #{id} paused. `/updates resume id:{id}` starts it again."
        )

    @app_commands.command(name="resume", description="Resume a paused scheduled post")
    @app_commands.describe(id="The subscription's number (see /updates list)")
    async def resume(self, interaction: Interaction, id: app_commands.Range[int, 1]) -> None:
        assert interaction.guild_id is not None
        current = await self.bot.store.subscriptions.get(id, guild_id=interaction.guild_id)
        if current.state is State.ACTIVE:
            raise UserFacingError(f"Subscription #{id} is not paused.")
        resumed = await self.bot.store.subscriptions.resume(
            id, guild_id=interaction.guild_id, by=str(interaction.user.id), now=self.bot.clock()
        )
        after = (
            f"next post {render.when(resumed.next_run_at)}"
            if resumed.next_run_at is not None
            else "it posts when NATO's figures next change"
        )
        await send_ephemeral(interaction, f"Subscription #{id} resumed: {after}.")

    @app_commands.command(name="preview", description="See a scheduled post now (only you see it)")
    @app_commands.describe(id="The subscription's number (see /updates list)")
    async def preview(self, interaction: Interaction, id: app_commands.Range[int, 1]) -> None:
        assert interaction.guild_id is not None
        store = self.bot.store
        sub = await store.subscriptions.get(id, guild_id=interaction.guild_id)
        target = await self.bot.effective_target(sub.guild_id, sub.target)
        if sub.schedule.is_timed:
            embed = render.scheduled_post(store.snapshot, sub, target)
            await interaction.response.send_message(embed=embed, ephemeral=True)
            return
        # A notice: what the last change of data would have said.
        versions = await store.versions()
        active = store.snapshot.version.version_id
        earlier = [v for v in versions if v.version_id != active]
        if not earlier:
            await send_ephemeral(
                interaction,
                "Only one version of the data has been loaded, so there is no change to show "
                "yet. This subscription posts when NATO's figures change.",
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        old = await store.load_version(earlier[0].version_id)
        new = await store.load_version(active)
        diff = dataset_diff.diff(old, new, targets=(target,))
        embed = render.notice_embed(diff, new, old, target=target, subscription=sub)
        await interaction.followup.send(embed=embed, ephemeral=True)
