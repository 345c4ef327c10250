"""Scheduled posts and new-data notices as Discord embeds, and the /updates list.

A scheduled post is one of the replies people know (the /summary embed, the first ranking page)
or a short gaps post, with a line saying which subscription posted it. Every post cites source and
year in its footer, as the replies do. A notice words a ``DatasetDiff`` (allies that crossed
the server's target, the largest revisions, years added) for the target it was computed for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import discord

from bot import analytics
from bot.analytics import ComplianceSummary, Verdict
from bot.analytics.dataset_diff import Crossing, DatasetDiff, Direction, ShareRevision
from bot.analytics.targets import shortfall_to
from bot.models import Country, Dataset, Release, Snapshot
from bot.render import embeds, wording
from bot.render.embeds import BELOW_RED, MEETS_GREEN, NATO_BLUE, chunked_fields, fit
from bot.render.wording import (
    below_label,
    count,
    fmt_points,
    fmt_share,
    fmt_signed_points,
    fmt_target,
    fmt_usd_bn,
    footer_lines,
    release_line,
    source_line,
)
from bot.schedule import describe
from bot.subscriptions import Content, State, Subscription

NOTICE_TITLE = "New NATO defence-spending figures"
#: A version that adds no release: an operator's correction of releases already served.
CORRECTION_TITLE = "Corrected NATO defence-spending figures"
#: Revisions a notice lists at most (the diff keeps the largest first).
NOTICE_REVISIONS = 5
#: Crossings a notice lists at most, newest years first (the rest are counted): one field.
NOTICE_CROSSINGS = 8
CONTENT_LABEL: dict[Content, str] = {
    Content.SUMMARY: "who meets the target",
    Content.RANKING: "ranking by share of GDP",
    Content.GAPS: "allies below the target and their gaps",
}


# --------------------------------------------------------------------------- timestamps


def discord_time(moment: datetime, style: str = "F") -> str:
    """Discord's timestamp markup: each reader sees it in their own time zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def when(moment: datetime) -> str:
    """'<t:…:F> (<t:…:R>) · 2026-07-01 09:00 UTC': local, relative and UTC."""
    return f"{discord_time(moment, 'F')} ({discord_time(moment, 'R')}) · {utc_text(moment)}"


# --------------------------------------------------------------------------- scheduled posts


def posted_by_line(subscription: Subscription) -> str:
    """The embed's author line: which subscription posted this, and when it posts."""
    return f"Scheduled post #{subscription.id} · {describe(subscription.schedule)}"


#: Allies a gaps post names (the largest gaps); /gap answers for any other.
GAPS_POST_ALLIES = 5


def gaps_embed(result: ComplianceSummary) -> discord.Embed:
    """A short post of the allies below the target: how many, the largest gaps, the alliance's
    total, and /gap for the rest (a channel reads it at a glance; the full list is a command)."""
    marks = not result.all_estimates
    largest = sorted(result.below, key=lambda item: item.gap_points, reverse=True)
    lines = []
    for item in largest[:GAPS_POST_ALLIES]:
        money = f", {fmt_usd_bn(item.gap_usd_bn)} a year" if item.gap_usd_bn is not None else ""
        share = fmt_share(item.share_rounded, item.estimate and marks)
        lines.append(f"{item.country.name} {share}: −{fmt_points(item.gap_points)}{money}")
    embed = discord.Embed(
        title=f"{below_label(result)} in {result.year}",
        description="\n".join(
            [
                f"**{wording.summary_headline(result)}.**",
                release_line(result.release),
            ]
        ),
        colour=BELOW_RED if result.below else MEETS_GREEN,
    )
    if lines:
        rest = len(result.below) - len(lines)
        name = f"Largest gaps to {fmt_target(result.shortfall_to)}"
        if rest:
            name += f" ({len(lines)} of {len(result.below)})"
        embed.add_field(name=name, value="\n".join(lines), inline=False)
        embed.add_field(
            name=wording.shortfall_label(result),
            value=f"{wording.combined_gap_line(result)}. `/gap` shows any ally's gap.",
            inline=False,
        )
    else:
        embed.add_field(
            name="Gaps",
            value=f"None: every assessed ally meets {fmt_target(result.shortfall_to)}.",
            inline=False,
        )
    embed.set_footer(
        text="\n".join(
            footer_lines(result.release, result.year, result.sourcing, result.all_estimates)
        )
    )
    return fit(embed)


def scheduled_post(snapshot: Snapshot, subscription: Subscription, target: float) -> discord.Embed:
    """The post a subscription makes, on the newest release and its latest year."""
    if subscription.content is Content.RANKING:
        result = analytics.ranking(snapshot, metric=analytics.Metric.SHARE)
        embed = embeds.ranking_pages(result)[0]
    elif subscription.content is Content.GAPS:
        embed = gaps_embed(analytics.summary(snapshot, target=target))
    else:
        embed = embeds.summary_embed(analytics.summary(snapshot, target=target))
    embed.set_author(name=posted_by_line(subscription))
    return fit(embed)


# --------------------------------------------------------------------------- new-data notices


def _names(*sources: Snapshot | Dataset) -> dict[str, Country]:
    found: dict[str, Country] = {}
    for source in sources:
        members: Iterable[Country] = (
            source.countries.values() if isinstance(source, Snapshot) else source.members
        )
        for country in members:
            found.setdefault(country.iso3, country)
    return found


def _name(names: dict[str, Country], iso3: str) -> str:
    country = names.get(iso3)
    return country.name if country else iso3


_CROSSING_SENTENCE: dict[tuple[Direction, Verdict, bool], str] = {
    # (direction, new verdict, whether the target is judged on a core element): the sentence.
    (Direction.UP, Verdict.MEETS, False): "{mark} {name} now meets {target}: {now}, was {was}",
    (Direction.UP, Verdict.MEETS, True): "{mark} {name} now meets {target}: {now}, was {was}",
    (Direction.UP, Verdict.OPEN, True): (
        "{mark} {name} now meets the {core} core element of {target}: {now}, was {was}"
    ),
    (Direction.DOWN, Verdict.OPEN, True): (
        "{mark} {name} no longer meets {target}, only its {core} core element: {now}, was {was}"
    ),
    (Direction.DOWN, Verdict.BELOW, False): "{mark} {name} is now below {target}: {now}, was {was}",
    (Direction.DOWN, Verdict.BELOW, True): (
        "{mark} {name} is now below the {core} core element of {target}: {now}, was {was}"
    ),
}


def crossing_line(crossing: Crossing, names: dict[str, Country]) -> str:
    """'✅ Spain now meets 2%: 2.01% in 2025 (release 2026-07), was 1.95% in 2024 (2025-08)';
    for 5%, '❔ Greece now meets the 3.5% core element of 5%: …'."""
    core = shortfall_to(crossing.target)
    now = f"{crossing.new_share:.2f}% in {crossing.new_year} (release {crossing.new_release_id})"
    was = f"{crossing.old_share:.2f}% in {crossing.old_year}"
    if crossing.old_release_id != crossing.new_release_id:
        was += f" ({crossing.old_release_id})"
    sentence = _CROSSING_SENTENCE[
        (crossing.direction, crossing.new_verdict, core != crossing.target)
    ]
    return sentence.format(
        mark=wording.VERDICT_MARK[crossing.new_verdict],
        name=_name(names, crossing.iso3),
        target=fmt_target(crossing.target),
        core=fmt_target(core),
        now=now,
        was=was,
    )


def revision_line(revision: ShareRevision, names: dict[str, Country]) -> str:
    """'Poland 2024 revised down: 4.12% → 3.79% (−0.33 pts), 2024-06 → 2025-08'."""
    way = "up" if revision.points > 0 else "down"
    releases = (
        revision.new_release_id
        if revision.old_release_id == revision.new_release_id
        else f"{revision.old_release_id} → {revision.new_release_id}"
    )
    return (
        f"{_name(names, revision.iso3)} {revision.year} revised {way}: {revision.old:.2f}% → "
        f"{revision.new:.2f}% ({fmt_signed_points(revision.points)} pts), {releases}"
    )


def years_line(diff: DatasetDiff) -> str | None:
    """'Figures now reach 2026' and the years each release gained."""
    parts = []
    if diff.new_latest_year is not None:
        parts.append(f"Figures now reach {diff.new_latest_year}")
    for change in diff.years_changed:
        if change.added:
            years = ", ".join(map(str, change.added))
            parts.append(f"release {change.release_id} adds {years}")
    return "; ".join(parts) + "." if parts else None


def _newest(data: Dataset) -> tuple[Release, int] | None:
    """The newest release of a dataset and its latest year: what the footer cites."""
    if not data.releases:
        return None
    newest = max(data.releases, key=lambda r: r.release_id)
    years = [r.year for r in data.records if r.release_id == newest.release_id]
    return (newest, max(years)) if years else None


def notice_title(diff: DatasetDiff) -> str:
    return NOTICE_TITLE if diff.releases_added else CORRECTION_TITLE


def notice_embed(
    diff: DatasetDiff, new: Dataset, old: Dataset, *, target: float, subscription: Subscription
) -> discord.Embed:
    """The notice of a new dataset version, for the server's ``target``."""
    names = _names(new, old)
    crossings = [c for c in diff.crossings if c.target == target]
    lines: list[str] = []
    for release in diff.releases_added:
        lines.append(
            f"New release **{release.release_id}**: {release.title}, published "
            f"{wording.fmt_published(release.published)}."
        )
    years = years_line(diff)
    if years:
        lines.append(years)
    if not crossings:
        lines.append(f"No ally crossed {fmt_target(target)} either way.")
    embed = discord.Embed(
        title=notice_title(diff),
        description="\n".join(lines),
        colour=MEETS_GREEN if any(c.direction is Direction.UP for c in crossings) else NATO_BLUE,
    )
    if crossings:
        shown = [crossing_line(c, names) for c in crossings[:NOTICE_CROSSINGS]]
        if len(crossings) > len(shown):
            shown.append(f"… and {len(crossings) - len(shown)} more")
        chunked_fields(
            embed, f"Crossed {fmt_target(target)} ({len(crossings)})", shown, separator="\n"
        )
    revisions: Sequence[ShareRevision] = diff.revisions[:NOTICE_REVISIONS]
    if revisions:
        more = diff.share_revision_count - len(revisions)
        chunked_fields(
            embed,
            "Largest revisions of the share of GDP"
            + (f" ({more} more)" if more > 0 else f" ({len(revisions)})"),
            [revision_line(r, names) for r in revisions],
            separator="\n",
        )
    cited = _newest(new)
    if cited is not None:
        embed.set_footer(text=source_line(*cited))
    embed.set_author(name=posted_by_line(subscription))
    return fit(embed)


# --------------------------------------------------------------------------- /updates list

#: What "only when the figures change" does, said where the option shows.
ONLY_ON_CHANGE_RULE = "a run is skipped while the data is that of the last post"


def subscription_title(subscription: Subscription) -> str:
    return f"#{subscription.id} · {describe(subscription.schedule)}"


def subscription_details(subscription: Subscription, *, default_target: float) -> str:
    """What /updates list says of one subscription."""
    target = (
        f"{fmt_target(subscription.target)}"
        if subscription.target is not None
        else f"the server's ({fmt_target(default_target)} now)"
    )
    lines = [
        f"Channel: <#{subscription.channel_id}>"
        + (f", thread <#{subscription.thread_id}>" if subscription.thread_id is not None else ""),
        f"Posts: {CONTENT_LABEL[subscription.content]}, target {target}",
    ]
    if subscription.only_on_change:
        lines.append(f"Only when the figures change: {ONLY_ON_CHANGE_RULE}")
    if subscription.state is State.PAUSED:
        lines.append(f"State: ⏸ paused: {subscription.paused_reason}")
    else:
        lines.append("State: active")
        if subscription.next_run_at is not None:
            lines.append(f"Next run: {when(subscription.next_run_at)}")
        else:
            lines.append("Next run: when NATO figures change (a new dataset version)")
    if subscription.is_pending:
        lines.append("A post is being delivered (it is retried until Discord accepts it).")
    if subscription.last_posted_at is not None:
        lines.append(f"Last post: {when(subscription.last_posted_at)}")
    else:
        lines.append("Last post: none yet")
    return "\n".join(lines)


def subscriptions_embed(
    subscriptions: Sequence[Subscription], *, default_target: float, limit: int
) -> discord.Embed:
    embed = discord.Embed(
        title="Scheduled posts in this server",
        description=(
            f"{count(len(subscriptions), 'subscription')} of at most {limit}. Times are shown in "
            "your time zone, and in UTC."
            if subscriptions
            else "None yet: add one with `/updates subscribe`."
        ),
        colour=NATO_BLUE,
    )
    for subscription in subscriptions:
        embed.add_field(
            name=subscription_title(subscription),
            value=subscription_details(subscription, default_target=default_target),
            inline=False,
        )
    return fit(embed)


def subscribed_text(subscription: Subscription) -> str:
    """The answer to /updates subscribe."""
    first = (
        f"first post {when(subscription.next_run_at)}"
        if subscription.next_run_at is not None
        else "it posts when NATO's figures change"
    )
    only = (
        f" (only when the figures change: {ONLY_ON_CHANGE_RULE})"
        if subscription.only_on_change
        else ""
    )
    return (
        f"Subscription #{subscription.id}: <#{subscription.destination_id}> gets "
        f"{CONTENT_LABEL[subscription.content]} {describe(subscription.schedule)}{only}; {first}."
    )
