"""What loading a candidate in place of the active dataset would drop, one line each: the
warnings of a dry run, which a person confirms (or not) before the load."""

from __future__ import annotations

from collections.abc import Sequence

from bot.models import AGGREGATE_CODES, Dataset


def _years_text(years: Sequence[int]) -> str:
    """2014, 2015, 2016, 2019 -> '2014–2016, 2019'."""
    spans: list[list[int]] = []
    for year in years:
        if spans and year == spans[-1][-1] + 1:
            spans[-1].append(year)
        else:
            spans.append([year])
    return ", ".join(f"{s[0]}–{s[-1]}" if len(s) > 1 else f"{s[0]}" for s in spans)


def losses(before: Dataset, after: Dataset) -> list[str]:
    """What loading ``after`` in place of ``before`` would drop, one line each: releases, and
    for each release kept, allies (or NATO aggregates) and years it has figures for now.

    These are warnings, not problems: NATO's releases do drop years and, in a short release,
    allies. Figures of a kept ally-year that go empty are not listed (a revision may do that),
    except where the source can say why: a workbook's blank cells (``source._read_workbook``).
    """

    def by_release(dataset: Dataset) -> dict[str, tuple[set[str], set[int], int]]:
        out: dict[str, tuple[set[str], set[int], int]] = {}
        for record in dataset.records:
            codes, years, count = out.get(record.release_id, (set(), set(), 0))
            codes.add(record.iso3)
            years.add(record.year)
            out[record.release_id] = (codes, years, count + 1)
        return out

    old, new = by_release(before), by_release(after)
    kept_releases = {r.release_id for r in after.releases}
    lines: list[str] = []
    for release in before.releases:
        rid = release.release_id
        codes, years, count = old.get(rid, (set(), set(), 0))
        if rid not in kept_releases:
            lines.append(f"would drop release {rid} and its {count:,} rows of figures")
            continue
        new_codes, new_years, _ = new.get(rid, (set(), set(), 0))
        allies = sorted(codes - new_codes - AGGREGATE_CODES)
        aggregates = sorted((codes - new_codes) & AGGREGATE_CODES)
        gone = []
        if allies:
            noun = "ally's" if len(allies) == 1 else "allies'"
            gone.append(f"{len(allies)} {noun} figures: {', '.join(allies)}")
        if aggregates:
            noun = "aggregate" if len(aggregates) == 1 else "aggregates"
            gone.append(f"NATO's {noun} {', '.join(aggregates)}")
        if gone:
            lines.append(f"would drop {' and '.join(gone)} that release {rid} has now")
        if dropped_years := sorted(years - new_years):
            noun = "year" if len(dropped_years) == 1 else "years"
            lines.append(
                f"would drop {noun} {_years_text(dropped_years)} that release {rid} has now"
            )
    gone_members = sorted({c.iso3 for c in before.members} - {c.iso3 for c in after.members})
    if gone_members:
        lines.append(f"would drop {', '.join(gone_members)} from the allies listed now")
    return lines
