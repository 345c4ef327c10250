"""The phrases that several renderers share: the terminal (``text``), Discord (``embeds``) and
chart (``charts``) ones, so a figure and a claim about a target read the same everywhere. Words
only one renderer uses stay beside it (``diff``, ``admin``, ``help``, ``updates``, ``csv_export``).

Analytics gives verdicts and reasons as enums; the words for them live here only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from bot.analytics import (
    AGGREGATE_NAMES,
    PROJECTION_LIMIT,
    AggregateShare,
    AggregateValue,
    AllyFigures,
    Comparison,
    ComplianceSummary,
    Doubt,
    FigureNote,
    Footnote,
    Gap,
    Metric,
    NoReach,
    Pledge,
    Ranking,
    RevisionChange,
    RevisionRow,
    Revisions,
    Sourcing,
    Standing,
    TargetCheck,
    Verdict,
    is_aggregate,
)
from bot.analytics import targets as registry
from bot.analytics.targets import target_name
from bot.models import Basis, Country, Provenance, Release

ESTIMATE_MARK = "e"
#: A figure the data notes doubt (single-sourced, to one decimal, maybe never published).
DOUBT_MARK = "?"
ESTIMATE_LEGEND = f"{ESTIMATE_MARK} = NATO estimate"
MISSING = "–"
SHARE_LABEL = "% of GDP"
#: What NATO calls the measure in a release. One measure, two names.
BASIS_LABEL: dict[Basis, str] = {
    "total": "defence expenditure",
    "core": "core defence expenditure",
}
RENAMING_NOTE = (
    "Since the Hague summit NATO calls its measure core defence expenditure: the same agreed "
    "definition 2% has always been judged on, so a change between releases is a revision."
)
_AGGREGATE_NAME: dict[str, str] = AGGREGATE_NAMES
VERDICT_MARK: dict[Verdict, str] = {Verdict.MEETS: "✅", Verdict.BELOW: "❌", Verdict.OPEN: "❔"}
VERDICT_WORD: dict[Verdict, str] = {
    Verdict.MEETS: "meets",
    Verdict.BELOW: "does not meet",
    Verdict.OPEN: "open",
}
_PROVENANCE: dict[Provenance, str] = {
    "table": "NATO's own table",
    "press": "press reports of the release",
    "extraction": "a third-party extraction of NATO's table",
}
FOOTNOTE_TEXT: dict[Footnote, str] = {
    Footnote.LITHUANIA_OECD_GDP: (
        "NATO notes that Lithuania met 2% in 2018 and 2021 on the OECD GDP figures of the time "
        "(November 2018 and June 2021)."
    ),
}
CORE_PART = (
    f"the up-to-1.5% defence-related part of {registry.HAGUE_TOTAL.label} is not published per ally"
)
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

# Labels of fields, headings and columns, for the terminal and Discord alike.
NOT_ASSESSED = "Not assessed"
NO_ARMED_FORCES = "no armed forces"
NOT_PUBLISHED = "Not published in this release"
NOT_IN_RELEASE = "Not in this release"
NO_ALLY_HAS_IT = "No ally has this figure in this release."
MEDIAN = "Median ally"
AGGREGATES = "NATO's own figures"
TARGET = "Target"
TARGETS = "Targets"
TREND = "Trend"
SHARE_OVER_TIME = "Share over time"
PUBLISHED = "Published"
CHANGES = "Changes"
CHANGE = "Change"
LOADED_RELEASES = "Loaded releases"
TARGETS_TITLE = "NATO's defence-spending targets"
REVISIONS_INTRO = "NATO revises past years in every release."
GDP_DERIVED = "GDP derived from spending ÷ share (the release gives no GDP)."
ABOUT_TITLE = "About this bot"
ABOUT_TEXT = (
    "Answers who meets NATO's defence-spending targets, from NATO's own published figures. "
    "Every reply names the release and the year."
)
SUMMARY_COLUMNS = ("#", "Ally", "% GDP")
BELOW_COLUMNS = ("Ally", "% GDP", "Gap (pts)", "Gap (USD)")
REVISION_COLUMNS = ("Release", "Published", "% GDP")


def previous_label(year: int) -> str:
    return f"A year earlier ({year})"


def ranking_title(metric: Metric, year: int | None = None, lowest_first: bool = False) -> str:
    title = f"{metric.label}, {year}" if year is not None else f"Ranking: {metric.label}"
    return f"{title}, lowest first" if lowest_first else title


def ranking_instead_line(result: Ranking) -> str | None:
    """Why the ranking is from another release than the one asked for (or the default)."""
    if result.instead_of is None:
        return None
    return (
        f"Release {result.instead_of} publishes no “{result.metric.label}”: "
        f"this is {result.release_id}, the newest release that does."
    )


def target_marker(target: float) -> str:
    """The row a ranking's table draws its target line with: '— 2% —'."""
    return f"— {fmt_target(target)} —"


#: When a ranking by another measure is asked for a target line.
TARGET_SHARE_ONLY = "The target line is drawn in share-of-GDP rankings only."


def gap_title(result: Gap) -> str:
    target = target_name(result.target, result.year)
    return f"{result.country.name}: gap to {target} in {result.year}"


def comparison_title(result: Comparison) -> str:
    return f"Comparison against {target_name(result.target, result.year)}"


def against_line(result: Comparison) -> str:
    return f"Against {target_name(result.target, result.year)}."


def revisions_title(result: Revisions) -> str:
    return f"{result.country.name} {result.year}: as each NATO release published it"


def trend_line(first: str, last: str) -> str:
    return f"{first} → {last} (chart below)"


def targets_footer(newest: Release | None) -> str:
    if newest is None:
        return "Source: NATO"
    published = fmt_published(newest.published)
    return f"Source: NATO, {newest.title}, published {published}, and earlier releases"


# --------------------------------------------------------------------------- numbers


def fmt_share(value: float | None, estimate: bool = False, note: FigureNote | None = None) -> str:
    """'1.28' or '1.28e' (NATO estimate); '–' when not published. Expects a rounded share.
    A share the data notes doubt shows its own precision and the mark: '2.5e?', '2.00e?'."""
    if value is None:
        return MISSING
    decimals = 2 if note is None else note.decimals
    doubt = "" if note is None else DOUBT_MARK
    return f"{value:.{decimals}f}{ESTIMATE_MARK if estimate else ''}{doubt}"


def _two(value: float) -> str:
    """Two decimals with no negative zero."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def fmt_points(value: float) -> str:
    return f"{_two(abs(value))} pts"


def fmt_signed_points(value: float) -> str:
    """'+0.18', '−0.05'; exactly zero reads '0.00', never '−0.00'."""
    text = _two(value)
    if text == "0.00":
        return text
    return f"{value:+.2f}".replace("-", "−")


def fmt_difference(value: float) -> str:
    """A share minus a target in a table: '+0.37', '−1.20', 'exactly' at the target."""
    return "exactly" if _two(value) == "0.00" else fmt_signed_points(value)


def fmt_rate(value: float, positive: bool = True) -> str:
    """A change a year: '+0.08 pts a year', 'less than 0.01 pts a year' below 0.005."""
    if _two(value) == "0.00" and positive:
        return "less than 0.01 pts a year"
    return f"{fmt_signed_points(value)} pts a year"


def _sig3_decimals(amount: float) -> int:
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


def mark(text: str, estimate: bool) -> str:
    """A figure with the estimate mark (nothing to mark when it is missing)."""
    if text == MISSING or not estimate:
        return text
    # '4.12e', '27.24%e', but '$35.0 bn e' and '15.6k e': never glued to a unit's letters.
    return f"{text}{ESTIMATE_MARK}" if text[-1].isdigit() or text[-1] == "%" else f"{text} e"


def fmt_metric(metric: Metric, value: float | None, estimate: bool = False) -> str:
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


def fmt_share_sentence(value: float, estimate: bool, note: FigureNote | None = None) -> str:
    """'2.00% of GDP (estimate)'; a share the data notes doubt to its own precision, marked:
    '2.5%? of GDP (estimate)'."""
    decimals = 2 if note is None else note.decimals
    doubt = "" if note is None else DOUBT_MARK
    return f"{value:.{decimals}f}%{doubt} of GDP" + (" (estimate)" if estimate else "")


def summary_doubt_lines(result: ComplianceSummary) -> list[str]:
    return doubt_lines(
        (s.country, result.year, s.share_rounded, s.note) for s in result.noted if s.note
    )


def figures_doubt_lines(figures: Iterable[AllyFigures]) -> list[str]:
    """For a profile or a comparison: the doubted shares among the allies' figures."""
    return doubt_lines(
        (f.country, f.year, f.share_rounded, f.note)
        for f in figures
        if f.note is not None and f.share_rounded is not None
    )


def gap_doubt_lines(result: Gap) -> list[str]:
    if result.note is None:
        return []
    return doubt_lines([(result.country, result.year, result.share_rounded, result.note)])


_PRECISION = {0: "a whole number", 1: "one decimal"}


def doubt_lines(noted: Iterable[tuple[Country, int, float, FigureNote]]) -> list[str]:
    """Why figures carry the doubt mark, from (ally, year, the figure as shown, note): one
    sentence for each figure NATO may not have published or given to fewer decimals, one for
    the rest (single-sourced)."""
    lines: list[str] = []
    single: list[str] = []
    for country, year, value, note in noted:
        shown = f"{value:.{note.decimals}f}"
        if note.doubt is Doubt.MAY_BE_UNPUBLISHED:
            lines.append(
                f"{DOUBT_MARK} {country.name} {year}: {shown} is reported by most outlets, but "
                f"one says NATO published no figure for {country.name}."
            )
        elif note.decimals < 2:
            lines.append(
                f"{DOUBT_MARK} {country.name} {year}: {shown} is one outlet's figure, rounded to "
                f"{_PRECISION[note.decimals]}."
            )
        else:
            single.append(f"{country.name} {year} {shown}")
    if single:
        lines.append(f"{DOUBT_MARK} From a single source: {', '.join(single)}.")
    return lines


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


def count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {plural or noun + 's'}"


def country_list(countries: Iterable[Country]) -> str:
    return ", ".join(c.name for c in countries)


# --------------------------------------------------------------------------- lines


def release_line(release: Release) -> str:
    return f"Release {release.release_id}: {BASIS_LABEL[release.basis]}"


def basis_line(release: Release) -> str:
    """The one short basis line of a reply: 'NATO 2026-07 · core defence expenditure'."""
    return f"NATO {release.release_id} · {BASIS_LABEL[release.basis]}"


def source_line(release: Release, year: int) -> str:
    published = fmt_published(release.published)
    return f"Source: NATO, {release.title}, published {published} · figures for {year}"


def sourcing_line(sourcing: Sourcing | None) -> str | None:
    """'2025 figures from press reports of the release'."""
    if sourcing is None:
        return None
    where = " and ".join(_PROVENANCE[p] for p in sourcing.provenances)
    some = "" if sourcing.all_of_them else "some "
    line = f"{some}{sourcing.year} figures from {where}"
    return line[0].upper() + line[1:]


def estimates_line(year: int, all_estimates: bool) -> str:
    """The estimate legend, or once for all: 'All 2026 figures are NATO estimates'."""
    return f"All {year} figures are NATO estimates" if all_estimates else ESTIMATE_LEGEND


def footer_lines(
    release: Release, year: int, sourcing: Sourcing | None, all_estimates: bool = False
) -> list[str]:
    lines = [source_line(release, year)]
    extra = sourcing_line(sourcing)
    if extra:
        lines.append(extra)
    lines.append(estimates_line(year, all_estimates))
    return lines


def revisions_source_line(result: Revisions) -> str:
    ids = [row.release.release_id for row in result.rows]
    span = ids[0] if len(ids) == 1 else f"{ids[0]} to {ids[-1]}"
    return f"Source: NATO, releases {span} · figures for {result.year}"


def aggregate_label(code: str) -> str:
    return _AGGREGATE_NAME[code]


def aggregate_share_line(aggregate: AggregateShare) -> tuple[str, str]:
    return aggregate_label(aggregate.code), fmt_share_sentence(
        aggregate.share_rounded, aggregate.estimate
    )


def aggregate_value_line(aggregate: AggregateValue, metric: Metric) -> tuple[str, str]:
    value = fmt_metric_with_unit(metric, aggregate.value_rounded, aggregate.estimate)
    return aggregate_label(aggregate.code), value


def not_yet_ally_note(country: Country, year: int) -> str:
    return f"{country.name} joined NATO in {country.accession_year}; not yet an ally in {year}."


#: Marks a year of a series from before the ally joined (Finland before 2023).
NOT_YET_ALLY_MARK = "†"


def joined_within_series_line(country: Country, joined: int, *, chart: bool) -> str:
    """Why some years of an ally's series are marked: its figures start before it joined."""
    where = "grey on the chart" if chart else "not counted as an ally's"
    return (
        f"{NOT_YET_ALLY_MARK} {country.name} joined NATO in {joined}: its figures before {joined} "
        f"are from before it was an ally ({where})."
    )


def fmt_series_point(year: int, share: str, is_ally: bool) -> str:
    """'2019 1.45' for a year in the alliance; '2019† 1.45' for a year before the ally joined."""
    return f"{year} {share}" if is_ally else f"{year}{NOT_YET_ALLY_MARK} {share}"


def profile_heading(country: Country) -> str:
    """'Germany (DEU)', 'NATO as a whole (aggregate)'."""
    return f"{country.name} ({'aggregate' if is_aggregate(country) else country.iso3})"


AGGREGATE_NOTE = "NATO's own aggregate, not an ally: no rank; targets shown for comparison."


def ally_note(figures: AllyFigures) -> str | None:
    country = figures.country
    if is_aggregate(country):
        return AGGREGATE_NOTE
    if not country.has_armed_forces:
        return f"{country.name} has no armed forces; NATO reports no defence spending for it."
    if not figures.is_ally:
        return not_yet_ally_note(country, figures.year)
    return None


# --------------------------------------------------------------------------- targets


def pledge_phrase(target: float, year: int) -> str:
    """What the target was that year: '2% (an aim in 2014–2023)', '3.5% by 2035'."""
    goal = registry.named(target)
    label = fmt_target(target)
    if goal is None:
        return f"{label} (no agreed date)"
    pledge = goal.pledge(year)
    if pledge is Pledge.AIM and goal.aim_years:
        first, last = goal.aim_years
        return f"{label}: an aim in {first}–{last}"
    if pledge is Pledge.COMMITMENT:
        return f"{label}: a yearly commitment since {goal.commitment_from}"
    return f"{label} by {goal.due_by}"


def target_taken_line(result: ComplianceSummary | Gap | Comparison) -> str | None:
    """Why the target answered is not the one typed: 'Target 2.005% taken as 2.01%: …'."""
    if result.target_asked is None:
        return None
    return (
        f"Target {result.target_asked:g}% taken as {fmt_target(result.target)}: targets are "
        "judged to two decimals, like NATO's shares."
    )


def summary_title(result: ComplianceSummary) -> str:
    return f"Who meets {target_name(result.target, result.year)} in {result.year}"


def meeting_label(result: ComplianceSummary) -> str:
    return f"Meeting {fmt_target(result.target)}"


def open_label(result: ComplianceSummary) -> str:
    return f"Meeting the {fmt_target(result.shortfall_to)} core element; rest not published"


def below_label(result: ComplianceSummary) -> str:
    if result.shortfall_to != result.target:
        return f"Not meeting {fmt_target(result.target)}: below {fmt_target(result.shortfall_to)}"
    return f"Below {fmt_target(result.target)}"


def summary_headline(result: ComplianceSummary) -> str:
    """'25 of 25 published allies meet 2% in 2025; 6 not published; Iceland not assessed'."""
    target, met, of = fmt_target(result.target), len(result.meeting), result.assessed_count
    allies = "published ally" if of == 1 else "published allies"
    verb = "meets" if met == 1 else "meet"
    parts = [f"{met} of {of} {allies} {verb} {target} in {result.year}"]
    if result.shortfall_to != result.target:
        core = fmt_target(result.shortfall_to)
        parts.append(f"{len(result.open)} meet the {core} core element (the rest is not published)")
        parts.append(f"{len(result.below)} below {core} do not")
    if result.not_published:
        parts.append(f"{len(result.not_published)} not published")
    if result.no_armed_forces:
        parts.append(f"{country_list(result.no_armed_forces)} not assessed")
    return "; ".join(parts)


def summary_consequence(result: ComplianceSummary) -> str | None:
    """5%: why the groups are what they are."""
    if result.shortfall_to == result.target:
        return None
    core = fmt_target(result.shortfall_to)
    return (
        f"{fmt_target(result.target)} = {core} core + up to 1.5% defence-related, not published "
        f"per ally: below {core} an ally does not meet it; from {core} it is open."
    )


def previous_line(result: ComplianceSummary) -> str | None:
    prev = result.previous
    if prev is None:
        return None
    line = f"{prev.meeting_count} of {prev.assessed_count} met {fmt_target(result.target)}"
    if result.shortfall_to != result.target:
        line += f", {prev.open_count} more the {fmt_target(result.shortfall_to)} core element"
    if prev.nato_total_change is not None:
        line += f"; NATO-wide share {fmt_signed_points(prev.nato_total_change)} pts since"
    return line


def since_lines(result: ComplianceSummary) -> list[str]:
    """What changed since the year before: who newly meets the target (the first allies ever
    in this release, when they are), who newly reaches or falls below the line a shortfall is
    measured to (for 5%, its 3.5% core element), who no longer meets 5%, and NATO's aggregate
    share."""
    prev = result.previous
    if prev is None:
        return []
    target, line = fmt_target(result.target), fmt_target(result.shortfall_to)
    lines: list[str] = []
    if prev.newly_meeting and prev.first_to_meet:
        lines.append(
            f"First allies to meet {target} (none did before {result.year} in this release): "
            f"{country_list(prev.newly_meeting)}"
        )
    if result.shortfall_to != result.target:
        if prev.newly_meeting and not prev.first_to_meet:
            lines.append(f"Newly meeting {target}: {country_list(prev.newly_meeting)}")
        lines.append(
            f"Newly at the {line} core element: {country_list(prev.newly_clear) or 'none'}"
        )
    elif not (prev.newly_meeting and prev.first_to_meet):
        lines.append(f"Newly meeting {line}: {country_list(prev.newly_clear) or 'none'}")
    lines.append(f"Newly below {line}: {country_list(prev.newly_below) or 'none'}")
    if result.shortfall_to != result.target and prev.no_longer_meeting:
        lines.append(f"No longer meeting {target}: {country_list(prev.no_longer_meeting)}")
    if prev.nato_total_change is not None:
        lines.append(f"NATO as a whole: {fmt_signed_points(prev.nato_total_change)} pts")
    return lines


def since_label(year: int) -> str:
    return f"Since {year}"


def aggregates_summary_line(result: ComplianceSummary) -> str | None:
    """'NATO as a whole 2.86e · European allies and Canada 2.53e · median ally 2.22'."""
    marks = not result.all_estimates
    parts = [
        f"{aggregate_label(a.code)} {fmt_share(a.share_rounded, a.estimate and marks)}"
        for a in (result.nato_total, result.europe_canada)
        if a is not None
    ]
    if result.median_share_rounded is not None:
        parts.append(f"median ally {fmt_share(result.median_share_rounded)}")
    return " · ".join(parts) or None


#: Where the per-ally money of a summary went.
GAP_HINT = "each ally's gap: /gap"


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


def shortfall_label(result: ComplianceSummary) -> str:
    if result.shortfall_to != result.target:
        return f"Combined shortfall to the {fmt_target(result.shortfall_to)} core element"
    return "Combined shortfall"


def combined_gap_line(result: ComplianceSummary) -> str:
    """'$44.9 bn a year (8 allies below 2%)'."""
    below = f"{count(len(result.below), 'ally', 'allies')} below {fmt_target(result.shortfall_to)}"
    if result.alliance_gap_usd_bn is None:
        return f"Not known: this release gives no GDP for the {below}."
    line = f"{fmt_usd_bn(result.alliance_gap_usd_bn)} a year ({below})"
    if result.gap_unknown:
        line += f"; GDP unknown, not counted: {country_list(result.gap_unknown)}"
    return line


def footnote_lines(notes: Iterable[Footnote]) -> list[str]:
    return [FOOTNOTE_TEXT[n] for n in notes]


def check_note(check: TargetCheck) -> str:
    """'+2.68 pts', 'exactly at 2%', '+0.25 pts over the 3.5% core element; rest not
    published', '−1.89 pts below the 3.5% core element'."""
    if check.difference_points == 0:
        what = fmt_target(check.measured_to)
        core = " core element" if check.measured_to != check.target else ""
        return f"exactly at {what}{core}" + ("; rest not published" if core else "")
    points = f"{fmt_signed_points(check.difference_points)} pts"
    if check.measured_to == check.target:
        return points
    core = fmt_target(check.measured_to)
    if check.verdict is Verdict.OPEN:
        return f"{points} over the {core} core element; rest not published"
    return f"{points} to the {core} core element"


def check_line(check: TargetCheck) -> str:
    return f"{VERDICT_WORD[check.verdict]} ({check_note(check)})"


def gap_sentence(result: Gap) -> str:
    name, target = result.country.name, fmt_target(result.target)
    share = fmt_share_sentence(result.share_rounded, result.estimate, result.note)
    money = (
        "" if result.money_usd_bn is None else f", about {fmt_usd_bn(result.money_usd_bn)} a year"
    )
    to = fmt_target(result.measured_to)
    standing = result.standing
    if standing is Standing.EXACTLY:
        return f"{name} meets {target} with {share}: exactly at {target}."
    if standing is Standing.MEETS:
        return f"{name} meets {target} with {share}: {fmt_points(result.points)} above{money}."
    if standing is Standing.BELOW:
        return f"{name} is at {share}: {fmt_points(result.points)} below {target}{money}."
    if standing is Standing.CORE_ELEMENT_NOT_MET:
        return (
            f"{name} is at {share}: it does not meet {target}, because its core defence "
            f"spending is below the {to} core element: {fmt_points(result.points)} below "
            f"{to}{money}."
        )
    at = "exactly at" if result.points == 0 else f"{fmt_points(result.points)} above"
    return (
        f"{name} is at {share}: it meets the {to} core element of {target} ({at} {to}); "
        f"whether it meets {target} is open: {CORE_PART}."
    )


def gap_field(result: Gap) -> tuple[str, str]:
    """The distance as a label and value: 'Gap', 'Surplus', 'Gap to 3.5% core', 'At 2%'."""
    if result.points == 0:
        return f"At {fmt_target(result.measured_to)}", "exactly"
    value = f"{fmt_points(result.points)} · {fmt_usd_bn(result.money_usd_bn)}"
    core = "" if result.measured_to == result.target else f" {fmt_target(result.measured_to)} core"
    if result.verdict is Verdict.BELOW:
        return f"Gap{' to' + core if core else ''}", value
    return f"Surplus{' over' + core if core else ''}", value


def no_money_note(result: Gap) -> str | None:
    if result.money_usd_bn is not None:
        return None
    return (
        f"Release {result.release_id} publishes neither GDP nor US-dollar spending for "
        f"{result.country.name}, so the gap cannot be put in dollars."
    )


def _later_phrase(result: Gap) -> str:
    assert result.path is not None
    shown = ", ".join(
        f"{fmt_share(p.share_rounded, p.estimate)} in {p.year}" for p in result.path.later
    )
    return (
        f"The same release shows {result.country.name} at {shown} "
        f"(so no projection from {result.year})"
    )


def path_sentence(result: Gap) -> str | None:
    """The way to the target: what it was that year, the rise needed, the pace."""
    path = result.path
    if path is None:
        return None
    to = fmt_target(path.to)
    parts: list[str] = []
    goal = registry.named(result.target)
    if path.pledge is Pledge.AIM and goal is not None and goal.aim_years:
        parts.append(
            f"In {result.year} {to} was an aim (Wales 2014: to move towards it within a decade)"
        )
    elif path.pledge is Pledge.COMMITMENT and goal is not None:
        parts.append(f"{to} is a yearly commitment since {goal.commitment_from} (Vilnius 2023)")
    if path.yearly_rise_needed is not None and path.years_left:
        by = f"by {path.horizon}"
        if not path.horizon_agreed:
            by += f" (no date was agreed for {fmt_target(result.target)}; {path.horizon} shown)"
        parts.append(
            f"To reach {to} {by} it needs {fmt_rate(path.yearly_rise_needed)} "
            f"for {count(path.years_left, 'year')}"
        )
    if path.later:
        parts.append(_later_phrase(result))
    elif path.pace_per_year is None:
        parts.append(f"Its recent pace is unknown (no {path.pace_from_year} figure)")
    else:
        assert path.pace_from_share is not None
        pace = (
            f"Its pace since {path.pace_from_year} ({path.pace_from_share:.2f}) is "
            f"{fmt_rate(path.pace_per_year, path.pace_positive)}"
        )
        if path.reach_year is not None:
            pace += f", which would reach {to} in {path.reach_year}"
        elif path.no_reach is NoReach.AFTER_LIMIT:
            pace += f": not before {PROJECTION_LIMIT} at this pace"
        else:
            pace += f": it would not reach {to} at this pace"
        parts.append(pace)
    return ". ".join(parts) + "."


def targets_lines() -> list[str]:
    """What each target means, from the registry."""
    lines = []
    for goal in (*registry.GDP_TARGETS, registry.EQUIPMENT):
        unit = "of defence spending" if goal.of_defence_spending else "of GDP"
        lines.append(f"{goal.label} {unit} — {goal.name}: {goal.meaning}. Agreed: {goal.agreed}.")
    lines += [
        f"{registry.HAGUE_TOTAL.label} is judged on its core element: {CORE_PART}, so an ally "
        f"below {registry.CORE_ELEMENT.label} does not meet it, and from "
        f"{registry.CORE_ELEMENT.label} whether it does is open.",
        RENAMING_NOTE,
        f"Any other target from {registry.MIN_TARGET:g} to {registry.MAX_TARGET:g}% of GDP (to "
        f"two decimals) is judged the same way; no date was agreed for it, so the rise needed "
        f"is shown to {registry.CUSTOM_HORIZON}.",
        "Compliance is judged as NATO does: the share rounded half-up to two decimals.",
    ]
    return lines


def release_basis_line(release: Release) -> str:
    return f"{release.release_id} — {release.title}: {BASIS_LABEL[release.basis]}"


def revision_published(row: RevisionRow) -> str:
    published = row.release.published
    if published == row.release.release_id:
        return ""
    return f" (published {fmt_published(published)})"


def revision_value(row: RevisionRow) -> str:
    if row.share_rounded is None:
        return "not published"
    return fmt_share_sentence(row.share_rounded, row.estimate, row.note)


def revision_change_line(change: RevisionChange) -> str:
    """'2025-08 → 2026-07: 3.79 → 3.75, −0.04 pts'."""
    before, after = change.before, change.after
    assert before.share_rounded is not None and after.share_rounded is not None
    return (
        f"{before.release.release_id} → {after.release.release_id}: "
        f"{fmt_share(before.share_rounded, note=before.note)} → "
        f"{fmt_share(after.share_rounded, note=after.note)}, "
        f"{fmt_signed_points(change.points)} pts"
    )


def revisions_sourcing_line(result: Revisions) -> str | None:
    """'From press reports of the release: 2024-03, 2025-04; from a third-party extraction of
    NATO's table: 2025-08, 2026-07'."""
    parts = []
    for provenance in ("press", "extraction"):
        ids = [r.release.release_id for r in result.rows if r.provenance == provenance]
        if ids:
            parts.append(f"from {_PROVENANCE[provenance]}: {', '.join(ids)}")
    if not parts:
        return None
    line = "; ".join(parts)
    return line[0].upper() + line[1:]


def revisions_renaming_line(result: Revisions) -> str | None:
    renamed = result.renamed_in
    if renamed is None:
        return None
    return f"Release {renamed.release_id} is the first here to use the new name. {RENAMING_NOTE}"


def comparison_verdict(result: Comparison, index: int) -> str:
    row = result.rows[index]
    return MISSING if row.check is None else check_line(row.check)


def chart_notes(basis: Basis | None) -> list[str]:
    notes = ["Hollow markers, dashed line: NATO estimates."]
    if basis is not None:
        notes.insert(0, f"Measure: NATO {BASIS_LABEL[basis]} (one agreed definition).")
    return notes


def figures_rows(fig: AllyFigures, *, marks: bool = True) -> list[tuple[str, str]]:
    """Label/value pairs for one ally-year, shared by the profile and comparison renders.
    Every figure of an estimate year carries the mark (unless ``marks`` is off because the
    reply says once that all its figures are estimates)."""
    e = fig.estimate and marks
    rank = f"{fig.rank} of {fig.assessed_count}" if fig.rank is not None else MISSING
    equipment = mark(fmt_number(fig.equipment_pct, 2, "%"), e)
    if fig.meets_equipment is not None:
        equipment += " (meets 20%)" if fig.meets_equipment else " (below 20%)"
    gdp = mark(fmt_usd_bn(fig.gdp_usd_bn), e) + (" (derived)" if fig.gdp_derived else "")
    return [
        (SHARE_LABEL, fmt_share(fig.share_rounded, e, fig.note)),
        ("Rank by share", rank),
        ("Spending", mark(fmt_usd_bn(fig.spend_usd_bn), e)),
        ("GDP", gdp),
        ("Equipment", equipment),
        ("Personnel", mark(fmt_number(fig.personnel_k, 1, "k"), e)),
        ("Per head (2015 USD)", mark(fmt_number(fig.spend_per_capita_usd_2015, 0), e)),
        ("Real change", mark(fmt_number(fig.real_change_pct, 2, "%"), e)),
    ]
