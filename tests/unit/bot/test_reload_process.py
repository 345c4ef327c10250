"""A large reload is parsed in a child process: the bot's process only rebuilds the result.

Real parts: a real spawned child, real SQLite files, the synthetic dataset writer.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, ClassVar

import pytest

import bot.reload
import bot.reload_child
from bot.reload import THREAD_MAX_BYTES, Directory, InvalidData, Reloader, Upload
from db.loader import DatasetError, dataset_sha256, load_directory, parse_release_file
from db.store import Store
from tests.support.synthetic import write_dataset

HEADER = (
    "iso3,year,estimate,pct_gdp,spend_usd_m,gdp_usd_bn,equipment_pct,personnel_k,"
    "spend_per_capita_usd_2015,real_change_pct\n"
)


class RecordingPool(ProcessPoolExecutor):
    """The real pool, remembering the processes it started (to check they are gone)."""

    started: ClassVar[list[BaseProcess]] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        for process in (self._processes or {}).values():
            if process not in RecordingPool.started:  # the second step runs in the first's
                RecordingPool.started.append(process)
        return future


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> list[BaseProcess]:
    RecordingPool.started = []
    monkeypatch.setattr(bot.reload_child, "ProcessPoolExecutor", RecordingPool)
    return RecordingPool.started


def _not_here(*args: object) -> None:
    raise AssertionError("the source was parsed in the bot's own process")


async def test_a_directory_is_parsed_in_a_child_that_is_gone_afterwards(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recording: list[BaseProcess]
) -> None:
    folder = write_dataset(tmp_path / "synthetic", rows=3_000)
    # Parsing in this process fails; the child imports the real reader afresh.
    monkeypatch.setattr(bot.reload, "read_source", _not_here)
    reloader = Reloader(store)
    plan = await reloader.prepare(Directory(folder))
    expected = load_directory(folder)
    # What apply activates is exactly what the child validated and hashed.
    assert plan.dataset == expected
    assert plan.sha256 == dataset_sha256(plan.dataset) == dataset_sha256(expected)
    assert len(plan.snapshot.releases) == len(expected.releases)
    [child] = recording
    assert child.pid != os.getpid()
    assert not child.is_alive() and child.exitcode is not None
    version = await reloader.apply(plan, "tester")
    assert version.sha256 == plan.sha256
    assert store.snapshot.version.version_id == version.version_id


async def test_every_problem_found_in_the_child_reaches_the_caller(
    store: Store, recording: list[BaseProcess]
) -> None:
    rows = [f"XX{chr(65 + n % 26)},{1950 + n % 70},true,2,,,,,,\n" for n in range(12_000)]
    data = (HEADER + "".join(rows)).encode()
    assert len(data) > THREAD_MAX_BYTES  # read in the child
    with pytest.raises(InvalidData) as caught:
        await Reloader(store).prepare(Upload("2026-07.csv", data))
    with pytest.raises(DatasetError) as direct:
        parse_release_file(
            data,
            filename="2026-07.csv",
            release_id="2026-07",
            known_codes={c.iso3 for c in store.snapshot.countries.values()},
            known_releases={"2026-07"},
        )
    total = direct.value.total
    assert total > 12_000  # an unknown code on every row, and repeated ally-years
    assert caught.value.total == total
    assert caught.value.problems == direct.value.problems
    assert len(caught.value.problems) == 1000
    assert str(caught.value) == f"upload 2026-07.csv: {total:,} problems; nothing was changed."
    [child] = recording
    assert not child.is_alive()
