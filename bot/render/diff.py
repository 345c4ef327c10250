"""The wording of a dataset diff (a reload's dry run, a rollback): terminal text and an embed.

Both read the same sections from ``diff_sections``, so the CLI and Discord say the same thing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import discord

from bot.analytics.dataset_diff import (
    AllyYear,
    Crossing,
    DatasetDiff,
    Direction,
    FigureChange,
    Pairing,
    ShareRevision,
)
from bot.render.embeds import NATO_BLUE, chunked_fields, fit
from bot.render.wording import fmt_signed_points

#: Lines a section shows before it says how many more there are.
SHOWN_PER_SECTION = 12


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    lines: tuple[str, ...]


def _name(names: Mapping[str, str], iso3: str) -> str:
    return names.get(iso3, iso3)


def _years(years: Sequence[int]) -> str:
    """2014, 2015, 2016, 2019 -> '2014–2016, 2019'."""
    spans: list[list[int]] = []
    for year in sorted(years):
        if spans and year == spans[-1][-1] + 1:
            spans[-1].append(year)
        else:
            spans.append([year])
    return ", ".join(f"{s[0]}–{s[-1]}" if len(s) > 1 else f"{s[0]}" for s in spans)


def _ally_years(items: Sequence[AllyYear], names: Mapping[str, str]) -> list[str]:
    """Per release and ally, the years: 'release 2026-07: Poland 2025–2026'."""
    grouped: dict[tuple[str, str], list[int]] = defaultdict(list)
    for item in items:
        grouped[(item.release_id, item.iso3)].append(item.year)
    return [
        f"{rid}: {_name(names, iso3)} {_years(years)}"
        for (rid, iso3), years in sorted(grouped.items())
    ]


def _figures(items: Sequence[FigureChange], names: Mapping[str, str]) -> list[str]:
    """Per release and ally, how many figures changed and in which fields."""
    grouped: dict[tuple[str, str], list[FigureChange]] = defaultdict(list)
    for item in items:
        grouped[(item.release_id, item.iso3)].append(item)
    lines = []
    for (rid, iso3), changes in sorted(grouped.items()):
        fields = sorted({c.field.value for c in changes})
        lines.append(
            f"{rid}: {_name(names, iso3)}: {len(changes)} figure"
            f"{'s' if len(changes) != 1 else ''} ({', '.join(fields)})"
        )
    return lines


def _revision(rev: ShareRevision, names: Mapping[str, str]) -> str:
    where = (
        f"in {rev.new_release_id}"
        if rev.pairing is Pairing.SAME_RELEASE
        else f"{rev.old_release_id} → {rev.new_release_id}"
    )
    return (
        f"{_name(names, rev.iso3)} {rev.year}: {rev.old:.2f}% → {rev.new:.2f}% "
        f"({fmt_signed_points(rev.points)} pts, {where})"
    )


def _crossing(crossing: Crossing, names: Mapping[str, str]) -> str:
    verb = "now meets" if crossing.direction is Direction.UP else "no longer meets"
    return (
        f"{_name(names, crossing.iso3)} {verb} {crossing.target:g}%: "
        f"{crossing.old_share:.2f}% ({crossing.old_release_id}, {crossing.old_year}) → "
        f"{crossing.new_share:.2f}% ({crossing.new_release_id}, {crossing.new_year})"
    )


def _capped(lines: Sequence[str], limit: int = SHOWN_PER_SECTION) -> tuple[str, ...]:
    if len(lines) <= limit:
        return tuple(lines)
    return (*lines[:limit], f"… and {len(lines) - limit:,} more")


def diff_sections(diff: DatasetDiff, names: Mapping[str, str]) -> list[Section]:
    """What changes, section by section; empty when nothing does. ``names``: iso3 -> name."""
    sections: list[Section] = []

    def add(heading: str, lines: Sequence[str]) -> None:
        if lines:
            sections.append(Section(f"{heading} ({len(lines):,})", _capped(lines)))

    add(
        "Releases added",
        [f"{r.release_id}: {r.title} ({r.basis})" for r in diff.releases_added],
    )
    add("Releases removed", [f"{r.release_id}: {r.title}" for r in diff.releases_removed])
    add(
        "Releases changed",
        [f"{c.release_id}: {', '.join(f.value for f in c.fields)}" for c in diff.releases_changed],
    )
    add("Allies added", [f"{c.name} ({c.iso3}, joined {c.joined})" for c in diff.members_added])
    add("Allies removed", [f"{c.name} ({c.iso3})" for c in diff.members_removed])
    add(
        "Allies changed",
        [f"{c.new.name}: {', '.join(f.value for f in c.fields)}" for c in diff.members_changed],
    )
    add(
        "Years added",
        [f"{y.release_id}: {_years(y.added)}" for y in diff.years_changed if y.added],
    )
    add(
        "Years removed",
        [f"{y.release_id}: {_years(y.removed)}" for y in diff.years_changed if y.removed],
    )
    add("Ally-years added", _ally_years(diff.ally_years_added, names))
    add("Ally-years removed", _ally_years(diff.ally_years_removed, names))
    add("Figures changed", _figures(diff.figures_changed, names))
    if diff.revisions:
        heading = "Largest revisions of the share of GDP"
        shown = [_revision(r, names) for r in diff.revisions]
        if diff.share_revision_count > len(diff.revisions):
            shown.append(f"… of {diff.share_revision_count:,} revisions in all")
        sections.append(Section(heading, tuple(shown)))
    targets = " or ".join(f"{t:g}%" for t in diff.targets)
    add(f"Allies crossing {targets}", [_crossing(c, names) for c in diff.crossings])
    return sections


def headline(diff: DatasetDiff) -> str:
    """One line: how much changes."""
    if diff.is_empty:
        return "No change: the data is identical to the active version."
    counts = diff.counts
    parts = [
        (counts.releases_added, "release added", "releases added"),
        (counts.releases_removed, "release removed", "releases removed"),
        (counts.releases_changed, "release changed", "releases changed"),
        (counts.members_added, "ally added", "allies added"),
        (counts.members_removed, "ally removed", "allies removed"),
        (counts.ally_years_added, "ally-year added", "ally-years added"),
        (counts.ally_years_removed, "ally-year removed", "ally-years removed"),
        (counts.figures_changed, "figure changed", "figures changed"),
        (counts.crossings, "target crossing", "target crossings"),
    ]
    return "; ".join(f"{n:,} {one if n == 1 else many}" for n, one, many in parts if n)


def diff_text(
    diff: DatasetDiff,
    names: Mapping[str, str],
    *,
    title: str,
    notes: Sequence[str] = (),
    warnings: Sequence[str] = (),
) -> str:
    """The diff for a terminal: a title, the headline, notes, warnings, then each section."""
    lines = [title, headline(diff)]
    lines += [f"note: {note}" for note in notes]
    lines += [f"warning: {warning}" for warning in warnings]
    for section in diff_sections(diff, names):
        lines.append("")
        lines.append(f"{section.heading}:")
        lines += [f"  {line}" for line in section.lines]
    return "\n".join(lines)


def diff_embed(
    diff: DatasetDiff,
    names: Mapping[str, str],
    *,
    title: str,
    notes: Sequence[str] = (),
    warnings: Sequence[str] = (),
    footer: str = "",
) -> discord.Embed:
    """The diff as an embed, clipped to Discord's limits."""
    description = "\n".join(
        [f"**{headline(diff)}**", *notes, *(f"⚠️ {warning}" for warning in warnings)]
    )
    embed = discord.Embed(title=title, description=description, colour=NATO_BLUE)
    for section in diff_sections(diff, names):
        chunked_fields(embed, section.heading, section.lines, separator="\n")
    if footer:
        embed.set_footer(text=footer)
    return fit(embed)
