"""Plain-text renders of analytics results (the preview CLI), and the formatting both renderers use.

The ``fmt_*`` helpers and ``source_line`` are shared with ``bot.render.embeds`` so a figure reads
the same in a terminal and on Discord. ``render(result)`` picks the right renderer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import singledispatch

from tabulate import tabulate

from bot.analytics import (
    EQUIPMENT_GUIDELINE,
    HAGUE_CORE_TARGET,
    HAGUE_TOTAL_TARGET,
    WALES_TARGET,
    AllyFigures,
    Caveat,
    Comparison,
    ComplianceSummary,
    Gap,
    Metric,
    Profile,
    Ranking,
    Revisions,
    rounded_share,
    target_name,
)
from bot.models import Basis, Country, Release

ESTIMATE_MARK = "e"
ESTIMATE_LEGEND = f"{ESTIMATE_MARK} = NATO estimate"
MISSING = "–"
SHARE_LABEL = "% of GDP"
BASIS_LABEL: dict[Basis, str] = {
    "total": "total defence expenditure (the 2% basis)",
    "core": "core defence expenditure (the 3.5% basis)",
}

# --------------------------------------------------------------------------- formatting


def fmt_share(value: float | None, estimate: bool = False) -> str:
    """'1.28' or '1.28e' (NATO estimate); '–' when not published. Expects a rounded share."""
    if value is None:
        return MISSING
    return f"{value:.2f}{ESTIMATE_MARK if estimate else ''}"


def fmt_points(value: float) -> str:
    return f"{value:.2f} pts"


def fmt_signed_points(value: float) -> str:
    return f"{value:+.2f}".replace("-", "−")


def fmt_usd_bn(value: float | None) -> str:
    if value is None:
        return MISSING
    return f"${value:,.1f} bn" if abs(value) >= 100 else f"${value:,.2f} bn"


def fmt_usd_m(value: float | None) -> str:
    return MISSING if value is None else f"${value:,.0f} m"


def fmt_number(value: float | None, decimals: int, suffix: str = "") -> str:
    return MISSING if value is None else f"{value:,.{decimals}f}{suffix}"


def fmt_metric(metric: Metric, value: float | None, estimate: bool = False) -> str:
    """A ranking value at its metric's precision, with the estimate mark; the unit goes in
    the column header (``metric.unit``)."""
    if value is None:
        return MISSING
    return f"{value:,.{metric.decimals}f}{ESTIMATE_MARK if estimate else ''}"


def fmt_share_sentence(value: float, estimate: bool) -> str:
    """'1.28% of GDP' or '1.28% of GDP (estimate)', for running text."""
    return f"{value:.2f}% of GDP" + (" (estimate)" if estimate else "")


def fmt_target(target: float) -> str:
    return f"{target:g}%"


def release_line(release: Release) -> str:
    return f"Release {release.release_id}: {BASIS_LABEL[release.basis]}"


def source_line(release: Release, year: int) -> str:
    return f"Source: NATO, {release.title} ({release.published}) · figures for {year}"


def revisions_source_line(result: Revisions) -> str:
    ids = [row.release.release_id for row in result.rows]
    span = ids[0] if len(ids) == 1 else f"{ids[0]} to {ids[-1]}"
    return f"Source: NATO, releases {span} · figures for {result.year}"


def country_list(countries: Iterable[Country]) -> str:
    return ", ".join(c.name for c in countries)


def not_yet_ally_note(country: Country, year: int) -> str:
    return f"{country.name} joined NATO in {country.accession_year}; not yet an ally in {year}."


def ally_note(figures: AllyFigures) -> str | None:
    """Why an ally's figure needs a word of explanation, if it does."""
    country = figures.country
    if not country.has_armed_forces:
        return f"{country.name} has no armed forces; NATO reports no defence spending for it."
    if not figures.is_ally:
        return not_yet_ally_note(country, figures.year)
    return None


def summary_headline(result: ComplianceSummary) -> str:
    return (
        f"{len(result.meeting)} of {result.assessed_count} assessed allies meet "
        f"{fmt_target(result.target)} in {result.year}"
    )


def previous_line(result: ComplianceSummary) -> str | None:
    prev = result.previous
    if prev is None:
        return None
    line = f"{prev.meeting_count} of {prev.assessed_count} met {fmt_target(result.target)}"
    if prev.nato_total_change is not None:
        line += f"; NATO total share {fmt_signed_points(prev.nato_total_change)} pts since"
    return line


def allies_line(result: ComplianceSummary) -> str:
    line = f"Allies in {result.year}: {len(result.allies)}"
    if result.not_yet_allies:
        joined = ", ".join(f"{c.name} (joined {c.accession_year})" for c in result.not_yet_allies)
        line += f"; not yet allies: {joined}"
    return line


def gap_sentence(result: Gap) -> str:
    name, target = result.country.name, fmt_target(result.target)
    share = fmt_share_sentence(result.share_rounded, result.estimate)
    money = (
        "" if result.money_usd_bn is None else f", about {fmt_usd_bn(result.money_usd_bn)} a year"
    )
    if result.meets:
        return f"{name} meets {target} with {share}: {fmt_points(result.points)} above{money}."
    return f"{name} is at {share}: {fmt_points(result.points)} below {target}{money}."


def path_sentence(result: Gap) -> str | None:
    path = result.path
    if path is None:
        return None
    needed = (
        f"To reach {fmt_target(result.target)} by {path.target_year} it needs "
        f"+{path.yearly_rise_needed:.2f} pts a year for {path.years_left} years"
    )
    if path.pace_per_year is None:
        return f"{needed}; its recent pace is unknown (no {path.pace_from_year} figure)."
    pace = (
        f"its pace since {path.pace_from_year} is "
        f"{fmt_signed_points(path.pace_per_year)} pts a year"
    )
    if path.reach_year is None:
        return f"{needed}; {pace}: not at this pace."
    return f"{needed}; {pace}, which would get there in {path.reach_year}."


def caveat_lines(caveats: Sequence[Caveat]) -> list[str]:
    return [f"Note: {c.value}" for c in caveats]


def targets_lines(releases: Iterable[Release]) -> list[str]:
    """What each target means and which basis each loaded release publishes."""
    lines = [
        f"{fmt_target(WALES_TARGET)} of GDP: the 2014 Wales guideline, on NATO's total defence "
        "expenditure.",
        f"{fmt_target(HAGUE_CORE_TARGET)} of GDP: the Hague 2025 commitment for core defence "
        "expenditure, by 2035.",
        f"{fmt_target(HAGUE_TOTAL_TARGET)} of GDP: the Hague total by 2035, 3.5% core plus 1.5% "
        "defence-related (infrastructure, resilience, industry). NATO publishes no per-ally "
        "figure for the 1.5% part, so a gap to 5% is computed on a release's own share.",
        f"{EQUIPMENT_GUIDELINE:g}% of defence expenditure on major equipment incl. related R&D "
        "(2014 guideline).",
        "Compliance is judged as NATO does: the share rounded half-up to two decimals.",
    ]
    basis = [f"{r.release_id} — {r.title}: {BASIS_LABEL[r.basis]}" for r in releases]
    return lines + ["Loaded releases:"] + [f"  {b}" for b in basis]


# --------------------------------------------------------------------------- renderers


def _table(rows: list[list[str]], headers: Sequence[str]) -> str:
    table: str = tabulate(rows, headers=list(headers), tablefmt="simple", disable_numparse=True)
    return table


def _head(title: str, release: Release, year: int) -> list[str]:
    return [title, f"{release_line(release)} · year {year}", ""]


def _foot(caveats: Sequence[Caveat], release: Release, year: int) -> list[str]:
    return ["", *caveat_lines(caveats), ESTIMATE_LEGEND, source_line(release, year)]


def render_summary(result: ComplianceSummary) -> str:
    lines = _head(
        f"Who meets {target_name(result.target)}: {summary_headline(result)}",
        result.release,
        result.year,
    )
    lines.append(allies_line(result))
    lines.append("")
    meeting = [
        [str(i), s.country.name, fmt_share(s.share_rounded, s.estimate)]
        for i, s in enumerate(result.meeting, 1)
    ]
    lines.append(f"Meeting {fmt_target(result.target)} ({len(result.meeting)})")
    lines.append(_table(meeting, ["#", "Ally", "% GDP"]) if meeting else "  none")
    lines.append("")
    below = [
        [
            s.country.name,
            fmt_share(s.share_rounded, s.estimate),
            f"{s.gap_points:.2f}",
            fmt_usd_bn(s.gap_usd_bn),
        ]
        for s in result.below
    ]
    lines.append(f"Below {fmt_target(result.target)} ({len(result.below)})")
    lines.append(_table(below, ["Ally", "% GDP", "Gap (pts)", "Gap (USD)"]) if below else "  none")
    lines.append("")
    if result.no_armed_forces:
        lines.append(f"Not assessed (no armed forces): {country_list(result.no_armed_forces)}")
    if result.not_published:
        lines.append(f"Not published in this release: {country_list(result.not_published)}")
    if result.nato_total is not None:
        agg = result.nato_total
        lines.append(f"NATO total: {fmt_share_sentence(agg.share_rounded, agg.estimate)}")
    if result.europe_canada is not None:
        agg = result.europe_canada
        lines.append(
            f"European allies and Canada: {fmt_share_sentence(agg.share_rounded, agg.estimate)}"
        )
    if result.median_share is not None:
        lines.append(f"Median of assessed allies: {result.median_share:.2f}%")
    previous = previous_line(result)
    if previous and result.previous is not None:
        lines.append(f"A year earlier ({result.previous.year}): {previous}")
    if result.below:
        gap = f"Alliance gap (sum over allies below): {fmt_usd_bn(result.alliance_gap_usd_bn)}"
        if result.gap_unknown:
            gap += f" (GDP unknown, not counted: {country_list(result.gap_unknown)})"
        lines.append(gap)
    lines += _foot(result.caveats, result.release, result.year)
    return "\n".join(lines)


def render_ranking(result: Ranking) -> str:
    metric = result.metric
    lines = _head(f"Ranking: {metric.label} ({metric.unit})", result.release, result.year)
    rows = [
        [str(r.rank), r.country.name, fmt_metric(metric, r.value_rounded, r.estimate)]
        for r in result.rows
    ]
    lines.append(_table(rows, ["#", "Ally", metric.unit]) if rows else "No ally has this figure.")
    if result.nato_total is not None:
        lines.append(f"NATO total: {fmt_metric(metric, result.nato_total)} ({metric.unit})")
    if result.missing:
        lines.append(f"Not published: {country_list(result.missing)}")
    lines += _foot(result.caveats, result.release, result.year)
    return "\n".join(lines)


def render_gap(result: Gap) -> str:
    lines = _head(
        f"{result.country.name}: gap to {target_name(result.target)}", result.release, result.year
    )
    lines.append(gap_sentence(result))
    if result.money_usd_bn is None and result.money_unknown_reason:
        lines.append(result.money_unknown_reason)
    elif result.gdp_derived:
        lines.append("GDP derived from spending ÷ share (the release gives no GDP).")
    path = path_sentence(result)
    if path:
        lines.append(path)
    if not result.is_ally:
        lines.append(not_yet_ally_note(result.country, result.year))
    lines += _foot(result.caveats, result.release, result.year)
    return "\n".join(lines)


def figures_rows(fig: AllyFigures) -> list[tuple[str, str]]:
    """Label/value pairs for one ally-year, shared by the profile and comparison renders."""
    mark = fig.estimate
    rank = f"{fig.rank} of {fig.assessed_count}" if fig.rank is not None else MISSING
    equipment = fmt_number(fig.equipment_pct, 2, "%")
    if fig.meets_equipment is not None:
        equipment += " (meets 20%)" if fig.meets_equipment else " (below 20%)"
    gdp = fmt_usd_bn(fig.gdp_usd_bn) + (" (derived)" if fig.gdp_derived else "")
    return [
        (SHARE_LABEL, fmt_share(fig.share_rounded, mark)),
        ("Rank by share", rank),
        ("Spending", fmt_usd_m(fig.spend_usd_m)),
        ("GDP", gdp),
        ("Equipment", equipment),
        ("Personnel", fmt_number(fig.personnel_k, 1, "k")),
        ("Per head (2015 USD)", fmt_number(fig.spend_per_capita_usd_2015, 0)),
        ("Real change", fmt_number(fig.real_change_pct, 2, "%")),
    ]


def render_profile(result: Profile) -> str:
    fig = result.figures
    lines = _head(f"{fig.country.name} ({fig.country.iso3})", result.release, result.year)
    note = ally_note(fig)
    if note:
        lines.append(note)
    lines.append(_table([list(pair) for pair in figures_rows(fig)], ["", str(result.year)]))
    if result.targets:
        lines.append("")
        lines.append(
            "Targets: "
            + "; ".join(
                f"{fmt_target(t.target)} {'met' if t.meets else 'not met'} "
                f"({fmt_signed_points(t.difference_points)})"
                for t in result.targets
            )
        )
    if result.series:
        lines.append("")
        lines.append(
            "Share over time: "
            + ", ".join(
                f"{p.year} {fmt_share(rounded_share(p.share), p.estimate)}" for p in result.series
            )
        )
    lines += _foot(result.caveats, result.release, result.year)
    return "\n".join(lines)


def render_comparison(result: Comparison) -> str:
    lines = _head(f"Comparison against {target_name(result.target)}", result.release, result.year)
    labels = [label for label, _ in figures_rows(result.rows[0].figures)]
    columns = [dict(figures_rows(row.figures)) for row in result.rows]
    table = [[label, *(col[label] for col in columns)] for label in labels]
    table.append(
        [
            f"vs {fmt_target(result.target)}",
            *(
                MISSING
                if row.difference_points is None
                else fmt_signed_points(row.difference_points)
                for row in result.rows
            ),
        ]
    )
    lines.append(_table(table, ["", *(row.figures.country.name for row in result.rows)]))
    notes = [n for n in (ally_note(row.figures) for row in result.rows) if n]
    lines += notes
    lines += _foot(result.caveats, result.release, result.year)
    return "\n".join(lines)


def render_revisions(result: Revisions) -> str:
    lines = [
        f"{result.country.name} {result.year}: as each NATO release published it",
        "",
    ]
    rows = [
        [
            row.release.release_id,
            row.release.published,
            row.release.basis,
            fmt_share(row.share_rounded, row.estimate)
            if row.share is not None
            else "not published",
        ]
        for row in result.rows
    ]
    lines.append(_table(rows, ["Release", "Published", "Basis", "% GDP"]))
    if result.change_points is not None:
        lines.append(f"Change, first to last: {fmt_signed_points(result.change_points)} pts")
    if len({row.release.basis for row in result.rows}) > 1:
        lines.append(f"Note: {Caveat.CORE_BASIS.value}")
    lines += ["", ESTIMATE_LEGEND, revisions_source_line(result)]
    return "\n".join(lines)


def render_targets(releases: Iterable[Release]) -> str:
    return "\n".join(["NATO's spending targets", "", *targets_lines(releases)])


@singledispatch
def render(result: object) -> str:
    raise TypeError(f"no text render for {type(result).__name__}")


render.register(ComplianceSummary, render_summary)
render.register(Ranking, render_ranking)
render.register(Gap, render_gap)
render.register(Profile, render_profile)
render.register(Comparison, render_comparison)
render.register(Revisions, render_revisions)
