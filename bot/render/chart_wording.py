"""The words on and about the charts: titles, line labels, alt text and the one-line answer when
a release has too few years to draw a line.

Alt text (``discord.File(description=…)``) says the chart's finding in words, for people who
cannot see it. Shared phrases come from ``wording``; this module only adds the chart's own.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.analytics import (
    PROJECTION_LIMIT,
    Comparison,
    ComplianceSummary,
    Gap,
    Metric,
    Profile,
    Ranking,
    Verdict,
)
from bot.analytics import targets as registry
from bot.render.wording import fmt_metric_with_unit, fmt_target

#: Discord accepts up to 1,024 characters of alt text.
ALT_TEXT_LIMIT = 1024
ESTIMATE_KEY = "hatched: NATO estimate"
ESTIMATE_LINE_KEY = "dashed: NATO estimate"


def target_line_label(target: float, year: int) -> str:
    """'3.5% Hague core', '2% Wales 2014' (to 2023), '2% Vilnius 2023' (from 2024), or '2.5%'
    for a custom target: as named in the year the chart is about."""
    goal = registry.named(target)
    return f"{fmt_target(target)} {goal.short_in(year)}" if goal else fmt_target(target)


def nato_label(share: float) -> str:
    return f"NATO as a whole {share:.2f}%"


def verdict_key(result: ComplianceSummary, verdict: Verdict) -> str:
    if verdict is Verdict.MEETS:
        return f"meets {fmt_target(result.target)}"
    if verdict is Verdict.OPEN:
        return f"{fmt_target(result.shortfall_to)} core met, rest open"
    return f"below {fmt_target(result.shortfall_to)}"


def summary_chart_title(result: ComplianceSummary) -> str:
    """The headline, short enough for a phone: '23 of 31 allies meet 2% in 2024'."""
    met, of = len(result.meeting), result.assessed_count
    verb = "meets" if met == 1 else "meet"
    title = f"{met} of {of} allies {verb} {fmt_target(result.target)} in {result.year}"
    if result.shortfall_to != result.target:
        title += f"; {len(result.open)} more meet the {fmt_target(result.shortfall_to)} core"
    return title


def _share(value: float, estimate: bool) -> str:
    return f"{value:.2f}%" + (" (estimate)" if estimate else "")


def _clip(text: str) -> str:
    return text if len(text) <= ALT_TEXT_LIMIT else text[: ALT_TEXT_LIMIT - 1] + "…"


def summary_alt(result: ComplianceSummary) -> str:
    """'Bar chart: 23 of 31 allies meet 2% in 2024; lowest Spain 1.28%; NATO as a whole 2.71%.'"""
    shares = [*result.meeting, *result.open, *result.below]
    parts = [f"Bar chart: {summary_chart_title(result)}"]
    if shares:
        top = max(shares, key=lambda s: s.share_rounded)
        low = min(shares, key=lambda s: s.share_rounded)
        parts.append(f"highest {top.country.name} {_share(top.share_rounded, top.estimate)}")
        parts.append(f"lowest {low.country.name} {_share(low.share_rounded, low.estimate)}")
    if result.below:
        names = ", ".join(s.country.name for s in result.below)
        parts.append(f"below {fmt_target(result.shortfall_to)}: {names}")
    if result.nato_total is not None:
        parts.append(nato_label(result.nato_total.share_rounded))
    return _clip("; ".join(parts) + ".")


def ranking_alt(result: Ranking, target: float | None) -> str:
    """'Bar chart of defence spending, % of GDP, 2024: highest Poland 4.12%, lowest Spain …'."""
    label = result.metric.label
    parts = [f"Bar chart of {label[0].lower()}{label[1:]}, {result.year}"]
    rows = result.rows
    if rows:
        top, low = rows[0], rows[-1]
        parts.append(
            f"highest {top.country.name} {fmt_metric_with_unit(result.metric, top.value_rounded)}"
            f", lowest {low.country.name} {fmt_metric_with_unit(result.metric, low.value_rounded)}"
        )
        if target is not None and result.metric is Metric.SHARE:
            meeting = sum(1 for r in rows if r.value_rounded >= target)
            parts.append(f"{meeting} of {len(rows)} at or above {fmt_target(target)}")
    else:
        parts.append("no ally has this figure")
    if result.nato_total is not None:
        nato = fmt_metric_with_unit(result.metric, result.nato_total.value_rounded)
        parts.append(f"NATO as a whole {nato}")
    return _clip("; ".join(parts) + ".")


def compare_alt(result: Comparison, profiles: Sequence[Profile]) -> str:
    """'Line chart, % of GDP 2014-2024: Poland 1.88% to 4.12%; Germany 1.19% to 2.12% …'."""
    years = [p.year for profile in profiles for p in profile.series]
    span = f"{min(years)}–{max(years)}" if years else ""
    lines = []
    for profile in profiles:
        if profile.series:
            first, last = profile.series[0], profile.series[-1]
            lines.append(
                f"{profile.country.name} {first.share_rounded:.2f}% in {first.year} to "
                f"{_share(last.share_rounded, last.estimate)} in {last.year}"
            )
    head = f"Line chart of defence spending, % of GDP, {span}, against {fmt_target(result.target)}"
    return _clip(head + ": " + "; ".join(lines) + ".")


def compare_chart_title(result: Comparison) -> str:
    return f"Share of GDP over time, against {fmt_target(result.target)}"


def gap_chart_title(result: Gap) -> str:
    """'Spain: 0.72 pts short of 2%', '… meets 2%' or '… 0.12 pts above 2%'."""
    name = result.country.name
    if result.verdict is Verdict.BELOW:
        return f"{name}: {result.points:.2f} pts short of {fmt_target(result.measured_to)}"
    if result.verdict is Verdict.OPEN:
        return f"{name}: meets the {fmt_target(result.measured_to)} core element"
    if result.points == 0:
        return f"{name}: exactly at {fmt_target(result.target)}"
    return f"{name}: {result.points:.2f} pts above {fmt_target(result.target)}"


def needed_label(rise: float) -> str:
    return f"needed: +{rise:.2f} pts/yr"


def pace_label(pace: float, since: int) -> str:
    return f"pace since {since}: {pace:+.2f}/yr"


def reach_label(target: float, year: int) -> str:
    return f"reaches {fmt_target(target)} in {year} at this pace"


def gap_needed(result: Gap) -> tuple[int, float] | None:
    """Where the line of what is needed ends: (year, share). By the due year (2035 for 3.5% and
    5%); for 2%, a yearly commitment from 2024, 'needed' is reaching it the next year."""
    path = result.path
    if path is None:
        return None
    if path.horizon is not None and path.horizon > result.year:
        return path.horizon, path.to
    return result.year + 1, path.to


def gap_alt(result: Gap, profile: Profile) -> str:
    parts = [f"Line chart: {gap_chart_title(result)} in {result.year}"]
    series = [p for p in profile.series if p.year <= result.year]
    if series:
        parts.append(f"{series[0].share_rounded:.2f}% in {series[0].year}")
    parts.append(f"{_share(result.share_rounded, result.estimate)} in {result.year}")
    path = result.path
    needed = gap_needed(result)
    if path is not None and needed is not None:
        by, to = needed
        parts.append(f"needs {fmt_target(to)} by {by}")
        if path.reach_year is not None:
            parts.append(reach_label(to, path.reach_year))
        elif path.pace_per_year is not None and not path.pace_positive:
            parts.append("not rising at its recent pace")
        elif path.pace_per_year is not None:
            parts.append(f"not by {PROJECTION_LIMIT} at its recent pace")
    return _clip("; ".join(parts) + ".")


def profile_chart_title(profile: Profile) -> str:
    return f"{profile.country.name}: defence spending, % of GDP"


def profile_alt(profile: Profile) -> str:
    series = profile.series
    name = profile.country.name
    if not series:
        return f"{name}: no share of GDP published in release {profile.release_id}."
    first, last = series[0], series[-1]
    peak = max(series, key=lambda p: p.share_rounded)
    joined = profile.joined_within_series
    before = (
        ""
        if joined is None
        else f" {name} joined NATO in {joined}; the years before are grey, not yet an ally's."
    )
    return _clip(
        f"Line chart: {name}'s defence spending went from {first.share_rounded:.2f}% of GDP in "
        f"{first.year} to {_share(last.share_rounded, last.estimate)} in {last.year}; "
        f"highest {peak.share_rounded:.2f}% in {peak.year}.{before}"
    )


def joined_label(joined: int) -> str:
    """Beside the line drawn where an ally joined."""
    return f"joined NATO {joined} →"


def one_year_line(release_id: str, year: int) -> str:
    """Instead of a line chart with one point."""
    return f"No chart: release {release_id} publishes one year only ({year}), so there is no line."


def no_series_line(name: str, release_id: str) -> str:
    """Instead of a chart with no line: an ally with fewer than two years of shares."""
    return f"No chart: release {release_id} has no run of years of {name}'s share of GDP."
