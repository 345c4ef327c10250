"""Plain-text renders of analytics results (the preview CLI), and the wording both renderers use.

The ``fmt_*`` helpers and the sentence builders here are shared with ``bot.render.embeds`` so a
figure, and a claim about a target, reads the same in a terminal and on Discord.
``render(result)`` picks the right renderer.

Claims against a target always carry the basis when the release's basis is not the target's
own (``BasisFit``): "30 of 31 assessed allies spend at least 2% of GDP on core defence (total
spending, the 2% basis, is not in this release)", never a bare "30 of 31 meet 2%".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import singledispatch

from tabulate import tabulate

from bot.analytics import (
    DEFAULT_TARGET_YEAR,
    EQUIPMENT_GUIDELINE,
    HAGUE_CORE_TARGET,
    HAGUE_TOTAL_TARGET,
    PACE_HORIZON_YEARS,
    TARGET_BASES,
    WALES_TARGET,
    WALES_TARGET_YEAR,
    AggregateShare,
    AggregateValue,
    AllyFigures,
    BasisFit,
    Comparison,
    ComplianceSummary,
    Gap,
    Metric,
    Profile,
    Ranking,
    RevisionChange,
    RevisionRow,
    Revisions,
    TargetCheck,
    Verdict,
    target_name,
    target_year,
)
from bot.models import (
    HAGUE_TARGET_YEAR,
    MAX_TARGET,
    MIN_TARGET,
    NATO_EUR_CAN,
    NATO_TOTAL,
    Basis,
    Country,
    Release,
)

ESTIMATE_MARK = "e"
ESTIMATE_LEGEND = f"{ESTIMATE_MARK} = NATO estimate"
MISSING = "–"
SHARE_LABEL = "% of GDP"
#: What a release publishes, for running text ("Release 2024-06: total defence spending, …").
BASIS_LABEL: dict[Basis, str] = {
    "total": "total defence spending, the 2% basis",
    "core": "core defence spending, the 3.5% basis",
}
#: The one line that says how core relates to total; the details are in /targets.
BASIS_NOTE: dict[Basis, str] = {
    "total": "",
    "core": "part of the total spending 2% is judged on",
}
#: "spend at least 2% of GDP <on …>"
_SPENT_ON: dict[Basis, str] = {"core": "on core defence", "total": "on defence in total"}
#: "below 2% <on …>", for labels and short notes.
_ON: dict[Basis, str] = {"core": "on core", "total": "on total"}
#: A target's own basis, for "so below 3.5% <on core> too".
_ON_TARGET_BASIS: dict[float, str] = {
    target: {"total_and_related": "with defence-related spending"}.get(basis, f"on {basis}")
    for target, basis in TARGET_BASES.items()
}
#: Why a share on another basis cannot settle a target, by the target.
_UNPUBLISHED: dict[float, str] = {
    WALES_TARGET: "total spending, the 2% basis, is not in this release",
    HAGUE_CORE_TARGET: "core spending, the 3.5% basis, is not in this release",
    HAGUE_TOTAL_TARGET: "the 1.5% defence-related part of 5% is not published per ally",
}
_UNPUBLISHED_SHORT: dict[float, str] = {
    WALES_TARGET: "total not in this release",
    HAGUE_CORE_TARGET: "core not in this release",
    HAGUE_TOTAL_TARGET: "defence-related part unpublished",
}
#: NATO's own aggregate rows. Never "NATO total": in a core release that reads as total spending.
_AGGREGATE_NAME: dict[str, str] = {
    NATO_TOTAL: "NATO as a whole",
    NATO_EUR_CAN: "European allies and Canada",
}
VERDICT_MARK: dict[Verdict, str] = {
    Verdict.MEETS: "✅",
    Verdict.BELOW: "❌",
    Verdict.UNKNOWN: "❔",
}
VERDICT_WORD: dict[Verdict, str] = {
    Verdict.MEETS: "meets",
    Verdict.BELOW: "below",
    Verdict.UNKNOWN: "not known",
}
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

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


def _sig3_decimals(amount: float) -> int:
    """Decimals that show ``amount`` (>= 1) to three significant figures, never fewer digits."""
    return max(0, 2 - math.floor(math.log10(amount)))


def fmt_usd_bn(value_bn: float | None) -> str:
    """Every sum of money the bot shows, from USD bn: three significant figures, in millions
    below $1 bn ('$523 m', '$5.11 bn', '$44.9 bn', '$1,135 bn'); '–' when unknown."""
    if value_bn is None:
        return MISSING
    sign = "−" if value_bn < 0 else ""
    amount, unit = abs(value_bn) * 1000, "m"
    if amount == 0:
        return "$0"
    if amount < 1:
        return f"{sign}<$1 m"
    if round(amount, _sig3_decimals(amount)) >= 1000:
        amount, unit = amount / 1000, "bn"
    decimals = _sig3_decimals(amount)
    if round(amount, decimals) >= 10 ** (math.floor(math.log10(amount)) + 1):
        decimals = max(0, decimals - 1)  # 9.996 rounds up to 10.0, not 10.00
    return f"{sign}${amount:,.{decimals}f} {unit}"


def fmt_number(value: float | None, decimals: int, suffix: str = "") -> str:
    return MISSING if value is None else f"{value:,.{decimals}f}{suffix}"


def fmt_metric(metric: Metric, value: float | None, estimate: bool = False) -> str:
    """A ranking value at its metric's precision, with the estimate mark; the unit goes in
    the column header (``metric.unit``)."""
    if value is None:
        return MISSING
    return f"{value:,.{metric.decimals}f}{ESTIMATE_MARK if estimate else ''}"


def fmt_metric_with_unit(metric: Metric, value: float | None, estimate: bool = False) -> str:
    """'2.86% of GDP', '$1,810 bn (estimate)': a single value in running text."""
    if value is None:
        return MISSING
    if metric is Metric.SPENDING:
        shown = fmt_usd_bn(value)
    elif metric.unit.startswith("%"):
        shown = f"{fmt_metric(metric, value)}{metric.unit}"
    else:
        shown = f"{fmt_metric(metric, value)} {metric.unit}"
    return shown + (" (estimate)" if estimate else "")


def fmt_share_sentence(value: float, estimate: bool) -> str:
    """'1.28% of GDP' or '1.28% of GDP (estimate)', for running text."""
    return f"{value:.2f}% of GDP" + (" (estimate)" if estimate else "")


def fmt_target(target: float) -> str:
    return f"{target:g}%"


def fmt_published(published: str) -> str:
    """'2024-06-17' -> '17 June 2024'; '2026-07' (day unknown) -> 'July 2026'."""
    parts = published.split("-")
    try:
        year, month = int(parts[0]), int(parts[1])
        month_name = _MONTHS[month - 1]
    except (IndexError, ValueError):
        return published
    if len(parts) == 3 and parts[2].isdigit():
        return f"{int(parts[2])} {month_name} {year}"
    return f"{month_name} {year}"


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {plural or noun + 's'}"


# --------------------------------------------------------------------------- lines


def release_line(release: Release) -> str:
    note = BASIS_NOTE[release.basis]
    return f"Release {release.release_id}: {BASIS_LABEL[release.basis]}" + (
        f" ({note})" if note else ""
    )


def source_line(release: Release, year: int) -> str:
    published = fmt_published(release.published)
    return f"Source: NATO, {release.title}, published {published} · figures for {year}"


def revisions_source_line(result: Revisions) -> str:
    ids = [row.release.release_id for row in result.rows]
    span = ids[0] if len(ids) == 1 else f"{ids[0]} to {ids[-1]}"
    return f"Source: NATO, releases {span} · figures for {result.year}"


def aggregate_label(code: str, basis: Basis) -> str:
    """'NATO as a whole (core spending)', 'European allies and Canada (total spending)'."""
    return f"{_AGGREGATE_NAME[code]} ({basis} spending)"


def aggregate_share_line(aggregate: AggregateShare, basis: Basis) -> tuple[str, str]:
    """Label and value of one of NATO's aggregate shares."""
    share = fmt_share_sentence(aggregate.share_rounded, aggregate.estimate)
    return aggregate_label(aggregate.code, basis), share


def aggregate_value_line(
    aggregate: AggregateValue, metric: Metric, basis: Basis
) -> tuple[str, str]:
    """Label and value of NATO's aggregate for a ranking's metric, with its estimate mark."""
    value = fmt_metric_with_unit(metric, aggregate.value_rounded, aggregate.estimate)
    return aggregate_label(aggregate.code, basis), value


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


# --------------------------------------------------------------------------- targets and bases


def deadline_phrase(target: float) -> str:
    """'2% by 2024'; a custom target says its deadline is assumed."""
    year, agreed = target_year(target)
    if not agreed:
        return f"{fmt_target(target)} ({year} assumed)"
    return f"{fmt_target(target)} by {year}"


def unpublished_basis(target: float) -> str:
    """Why the release cannot settle ``target`` on its own basis (standard targets only)."""
    return _UNPUBLISHED[target]


def summary_title(result: ComplianceSummary) -> str:
    name = target_name(result.target)
    if result.fit is BasisFit.SAME:
        return f"Who meets {name} in {result.year}"
    return f"{name} in {result.year}, on {result.basis} spending"


def meeting_label(result: ComplianceSummary) -> str:
    """'Meeting 2%' on the target's own basis, else 'At least 2% on core'."""
    target = fmt_target(result.target)
    if result.fit is BasisFit.SAME:
        return f"Meeting {target}"
    return f"At least {target} {_ON[result.basis]}"


def below_label(result: ComplianceSummary) -> str:
    target = fmt_target(result.target)
    if result.fit is BasisFit.SAME:
        return f"Below {target}"
    return f"Below {target} {_ON[result.basis]}"


def summary_headline(result: ComplianceSummary) -> str:
    """The claim, with the basis whenever it is not the target's own."""
    target, met, of = fmt_target(result.target), len(result.meeting), result.assessed_count
    if result.fit is BasisFit.SAME:
        return f"{met} of {of} assessed allies meet {target} in {result.year}"
    claim = (
        f"{met} of {of} assessed allies spend at least {target} of GDP "
        f"{_SPENT_ON[result.basis]} in {result.year}"
    )
    if result.fit is BasisFit.CUSTOM:
        return claim
    return f"{claim} ({unpublished_basis(result.target)})"


def summary_consequence(result: ComplianceSummary) -> str | None:
    """What the release's basis does and does not prove about the target, in one sentence."""
    target = fmt_target(result.target)
    met, below = len(result.meeting), len(result.below)
    on = _ON[result.basis]
    basis = result.basis.capitalize()
    if result.fit is BasisFit.PART:
        reason = f"{basis} spending is part of what {target} counts"
        proven = f"the {met} at or above {'meets' if met == 1 else 'meet'} {target}"
        open_ = f"the {below} below {on} may still meet it"
        parts = [p for p, n in ((proven, met), (open_, below)) if n]
        return f"{reason}, so {'; '.join(parts)}." if parts else None
    if result.fit is BasisFit.MORE:
        reason = f"{basis} spending counts more than {target} does"
        too = _ON_TARGET_BASIS[result.target]
        proven = f"the {below} below {on} {'is' if below == 1 else 'are'} below it {too} too"
        open_ = f"the {met} at or above may or may not meet it"
        parts = [p for p, n in ((proven, below), (open_, met)) if n]
        return f"{reason}, so {'; '.join(parts)}." if parts else None
    return None


def previous_line(result: ComplianceSummary) -> str | None:
    prev = result.previous
    if prev is None:
        return None
    target = fmt_target(result.target)
    count = f"{prev.meeting_count} of {prev.assessed_count}"
    if result.fit is BasisFit.SAME:
        line = f"{count} met {target}"
    else:
        line = f"{count} at least {target} {_ON[result.basis]}"
    if prev.nato_total_change is not None:
        line += f"; NATO-wide share {fmt_signed_points(prev.nato_total_change)} pts since"
    return line


def allies_line(result: ComplianceSummary) -> str:
    line = f"Allies in {result.year}: {len(result.allies)}"
    if result.not_yet_allies:
        joined = ", ".join(f"{c.name} (joined {c.accession_year})" for c in result.not_yet_allies)
        line += f"; not yet allies: {joined}"
    return line


def median_line(result: ComplianceSummary) -> str | None:
    if result.median_share_rounded is None:
        return None
    return f"{result.median_share_rounded:.2f}% of GDP"


def combined_gap_line(result: ComplianceSummary) -> str:
    """The sum of the below allies' gaps: '$44.9 bn a year (8 allies below 2%)'."""
    below = f"{_count(len(result.below), 'ally', 'allies')} below {fmt_target(result.target)}"
    if result.fit is not BasisFit.SAME:
        below += f" {_ON[result.basis]}"
    if result.alliance_gap_usd_bn is None:
        return f"Not known: this release gives no GDP for the {below}."
    line = f"{fmt_usd_bn(result.alliance_gap_usd_bn)} a year ({below})"
    if result.gap_unknown:
        line += f"; GDP unknown, not counted: {country_list(result.gap_unknown)}"
    return line


def check_note(check: TargetCheck, basis: Basis) -> str:
    """'+2.68 pts on core alone', '−0.39 pts on core; total not in this release', '+1.18 pts'."""
    points = f"{fmt_signed_points(check.difference_points)} pts"
    if check.fit is BasisFit.SAME:
        return points
    on = _ON[basis]
    if check.fit is BasisFit.CUSTOM:
        return f"{points} {on}"
    if check.verdict is Verdict.MEETS:
        return f"{points} {on} alone"
    if check.verdict is Verdict.BELOW:
        return f"{points} {on}, so below {_ON_TARGET_BASIS[check.target]} too"
    return f"{points} {on}; {_UNPUBLISHED_SHORT[check.target]}"


def gap_sentence(result: Gap) -> str:
    name, target = result.country.name, fmt_target(result.target)
    share = fmt_share_sentence(result.share_rounded, result.estimate)
    side = "above" if result.meets else "below"
    money = (
        "" if result.money_usd_bn is None else f", about {fmt_usd_bn(result.money_usd_bn)} a year"
    )
    # Where the share stands: "0.39 pts below 2%, about $337 m a year", or "exactly at 2%".
    where = (
        f"exactly at {target}"
        if result.exactly_at_target
        else f"{fmt_points(result.points)} {side} {target}{money}"
    )
    if result.fit is BasisFit.SAME:
        if result.meets:
            return f"{name} meets {target} with {share}: {where}."
        return f"{name} is at {share}: {where}."
    spends = f"{name} spends {share} {_SPENT_ON[result.basis]}"
    if result.fit is BasisFit.CUSTOM:
        return f"{spends}: {where}."
    if result.verdict is Verdict.MEETS:
        return f"{spends} alone: {where}, so it meets {target}."
    if result.verdict is Verdict.BELOW:
        too = _ON_TARGET_BASIS[result.target]
        return f"{spends}: {where}, so it is below {target} {too} too."
    unknown = unpublished_basis(result.target)
    if result.meets:
        return f"{spends}: {where}; {unknown}, so it may fall short."
    return f"{spends}: {where}; {unknown}, so it may still meet it."


def gap_field(result: Gap) -> tuple[str, str]:
    """The distance to the target as a label and value: 'Gap', 'Surplus' on the target's own
    basis, else 'Below 2% on core' (which proves nothing about total); 'At 2%' when exactly."""
    target = fmt_target(result.target)
    on = "" if result.fit is BasisFit.SAME else f" {_ON[result.basis]}"
    if result.exactly_at_target:
        return f"At {target}{on}", f"exactly ({fmt_points(0)})"
    value = f"{fmt_points(result.points)} · {fmt_usd_bn(result.money_usd_bn)}"
    if result.fit is BasisFit.SAME:
        return ("Surplus" if result.meets else "Gap"), value
    return f"{'Above' if result.meets else 'Below'} {target}{on}", value


def path_sentence(result: Gap) -> str | None:
    """The way to the target's deadline at the recent pace; 'overdue' once it has passed."""
    path = result.path
    if path is None:
        return None
    target = fmt_target(result.target)
    on = "" if result.fit is BasisFit.SAME else f" {_ON[result.basis]}"
    custom = (
        ""
        if path.deadline_agreed
        else f" (no deadline was agreed for {target}; {path.deadline} assumed)"
    )
    if path.pace_per_year is None:
        pace = f"its recent pace is unknown (no {path.pace_from_year} figure)"
    else:
        pace = (
            f"its pace since {path.pace_from_year} is "
            f"{fmt_signed_points(path.pace_per_year)} pts a year"
        )
        if path.reach_year is None and path.pace_per_year > 0:
            pace += f": not within {PACE_HORIZON_YEARS} years at this pace"
        elif path.reach_year is None:
            pace += ": not at this pace"
        else:
            pace += f", which would reach {target}{on} in {path.reach_year}"
    if path.overdue:
        if result.verdict is Verdict.UNKNOWN:
            status = f"{target} was due by {path.deadline}{custom}; {_ON[result.basis]} alone"
            status += " it is still short"
        else:
            status = f"{target} was due by {path.deadline}{custom}: overdue"
        return f"{status}. {pace[0].upper()}{pace[1:]}."
    assert path.yearly_rise_needed is not None
    needed = (
        f"To reach {target}{on} by {path.deadline}{custom} it needs "
        f"+{path.yearly_rise_needed:.2f} pts a year for {_count(path.years_left, 'year')}"
    )
    return f"{needed}; {pace}."


def targets_lines(releases: Iterable[Release]) -> list[str]:
    """What each target means and which basis each loaded release publishes."""
    lines = [
        f"{fmt_target(WALES_TARGET)} of GDP: the 2014 Wales guideline, judged on total defence "
        f"spending; allies agreed to move towards it within a decade, i.e. by {WALES_TARGET_YEAR}.",
        f"{fmt_target(HAGUE_CORE_TARGET)} of GDP: the Hague 2025 commitment for core defence "
        f"spending, by {HAGUE_TARGET_YEAR}.",
        f"{fmt_target(HAGUE_TOTAL_TARGET)} of GDP: the Hague total by {HAGUE_TARGET_YEAR}, 3.5% "
        "core plus 1.5% defence-related (infrastructure, resilience, industry). NATO publishes no "
        "per-ally figure for the 1.5% part, so 5% is compared with a release's own share.",
        f"{EQUIPMENT_GUIDELINE:g}% of defence spending on major equipment incl. related R&D "
        "(2014 guideline).",
        "Since 2026 NATO publishes core defence spending, part of the total. Reaching 2% on core "
        "therefore means reaching it on total, but falling short on core proves nothing about "
        "total; a total below 3.5% means core is below it too.",
        f"Any other target from {MIN_TARGET:g} to {MAX_TARGET:g}% is judged on the release's own "
        f"basis; with no agreed deadline, {DEFAULT_TARGET_YEAR} is assumed.",
        "Compliance is judged as NATO does: the share rounded half-up to two decimals.",
    ]
    basis = [f"{r.release_id} — {r.title}: {BASIS_LABEL[r.basis]}" for r in releases]
    return lines + ["Loaded releases:"] + [f"  {b}" for b in basis]


def revision_published(row: RevisionRow) -> str:
    """' (published 17 June 2024)'; empty when only the month is known, as the release id
    (YYYY-MM) already says it."""
    published = row.release.published
    if published == row.release.release_id:
        return ""
    return f" (published {fmt_published(published)})"


def revision_value(row: RevisionRow) -> str:
    if row.share_rounded is None:
        return "not published"
    return fmt_share_sentence(row.share_rounded, row.estimate)


def revision_change_line(change: RevisionChange, *, with_basis: bool = False) -> str:
    """'Change 2024-06 → 2025-08: −0.33 pts', optionally 'Change on total, …'."""
    on = f" on {change.basis}," if with_basis else ""
    return (
        f"Change{on} {change.first.release.release_id} → {change.last.release.release_id}: "
        f"{fmt_signed_points(change.points)} pts"
    )


REVISIONS_BASIS_NOTE = (
    "Changes are given within one basis only: core and total are different measures, so a step "
    "from a total release to a core one mixes the change of definition with revisions."
)


# --------------------------------------------------------------------------- renderers


def _table(rows: list[list[str]], headers: Sequence[str]) -> str:
    table: str = tabulate(rows, headers=list(headers), tablefmt="simple", disable_numparse=True)
    return table


def _head(title: str, release: Release, year: int) -> list[str]:
    return [title, f"{release_line(release)} · year {year}", ""]


def _foot(release: Release, year: int) -> list[str]:
    return ["", ESTIMATE_LEGEND, source_line(release, year)]


def render_summary(result: ComplianceSummary) -> str:
    lines = _head(summary_title(result), result.release, result.year)
    lines.append(f"{summary_headline(result)}.")
    consequence = summary_consequence(result)
    if consequence:
        lines.append(consequence)
    lines.append(allies_line(result))
    lines.append("")
    meeting = [
        [str(i), s.country.name, fmt_share(s.share_rounded, s.estimate)]
        for i, s in enumerate(result.meeting, 1)
    ]
    lines.append(f"{meeting_label(result)} ({len(result.meeting)})")
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
    lines.append(f"{below_label(result)} ({len(result.below)})")
    lines.append(_table(below, ["Ally", "% GDP", "Gap (pts)", "Gap (USD)"]) if below else "  none")
    lines.append("")
    if result.no_armed_forces:
        lines.append(f"Not assessed (no armed forces): {country_list(result.no_armed_forces)}")
    if result.not_published:
        lines.append(f"Not published in this release: {country_list(result.not_published)}")
    for aggregate in (result.nato_total, result.europe_canada):
        if aggregate is not None:
            lines.append(": ".join(aggregate_share_line(aggregate, result.basis)))
    median = median_line(result)
    if median:
        lines.append(f"Median ally: {median}")
    previous = previous_line(result)
    if previous and result.previous is not None:
        lines.append(f"A year earlier ({result.previous.year}): {previous}")
    if result.below:
        lines.append(f"Combined shortfall: {combined_gap_line(result)}")
    lines += _foot(result.release, result.year)
    return "\n".join(lines)


def render_ranking(result: Ranking) -> str:
    metric = result.metric
    lines = _head(f"Ranking: {metric.label}", result.release, result.year)
    rows = [
        [str(r.rank), r.country.name, fmt_metric(metric, r.value_rounded, r.estimate)]
        for r in result.rows
    ]
    lines.append(_table(rows, ["#", "Ally", metric.unit]) if rows else "No ally has this figure.")
    if result.nato_total is not None:
        lines.append(": ".join(aggregate_value_line(result.nato_total, metric, result.basis)))
    if result.missing:
        lines.append(f"Not in this release: {country_list(result.missing)}")
    lines += _foot(result.release, result.year)
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
    lines += _foot(result.release, result.year)
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
        ("Spending", fmt_usd_bn(fig.spend_usd_bn)),
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
        lines.append("Targets:")
        lines += [
            f"  {fmt_target(t.target)}: {VERDICT_WORD[t.verdict]} ({check_note(t, result.basis)})"
            for t in result.targets
        ]
    if result.series:
        lines.append("")
        lines.append(
            "Share over time: "
            + ", ".join(f"{p.year} {fmt_share(p.share_rounded, p.estimate)}" for p in result.series)
        )
    lines += _foot(result.release, result.year)
    return "\n".join(lines)


def comparison_verdict(result: Comparison, index: int) -> str:
    """'meets (+2.68 pts on core alone)' for one row; '–' without a share."""
    row = result.rows[index]
    if row.verdict is None or row.meets is None or row.difference_points is None:
        return MISSING
    check = TargetCheck(
        target=result.target,
        fit=result.fit,
        meets=row.meets,
        verdict=row.verdict,
        difference_points=row.difference_points,
    )
    return f"{VERDICT_WORD[row.verdict]} ({check_note(check, result.basis)})"


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
    lines.append("")
    lines += [
        f"{row.figures.country.name} vs {fmt_target(result.target)}: "
        f"{comparison_verdict(result, i)}"
        for i, row in enumerate(result.rows)
    ]
    notes = [n for n in (ally_note(row.figures) for row in result.rows) if n]
    lines += notes
    lines += _foot(result.release, result.year)
    return "\n".join(lines)


def render_revisions(result: Revisions) -> str:
    lines = [
        f"{result.country.name} {result.year}: as each NATO release published it",
        "",
    ]
    rows = [
        [
            row.release.release_id,
            fmt_published(row.release.published),
            row.release.basis,
            fmt_share(row.share_rounded, row.estimate)
            if row.share is not None
            else "not published",
        ]
        for row in result.rows
    ]
    lines.append(_table(rows, ["Release", "Published", "Basis", "% GDP"]))
    lines += [revision_change_line(c, with_basis=True) for c in result.changes]
    if len(result.bases) > 1:
        lines.append(REVISIONS_BASIS_NOTE)
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
