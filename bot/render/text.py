"""Plain-text renders of analytics results (the preview CLI). The words come from
``bot.render.wording``; ``render(result)`` picks the right renderer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import singledispatch

from tabulate import tabulate

from bot.analytics import (
    Comparison,
    ComplianceSummary,
    Gap,
    Order,
    Profile,
    Ranking,
    Revisions,
    Sourcing,
)
from bot.models import Release
from bot.render.wording import (
    BELOW_COLUMNS,
    CHANGE,
    GDP_DERIVED,
    LOADED_RELEASES,
    MEDIAN,
    MISSING,
    NO_ALLY_HAS_IT,
    NO_ARMED_FORCES,
    NOT_ASSESSED,
    NOT_IN_RELEASE,
    NOT_PUBLISHED,
    REVISION_COLUMNS,
    SHARE_OVER_TIME,
    SUMMARY_COLUMNS,
    TARGETS,
    TARGETS_TITLE,
    VERDICT_WORD,
    aggregate_share_line,
    aggregate_value_line,
    allies_line,
    ally_note,
    below_label,
    check_note,
    combined_gap_line,
    comparison_title,
    comparison_verdict,
    country_list,
    estimates_line,
    figures_doubt_lines,
    figures_rows,
    fmt_difference,
    fmt_metric,
    fmt_series_point,
    fmt_share,
    fmt_target,
    fmt_usd_bn,
    footer_lines,
    footnote_lines,
    gap_doubt_lines,
    gap_sentence,
    gap_title,
    joined_within_series_line,
    median_line,
    meeting_label,
    no_money_note,
    not_yet_ally_note,
    open_label,
    path_sentence,
    previous_label,
    previous_line,
    profile_heading,
    ranking_instead_line,
    ranking_title,
    release_basis_line,
    release_line,
    revision_change_line,
    revisions_renaming_line,
    revisions_source_line,
    revisions_sourcing_line,
    revisions_title,
    shortfall_label,
    since_lines,
    summary_consequence,
    summary_doubt_lines,
    summary_headline,
    summary_title,
    target_marker,
    target_taken_line,
    targets_lines,
)


def _table(rows: list[list[str]], headers: Sequence[str]) -> str:
    table: str = tabulate(rows, headers=list(headers), tablefmt="simple", disable_numparse=True)
    return table


def _head(title: str, release: Release, year: int) -> list[str]:
    return [title, f"{release_line(release)} · year {year}", ""]


def _foot(
    release: Release, year: int, sourcing: Sourcing | None, all_estimates: bool = False
) -> list[str]:
    return ["", *footer_lines(release, year, sourcing, all_estimates)]


def render_summary(result: ComplianceSummary) -> str:
    each = not result.all_estimates  # all estimates: said once in the footer, not per row
    lines = _head(summary_title(result), result.release, result.year)
    lines.append(f"{summary_headline(result)}.")
    taken = target_taken_line(result)
    if taken:
        lines.append(taken)
    consequence = summary_consequence(result)
    if consequence:
        lines.append(consequence)
    lines.append(allies_line(result))
    lines.append("")
    meeting = [
        [str(s.rank), s.country.name, fmt_share(s.share_rounded, s.estimate and each, s.note)]
        for s in result.meeting
    ]
    lines.append(f"{meeting_label(result)} ({len(result.meeting)})")
    lines.append(_table(meeting, SUMMARY_COLUMNS) if meeting else "  none")
    lines.append("")
    if result.shortfall_to != result.target:
        opened = [
            [str(s.rank), s.country.name, fmt_share(s.share_rounded, s.estimate and each, s.note)]
            for s in result.open
        ]
        lines.append(f"{open_label(result)} ({len(result.open)})")
        lines.append(_table(opened, SUMMARY_COLUMNS) if opened else "  none")
        lines.append("")
    below = [
        [
            s.country.name,
            fmt_share(s.share_rounded, s.estimate and each, s.note),
            f"{s.gap_points:.2f}",
            fmt_usd_bn(s.gap_usd_bn),
        ]
        for s in result.below
    ]
    lines.append(f"{below_label(result)} ({len(result.below)})")
    lines.append(_table(below, BELOW_COLUMNS) if below else "  none")
    lines.append("")
    if result.no_armed_forces:
        lines.append(f"{NOT_ASSESSED} ({NO_ARMED_FORCES}): {country_list(result.no_armed_forces)}")
    if result.not_published:
        lines.append(f"{NOT_PUBLISHED}: {country_list(result.not_published)}")
    lines += summary_doubt_lines(result)
    for aggregate in (result.nato_total, result.europe_canada):
        if aggregate is not None:
            lines.append(": ".join(aggregate_share_line(aggregate)))
    median = median_line(result)
    if median:
        lines.append(f"{MEDIAN}: {median}")
    previous = previous_line(result)
    if previous and result.previous is not None:
        lines.append(f"{previous_label(result.previous.year)}: {previous}")
        lines += [f"  {line}" for line in since_lines(result)[:2]]
    if result.below:
        lines.append(f"{shortfall_label(result)}: {combined_gap_line(result)}")
    lines += footnote_lines(result.footnotes)
    lines += _foot(result.release, result.year, result.sourcing, result.all_estimates)
    return "\n".join(lines)


def render_ranking(result: Ranking) -> str:
    metric = result.metric
    each = not result.all_estimates
    lowest = result.order is Order.LOWEST
    lines = _head(ranking_title(metric, lowest_first=lowest), result.release, result.year)
    instead = ranking_instead_line(result)
    if instead:
        lines.insert(2, instead)
    rows = [
        [str(r.rank), r.country.name, fmt_metric(metric, r.value_rounded, r.estimate and each)]
        for r in result.rows
    ]
    if result.target is not None and result.rows_before_line is not None:
        rows.insert(result.rows_before_line, ["", target_marker(result.target), ""])
    lines.append(_table(rows, ["#", "Ally", metric.unit]) if rows else NO_ALLY_HAS_IT)
    if result.nato_total is not None:
        lines.append(": ".join(aggregate_value_line(result.nato_total, metric)))
    if result.missing:
        lines.append(f"{NOT_IN_RELEASE}: {country_list(result.missing)}")
    lines += _foot(result.release, result.year, result.sourcing, result.all_estimates)
    return "\n".join(lines)


def render_gap(result: Gap) -> str:
    lines = _head(gap_title(result), result.release, result.year)
    lines.append(gap_sentence(result))
    lines += gap_doubt_lines(result)
    taken = target_taken_line(result)
    if taken:
        lines.append(taken)
    note = no_money_note(result)
    if note:
        lines.append(note)
    elif result.gdp_derived:
        lines.append(GDP_DERIVED)
    path = path_sentence(result)
    if path:
        lines.append(path)
    if not result.is_ally:
        lines.append(not_yet_ally_note(result.country, result.year))
    lines += _foot(result.release, result.year, result.sourcing)
    return "\n".join(lines)


def render_profile(result: Profile) -> str:
    fig = result.figures
    lines = _head(profile_heading(fig.country), result.release, result.year)
    note = ally_note(fig)
    if note:
        lines.append(note)
    lines += figures_doubt_lines([fig])
    rows = figures_rows(fig, marks=not fig.estimate)
    lines.append(_table([list(pair) for pair in rows], ["", str(result.year)]))
    if result.targets:
        lines.append("")
        lines.append(f"{TARGETS}:")
        lines += [
            f"  {fmt_target(t.target)}: {VERDICT_WORD[t.verdict]} ({check_note(t)})"
            for t in result.targets
        ]
    if result.series:
        lines.append("")
        lines.append(
            f"{SHARE_OVER_TIME}: "
            + ", ".join(
                fmt_series_point(p.year, fmt_share(p.share_rounded, p.estimate, p.note), p.is_ally)
                for p in result.series
            )
        )
        joined = result.joined_within_series
        if joined is not None:
            lines.append(joined_within_series_line(fig.country, joined, chart=False))
    lines += _foot(result.release, result.year, result.sourcing, fig.estimate)
    return "\n".join(lines)


def render_comparison(result: Comparison) -> str:
    lines = _head(comparison_title(result), result.release, result.year)
    taken = target_taken_line(result)
    if taken:
        lines.append(taken)
    lines += figures_doubt_lines(row.figures for row in result.rows)
    marks = not result.all_estimates
    labels = [label for label, _ in figures_rows(result.rows[0].figures)]
    columns = [dict(figures_rows(row.figures, marks=marks)) for row in result.rows]
    table = [[label, *(col[label] for col in columns)] for label in labels]
    table.append(
        [
            f"vs {fmt_target(result.target)}",
            *(
                MISSING if row.check is None else fmt_difference(row.check.difference_points)
                for row in result.rows
            ),
        ]
    )
    lines.append(_table(table, ["", *(row.figures.country.name for row in result.rows)]))
    lines.append("")
    lines += [
        f"{row.figures.country.name} vs {fmt_target(result.target)}: "
        f"{comparison_verdict(result, i)}"
        for i, row in enumerate(result.rows)
    ]
    lines += [n for n in (ally_note(row.figures) for row in result.rows) if n]
    lines += _foot(result.release, result.year, result.sourcing, result.all_estimates)
    return "\n".join(lines)


def render_revisions(result: Revisions) -> str:
    lines = [revisions_title(result), ""]
    rows = [
        [
            row.release.release_id,
            row.release.published,
            fmt_share(row.share_rounded, row.estimate, row.note)
            if row.share is not None
            else "not published",
        ]
        for row in result.rows
    ]
    lines.append(_table(rows, REVISION_COLUMNS))
    lines += [f"{CHANGE} {revision_change_line(c)}" for c in result.changes]
    renamed = revisions_renaming_line(result)
    if renamed:
        lines.append(renamed)
    lines += ["", estimates_line(result.year, False), revisions_source_line(result)]
    sourced = revisions_sourcing_line(result)
    if sourced:
        lines.append(sourced)
    return "\n".join(lines)


def render_targets(releases: Iterable[Release]) -> str:
    lines = [TARGETS_TITLE, "", *targets_lines(), "", f"{LOADED_RELEASES}:"]
    return "\n".join(lines + [f"  {release_basis_line(r)}" for r in releases])


@singledispatch
def render(result: object) -> str:
    raise TypeError(f"no text render for {type(result).__name__}")


render.register(ComplianceSummary, render_summary)
render.register(Ranking, render_ranking)
render.register(Gap, render_gap)
render.register(Profile, render_profile)
render.register(Comparison, render_comparison)
render.register(Revisions, render_revisions)
