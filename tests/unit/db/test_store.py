"""db.store on real SQLite files: migrations, seeding, versions, snapshot, settings, audit."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.errors import InvalidTarget
from bot.models import Country, Dataset, SpendingRecord
from db.loader import bundled_fingerprint, dataset_sha256, load_bundled
from db.store import (
    BUNDLED_FINGERPRINT_KEY,
    DataRejected,
    MigrationError,
    NoActiveDataset,
    NothingToChange,
    Store,
    StoreError,
    UnknownVersion,
    migrations,
)

BUNDLED = load_bundled()
KEY = ("2024-06", "POL", 2024)


def with_poland_2024(dataset: Dataset, pct_gdp: float) -> Dataset:
    """The dataset with one figure changed: Poland 2024 in the June 2024 release."""
    records = tuple(
        r.model_copy(update={"pct_gdp": pct_gdp}) if (r.release_id, r.iso3, r.year) == KEY else r
        for r in dataset.records
    )
    return dataset.model_copy(update={"records": records})


def poland_2024(store: Store) -> float | None:
    record = store.snapshot.record(*KEY)
    assert record is not None
    return record.pct_gdp


def raw(path: Path, sql: str) -> list[tuple[object, ...]]:
    """A query through a separate, plain sqlite3 connection: what is really on disk."""
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- opening, migrating, seeding --------------------------------------------------------------


async def test_fresh_database_is_migrated_in_wal_mode_and_seeded(store: Store) -> None:
    assert raw(store.path, "PRAGMA user_version") == [(len(migrations()),)]
    assert raw(store.path, "PRAGMA journal_mode") == [("wal",)]
    (version,) = await store.versions()
    assert (version.version_id, version.active, version.source, version.loaded_by) == (
        1,
        True,
        "bundled",
        "seed",
    )
    assert version.sha256 == dataset_sha256(BUNDLED)
    assert version.record_count == len(BUNDLED.records) == 1255
    assert store.snapshot.version == version


async def test_snapshot_counts_match_the_csv_rows(store: Store) -> None:
    snapshot = store.snapshot
    assert len(snapshot.countries) == 32
    assert list(snapshot.releases) == ["2024-03", "2024-06", "2025-04", "2025-08", "2026-07"]
    counts = {rid: len(by_key) for rid, by_key in snapshot.records.items()}
    assert counts == {"2024-03": 30, "2024-06": 374, "2025-04": 31, "2025-08": 391, "2026-07": 429}
    assert raw(store.path, "SELECT count(*) FROM figures") == [(1255,)]
    assert poland_2024(store) == pytest.approx(4.12, abs=0.005)


async def test_snapshot_aliases_cover_names_codes_and_alias_table(store: Store) -> None:
    aliases = store.snapshot.aliases
    for typed, iso3 in [
        ("poland", "POL"),
        ("pol", "POL"),
        ("pl", "POL"),
        ("uk", "GBR"),
        ("unitedkingdom", "GBR"),
        ("turkiye", "TUR"),
        ("turkey", "TUR"),
        ("usa", "USA"),
        ("czechrepublic", "CZE"),
        ("macedonia", "MKD"),
        ("deutschland", "DEU"),
    ]:
        assert aliases[typed] == iso3, typed
    assert set(aliases.values()) == set(store.snapshot.countries)
    assert raw(store.path, "SELECT raw FROM country_aliases WHERE alias = 'us'") in (
        [("US",)],
        [("U.S.",)],
    )


async def test_reopening_does_not_reseed_and_keeps_the_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    first = await Store.open(path)
    await first.close()
    again = await Store.open(path)
    try:
        assert [v.version_id for v in await again.versions()] == [1]
        assert again.snapshot.version.version_id == 1
        assert sum(map(len, again.snapshot.records.values())) == 1255
        assert [e.action for e in await again.audit_log()] == ["dataset.activate"]
    finally:
        await again.close()
    assert raw(path, "PRAGMA user_version") == [(len(migrations()),)]


async def test_open_creates_parent_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "bot.sqlite3"
    store = await Store.open(path, seed=False)
    await store.close()
    assert path.is_file()


async def test_without_seed_there_is_no_snapshot(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "empty.sqlite3", seed=False)
    try:
        assert await store.versions() == []
        with pytest.raises(NoActiveDataset):
            _ = store.snapshot
        version = await store.activate(BUNDLED, source="test", loaded_by="me")
        assert store.snapshot.version == version
    finally:
        await store.close()


async def test_migrations_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    for _ in range(3):
        store = await Store.open(path, seed=False)
        await store.close()
    assert raw(path, "PRAGMA user_version") == [(len(migrations()),)]
    tables = {name for (name,) in raw(path, "SELECT name FROM sqlite_schema WHERE type='table'")}
    assert {"countries", "dataset_versions", "figures", "guild_settings", "audit_log"} <= tables


async def test_a_database_from_newer_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(MigrationError, match="newer than this code"):
        await Store.open(path)


async def test_a_failing_migration_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "clash.sqlite3"
    with sqlite3.connect(path) as conn:  # a table of the same name makes 0001 fail half-way
        conn.execute("CREATE TABLE audit_log (x)")
    with pytest.raises(MigrationError, match="migration 0001 failed"):
        await Store.open(path)
    assert raw(path, "PRAGMA user_version") == [(0,)]
    assert raw(path, "SELECT name FROM sqlite_schema WHERE type='table'") == [("audit_log",)]


def test_migration_files_are_numbered_from_one() -> None:
    numbers = [number for number, _ in migrations()]
    assert numbers == list(range(1, len(numbers) + 1))


# --- activating, rolling back -----------------------------------------------------------------


async def test_activate_switches_version_and_snapshot_atomically(store: Store) -> None:
    before = store.snapshot
    version = await store.activate(
        with_poland_2024(BUNDLED, 4.0), source="test.csv", loaded_by="owner"
    )
    assert version.version_id == 2 and version.active
    assert store.snapshot.version == version
    assert poland_2024(store) == 4.0
    # A reader holding the old snapshot keeps a consistent old view.
    record = before.record(*KEY)
    assert record is not None and record.pct_gdp == pytest.approx(4.12, abs=0.005)
    assert [(v.version_id, v.active) for v in await store.versions()] == [(2, True), (1, False)]
    (entry, *_) = await store.audit_log()
    assert (entry.actor, entry.action) == ("owner", "dataset.activate")
    assert "version 2 from test.csv" in entry.detail


async def test_activating_the_active_dataset_writes_nothing(store: Store) -> None:
    audit_before = await store.audit_log()
    with pytest.raises(NothingToChange):
        await store.activate(load_bundled(), source="again", loaded_by="owner")
    assert [v.version_id for v in await store.versions()] == [1]
    assert await store.audit_log() == audit_before


def bad_datasets() -> dict[str, Dataset]:
    """Datasets pydantic accepts but the database's constraints reject, mid-transaction."""
    renamed = tuple(
        c.model_copy(update={"name": "Renamed"}) if c.iso3 == "POL" else c for c in BUNDLED.members
    )
    base = with_poland_2024(BUNDLED, 3.0).model_copy(update={"members": renamed})
    orphan_release = SpendingRecord(release_id="2099-01", iso3="POL", year=2024, pct_gdp=2.0)
    not_a_member = SpendingRecord(release_id="2024-06", iso3="XKX", year=2024, pct_gdp=2.0)
    return {
        "figure of a release not in the version": base.model_copy(
            update={"records": (*base.records, orphan_release)}
        ),
        "figure of an ally not in the version": base.model_copy(
            update={"records": (*base.records, not_a_member)}
        ),
        "country code not alpha-3": base.model_copy(
            update={
                "members": (
                    *base.members,
                    Country.model_construct(iso3="XK", name="Kosovo", joined="2099"),
                )
            }
        ),
    }


@pytest.mark.parametrize("case", sorted(bad_datasets()))
async def test_failed_activate_leaves_everything_as_it_was(store: Store, case: str) -> None:
    snapshot = store.snapshot
    versions = await store.versions()
    audit = await store.audit_log()
    tables = ["dataset_versions", "memberships", "releases", "figures", "country_aliases"]
    counts = {t: raw(store.path, f"SELECT count(*) FROM {t}") for t in tables}

    with pytest.raises(DataRejected, match="refused the data") as rejected:
        await store.activate(bad_datasets()[case], source="bad", loaded_by="owner")
    # The engine's own error, wrapped: callers catch only StoreError.
    assert isinstance(rejected.value.__cause__, sqlite3.IntegrityError)

    assert store.snapshot is snapshot
    assert await store.versions() == versions
    assert await store.audit_log() == audit
    assert {t: raw(store.path, f"SELECT count(*) FROM {t}") for t in tables} == counts
    assert raw(store.path, "SELECT name FROM countries WHERE iso3 = 'POL'") == [("Poland",)]
    # The store is still usable afterwards.
    await store.activate(with_poland_2024(BUNDLED, 3.3), source="good", loaded_by="owner")
    assert poland_2024(store) == 3.3


async def test_only_one_version_can_be_active(store: Store) -> None:
    await store.activate(with_poland_2024(BUNDLED, 4.0), source="t", loaded_by="o")
    with pytest.raises(sqlite3.IntegrityError), sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE dataset_versions SET active = 1")


async def test_rollback_walks_back_the_chain_of_loads(store: Store) -> None:
    await store.activate(with_poland_2024(BUNDLED, 4.0), source="v2", loaded_by="o")
    await store.activate(with_poland_2024(BUNDLED, 3.0), source="v3", loaded_by="o")
    assert poland_2024(store) == 3.0

    back = await store.rollback(by="owner")
    assert (back.version_id, back.active) == (2, True)
    assert store.snapshot.version == back
    assert poland_2024(store) == 4.0

    back = await store.rollback(by="owner")
    assert back.version_id == 1
    assert poland_2024(store) == pytest.approx(4.12, abs=0.005)
    assert [v.version_id for v in await store.versions() if v.active] == [1]

    with pytest.raises(UnknownVersion, match="replaced no earlier version"):
        await store.rollback(by="owner")
    again = await store.rollback(to_version=3, by="owner")
    assert again.version_id == 3 and poland_2024(store) == 3.0
    with pytest.raises(NothingToChange):
        await store.rollback(to_version=3, by="owner")
    with pytest.raises(UnknownVersion):
        await store.rollback(to_version=42, by="owner")

    actions = [(e.action, e.actor) for e in await store.audit_log(limit=3)]
    assert actions == [("dataset.rollback", "owner")] * 3


async def test_rollback_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    await store.activate(with_poland_2024(BUNDLED, 4.0), source="v2", loaded_by="o")
    await store.rollback(by="o")
    await store.close()
    store = await Store.open(path)
    try:
        assert store.snapshot.version.version_id == 1
        assert poland_2024(store) == pytest.approx(4.12, abs=0.005)
    finally:
        await store.close()


async def test_load_version_returns_exactly_what_was_activated(store: Store) -> None:
    changed = with_poland_2024(BUNDLED, 4.0)
    version = await store.activate(changed, source="t", loaded_by="o")
    assert await store.load_version(1) == BUNDLED
    loaded = await store.load_version(version.version_id)
    assert loaded == changed
    assert dataset_sha256(loaded) == version.sha256
    with pytest.raises(UnknownVersion):
        await store.load_version(99)


async def test_versions_keep_their_own_members(store: Store) -> None:
    renamed = tuple(
        c.model_copy(update={"name": "Turkey"}) if c.iso3 == "TUR" else c for c in BUNDLED.members
    )
    await store.activate(BUNDLED.model_copy(update={"members": renamed}), source="t", loaded_by="o")
    assert store.snapshot.countries["TUR"].name == "Turkey"
    await store.rollback(by="o")
    assert store.snapshot.countries["TUR"].name == "Türkiye"
    assert store.snapshot.aliases["turkey"] == "TUR"


async def test_concurrent_writes_and_reads_do_not_interleave(store: Store) -> None:
    activation = asyncio.create_task(
        store.activate(with_poland_2024(BUNDLED, 4.0), source="t", loaded_by="o")
    )
    await asyncio.gather(
        *(store.set_guild_target(g, 3.5, by=1) for g in range(20)),
        *(store.guild_target(g) for g in range(20)),
        store.set_meta("k", "v"),
        store.versions(),
    )
    assert (await activation).version_id == 2
    assert [await store.guild_target(g) for g in range(20)] == [3.5] * 20
    assert await store.get_meta("k") == "v"


# --- settings, meta, audit --------------------------------------------------------------------


async def test_guild_target_round_trips_and_persists(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path, seed=False)
    try:
        assert await store.guild_target(1) is None
        await store.set_guild_target(1, 3.5, by=77)
        await store.set_guild_target(2, 5, by=77)
        assert (await store.guild_target(1), await store.guild_target(2)) == (3.5, 5.0)
        await store.set_guild_target(2, None, by=78)
        assert await store.guild_target(2) is None
        for bad in (0.4, 10.5, -2):
            with pytest.raises(InvalidTarget):
                await store.set_guild_target(1, bad, by=77)
        entry = (await store.audit_log(limit=1))[0]
        assert (entry.actor, entry.action, entry.detail) == (
            "78",
            "guild.target",
            "guild 2: cleared",
        )
    finally:
        await store.close()
    store = await Store.open(path, seed=False)
    try:
        assert await store.guild_target(1) == 3.5
    finally:
        await store.close()


async def test_meta_round_trips(store: Store) -> None:
    assert await store.get_meta("tree_hash") is None
    await store.set_meta("tree_hash", "abc")
    await store.set_meta("tree_hash", "def")
    assert await store.get_meta("tree_hash") == "def"


async def test_audit_log_is_newest_first_and_limited(store: Store) -> None:
    for n in range(5):
        await store.audit("tester", "poke", f"#{n}")
    entries = await store.audit_log(limit=3)
    assert [e.detail for e in entries] == ["#4", "#3", "#2"]
    assert entries[0].id > entries[1].id
    assert entries[0].at.tzinfo is not None


# --- read-only ----------------------------------------------------------------------------------


async def test_readonly_open_reads_and_never_writes(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    await store.set_guild_target(5, 2.5, by=1)
    await store.close()
    before = path.read_bytes()

    reader = await Store.open(path, readonly=True)
    try:
        assert reader.snapshot.version.version_id == 1
        assert await reader.guild_target(5) == 2.5
        with pytest.raises(StoreError, match="read-only"):
            await reader.set_meta("k", "v")
        with pytest.raises(StoreError, match="read-only"):
            await reader.activate(with_poland_2024(BUNDLED, 1.0), source="t", loaded_by="o")
    finally:
        await reader.close()
    assert path.read_bytes() == before


async def test_readonly_open_of_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await Store.open(tmp_path / "nope.sqlite3", readonly=True)
    assert files_in(tmp_path) == []


async def test_a_new_bundled_dataset_replaces_an_older_bundled_one(tmp_path: Path) -> None:
    path = tmp_path / "upgrade.sqlite3"
    current = load_bundled()
    older = current.model_copy(update={"records": current.records[1:]})  # one figure fewer
    store = await Store.open(path, seed=False)
    await store.activate(older, source="bundled", loaded_by="seed")
    await store.close()

    store = await Store.open(path)  # the bot starts with newer code and data
    try:
        versions = await store.versions()
        assert [v.loaded_by for v in versions] == ["upgrade", "seed"]
        assert versions[0].active and versions[0].sha256 == dataset_sha256(current)
        assert sum(len(r) for r in store.snapshot.records.values()) == len(current.records)
    finally:
        await store.close()

    store = await Store.open(path)  # and again: nothing more to do
    try:
        assert len(await store.versions()) == 2
    finally:
        await store.close()


async def test_unchanged_bundled_files_are_not_parsed_again_and_a_rollback_stays(
    tmp_path: Path,
) -> None:
    path = tmp_path / "fingerprint.sqlite3"
    current = load_bundled()
    older = current.model_copy(update={"records": current.records[1:]})
    store = await Store.open(path, seed=False)
    await store.activate(older, source="bundled", loaded_by="seed")
    await store.close()
    store = await Store.open(path)  # upgrades to the bundled files, and remembers their bytes
    try:
        assert await store.get_meta(BUNDLED_FINGERPRINT_KEY) == bundled_fingerprint()
        await store.rollback(by="owner")  # the owner goes back to the older bundled version
    finally:
        await store.close()
    store = await Store.open(path)  # same bundled files: the owner's choice stands
    try:
        assert store.snapshot.version.sha256 == dataset_sha256(older)
        assert len(await store.versions()) == 2
    finally:
        await store.close()


async def test_data_loaded_from_elsewhere_is_not_replaced_by_the_bundled(tmp_path: Path) -> None:
    path = tmp_path / "owner.sqlite3"
    current = load_bundled()
    owners = current.model_copy(update={"records": current.records[1:]})
    store = await Store.open(path)
    await store.activate(owners, source="upload:2026-07.csv", loaded_by="owner 42")
    await store.close()

    store = await Store.open(path)
    try:
        versions = await store.versions()
        assert versions[0].source == "upload:2026-07.csv" and versions[0].active
        assert len(versions) == 2
    finally:
        await store.close()
