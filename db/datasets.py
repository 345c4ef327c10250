"""SQL of dataset versions: versions, members, releases, figures, activation, rollback.

Every function takes the ``Transaction`` it runs in, so the Store can put a version and its
audit entry in one. Versions are immutable once written: a reload adds one, a rollback moves the
active flag.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.countries import alias_entries
from bot.models import (
    Country,
    Dataset,
    DatasetVersion,
    Release,
    SpendingRecord,
    figure_problems,
)
from db.connection import Row, Transaction, iso
from db.errors import UnknownVersion
from db.loader import RECORD_COLUMNS

#: The figures table's value columns: a release file's columns after the ally and the year.
_FIGURE_COLUMNS = RECORD_COLUMNS[2:]
_VERSION_COLUMNS = "id, sha256, source, loaded_at, loaded_by, active, record_count"

log = logging.getLogger(__name__)


def _version_from_row(row: Row) -> DatasetVersion:
    version_id, sha256, source, loaded_at, loaded_by, active, record_count = row
    return DatasetVersion(
        version_id=version_id,
        sha256=sha256,
        source=source,
        loaded_at=datetime.fromisoformat(loaded_at),
        loaded_by=loaded_by,
        active=bool(active),
        record_count=record_count,
    )


async def active_version(tx: Transaction) -> DatasetVersion | None:
    row = await tx.fetchone(f"SELECT {_VERSION_COLUMNS} FROM dataset_versions WHERE active = 1")
    return _version_from_row(row) if row else None


async def version(tx: Transaction, version_id: int) -> DatasetVersion:
    """One version; UnknownVersion if there is none with that id."""
    row = await tx.fetchone(
        f"SELECT {_VERSION_COLUMNS} FROM dataset_versions WHERE id = ?", (version_id,)
    )
    if row is None:
        raise UnknownVersion(f"no dataset version {version_id}")
    return _version_from_row(row)


async def versions(tx: Transaction) -> list[DatasetVersion]:
    """Every dataset version, newest first."""
    rows = await tx.fetchall(f"SELECT {_VERSION_COLUMNS} FROM dataset_versions ORDER BY id DESC")
    return [_version_from_row(row) for row in rows]


async def count_versions(tx: Transaction) -> int:
    row = await tx.fetchone("SELECT count(*) FROM dataset_versions")
    return int(row[0]) if row else 0


async def previous_of(tx: Transaction, current: DatasetVersion | None) -> DatasetVersion:
    """The version ``current`` replaced when it was loaded: what a rollback returns to."""
    if current is None:
        raise UnknownVersion("no active version to roll back from")
    row = await tx.fetchone(
        "SELECT previous_version_id FROM dataset_versions WHERE id = ?", (current.version_id,)
    )
    if row is None or row[0] is None:
        raise UnknownVersion(f"version {current.version_id} replaced no earlier version")
    return await version(tx, int(row[0]))


async def read_dataset(tx: Transaction, version_id: int) -> Dataset:
    """The dataset a version holds, exactly as it was written."""
    members = [
        Country(iso3=iso3, name=name, joined=joined, has_armed_forces=bool(armed))
        for iso3, name, joined, armed in await tx.fetchall(
            "SELECT iso3, name, joined, has_armed_forces FROM memberships "
            "WHERE version_id = ? ORDER BY iso3",
            (version_id,),
        )
    ]
    releases = [
        Release(
            release_id=rid,
            title=title,
            published=published,
            basis=basis,
            price_base=price_base,
            coverage=coverage,
        )
        for rid, title, published, basis, price_base, coverage in await tx.fetchall(
            "SELECT release_id, title, published, basis, price_base, coverage FROM releases "
            "WHERE version_id = ? ORDER BY release_id",
            (version_id,),
        )
    ]
    records: list[SpendingRecord] = []
    blanked: list[str] = []
    for row in await tx.fetchall(
        f"SELECT release_id, iso3, year, {', '.join(_FIGURE_COLUMNS)} FROM figures "
        "WHERE version_id = ? ORDER BY release_id, iso3, year",
        (version_id,),
    ):
        values: dict[str, Any] = dict(zip(_FIGURE_COLUMNS[1:], row[4:], strict=True))
        # A database written before the figures were bounded may hold one analytics cannot
        # use (1e308 dollars): it is served as "not published", and the owner told, rather
        # than failing every command that touches it or refusing to start.
        for column, why in figure_problems(values).items():
            values[column] = None
            blanked.append(f"{row[1]} {row[2]} (release {row[0]}) {column}: {why}")
        records.append(
            SpendingRecord(
                release_id=row[0], iso3=row[1], year=row[2], estimate=bool(row[3]), **values
            )
        )
    if blanked:
        log.warning(
            "dataset version %d holds %d figure(s) the bot cannot use, served as not published "
            "(first: %s); load a corrected dataset",
            version_id,
            len(blanked),
            blanked[0],
        )
    return Dataset(members=tuple(members), releases=tuple(releases), records=tuple(records))


async def insert_version(
    tx: Transaction,
    dataset: Dataset,
    *,
    aliases: Mapping[str, str],
    sha256: str,
    source: str,
    loaded_at: datetime,
    loaded_by: str,
    previous: DatasetVersion | None,
) -> int:
    """Write ``dataset`` as a new, not yet active version; its id.

    ``aliases`` (raw alias -> iso3) fill the alias table for its allies, as
    ``bot.countries.alias_entries`` builds it.
    """
    version_id = await tx.insert(
        "INSERT INTO dataset_versions "
        "(sha256, source, loaded_at, loaded_by, active, record_count, previous_version_id) "
        "VALUES (?, ?, ?, ?, 0, ?, ?)",
        (
            sha256,
            source,
            iso(loaded_at),
            loaded_by,
            len(dataset.records),
            previous.version_id if previous else None,
        ),
    )
    await tx.executemany(
        "INSERT INTO countries (iso3, name, has_armed_forces) VALUES (?, ?, ?) "
        "ON CONFLICT (iso3) DO UPDATE SET "
        "name = excluded.name, has_armed_forces = excluded.has_armed_forces",
        [(c.iso3, c.name, int(c.has_armed_forces)) for c in dataset.members],
    )
    await tx.executemany(
        "INSERT INTO memberships "
        "(version_id, iso3, name, joined, accession_year, has_armed_forces) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (version_id, c.iso3, c.name, c.joined, c.accession_year, int(c.has_armed_forces))
            for c in dataset.members
        ],
    )
    await tx.executemany(
        "INSERT INTO country_aliases (alias, iso3, raw) VALUES (?, ?, ?) "
        "ON CONFLICT (alias) DO UPDATE SET iso3 = excluded.iso3, raw = excluded.raw",
        alias_entries(dataset.members, aliases),
    )
    await tx.executemany(
        "INSERT INTO releases "
        "(version_id, release_id, title, published, basis, price_base, coverage) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (version_id, r.release_id, r.title, r.published, r.basis, r.price_base, r.coverage)
            for r in dataset.releases
        ],
    )
    # A generator, consumed in the database's thread: a large dataset's rows are never built
    # as one list on the event loop.
    await tx.executemany(
        f"INSERT INTO figures (version_id, release_id, iso3, year, "
        f"{', '.join(_FIGURE_COLUMNS)}) VALUES ({', '.join('?' * (4 + len(_FIGURE_COLUMNS)))})",
        (
            (
                version_id,
                r.release_id,
                r.iso3,
                r.year,
                int(r.estimate),
                r.pct_gdp,
                r.spend_usd_m,
                r.gdp_usd_bn,
                r.equipment_pct,
                r.personnel_k,
                r.spend_per_capita_usd_2015,
                r.real_change_pct,
                r.provenance,
            )
            for r in dataset.records
        ),
    )
    return version_id


async def switch_active(tx: Transaction, version_id: int) -> None:
    """Make one version the active one (the database allows at most one)."""
    await tx.execute("UPDATE dataset_versions SET active = 0 WHERE active = 1")
    await tx.execute("UPDATE dataset_versions SET active = 1 WHERE id = ?", (version_id,))
