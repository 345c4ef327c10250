"""Analytics never overflows, whatever data reaches it: the bounds hold at the model.

The loader refuses implausible figures with a friendly message; here the data comes by the
other roads: a ``SpendingRecord`` built in code, a dataset handed to ``Store.activate`` without
the loader (validation skipped), and a database written before the figures were bounded.
"""

from __future__ import annotations

import logging
import math
import pickle
import sqlite3
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.analytics.ranking import Metric, ranking
from bot.analytics.summary import summary
from bot.models import NUMERIC_RANGES, Dataset, SpendingRecord, figure_problems
from db.loader import load_bundled
from db.store import DataRejected, Store

BUNDLED = load_bundled()
KEY = ("2024-06", "POL", 2024)


def with_poland_2024(dataset: Dataset, **figures: float) -> Dataset:
    """``dataset`` with Poland 2024 (June 2024 release) changed, skipping validation as
    ``model_copy`` does: what a caller that bypasses the loader could hand the Store."""
    records = tuple(
        r.model_copy(update=figures) if (r.release_id, r.iso3, r.year) == KEY else r
        for r in dataset.records
    )
    return dataset.model_copy(update={"records": records})


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("spend_usd_m", 1e308, "is too large"),
        ("gdp_usd_bn", 1e27, "is too large"),
        ("real_change_pct", -150.0, "is below -100"),
        ("pct_gdp", 25.0, "is outside 0–20"),
        ("spend_usd_m", math.inf, "not a finite number"),
        ("personnel_k", math.nan, "not a finite number"),
        ("pct_gdp", 1e-320, "decimal places"),
    ],
)
def test_a_record_refuses_a_figure_analytics_cannot_use(
    column: str, value: float, reason: str
) -> None:
    with pytest.raises(ValidationError, match=reason):
        SpendingRecord(release_id="2024-06", iso3="POL", year=2024, **{column: value})


def test_a_share_that_makes_the_derived_gdp_implausible_is_refused() -> None:
    with pytest.raises(ValidationError, match="means a GDP of"):
        SpendingRecord(
            release_id="2024-06", iso3="POL", year=2024, pct_gdp=1e-9, spend_usd_m=4_000_000
        )


def test_every_bound_itself_is_accepted() -> None:
    for column, bounds in NUMERIC_RANGES.items():
        assert figure_problems({column: bounds.low}) == {}
        assert figure_problems({column: bounds.high}) == {}
        assert column in figure_problems({column: bounds.high * 1.01 + 1})


def test_every_bundled_figure_is_within_the_bounds() -> None:
    assert all(figure_problems(r.figures) == {} for r in BUNDLED.records)


@pytest.mark.parametrize(
    "figures",
    [{"spend_usd_m": 1e308}, {"gdp_usd_bn": math.inf}, {"real_change_pct": 1e27}],
    ids=["1e308 dollars", "infinite GDP", "1e27 real change"],
)
async def test_activate_refuses_an_out_of_range_dataset_and_changes_nothing(
    store: Store, figures: dict[str, float]
) -> None:
    snapshot = store.snapshot
    versions = await store.versions()
    audit = await store.audit_log()
    count = raw(store.path, "SELECT count(*) FROM figures")

    with pytest.raises(DataRejected) as rejected:
        await store.activate(with_poland_2024(BUNDLED, **figures), source="bad", loaded_by="owner")

    (column,) = figures
    message = str(rejected.value)
    assert "not activated" in message
    assert f"POL 2024 (release 2024-06) {column}:" in message
    assert "\n" not in message
    assert store.snapshot is snapshot
    assert await store.versions() == versions
    assert await store.audit_log() == audit
    assert raw(store.path, "SELECT count(*) FROM figures") == count


def raw(path: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, args).fetchall()


async def test_an_old_database_with_an_impossible_figure_serves_it_as_not_published(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Chosen: flag, don't fail. The row stays on disk untouched (nothing is lost), the bot
    starts and answers every command, the one bad figure reads as "not published", and the
    owner gets one warning naming it. Refusing to start would also lock out the CLI that
    loads the corrected dataset, since it opens the database the same way."""
    path = tmp_path / "old.sqlite3"
    await (await Store.open(path)).close()  # created and seeded
    # What a database written before the bounds existed could hold (the CHECKs allow it).
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE figures SET spend_usd_m = 1e308, gdp_usd_bn = ? "
            "WHERE iso3 = 'POL' AND year = 2024 AND release_id = '2024-06'",
            (math.inf,),
        )
    on_disk = raw(
        path,
        "SELECT spend_usd_m, gdp_usd_bn, pct_gdp FROM figures "
        "WHERE iso3 = 'POL' AND year = 2024 AND release_id = '2024-06'",
    )
    assert on_disk[0][:2] == (1e308, math.inf)

    with caplog.at_level(logging.WARNING):
        store = await Store.open(path)
    try:
        record = store.snapshot.record(*KEY)
        assert record is not None
        assert (record.spend_usd_m, record.gdp_usd_bn) == (None, None)
        assert record.pct_gdp == on_disk[0][2]  # the usable figures of the row are kept
        # Every metric ranks, and the summary renders its sums, without an overflow.
        for metric in Metric:
            ranking(store.snapshot, metric=metric, release_id="2024-06", year=2024)
        summary(store.snapshot, release_id="2024-06", year=2024)
    finally:
        await store.close()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    text = warnings[0].getMessage()
    assert "2 figure(s) the bot cannot use" in text
    assert "POL 2024 (release 2024-06) spend_usd_m: 1e+308 is too large" in text
    assert raw(path, "SELECT count(*) FROM figures WHERE spend_usd_m = 1e308") == [(1,)]


def test_a_record_from_checked_values_is_the_validated_record() -> None:
    """``SpendingRecord.from_checked`` (the loader's and the reload's fast constructor) makes
    what validation makes of the same values: equal, same hash and dump, copyable, picklable."""
    for record in BUNDLED.records:
        values = dict(record.__dict__)
        built = SpendingRecord.from_checked(values)
        validated = SpendingRecord.model_validate(dict(values))
        assert built == validated
        assert hash(built) == hash(validated)
        assert built.model_dump(mode="json") == validated.model_dump(mode="json")
        assert list(built.__dict__) == list(SpendingRecord.model_fields)
    built = SpendingRecord.from_checked(dict(BUNDLED.records[0].__dict__))
    assert built.model_copy(update={"year": 2000}).year == 2000
    assert built.year != 2000  # the copy's fields, not the original's
    assert pickle.loads(pickle.dumps(built)) == built
    with pytest.raises(ValidationError):
        built.year = 2000  # type: ignore[misc]  # frozen, as a validated record is
