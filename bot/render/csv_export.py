"""Analytics results as CSV text: the "Export CSV" button and ``natobot preview --format csv``.

A file starts with comment lines (``#``): what the table answers, the release, the measure, the
source, where the figures were read and what the columns mean. Then one header row and one row
per ally (NATO's own aggregates last). Every row carries its release, year, estimate flag and
provenance, so the rows alone stay complete once the comments are dropped (pandas:
``read_csv(path, comment="#")``).

Shares are given twice: as NATO publishes them (two decimals, what every target is judged on)
and at the precision the release gives. Empty cells are figures the release does not publish.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import singledispatch

from bot.analytics import (
    AggregateShare,
    AggregateValue,
    AllyShare,
    Comparison,
    ComplianceSummary,
    Order,
    Ranking,
    Revisions,
)
from bot.models import Country, Provenance, Release, Snapshot
from bot.render import wording

Cell = str | int | float | bool | None

#: What the provenance column's values mean (the words the replies use).
PROVENANCE_NOTE = "provenance: " + "; ".join(
    f"{key} = {wording._PROVENANCE[key]}" for key in ("table", "extraction", "press")
)
ESTIMATE_NOTE = f"estimate: true where NATO marks the figure {wording.ESTIMATE_MARK} (an estimate)"
SHARE_NOTE = (
    "share_pct_gdp: the share of GDP as NATO publishes it (two decimals, rounded half-up: what a "
    "target is judged on); share_as_released: at the precision the release gives"
)
EMPTY_NOTE = "An empty cell is a figure this release does not publish."

# Status of a row that is not judged against a target.
NOT_PUBLISHED = "not_published"
NO_ARMED_FORCES = "no_armed_forces"
AGGREGATE = "aggregate"
RANKED = "ranked"


# --------------------------------------------------------------------------- cells


def _cell(value: Cell) -> str:
    """Booleans as the dataset writes them, numbers as the release gives them, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _released(value)
    return str(value)


def _released(value: float | None) -> str:
    """A figure as the release gives it, never in exponent notation: 15 significant digits hold
    any decimal the files carry and drop the binary noise of arithmetic (USD million to bn)."""
    if value is None:
        return ""
    text = format(Decimal(repr(float(f"{value:.15g}"))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _fixed(value: float | None, places: int) -> str:
    """A figure as the bot shows it: a fixed number of decimals."""
    return "" if value is None else f"{value:.{places}f}"


def _write(comments: Iterable[str], header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    out = io.StringIO()
    for line in comments:
        out.write(f"# {line}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        if len(row) != len(header):  # a programming error, never the data's
            raise ValueError(f"row of {len(row)} cells under a header of {len(header)}")
        writer.writerow([_cell(c) for c in row])
    return out.getvalue()


def _release_lines(release: Release, year: int, snap: Snapshot) -> list[str]:
    basis = wording.BASIS_LABEL[release.basis]
    version = snap.version
    return [
        f"{wording.release_line(release)} (NATO's agreed definition) · year {year}",
        wording.source_line(release, year),
        f"Dataset version {version.version_id} (sha256 {version.sha256[:12]}), "
        f"basis column: {release.basis} = {basis}",
    ]


def _provenance(snap: Snapshot, release_id: str, code: str, year: int) -> Provenance | None:
    record = snap.record(release_id, code, year)
    return None if record is None else record.provenance


def _sourcing_lines(line: str | None) -> list[str]:
    return [] if line is None else [line]


def filename(result: object) -> str:
    """A file name that says the question: ``summary-2024-06-2024-target-2.csv``."""
    if isinstance(result, ComplianceSummary):
        stem = f"summary-{result.release_id}-{result.year}-target-{result.target:g}"
    elif isinstance(result, Ranking):
        stem = f"ranking-{result.metric.value}-{result.release_id}-{result.year}"
    elif isinstance(result, Comparison):
        codes = "-".join(row.figures.country.iso3.lower() for row in result.rows)
        stem = f"compare-{codes}-{result.release_id}-{result.year}"
    elif isinstance(result, Revisions):
        stem = f"revisions-{result.country.iso3.lower()}-{result.year}"
    else:
        raise TypeError(f"no CSV export for {type(result).__name__}")
    return stem.replace("_", "-") + ".csv"


# --------------------------------------------------------------------------- tables


@singledispatch
def to_csv(result: object, snap: Snapshot) -> str:
    """The CSV text of a result computed from ``snap`` (which gives each row's provenance)."""
    raise TypeError(f"no CSV export for {type(result).__name__}")


SUMMARY_HEADER = (
    "release",
    "year",
    "basis",
    "target_pct_gdp",
    "iso3",
    "ally",
    "status",
    "rank",
    "share_pct_gdp",
    "share_as_released",
    "estimate",
    "gap_points",
    "gap_usd_bn",
    "provenance",
)


@to_csv.register
def summary_csv(result: ComplianceSummary, snap: Snapshot) -> str:
    rid, year = result.release_id, result.year
    fixed: tuple[Cell, ...] = (rid, year, result.basis, result.target)
    comments = [
        wording.summary_title(result),
        *_release_lines(result.release, year, snap),
        *_sourcing_lines(wording.sourcing_line(result.sourcing)),
        f"{wording.summary_headline(result)}.",
        "status: meets, below, open (5% only: the 3.5% core element is met, the rest is not "
        f"published), {NOT_PUBLISHED}, {NO_ARMED_FORCES} (not assessed), {AGGREGATE} "
        "(NATO's own aggregate row); allies not yet members that year are not listed",
        f"gap_points: points of GDP below {wording.fmt_target(result.shortfall_to)}"
        + ("" if result.shortfall_to == result.target else " (the core element)")
        + "; gap_usd_bn: those points of the ally's GDP, USD bn a year",
        SHARE_NOTE,
        ESTIMATE_NOTE,
        PROVENANCE_NOTE,
        EMPTY_NOTE,
    ]

    def judged(item: AllyShare) -> tuple[Cell, ...]:
        return (
            *fixed,
            item.country.iso3,
            item.country.name,
            item.verdict.value,
            item.rank,
            _fixed(item.share_rounded, 2),
            _cell(item.share),
            item.estimate,
            _fixed(item.gap_points, 2),
            item.gap_usd_bn,
            _provenance(snap, rid, item.country.iso3, year),
        )

    def unjudged(country: Country, status: str) -> tuple[Cell, ...]:
        return (*fixed, country.iso3, country.name, status, *([None] * 6), None)

    def aggregate(row: AggregateShare) -> tuple[Cell, ...]:
        return (
            *fixed,
            row.code,
            wording.aggregate_label(row.code),
            AGGREGATE,
            None,
            _fixed(row.share_rounded, 2),
            _cell(row.share),
            row.estimate,
            None,
            None,
            _provenance(snap, rid, row.code, year),
        )

    rows: list[tuple[Cell, ...]] = [
        judged(item) for group in (result.meeting, result.open, result.below) for item in group
    ]
    rows += [unjudged(c, NOT_PUBLISHED) for c in result.not_published]
    rows += [unjudged(c, NO_ARMED_FORCES) for c in result.no_armed_forces]
    rows += [aggregate(a) for a in (result.nato_total, result.europe_canada) if a is not None]
    return _write(comments, SUMMARY_HEADER, rows)


RANKING_HEADER = (
    "release",
    "year",
    "basis",
    "metric",
    "unit",
    "iso3",
    "ally",
    "status",
    "rank",
    "value",
    "value_as_released",
    "estimate",
    "provenance",
)


@to_csv.register
def ranking_csv(result: Ranking, snap: Snapshot) -> str:
    rid, year, metric = result.release_id, result.year, result.metric
    fixed: tuple[Cell, ...] = (rid, year, result.basis, metric.value, metric.unit)
    comments = [
        wording.ranking_title(metric, year, lowest_first=result.order is Order.LOWEST),
        *_release_lines(result.release, year, snap),
        *_sourcing_lines(wording.ranking_instead_line(result)),
        *_sourcing_lines(wording.sourcing_line(result.sourcing)),
        f"value: {metric.label}, to {metric.decimals} decimals as the bot shows it and ranks "
        "it (ties share a rank); value_as_released: at the precision the release gives",
        f"status: {RANKED}, {NOT_PUBLISHED} (this release has no such figure for the ally), "
        f"{AGGREGATE} (NATO's own figure for all allies)",
        ESTIMATE_NOTE,
        PROVENANCE_NOTE,
        EMPTY_NOTE,
    ]

    def aggregate(row: AggregateValue) -> tuple[Cell, ...]:
        return (
            *fixed,
            row.code,
            wording.aggregate_label(row.code),
            AGGREGATE,
            None,
            _fixed(row.value_rounded, metric.decimals),
            _cell(row.value),
            row.estimate,
            _provenance(snap, rid, row.code, year),
        )

    rows: list[tuple[Cell, ...]] = [
        (
            *fixed,
            r.country.iso3,
            r.country.name,
            RANKED,
            r.rank,
            _fixed(r.value_rounded, metric.decimals),
            _cell(r.value),
            r.estimate,
            _provenance(snap, rid, r.country.iso3, year),
        )
        for r in result.rows
    ]
    rows += [
        (*fixed, c.iso3, c.name, NOT_PUBLISHED, None, None, None, None, None)
        for c in result.missing
    ]
    if result.nato_total is not None:
        rows.append(aggregate(result.nato_total))
    return _write(comments, RANKING_HEADER, rows)


COMPARE_HEADER = (
    "release",
    "year",
    "basis",
    "target_pct_gdp",
    "iso3",
    "ally",
    "ally_that_year",
    "share_pct_gdp",
    "share_as_released",
    "estimate",
    "verdict",
    "difference_points",
    "measured_to_pct_gdp",
    "rank_by_share",
    "assessed_allies",
    "spending_usd_bn",
    "gdp_usd_bn",
    "gdp_derived",
    "equipment_pct_of_spending",
    "personnel_k",
    "per_head_usd_2015",
    "real_change_pct",
    "provenance",
)


@to_csv.register
def compare_csv(result: Comparison, snap: Snapshot) -> str:
    rid, year = result.release_id, result.year
    comments = [
        wording.comparison_title(result) + f" in {year}",
        *_release_lines(result.release, year, snap),
        *_sourcing_lines(wording.sourcing_line(result.sourcing)),
        "verdict: meets, below, open (5% only: the 3.5% core element is met, the rest is not "
        "published); empty before the ally joined or when no share is published",
        "difference_points: share_pct_gdp minus measured_to_pct_gdp (the target, or the 3.5% "
        "core element for 5% unless met); negative = below",
        "gdp_derived: true when the release gives no GDP and it is spending ÷ share",
        SHARE_NOTE,
        ESTIMATE_NOTE,
        PROVENANCE_NOTE,
        EMPTY_NOTE,
    ]
    rows: list[tuple[Cell, ...]] = []
    for row in result.rows:
        fig, check = row.figures, row.check
        rows.append(
            (
                rid,
                year,
                result.basis,
                result.target,
                fig.country.iso3,
                fig.country.name,
                fig.is_ally,
                _fixed(fig.share_rounded, 2),
                _cell(fig.share),
                fig.estimate,
                None if check is None else check.verdict.value,
                None if check is None else _fixed(check.difference_points, 2),
                None if check is None else check.measured_to,
                fig.rank,
                fig.assessed_count if fig.rank is not None else None,
                fig.spend_usd_bn,
                fig.gdp_usd_bn,
                fig.gdp_derived if fig.gdp_usd_bn is not None else None,
                fig.equipment_pct,
                fig.personnel_k,
                fig.spend_per_capita_usd_2015,
                fig.real_change_pct,
                _provenance(snap, rid, fig.country.iso3, year),
            )
        )
    return _write(comments, COMPARE_HEADER, rows)


REVISIONS_HEADER = (
    "iso3",
    "ally",
    "year",
    "release",
    "release_title",
    "published",
    "basis",
    "share_pct_gdp",
    "share_as_released",
    "estimate",
    "change_points",
    "provenance",
)


@to_csv.register
def revisions_csv(result: Revisions, snap: Snapshot) -> str:
    comments = [
        wording.revisions_title(result),
        wording.revisions_source_line(result),
        f"Dataset version {snap.version.version_id} (sha256 {snap.version.sha256[:12]})",
        *_sourcing_lines(wording.revisions_sourcing_line(result)),
        wording.REVISIONS_INTRO + " " + wording.RENAMING_NOTE,
        "basis: total = defence expenditure, core = core defence expenditure (one measure); "
        "change_points: share_pct_gdp minus the previous release's that publishes one",
        SHARE_NOTE,
        ESTIMATE_NOTE,
        PROVENANCE_NOTE,
        "An empty share is a release that covers the year but publishes no share for the ally.",
    ]
    change = {c.after.release.release_id: c.points for c in result.changes}
    rows: list[tuple[Cell, ...]] = [
        (
            result.country.iso3,
            result.country.name,
            result.year,
            row.release.release_id,
            row.release.title,
            row.release.published,
            row.release.basis,
            _fixed(row.share_rounded, 2),
            _cell(row.share),
            row.estimate if row.share is not None else None,
            _fixed(change.get(row.release.release_id), 2),
            row.provenance,
        )
        for row in result.rows
    ]
    return _write(comments, REVISIONS_HEADER, rows)
