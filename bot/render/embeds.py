"""Discord embeds for analytics results.

Every embed names its release, marks estimates and cites the source in its footer ("Source:
NATO, <release title>, published <date> · figures for <year>", and where the figures came from
when not NATO's own table). The words come from ``bot.render.wording``. Long lists spill into
further fields (``chunked_fields``), never clipped; every builder passes its embed through
``fit`` so Discord's limits hold whatever the data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import timedelta

import discord

from bot.analytics import (
    AllyShare,
    Comparison,
    ComplianceSummary,
    Gap,
    Order,
    Profile,
    Ranking,
    Revisions,
    Sourcing,
    Verdict,
)
from bot.models import Release, Snapshot
from bot.render import wording
from bot.render.wording import (
    BASIS_LABEL,
    ESTIMATE_MARK,
    MISSING,
    SHARE_LABEL,
    VERDICT_MARK,
    aggregate_value_line,
    aggregates_summary_line,
    allies_line,
    ally_note,
    basis_line,
    below_label,
    check_note,
    combined_gap_line,
    comparison_verdict,
    estimates_line,
    figures_rows,
    fmt_metric,
    fmt_published,
    fmt_share,
    fmt_target,
    footer_lines,
    footnote_lines,
    gap_field,
    gap_sentence,
    meeting_label,
    no_money_note,
    not_yet_ally_note,
    open_label,
    path_sentence,
    pledge_phrase,
    release_basis_line,
    revision_change_line,
    revision_published,
    revision_value,
    revisions_renaming_line,
    revisions_source_line,
    shortfall_label,
    since_lines,
    summary_consequence,
    summary_headline,
    summary_title,
    target_marker,
    targets_lines,
)

# Discord's embed limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_COUNT_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
TOTAL_LIMIT = 6000

NATO_BLUE = discord.Colour(0x004990)
MEETS_GREEN = discord.Colour(0x2E7D32)
BELOW_RED = discord.Colour(0xC62828)
#: A verdict's colour; the neutral blue when it is open (5%, rest not published).
VERDICT_COLOUR: dict[Verdict, discord.Colour] = {
    Verdict.MEETS: MEETS_GREEN,
    Verdict.BELOW: BELOW_RED,
    Verdict.OPEN: NATO_BLUE,
}

RANKING_PER_PAGE = 16
ELLIPSIS = "…"
BLANK = "\u200b"  # Discord rejects empty field names and values


# --------------------------------------------------------------------------- limits


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS


def fit(embed: discord.Embed) -> discord.Embed:
    """Clip an embed to Discord's limits, in place: long texts get an ellipsis; past the total,
    the description shrinks first, then trailing fields go."""
    if embed.title:
        embed.title = _clip(embed.title, TITLE_LIMIT)
    if embed.description:
        embed.description = _clip(embed.description, DESCRIPTION_LIMIT)
    if embed.footer.text:
        embed.set_footer(
            text=_clip(embed.footer.text, FOOTER_LIMIT), icon_url=embed.footer.icon_url
        )
    fields = embed.fields[:FIELD_COUNT_LIMIT]
    embed.clear_fields()
    for field in fields:
        embed.add_field(
            name=_clip(field.name or BLANK, FIELD_NAME_LIMIT),
            value=_clip(field.value or BLANK, FIELD_VALUE_LIMIT),
            inline=bool(field.inline),
        )
    excess = len(embed) - TOTAL_LIMIT
    if excess > 0 and embed.description:
        keep = max(0, len(embed.description) - excess)
        embed.description = _clip(embed.description, keep) if keep > len(ELLIPSIS) else None
    while len(embed) > TOTAL_LIMIT and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    return embed


def chunked_fields(
    embed: discord.Embed, name: str, items: Sequence[str], *, separator: str = ", "
) -> None:
    """Add ``items`` under ``name``, spilling into '(cont.)' fields rather than clipping."""
    chunk: list[str] = []
    first = True

    def flush() -> None:
        nonlocal first
        embed.add_field(
            name=name if first else f"{name} (cont.)",
            value=separator.join(chunk) or "none",
            inline=False,
        )
        first = False

    for item in items:
        if chunk and len(separator.join([*chunk, item])) > FIELD_VALUE_LIMIT:
            flush()
            chunk = []
        chunk.append(_clip(item, FIELD_VALUE_LIMIT))
    if chunk or first:
        flush()


def _footer(
    embed: discord.Embed,
    release: Release,
    year: int,
    sourcing: Sourcing | None,
    all_estimates: bool = False,
) -> None:
    embed.set_footer(text="\n".join(footer_lines(release, year, sourcing, all_estimates)))


def _present(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Figures the release publishes; the share stays even when missing, to say so."""
    return [(label, value) for label, value in rows if label == SHARE_LABEL or value != MISSING]


def _description(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p)


# --------------------------------------------------------------------------- results


def _ally_share(item: AllyShare, *, marks: bool) -> str:
    """'Denmark 3.49': the name and share; the money per ally is /gap's."""
    return (
        f"{item.country.name} {fmt_share(item.share_rounded, item.estimate and marks, item.note)}"
    )


def summary_embed(result: ComplianceSummary) -> discord.Embed:
    """The headline, who meets and who is below (names and shares), what changed since the year
    before, NATO's aggregates and the combined shortfall; short enough for a phone."""
    everyone_meets = not result.below and not result.open and bool(result.meeting)
    marks = not result.all_estimates
    embed = discord.Embed(
        title=summary_title(result),
        description=_description(
            f"**{summary_headline(result)}.**",
            wording.target_taken_line(result),
            summary_consequence(result),
            basis_line(result.release),
            allies_line(result) if result.not_yet_allies else None,
            *footnote_lines(result.footnotes),
            *wording.summary_doubt_lines(result),
        ),
        colour=MEETS_GREEN if everyone_meets else NATO_BLUE,
    )
    chunked_fields(
        embed,
        f"{meeting_label(result)} ({len(result.meeting)})",
        [_ally_share(s, marks=marks) for s in result.meeting],
    )
    if result.shortfall_to != result.target:
        chunked_fields(
            embed,
            f"{open_label(result)} ({len(result.open)})",
            [_ally_share(s, marks=marks) for s in result.open],
        )
    chunked_fields(
        embed,
        f"{below_label(result)} ({len(result.below)})",
        [_ally_share(s, marks=marks) for s in result.below],
    )
    if result.not_published:
        chunked_fields(
            embed,
            f"{wording.NOT_PUBLISHED} ({len(result.not_published)})",
            [c.name for c in result.not_published],
        )
    since = since_lines(result)
    if since and result.previous is not None:
        embed.add_field(
            name=wording.since_label(result.previous.year), value="\n".join(since), inline=False
        )
    aggregates = aggregates_summary_line(result)
    if aggregates:
        embed.add_field(name=wording.AGGREGATES, value=aggregates, inline=False)
    if result.below:
        embed.add_field(
            name=shortfall_label(result),
            value=f"{combined_gap_line(result)} · {wording.GAP_HINT}",
            inline=False,
        )
    _footer(embed, result.release, result.year, result.sourcing, result.all_estimates)
    return fit(embed)


def ranking_pages(
    result: Ranking, per_page: int = RANKING_PER_PAGE, *, note: str | None = None
) -> list[discord.Embed]:
    """The ranking split into pages (32 allies read badly in one embed); missing allies last.
    With a target, a marker row ("— 2% —") sits between the allies above and below it.

    The page number is on the paginator's button, so not repeated in the embed.
    """
    metric = result.metric
    marks = not result.all_estimates
    per_page = max(1, per_page)
    chunks = [result.rows[i : i + per_page] for i in range(0, len(result.rows), per_page)] or [()]
    width = max((len(r.country.name) for r in result.rows), default=0)
    line = result.rows_before_line
    pages = []
    for number, chunk in enumerate(chunks, 1):
        first = (number - 1) * per_page
        # The mark (or a space) after every value keeps the decimals aligned.
        values = [
            fmt_metric(metric, r.value_rounded) + (ESTIMATE_MARK if r.estimate and marks else " ")
            for r in chunk
        ]
        value_width = max((len(v) for v in values), default=0)
        rows: list[str] = []
        for index, (r, value) in enumerate(zip(chunk, values, strict=True), first):
            if line is not None and result.target is not None and index == line:
                rows.append(target_marker(result.target))
            rows.append(f"{r.rank:>2}. {r.country.name:<{width}}  {value:>{value_width}}")
        last = number == len(chunks)
        if last and line is not None and result.target is not None and line == len(result.rows):
            rows.append(target_marker(result.target))
        table = "\n".join(rows)
        body = f"```\n{table}\n```" if chunk else wording.NO_ALLY_HAS_IT
        embed = discord.Embed(
            title=wording.ranking_title(
                metric, result.year, lowest_first=result.order is Order.LOWEST
            ),
            description=_description(
                wording.ranking_instead_line(result), note, basis_line(result.release), body
            ),
            colour=NATO_BLUE,
        )
        if last and result.nato_total is not None:
            name, value = aggregate_value_line(result.nato_total, metric)
            embed.add_field(name=name, value=value)
        if last and result.missing:
            chunked_fields(embed, wording.NOT_IN_RELEASE, [c.name for c in result.missing])
        _footer(embed, result.release, result.year, result.sourcing, result.all_estimates)
        pages.append(fit(embed))
    return pages


def gap_embed(result: Gap) -> discord.Embed:
    embed = discord.Embed(
        title=wording.gap_title(result),
        description=_description(
            gap_sentence(result),
            *wording.gap_doubt_lines(result),
            wording.target_taken_line(result),
            path_sentence(result),
            no_money_note(result),
            wording.GDP_DERIVED if result.gdp_derived else None,
            None if result.is_ally else not_yet_ally_note(result.country, result.year),
            basis_line(result.release),
        ),
        colour=VERDICT_COLOUR[result.verdict],
    )
    embed.add_field(
        name=SHARE_LABEL, value=fmt_share(result.share_rounded, result.estimate, result.note)
    )
    target = (
        pledge_phrase(result.target, result.year) if result.is_ally else fmt_target(result.target)
    )
    embed.add_field(name=wording.TARGET, value=target)
    distance, value = gap_field(result)
    embed.add_field(name=distance, value=value)
    _footer(embed, result.release, result.year, result.sourcing)
    return fit(embed)


def profile_embed(result: Profile) -> discord.Embed:
    fig = result.figures
    embed = discord.Embed(
        title=f"{wording.profile_heading(fig.country)}, {result.year}",
        description=_description(
            ally_note(fig), *wording.figures_doubt_lines([fig]), basis_line(result.release)
        ),
        colour=NATO_BLUE,
    )
    for label, value in _present(figures_rows(fig, marks=not fig.estimate)):
        embed.add_field(name=label, value=value)
    if result.targets:
        embed.add_field(
            name=wording.TARGETS,
            value="\n".join(
                f"{VERDICT_MARK[t.verdict]} {fmt_target(t.target)} ({check_note(t)})"
                for t in result.targets
            ),
            inline=False,
        )
    if len(result.series) >= 2:
        first, last = result.series[0], result.series[-1]
        trend = wording.trend_line(
            wording.fmt_series_point(
                first.year,
                fmt_share(first.share_rounded, first.estimate, first.note),
                first.is_ally,
            ),
            wording.fmt_series_point(
                last.year, fmt_share(last.share_rounded, last.estimate, last.note), last.is_ally
            ),
        )
        joined = result.joined_within_series
        if joined is not None:
            trend += "\n" + wording.joined_within_series_line(fig.country, joined, chart=True)
        embed.add_field(name=wording.TREND, value=trend, inline=False)
    _footer(embed, result.release, result.year, result.sourcing, fig.estimate)
    return fit(embed)


def compare_embed(result: Comparison) -> discord.Embed:
    names = " vs ".join(row.figures.country.name for row in result.rows)
    marks = not result.all_estimates
    embed = discord.Embed(
        title=f"{names}, {result.year}",
        description=_description(
            wording.against_line(result),
            wording.target_taken_line(result),
            *wording.figures_doubt_lines(row.figures for row in result.rows),
            basis_line(result.release),
        ),
        colour=NATO_BLUE,
    )
    for index, row in enumerate(result.rows):
        fig = row.figures
        lines = [
            f"**{label}:** {value}" for label, value in _present(figures_rows(fig, marks=marks))
        ]
        if row.check is not None:
            lines.append(f"**vs {fmt_target(result.target)}:** {comparison_verdict(result, index)}")
        note = ally_note(fig)
        if note:
            lines.append(f"_{note}_")
        embed.add_field(name=fig.country.name, value="\n".join(lines), inline=True)
    _footer(embed, result.release, result.year, result.sourcing, result.all_estimates)
    return fit(embed)


def revisions_embed(result: Revisions) -> discord.Embed:
    """Every release's figure, and each change from one release to the next."""
    embed = discord.Embed(
        title=wording.revisions_title(result),
        description=_description(wording.REVISIONS_INTRO, revisions_renaming_line(result)),
        colour=NATO_BLUE,
    )
    embed.add_field(
        name=wording.PUBLISHED,
        value="\n".join(
            f"**{row.release.release_id}**{revision_published(row)}: {revision_value(row)}"
            for row in result.rows
        ),
        inline=False,
    )
    if result.changes:
        embed.add_field(
            name=wording.CHANGES,
            value="\n".join(revision_change_line(c) for c in result.changes),
            inline=False,
        )
    footer = [revisions_source_line(result), wording.revisions_sourcing_line(result)]
    footer.append(estimates_line(result.year, False))
    embed.set_footer(text="\n".join(line for line in footer if line))
    return fit(embed)


def targets_embed(source: Snapshot | Iterable[Release]) -> discord.Embed:
    """What 2%, 3.5%, 5% and 20% mean, and what each loaded release calls the measure."""
    releases = list(source.releases.values() if isinstance(source, Snapshot) else source)
    embed = discord.Embed(
        title=wording.TARGETS_TITLE,
        description="\n".join(f"• {line}" for line in targets_lines()),
        colour=NATO_BLUE,
    )
    chunked_fields(
        embed,
        wording.LOADED_RELEASES,
        [release_basis_line(r) for r in releases],
        separator="\n",
    )
    embed.set_footer(text=wording.targets_footer(releases[-1] if releases else None))
    return fit(embed)


def about_embed(
    snap: Snapshot, *, uptime_seconds: float, latency_seconds: float, guild_count: int
) -> discord.Embed:
    """The loaded dataset, its source and the bot's health."""
    version = snap.version
    newest = snap.newest_release
    years = snap.years(newest.release_id)
    span = f"{years[0]}–{years[-1]}" if years else MISSING
    embed = discord.Embed(
        title=wording.ABOUT_TITLE,
        description=wording.ABOUT_TEXT,
        colour=NATO_BLUE,
    )
    embed.add_field(name="Dataset version", value=f"#{version.version_id}")
    embed.add_field(name="Loaded", value=f"{version.loaded_at:%Y-%m-%d %H:%M} UTC")
    embed.add_field(name="From", value=_clip(version.source, FIELD_VALUE_LIMIT) or MISSING)
    embed.add_field(
        name="Newest release",
        value=f"{newest.release_id}, published {fmt_published(newest.published)}: "
        f"{BASIS_LABEL[newest.basis]}; figures for {span}",
        inline=False,
    )
    embed.add_field(name="Releases loaded", value=str(len(snap.releases)))
    embed.add_field(name="Uptime", value=str(timedelta(seconds=int(uptime_seconds))))
    latency = f"{latency_seconds * 1000:.0f} ms" if math.isfinite(latency_seconds) else MISSING
    embed.add_field(name="Gateway latency", value=latency)
    embed.add_field(name="Servers", value=str(guild_count))
    embed.set_footer(
        text=f"Source: NATO, {newest.title}, published {fmt_published(newest.published)}"
    )
    return fit(embed)
