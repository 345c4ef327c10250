"""The diff of two datasets, on the bundled data (read with db.loader) and edits of it.

Expected values come from the records themselves, rounded here with Decimal as NATO publishes
them, never from the code under test.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.analytics.dataset_diff import (
    AllyYear,
    Crossing,
    DatasetDiff,
    Direction,
    FigureChange,
    MemberField,
    Pairing,
    RecordField,
    ReleaseField,
    ShareRevision,
    YearsChange,
    diff,
)
from bot.analytics.targets import Verdict
from bot.models import Dataset, Snapshot, SpendingRecord
from db.loader import load_bundled
from tests.support.snapshots import snapshot_of

KEY = tuple[str, str, int]


@cache
def bundled() -> Dataset:
    return load_bundled()


def published(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def record(data: Dataset, release_id: str, iso3: str, year: int) -> SpendingRecord:
    return next(
        r for r in data.records if (r.release_id, r.iso3, r.year) == (release_id, iso3, year)
    )


def edit(data: Dataset, key: KEY, **update: object) -> Dataset:
    """``data`` with one record's fields replaced."""
    records = tuple(
        r.model_copy(update=update) if (r.release_id, r.iso3, r.year) == key else r
        for r in data.records
    )
    assert records != data.records, f"no record {key}"
    return data.model_copy(update={"records": records})


def without_release(data: Dataset, release_id: str) -> Dataset:
    return data.model_copy(
        update={
            "releases": tuple(r for r in data.releases if r.release_id != release_id),
            "records": tuple(r for r in data.records if r.release_id != release_id),
        }
    )


def without_records(data: Dataset, keep: Callable[[SpendingRecord], bool]) -> Dataset:
    return data.model_copy(update={"records": tuple(r for r in data.records if keep(r))})


def snapshot(data: Dataset) -> Snapshot:
    return snapshot_of(data)


def only(result: DatasetDiff, *nonempty: str) -> None:
    """Every list of the diff is empty except those named."""
    for name in (
        "releases_added",
        "releases_removed",
        "releases_changed",
        "members_added",
        "members_removed",
        "members_changed",
        "ally_years_added",
        "ally_years_removed",
        "figures_changed",
        "years_changed",
        "revisions",
        "crossings",
    ):
        assert bool(getattr(result, name)) is (name in nonempty), name


# --------------------------------------------------------------------------- examples


def test_identical_datasets_have_an_empty_diff() -> None:
    result = diff(bundled(), bundled())
    assert result.is_empty
    only(result)
    assert result.share_revision_count == 0
    assert result.new_latest_year is None
    assert result.counts.model_dump() == dict.fromkeys(result.counts.model_dump(), 0)
    assert result.newest_release_old == result.newest_release_new == "2026-07"


def test_a_snapshot_diffs_like_its_dataset() -> None:
    changed = edit(bundled(), ("2024-06", "ESP", 2024), spend_usd_m=1.0)
    assert diff(snapshot(bundled()), bundled()).is_empty
    assert diff(snapshot(bundled()), changed) == diff(bundled(), changed)
    assert diff(bundled(), snapshot(changed)) == diff(bundled(), changed)


def test_one_figure_changed_is_exactly_that_change() -> None:
    old = record(bundled(), "2024-06", "ESP", 2024)
    assert old.spend_usd_m is not None
    new = edit(bundled(), ("2024-06", "ESP", 2024), spend_usd_m=old.spend_usd_m + 1)
    result = diff(bundled(), new)
    only(result, "figures_changed")
    assert not result.is_empty
    assert result.figures_changed == (
        FigureChange(
            release_id="2024-06",
            iso3="ESP",
            year=2024,
            field=RecordField.SPEND_USD_M,
            old=old.spend_usd_m,
            new=old.spend_usd_m + 1,
        ),
    )
    assert result.counts.figures_changed == 1


def test_an_estimate_mark_is_a_change() -> None:
    assert record(bundled(), "2024-06", "ESP", 2024).estimate
    result = diff(bundled(), edit(bundled(), ("2024-06", "ESP", 2024), estimate=False))
    assert [(c.field, c.old, c.new) for c in result.figures_changed] == [
        (RecordField.ESTIMATE, True, False)
    ]


def test_spain_edited_to_2_01_crosses_two_percent_upward() -> None:
    old = record(bundled(), "2024-06", "ESP", 2024)
    assert old.pct_gdp is not None and published(old.pct_gdp) < 2
    result = diff(bundled(), edit(bundled(), ("2024-06", "ESP", 2024), pct_gdp=2.01))
    only(result, "figures_changed", "revisions", "crossings")
    assert [(c.field, c.old, c.new) for c in result.figures_changed] == [
        (RecordField.PCT_GDP, old.pct_gdp, 2.01)
    ]
    assert result.revisions == (
        ShareRevision(
            pairing=Pairing.SAME_RELEASE,
            iso3="ESP",
            year=2024,
            old_release_id="2024-06",
            new_release_id="2024-06",
            old=float(published(old.pct_gdp)),
            new=2.01,
            points=float(Decimal("2.01") - published(old.pct_gdp)),
        ),
    )
    assert result.crossings == (
        Crossing(
            pairing=Pairing.SAME_RELEASE,
            target=2.0,
            iso3="ESP",
            direction=Direction.UP,
            old_verdict=Verdict.BELOW,
            new_verdict=Verdict.MEETS,
            old_release_id="2024-06",
            old_year=2024,
            old_share=float(published(old.pct_gdp)),
            new_release_id="2024-06",
            new_year=2024,
            new_share=2.01,
        ),
    )


def test_rounding_noise_is_no_change_and_the_cent_that_matters_is() -> None:
    key = ("2024-06", "ESP", 2024)
    a = edit(bundled(), key, pct_gdp=1.995)
    assert diff(a, edit(bundled(), key, pct_gdp=1.9951)).is_empty  # both publish as 2.00
    result = diff(edit(bundled(), key, pct_gdp=1.9949), a)  # 1.99 -> 2.00
    assert [(c.target, c.direction) for c in result.crossings] == [(2.0, Direction.UP)]
    assert [r.points for r in result.revisions] == [0.01]


def test_targets_are_passed_in() -> None:
    changed = edit(bundled(), ("2024-06", "ESP", 2024), pct_gdp=3.6)
    default = diff(bundled(), changed)
    assert [c.target for c in default.crossings] == [2.0, 3.5]
    assert default.targets == (2.0, 3.5)
    assert [c.target for c in diff(bundled(), changed, targets=[3.5]).crossings] == [3.5]
    # At 5%, 3.6 reaches the 3.5% core element: the verdict goes from below to open.
    [at_5] = diff(bundled(), changed, targets=[5]).crossings
    assert (at_5.old_verdict, at_5.new_verdict, at_5.direction) == (
        Verdict.BELOW,
        Verdict.OPEN,
        Direction.UP,
    )
    twice = diff(bundled(), changed, targets=[2, 2.0])
    assert (twice.targets, len(twice.crossings)) == ((2.0,), 1)


def test_aggregates_are_figures_but_not_crossings_or_revisions() -> None:
    key = ("2024-06", "NATO_TOTAL", 2024)
    result = diff(bundled(), edit(bundled(), key, pct_gdp=9.0))
    only(result, "figures_changed")
    assert [(c.iso3, c.field) for c in result.figures_changed] == [
        ("NATO_TOTAL", RecordField.PCT_GDP)
    ]


def test_a_year_before_accession_is_a_revision_but_not_a_crossing() -> None:
    # Sweden joined in March 2024; NATO publishes its figures from 2014 all the same.
    old = record(bundled(), "2024-06", "SWE", 2022)
    assert old.pct_gdp is not None and published(old.pct_gdp) < 2
    result = diff(bundled(), edit(bundled(), ("2024-06", "SWE", 2022), pct_gdp=2.5))
    only(result, "figures_changed", "revisions")
    assert [(r.iso3, r.year, r.new) for r in result.revisions] == [("SWE", 2022, 2.5)]
    joined = diff(bundled(), edit(bundled(), ("2024-06", "SWE", 2024), pct_gdp=3.6))
    assert [(c.iso3, c.target) for c in joined.crossings] == [("SWE", 3.5)]


def test_removing_a_release() -> None:
    result = diff(bundled(), without_release(bundled(), "2024-03"))
    only(result, "releases_removed")
    assert [r.release_id for r in result.releases_removed] == ["2024-03"]
    assert result.counts.releases_removed == 1
    assert result.newest_release_new == "2026-07"


def test_adding_the_newest_release_finds_every_crossing_of_the_years_both_cover() -> None:
    """2026-07 arrives on top of 2025-08: each ally-year both releases cover, and each ally's
    latest published share (what the bot answered by default), before and after."""
    old = without_release(bundled(), "2026-07")
    result = diff(old, bundled(), top=1000)
    only(result, "releases_added", "revisions", "crossings")
    assert [r.release_id for r in result.releases_added] == ["2026-07"]
    assert (result.newest_release_old, result.newest_release_new) == ("2025-08", "2026-07")
    assert (result.latest_year_old, result.latest_year_new, result.new_latest_year) == (
        2025,
        2026,
        2026,
    )
    members = {c.iso3: c for c in bundled().members}

    def share(release_id: str, iso3: str, year: int) -> Decimal | None:
        found = [
            r.pct_gdp
            for r in bundled().records
            if (r.release_id, r.iso3, r.year) == (release_id, iso3, year)
        ]
        return published(found[0]) if found and found[0] is not None else None

    def assessed(release_id: str, iso3: str, year: int) -> Decimal | None:
        """A crossing is of an ally of that year, with armed forces."""
        country = members[iso3]
        if not country.has_armed_forces or int(country.joined[:4]) > year:
            return None
        return share(release_id, iso3, year)

    def latest(release_id: str, iso3: str) -> int | None:
        years = [y for y in range(2014, 2027) if assessed(release_id, iso3, y) is not None]
        return max(years, default=None)

    pairs = [  # (pairing, ally, year in 2025-08, year in 2026-07)
        (Pairing.NEWEST_RELEASE, iso3, year, year) for iso3 in members for year in range(2014, 2026)
    ]
    for iso3 in members:
        was, now = latest("2025-08", iso3), latest("2026-07", iso3)
        if was is not None and now is not None and was != now:
            pairs.append((Pairing.LATEST_FIGURE, iso3, was, now))
    expected_crossings = set()
    for pairing, iso3, old_year, new_year in pairs:
        before, after = assessed("2025-08", iso3, old_year), assessed("2026-07", iso3, new_year)
        if before is None or after is None:
            continue
        for target in (2, Decimal("3.5")):
            if (before >= target) != (after >= target):
                up = Direction.UP if after >= target else Direction.DOWN
                expected_crossings.add(
                    (pairing, float(target), iso3, old_year, new_year, up, float(before))
                )
    assert {
        (c.pairing, c.target, c.iso3, c.old_year, c.new_year, c.direction, c.old_share)
        for c in result.crossings
    } == expected_crossings
    at_2 = [
        (c.iso3, c.old_year, c.old_share, c.new_share) for c in result.crossings if c.target == 2
    ]
    # Issue 19: the five 2% crossings of this release, newest years first.
    assert at_2 == [
        ("MNE", 2024, 1.72, 2.17),
        ("SVK", 2024, 1.96, 2.02),
        ("ALB", 2025, 2.01, 1.48),
        ("CZE", 2025, 2.0, 1.86),
        ("CZE", 2024, 2.08, 1.99),
    ]
    greece = [c for c in diff(old, bundled(), targets=[5]).crossings if c.iso3 == "GRC"]
    assert [(c.old_share, c.new_share, c.new_verdict) for c in greece] == [
        (2.85, 3.65, Verdict.OPEN)
    ]

    expected_revisions = {}
    for rec in bundled().records:
        if rec.release_id != "2026-07" or rec.iso3 not in members:
            continue
        before, after = share("2025-08", rec.iso3, rec.year), share("2026-07", rec.iso3, rec.year)
        if before is not None and after is not None and before != after:
            expected_revisions[(rec.iso3, rec.year)] = float(after - before)
    assert {(r.iso3, r.year): r.points for r in result.revisions} == expected_revisions
    assert result.share_revision_count == len(expected_revisions)
    sizes = [abs(r.points) for r in result.revisions]
    assert sizes == sorted(sizes, reverse=True)


def test_top_keeps_the_largest_revisions() -> None:
    old = without_release(bundled(), "2026-07")
    everything = diff(old, bundled(), top=1000)
    top3 = diff(old, bundled(), top=3)
    assert top3.revisions == everything.revisions[:3]
    assert top3.share_revision_count == everything.share_revision_count > 3
    assert diff(old, bundled(), top=0).revisions == ()
    with pytest.raises(ValueError, match="top"):
        diff(old, bundled(), top=-1)


def test_a_press_release_on_top_of_a_full_one_pairs_the_same_year() -> None:
    """2025-04 (2024 only) after 2024-06 (2014-2024): the default year stays 2024."""
    old = without_release(
        without_release(without_release(bundled(), "2026-07"), "2025-08"), "2025-04"
    )
    new = without_release(without_release(bundled(), "2026-07"), "2025-08")
    result = diff(old, new)
    assert result.new_latest_year is None
    assert result.crossings
    assert {(c.old_year, c.new_year) for c in result.crossings} == {(2024, 2024)}
    assert {r.year for r in result.revisions} == {2024}


def test_years_added_to_a_release() -> None:
    old = without_records(bundled(), lambda r: (r.release_id, r.year) != ("2024-06", 2024))
    result = diff(old, bundled())
    only(result, "ally_years_added", "years_changed")
    assert result.years_changed == (YearsChange(release_id="2024-06", added=(2024,), removed=()),)
    assert result.ally_years_added == tuple(
        AllyYear(release_id="2024-06", iso3=r.iso3, year=2024)
        for r in sorted(bundled().records, key=lambda r: r.iso3)
        if (r.release_id, r.year) == ("2024-06", 2024)
    )
    assert result.new_latest_year is None  # later releases already reached further


def test_release_and_member_changes() -> None:
    releases = tuple(
        r.model_copy(update={"title": "Renamed"}) if r.release_id == "2024-06" else r
        for r in bundled().releases
    )
    members = tuple(
        c.model_copy(update={"name": "España"}) if c.iso3 == "ESP" else c
        for c in bundled().members
        if c.iso3 != "ALB"
    )
    new = bundled().model_copy(update={"releases": releases, "members": members})
    result = diff(bundled(), new)
    only(result, "releases_changed", "members_removed", "members_changed")
    (release,) = result.releases_changed
    assert (release.release_id, release.fields, release.new.title) == (
        "2024-06",
        (ReleaseField.TITLE,),
        "Renamed",
    )
    assert [c.iso3 for c in result.members_removed] == ["ALB"]
    (member,) = result.members_changed
    assert (member.iso3, member.fields, member.old.name) == ("ESP", (MemberField.NAME,), "Spain")


def test_record_fields_are_spending_record_figures() -> None:
    figures = {
        name
        for name, info in SpendingRecord.model_fields.items()
        if info.annotation in (float | None, bool)
    }
    assert {f.value for f in RecordField} == figures


# --------------------------------------------------------------------------- properties


def mirror(result: DatasetDiff) -> DatasetDiff:
    """What diff(new, old) must be, given diff(old, new)."""
    flip = {Direction.UP: Direction.DOWN, Direction.DOWN: Direction.UP}
    return result.model_copy(
        update={
            "releases_added": result.releases_removed,
            "releases_removed": result.releases_added,
            "releases_changed": tuple(
                c.model_copy(update={"old": c.new, "new": c.old}) for c in result.releases_changed
            ),
            "members_added": result.members_removed,
            "members_removed": result.members_added,
            "members_changed": tuple(
                c.model_copy(update={"old": c.new, "new": c.old}) for c in result.members_changed
            ),
            "ally_years_added": result.ally_years_removed,
            "ally_years_removed": result.ally_years_added,
            "figures_changed": tuple(
                c.model_copy(update={"old": c.new, "new": c.old}) for c in result.figures_changed
            ),
            "years_changed": tuple(
                c.model_copy(update={"added": c.removed, "removed": c.added})
                for c in result.years_changed
            ),
            "newest_release_old": result.newest_release_new,
            "newest_release_new": result.newest_release_old,
            "latest_year_old": result.latest_year_new,
            "latest_year_new": result.latest_year_old,
            "revisions": tuple(
                r.model_copy(
                    update={
                        "old": r.new,
                        "new": r.old,
                        "old_release_id": r.new_release_id,
                        "new_release_id": r.old_release_id,
                        "points": -r.points,
                    }
                )
                for r in result.revisions
            ),
            "crossings": tuple(
                c.model_copy(
                    update={
                        "direction": flip[c.direction],
                        "old_release_id": c.new_release_id,
                        "new_release_id": c.old_release_id,
                        "old_year": c.new_year,
                        "new_year": c.old_year,
                        "old_share": c.new_share,
                        "new_share": c.old_share,
                        "old_verdict": c.new_verdict,
                        "new_verdict": c.old_verdict,
                    }
                )
                for c in result.crossings
            ),
        }
    )


shares = st.one_of(
    st.sampled_from([1.9949, 1.995, 2.0, 2.004, 2.005, 3.4949, 3.495, 3.5, 0.0]),
    st.floats(min_value=0, max_value=6, allow_nan=False),
)


@st.composite
def edited(draw: st.DrawFn, base: Dataset) -> Dataset:
    """``base`` after a few random edits: figures, marks, records and releases dropped, titles."""
    records = list(base.records)
    releases = list(base.releases)
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["share", "money", "estimate", "drop", "release", "title"]))
        if kind == "release" and len(releases) > 1:
            gone = releases.pop(draw(st.integers(0, len(releases) - 1))).release_id
            records = [r for r in records if r.release_id != gone]
            continue
        if kind == "title":
            i = draw(st.integers(0, len(releases) - 1))
            releases[i] = releases[i].model_copy(update={"title": draw(st.text(min_size=1))})
            continue
        if not records:
            continue
        i = draw(st.integers(0, len(records) - 1))
        if kind == "drop":
            records.pop(i)
        elif kind == "share":
            records[i] = records[i].model_copy(update={"pct_gdp": draw(st.none() | shares)})
        elif kind == "money":
            records[i] = records[i].model_copy(update={"spend_usd_m": draw(st.none() | shares)})
        else:
            records[i] = records[i].model_copy(update={"estimate": not records[i].estimate})
    return base.model_copy(update={"records": tuple(records), "releases": tuple(releases)})


fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(st.data())
def test_a_dataset_against_itself_is_empty(data: st.DataObject) -> None:
    a = data.draw(edited(bundled()))
    result = diff(a, a)
    assert result.is_empty
    only(result)


@fast
@given(st.data())
def test_diff_backwards_is_the_mirror_image(data: st.DataObject) -> None:
    a = data.draw(edited(bundled()))
    b = data.draw(edited(a))
    forwards, backwards = diff(a, b, top=5), diff(b, a, top=5)
    assert backwards == mirror(forwards)
    if a == b:
        assert forwards.is_empty


def test_mirror_is_checked_on_a_diff_with_everything() -> None:
    """The property above is only as good as ``mirror``: make sure it sees every kind of change."""
    old = without_release(edit(bundled(), ("2024-06", "ESP", 2024), pct_gdp=2.01), "2026-07")
    forwards = diff(old, bundled())
    assert forwards.releases_added and forwards.figures_changed
    assert forwards.revisions and forwards.crossings
    assert diff(bundled(), old) == mirror(forwards)
    assert mirror(mirror(forwards)) == forwards
