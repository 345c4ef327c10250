"""Any dataset the validator accepts, every command and every preview answers without an error.

The loader's ranges (``db.loader.NUMERIC_RANGES``) are the bot's: this generates whole dataset
directories within them and at their edges (one ally only, empty optional cells, 0 and each
bound, the most decimal places, the first and last year), loads them with ``load_directory`` (what
``natobot data validate DIR`` runs) and asks every analytics query, every text render, every
embed builder, the trend chart and every ``natobot preview`` query. A user-facing error (an ally
with no share, a single ally to compare) is a valid answer; anything else is a bug.
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TypeVar

import discord
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from bot import analytics
from bot.analytics.targets import MAX_TARGET, MIN_TARGET
from bot.cli import preview
from bot.countries import normalise
from bot.errors import UserFacingError
from bot.models import (
    AGGREGATE_CODES,
    PROVENANCES,
    Country,
    Dataset,
    Release,
    Snapshot,
    SpendingRecord,
)
from bot.render import charts, embeds, text
from db.loader import (
    FIRST_YEAR,
    MAX_DECIMALS,
    MEMBER_COLUMNS,
    MEMBERS_FILE,
    NUMERIC_RANGES,
    RECORD_COLUMNS,
    RELEASE_COLUMNS,
    RELEASES_FILE,
    NumericRange,
    load_bundled,
    load_directory,
)
from tests.support.limits import embed_problems
from tests.support.png import is_png
from tests.support.snapshots import snapshot_of

BUNDLED = load_bundled()
LAST_YEAR = date.today().year + 1
#: The standard targets and a custom one at each end of the accepted range.
TARGETS = (2.0, 3.5, 5.0, MIN_TARGET, MAX_TARGET, 2.7)
TINY = Decimal(1).scaleb(-MAX_DECIMALS)  # the smallest non-zero figure accepted
GDP_MOST = Decimal(NUMERIC_RANGES["gdp_usd_bn"].high)

T = TypeVar("T")


# --------------------------------------------------------------------------- generated files


def _cell(bounds: NumericRange) -> st.SearchStrategy[str]:
    low, high = Decimal(bounds.low), Decimal(bounds.high)
    edges = [low, high, low + TINY, high - TINY, TINY, Decimal(0)]
    edges = [e for e in edges if low <= e <= high]
    within = st.integers(0, MAX_DECIMALS).flatmap(
        lambda places: st.decimals(low, high, places=places, allow_nan=False)
    )
    value = st.one_of(st.sampled_from(edges), within)
    # As a file may write it: '0.000000000001', '1E-12', '20', '2.0E+1'.
    written = st.tuples(value, st.booleans()).map(lambda v: format(v[0], "f" if v[1] else ""))
    return st.one_of(st.just(""), written)


_CELLS = {column: _cell(bounds) for column, bounds in NUMERIC_RANGES.items()}


@st.composite
def _row(draw: st.DrawFn, iso3: str, year: int) -> list[str]:
    cells = {column: draw(strategy) for column, strategy in _CELLS.items()}
    share, spend = cells["pct_gdp"], cells["spend_usd_m"]
    # The loader refuses a GDP derived as spending ÷ share above its bound; give one then.
    if (
        not cells["gdp_usd_bn"]
        and share
        and spend
        and Decimal(share) > 0
        and Decimal(spend) / 1000 / (Decimal(share) / 100) > GDP_MOST
    ):
        cells["gdp_usd_bn"] = draw(st.sampled_from([str(GDP_MOST), str(TINY)]))
    fixed = {
        "iso3": iso3,
        "year": str(year),
        "estimate": draw(st.sampled_from(["true", "false"])),
        "provenance": draw(st.sampled_from(PROVENANCES)),
    }
    return [fixed.get(column) or cells.get(column, "") for column in RECORD_COLUMNS]


_YEARS = st.one_of(
    st.lists(st.integers(FIRST_YEAR, LAST_YEAR), min_size=1, max_size=4, unique=True),
    # consecutive years, so the three-year pace of /gap is computed
    st.tuples(st.integers(FIRST_YEAR, LAST_YEAR - 3), st.integers(1, 4)).map(
        lambda start_length: list(range(start_length[0], start_length[0] + start_length[1]))
    ),
    st.just([FIRST_YEAR, LAST_YEAR]),
)


def _csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@st.composite
def dataset_files(draw: st.DrawFn) -> dict[str, str]:
    """A dataset directory's files: 1 to 5 allies, 1 to 3 releases, each with 1 to 4 years."""
    members: list[Country] = draw(
        st.lists(st.sampled_from(BUNDLED.members), min_size=1, max_size=5, unique_by=_iso3)
    )
    releases: list[Release] = draw(
        st.lists(
            st.sampled_from(BUNDLED.releases),
            min_size=1,
            max_size=3,
            unique_by=lambda r: r.release_id,
        )
    )
    files = {
        MEMBERS_FILE: _csv(
            MEMBER_COLUMNS,
            [[c.iso3, c.name, c.joined, str(c.has_armed_forces).lower()] for c in members],
        ),
        RELEASES_FILE: _csv(
            RELEASE_COLUMNS,
            [
                [r.release_id, r.title, r.published, r.basis, str(r.price_base or ""), r.coverage]
                for r in releases
            ],
        ),
    }
    codes = [c.iso3 for c in members] + sorted(AGGREGATE_CODES)
    for release in releases:
        rows = []
        for year in draw(_YEARS):
            for n, iso3 in enumerate(codes):
                # The first ally has every year (a release with no figures is refused).
                if n == 0 or draw(st.booleans()):
                    rows.append(draw(_row(iso3, year)))
        files[f"{release.release_id}.csv"] = _csv(RECORD_COLUMNS, rows)
    return files


def _iso3(country: Country) -> str:
    return country.iso3


def _load(files: dict[str, str]) -> Dataset:
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in files.items():
            (Path(tmp) / name).write_text(content, encoding="utf-8")
        return load_directory(tmp)  # raises DatasetError if the generator left the ranges


def _snapshot(dataset: Dataset) -> Snapshot:
    # Names and codes only: generated allies have no aliases of their own.
    aliases = {normalise(key): c.iso3 for c in dataset.members for key in (c.name, c.iso3)}
    return snapshot_of(dataset, aliases)


# --------------------------------------------------------------------------- answering


def _answer(call: Callable[[], T]) -> T | None:
    """What a command computes, or None when it answers with a user-facing error instead (a
    clear private reply, as for an ally with no share)."""
    try:
        return call()
    except UserFacingError as exc:
        assert str(exc)
        return None


def _sendable(*sent: discord.Embed) -> None:
    for embed in sent:
        assert embed_problems(embed) == []
        assert embed.to_dict()


def _preview_calls(snap: Snapshot, rid: str, year: int) -> Iterator[argparse.Namespace]:
    """The arguments of every ``natobot preview`` query for one release-year."""
    codes = list(snap.countries)
    base = {"release": rid, "year": year, "chart": None, "database": None}
    for target in ("2", "7.25"):  # the analytics above have every target; this is the wiring
        yield argparse.Namespace(query="summary", target=target, **base)
        for iso3 in codes:
            yield argparse.Namespace(query="gap", country=iso3, target=target, **base)
        yield argparse.Namespace(query="compare", countries=codes, target=target, **base)
    for metric in analytics.Metric:
        yield argparse.Namespace(
            query="ranking", metric=metric.value, order="highest", target=None, **base
        )
        yield argparse.Namespace(
            query="ranking", metric=metric.value, order="lowest", target="3.5", **base
        )
    for iso3 in codes:
        yield argparse.Namespace(query="country", country=iso3, **base)
        yield argparse.Namespace(query="revisions", country=iso3, **base)
    yield argparse.Namespace(query="targets", **base)


def _ask_everything(snap: Snapshot, chart: Callable[[str, str], bool]) -> int:
    """Every command and preview on every release-year, and the /country trend chart of each
    (release, ally) ``chart`` picks (charts are slow); returns how many previews answered."""
    answered = 0
    codes = list(snap.countries)
    for rid in snap.releases:
        for year in snap.years(rid):
            for target in TARGETS:
                summary = analytics.summary(snap, release_id=rid, year=year, target=target)
                assert text.render(summary)
                _sendable(embeds.summary_embed(summary))
                for iso3 in codes:
                    gap = _answer(
                        partial(analytics.gap, snap, iso3, release_id=rid, year=year, target=target)
                    )
                    if gap is not None:
                        assert text.render(gap)
                        _sendable(embeds.gap_embed(gap))
                comparison = _answer(
                    partial(
                        analytics.compare, snap, codes, release_id=rid, year=year, target=target
                    )
                )
                if comparison is not None:
                    assert text.render(comparison)
                    _sendable(embeds.compare_embed(comparison))
            for metric in analytics.Metric:
                ranking = _answer(
                    partial(analytics.ranking, snap, metric=metric, release_id=rid, year=year)
                )
                if ranking is None:  # no release has the metric that year: one private line
                    continue
                assert text.render(ranking)
                _sendable(*embeds.ranking_pages(ranking))
            for args in _preview_calls(snap, rid, year):
                _, query, _, formats = preview._QUERIES[args.query]
                result = _answer(partial(query, snap, args))
                if result is not None:
                    for form in formats:  # text, and the CSV and JSON of the same answer
                        assert preview._output(result, snap, form)
                    answered += 1
        for iso3 in codes:
            profile = analytics.profile(snap, iso3, release_id=rid)
            assert text.render(profile)
            _sendable(embeds.profile_embed(profile))
            if chart(rid, iso3):
                assert is_png(charts.trend_chart(profile))
    all_years: list[int | None] = [None, *sorted({y for r in snap.releases for y in snap.years(r)})]
    for iso3 in codes:
        for asked in all_years:
            revisions = _answer(partial(analytics.revisions, snap, iso3, year=asked))
            if revisions is not None:
                assert text.render(revisions)
                _sendable(embeds.revisions_embed(revisions))
    _sendable(embeds.targets_embed(snap))
    _sendable(embeds.about_embed(snap, uptime_seconds=1, latency_seconds=0.05, guild_count=1))
    assert text.render_targets(snap.releases.values())
    return answered


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=dataset_files(), data=st.data())
def test_every_accepted_dataset_renders_every_command(
    files: dict[str, str], data: st.DataObject
) -> None:
    dataset = _load(files)
    # The loader builds records without validating them (its cell checks are the model's
    # rules): every one it accepts is what validation makes of the same values.
    for record in dataset.records:
        assert SpendingRecord.model_validate(dict(record.__dict__)) == record
    snap = _snapshot(dataset)
    note(f"{len(snap.countries)} allies, releases {list(snap.releases)}")
    chart_release = data.draw(st.sampled_from(list(snap.releases)), label="chart release")
    codes = list(snap.countries)
    assert _ask_everything(snap, lambda rid, iso3: (rid, iso3) == (chart_release, codes[0])) > 0


def test_the_bounds_themselves_render() -> None:
    """One ally at every upper bound, one at every lower bound, one with nothing but a share
    that rises from 0 to the smallest accepted: the edges, without leaving them to chance."""
    highs = [_bound(b.high) for b in NUMERIC_RANGES.values()]
    lows = [_bound(b.low) for b in NUMERIC_RANGES.values()]
    blank = [""] * (len(NUMERIC_RANGES) - 1)
    rows = []
    for year in range(LAST_YEAR - 4, LAST_YEAR + 1):
        # France rises from 0 to the smallest share: the slowest pace /gap can extrapolate.
        tiny = [str(TINY) if year == LAST_YEAR else "0", *blank]
        for iso3, cells in (("POL", highs), ("DEU", lows), ("FRA", tiny), ("NATO_TOTAL", highs)):
            rows.append([iso3, str(year), "true", *cells, "table"])
    members = [c for c in BUNDLED.members if c.iso3 in {"POL", "DEU", "FRA"}]
    release = next(r for r in BUNDLED.releases if r.basis == "total")
    files = {
        MEMBERS_FILE: _csv(MEMBER_COLUMNS, [[c.iso3, c.name, c.joined, "true"] for c in members]),
        RELEASES_FILE: _csv(
            RELEASE_COLUMNS,
            [[release.release_id, release.title, release.published, release.basis, "", ""]],
        ),
        f"{release.release_id}.csv": _csv(RECORD_COLUMNS, rows),
    }
    snap = _snapshot(_load(files))
    assert snap.record(release.release_id, "POL", LAST_YEAR) is not None
    assert _ask_everything(snap, lambda rid, iso3: True) > 0


def _bound(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)
