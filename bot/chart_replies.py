"""The chart each command attaches, and how a reply carries it.

A command builds its analytics result and embed, asks here for its ``ChartReply`` (the job
the worker pool draws, its file name and alt text, or the one line said instead when there is
no line to draw), and sends it with ``send``. The bot process never imports matplotlib: the
PNG comes from ``bot.chart_renderer``.

``keep_warm`` pre-renders the charts people ask for most, once per dataset version: at
start-up and whenever a reply notices that the active version changed (an activation here or
by another process, taken up by ``Store.refresh``).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import discord

from bot import analytics
from bot.analytics import Comparison, ComplianceSummary, Gap, Profile, Ranking
from bot.analytics import targets as registry
from bot.chart_renderer import ChartJob, ChartRenderer, profile_job
from bot.errors import UserFacingError
from bot.models import Snapshot
from bot.render import chart_wording as words

log = logging.getLogger(__name__)


class _SnapshotHolder(Protocol):
    @property
    def snapshot(self) -> Snapshot: ...


class ChartHost(Protocol):
    """What sending and pre-rendering charts need of the bot: its renderer and the active
    snapshot (the bot passes itself; this module never imports ``bot.client``)."""

    @property
    def charts(self) -> ChartRenderer: ...

    @property
    def store(self) -> _SnapshotHolder: ...


@dataclass(frozen=True)
class ChartReply:
    """A reply's chart: ``job`` to draw (None: ``note`` is said instead, with no attachment)."""

    job: ChartJob | None
    filename: str
    description: str
    note: str | None = None

    @contextlib.contextmanager
    def file(self, png: bytes) -> Iterator[discord.File]:
        """The chart as an attachment, for one send. Its buffer (a copy of the PNG, ~150 KB) is
        closed afterwards: discord.py leaves a caller's file open, and the request objects
        that refer to it wait for a full garbage collection (17 MB after 5,000 /ranking)."""
        buffer = io.BytesIO(png)
        attachment = discord.File(buffer, filename=self.filename, description=self.description)
        try:
            yield attachment
        finally:
            attachment.close()  # gives the buffer its own close() back
            buffer.close()


def _key(snap: Snapshot, kind: str, *params: Hashable) -> tuple[Hashable, ...]:
    return (snap.version.version_id, kind, *params)


def _name(*parts: object) -> str:
    return "-".join(str(p).lower().replace(".", "_") for p in parts) + ".png"


def _lines(*series: Sequence[analytics.SeriesPoint]) -> int:
    """Years the longest line would have: a line chart needs two."""
    return max((len({p.year for p in s}) for s in series), default=0)


def summary_reply(snap: Snapshot, result: ComplianceSummary) -> ChartReply:
    params = (result.release_id, result.year, result.target)
    return ChartReply(
        job=ChartJob(_key(snap, "summary", *params), "summary", (result,)),
        filename=_name("summary", *params),
        description=words.summary_alt(result),
    )


def ranking_reply(snap: Snapshot, result: Ranking, target: float | None = None) -> ChartReply:
    params = (result.metric.value, result.release_id, result.year, target)
    return ChartReply(
        job=ChartJob(_key(snap, "ranking", *params), "ranking", (result, target)),
        filename=_name("ranking", *params[:3]),
        description=words.ranking_alt(result, target),
    )


def profile_reply(snap: Snapshot, result: Profile) -> ChartReply:
    filename = _name(result.country.iso3, result.release_id)
    if _lines(result.series) < 2:
        return _no_line(snap, result.release_id, result.year, filename, result.country.name)
    return ChartReply(
        job=profile_job(result, snap.version.version_id),
        filename=filename,
        description=words.profile_alt(result),
    )


def compare_reply(snap: Snapshot, result: Comparison) -> ChartReply:
    iso3s = tuple(row.figures.country.iso3 for row in result.rows)
    params = (result.release_id, result.year, result.target, iso3s)
    filename = _name("compare", result.release_id, *iso3s)
    profiles = []
    for iso3 in iso3s:
        try:
            profiles.append(analytics.profile(snap, iso3, release_id=result.release_id))
        except UserFacingError:
            continue  # an aggregate or a name analytics has no profile for: no line for it
    if _lines(*(p.series for p in profiles)) < 2:
        return _no_line(snap, result.release_id, result.year, filename, None)
    return ChartReply(
        job=ChartJob(_key(snap, "compare", *params), "compare", (result, tuple(profiles))),
        filename=filename,
        description=words.compare_alt(result, profiles),
    )


def gap_reply(snap: Snapshot, result: Gap) -> ChartReply:
    iso3 = result.country.iso3
    params = (iso3, result.release_id, result.year, result.target)
    filename = _name("gap", *params)
    profile = analytics.profile(snap, iso3, release_id=result.release_id)
    if len(snap.years(result.release_id)) < 2 or _lines(profile.series) < 2:
        return _no_line(snap, result.release_id, result.year, filename, result.country.name)
    return ChartReply(
        job=ChartJob(_key(snap, "gap", *params), "gap", (result, profile)),
        filename=filename,
        description=words.gap_alt(result, profile),
    )


def _no_line(
    snap: Snapshot, release_id: str, year: int, filename: str, name: str | None
) -> ChartReply:
    if len(snap.years(release_id)) < 2 or name is None:
        note = words.one_year_line(release_id, year)
    else:
        note = words.no_series_line(name, release_id)
    return ChartReply(job=None, filename=filename, description=note, note=note)


# --------------------------------------------------------------------------- sending


async def send(
    bot: ChartHost,
    interaction: discord.Interaction[Any],
    embed: discord.Embed,
    chart: ChartReply,
    *,
    view: discord.ui.View | None = None,
) -> None:
    """Answer with the embed and its chart (shown in the embed): at once when the chart is
    cached or there is none; else defer first ("thinking…"), draw it, and follow up.
    ``view``: components under the reply (the Export CSV button)."""
    keep_warm(bot)
    extra: dict[str, Any] = {} if view is None else {"view": view}
    if chart.job is None:
        await interaction.response.send_message(content=chart.note, embed=embed, **extra)
        return
    embed.set_image(url=f"attachment://{chart.filename}")
    png = bot.charts.cached(chart.job.key)
    if png is not None:
        with chart.file(png) as file:
            await interaction.response.send_message(embed=embed, file=file, **extra)
        return
    await interaction.response.defer(thinking=True)
    png = await bot.charts.chart(chart.job)
    with chart.file(png) as file:
        await interaction.followup.send(embed=embed, file=file, **extra)


async def send_after(
    bot: ChartHost, interaction: discord.Interaction[Any], chart: ChartReply
) -> None:
    """The chart as a message of its own after a reply already sent (the ranking's pages: one
    chart for all of them, kept while the pages turn)."""
    keep_warm(bot)
    if chart.job is None:
        await interaction.followup.send(chart.note or chart.description)
        return
    png = bot.charts.cached(chart.job.key) or await bot.charts.chart(chart.job)
    with chart.file(png) as file:
        await interaction.followup.send(file=file)


# --------------------------------------------------------------------------- pre-rendering


async def prerender_jobs(snap: Snapshot) -> list[ChartJob]:
    """The charts people ask for most, in the newest release: each named target's summary,
    the share ranking, then every ally's profile. Yields to the event loop between questions."""
    jobs: list[ChartJob] = []
    for target in registry.GDP_TARGETS:
        with _skipped():
            jobs.append(_job(summary_reply(snap, analytics.summary(snap, target=target.value))))
        await asyncio.sleep(0)
    with _skipped():
        jobs.append(_job(ranking_reply(snap, analytics.ranking(snap))))
    for iso3 in snap.countries:
        await asyncio.sleep(0)
        with _skipped():
            reply = profile_reply(snap, analytics.profile(snap, iso3))
            if reply.job is not None:
                jobs.append(reply.job)
    return jobs


def _job(reply: ChartReply) -> ChartJob:
    assert reply.job is not None  # bars are drawn for any release
    return reply.job


class _skipped:
    """A question the data cannot answer (no figures) is not pre-rendered."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> bool:
        return kind is not None and issubclass(kind, UserFacingError)


def keep_warm(bot: ChartHost) -> asyncio.Task[int] | None:
    """Pre-render for the active version unless already done or under way for it."""
    snap = bot.store.snapshot
    version = snap.version.version_id
    if not bot.charts.prerender_enabled or bot.charts.warm_version == version:
        return None
    bot.charts.warm_version = version
    return bot.charts.prerender(prerender_jobs(snap))
