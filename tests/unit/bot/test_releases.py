"""Turning what people type into a loaded release: ids, months, years, "latest"."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import AmbiguousRelease, UnknownRelease
from bot.models import Snapshot
from bot.releases import MONTHS, release_choices, resolve_release
from tests.support.oracle import csv_rows
from tests.support.snapshots import bundled_snapshot

#: The bundled release ids, oldest first, read from the CSV rather than the code under test.
RELEASE_IDS = sorted(row["release"] for row in csv_rows("releases.csv"))


@pytest.fixture(scope="module")
def snap() -> Snapshot:
    return bundled_snapshot()


def test_the_bundled_releases_are_the_ones_these_tests_expect() -> None:
    assert {"2024-06", "2025-04", "2025-08", "2026-07"} <= set(RELEASE_IDS)
    assert [rid for rid in RELEASE_IDS if rid.startswith("2025-")] == ["2025-04", "2025-08"]
    assert [rid for rid in RELEASE_IDS if rid.startswith("2026-")] == ["2026-07"]


@pytest.mark.parametrize(
    "text",
    [
        "2024-06",
        "2024-6",
        "2024/06",
        "2024/6",
        "2024.06",
        "2024 06",
        " 2024-06 ",
        "2024-06-17",
        "June 2024",
        "june 2024",
        "jun 2024",
        "JUN 2024",
        "2024 June",
        "June, 2024",
        "6/2024",
        "06-2024",
    ],
)
def test_ways_of_writing_june_2024(snap: Snapshot, text: str) -> None:
    assert resolve_release(snap, text).release_id == "2024-06"


@pytest.mark.parametrize("text", ["latest", "newest", "Latest", " NEWEST "])
def test_latest_and_newest_mean_the_newest(snap: Snapshot, text: str) -> None:
    assert resolve_release(snap, text).release_id == RELEASE_IDS[-1]


def test_a_year_with_one_release_means_it(snap: Snapshot) -> None:
    assert resolve_release(snap, "2026").release_id == "2026-07"


def test_a_year_with_two_releases_lists_them(snap: Snapshot) -> None:
    with pytest.raises(AmbiguousRelease) as caught:
        resolve_release(snap, "2025")
    assert caught.value.matches == ["2025-04", "2025-08"]
    assert str(caught.value) == "2025 has two releases: 2025-04, 2025-08. Pick one."


@pytest.mark.parametrize(
    "text", ["", "2023", "2024-05", "2024-13", "2024-00", "May 2024", "narnia", "ju 2024", "24-06"]
)
def test_unknown_releases_list_the_loaded_ids(snap: Snapshot, text: str) -> None:
    with pytest.raises(UnknownRelease) as caught:
        resolve_release(snap, text)
    assert caught.value.known == RELEASE_IDS
    assert caught.value.release_id == text.strip()


def test_every_release_answers_to_its_id_month_and_short_forms(snap: Snapshot) -> None:
    for release_id in RELEASE_IDS:
        year, month = release_id.split("-")
        name = MONTHS[int(month) - 1]
        for text in (release_id, f"{year}-{int(month)}", f"{name} {year}", f"{name[:3]} {year}"):
            assert resolve_release(snap, text).release_id == release_id, text


def ids(snap: Snapshot, typed: str) -> list[str]:
    return [r.release_id for r in release_choices(snap, typed)]


def test_choices_for_nothing_typed_are_every_release_newest_first(snap: Snapshot) -> None:
    assert ids(snap, "") == RELEASE_IDS[::-1]
    assert ids(snap, "   ") == RELEASE_IDS[::-1]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2025", ["2025-08", "2025-04"]),
        ("2026", ["2026-07"]),
        ("2024-6", ["2024-06"]),
        ("jun 2024", ["2024-06"]),
        ("latest", ["2026-07"]),
        ("2024-", ["2024-06", "2024-03"]),
        ("2024/0", ["2024-06", "2024-03"]),
        ("jun", ["2024-06"]),
        ("au", ["2025-08"]),
        ("Annual", ["2025-04", "2024-03"]),
        ("zzz", []),
        ("2023", ["2024-03"]),  # no 2023 release; the title says "Annual Report 2023"
    ],
)
def test_choices_while_typing(snap: Snapshot, typed: str, expected: list[str]) -> None:
    assert ids(snap, typed) == expected


@settings(max_examples=200)
@given(st.text(max_size=16))
def test_any_text_gives_a_loaded_release_or_a_clear_error(text: str) -> None:
    snap = bundled_snapshot()
    try:
        assert resolve_release(snap, text).release_id in snap.releases
    except AmbiguousRelease as ambiguous:
        assert len(ambiguous.matches) > 1
        assert set(ambiguous.matches) <= set(snap.releases)
    except UnknownRelease as unknown:
        assert unknown.known == list(snap.releases)
    assert {r.release_id for r in release_choices(snap, text)} <= set(snap.releases)
