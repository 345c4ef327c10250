"""bot/reload.py on real SQLite files: sources, the URL source against a local HTTPS server,
one reload at a time, stale plans, manifests, formula-looking cells."""

from __future__ import annotations

import asyncio
import hashlib
import json
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pytest
import pytest_asyncio
import trustme
from aiohttp import web

from bot.reload import (
    MAX_ROWS,
    Bundled,
    InvalidData,
    ReloadBusy,
    Reloader,
    ReloadError,
    Upload,
    Url,
)
from db.loader import dataset_sha256, load_bundled, load_directory
from db.store import Store
from tests.support.synthetic import write_dataset

WORKBOOK_FILE = Path(str(resources.files("db").joinpath("data", "raw"))) / (
    "240617-def-exp-2024-TABLES-en.xlsx"
)
HEADER = (
    "iso3,year,estimate,pct_gdp,spend_usd_m,gdp_usd_bn,equipment_pct,personnel_k,"
    "spend_per_capita_usd_2015,real_change_pct\n"
)
NEW_RELEASE = (HEADER + "POL,2026,true,4.9,,,,,,\nESP,2026,true,2.1,,,,,,\n").encode()


@dataclass
class Server:
    port: int
    client_ssl: ssl.SSLContext
    hanging: asyncio.Event
    release: asyncio.Event

    def url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.port}{path}"

    def reloader(self, store: Store, **options: object) -> Reloader:
        merged: dict[str, object] = {
            "allowed_hosts": ("127.0.0.1",),
            "allowed_networks": ("127.0.0.1/32",),
            "ssl": self.client_ssl,
        }
        merged.update(options)
        return Reloader(store, **merged)  # type: ignore[arg-type]


@pytest_asyncio.fixture
async def server() -> AsyncIterator[Server]:
    hanging, release = asyncio.Event(), asyncio.Event()

    async def workbook(request: web.Request) -> web.Response:
        return web.Response(body=WORKBOOK_FILE.read_bytes())

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("https://example.org/file.xlsx")

    async def big(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * (5 * 1024 * 1024 + 1))

    async def hang(request: web.Request) -> web.Response:
        hanging.set()
        await release.wait()
        return web.Response(body=b"never")

    app = web.Application()
    app.router.add_get("/240617-def-exp-2024-TABLES-en.xlsx", workbook)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/big", big)
    app.router.add_get("/hang", hang)
    ca = trustme.CA()
    server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ssl)
    client_ssl = ssl.create_default_context()
    ca.configure_trust(client_ssl)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ssl)
    await site.start()
    try:
        yield Server(runner.addresses[0][1], client_ssl, hanging, release)
    finally:
        release.set()
        await runner.cleanup()


# --- url ---------------------------------------------------------------------------------------


async def test_url_happy_path_with_loopback_allowed_explicitly(
    store: Store, server: Server
) -> None:
    reloader = server.reloader(store)
    plan = await reloader.prepare(Url(server.url("/240617-def-exp-2024-TABLES-en.xlsx")))
    assert plan.source == server.url("/240617-def-exp-2024-TABLES-en.xlsx")
    assert [c.release_id for c in plan.diff.releases_changed] == ["2024-06"]
    assert plan.diff.figures_changed == ()  # every figure as bundled
    version = await reloader.apply(plan, "tester")
    assert store.snapshot.version == version and version.source == plan.source


@pytest.mark.parametrize(
    ("path", "options", "reason"),
    [
        (
            "/240617-def-exp-2024-TABLES-en.xlsx",
            {"allowed_hosts": ("www.nato.int",)},
            "not an allowed host",
        ),
        ("/240617-def-exp-2024-TABLES-en.xlsx", {"allowed_networks": ()}, "loopback"),
        ("/redirect", {}, "example.org"),
        ("/big", {}, "limit"),
    ],
)
async def test_url_refusals_change_nothing(
    store: Store, server: Server, path: str, options: dict[str, object], reason: str
) -> None:
    before = store.snapshot
    with pytest.raises(ReloadError, match=reason):
        await server.reloader(store, **options).prepare(Url(server.url(path)))
    assert store.snapshot is before and len(await store.versions()) == 1


async def test_a_slow_url_hits_the_time_cap(store: Store, server: Server) -> None:
    with pytest.raises(ReloadError, match="did not deliver"):
        await server.reloader(store, fetch_seconds=0.5).prepare(Url(server.url("/hang")))


async def test_one_reload_at_a_time(store: Store, server: Server) -> None:
    reloader = server.reloader(store)
    first = asyncio.create_task(reloader.prepare(Url(server.url("/hang"))))
    await server.hanging.wait()
    assert reloader.busy
    with pytest.raises(ReloadBusy, match="already running"):
        await reloader.prepare(Bundled())
    server.release.set()
    with pytest.raises(InvalidData):  # b"never" is no dataset
        await first
    assert not reloader.busy
    assert (await reloader.prepare(Bundled())).unchanged


# --- files -------------------------------------------------------------------------------------


async def test_a_new_release_without_a_manifest_gets_derived_metadata(store: Store) -> None:
    plan = await Reloader(store).prepare(Upload("2027-01.csv", NEW_RELEASE))
    [added] = plan.diff.releases_added
    assert added.release_id == "2027-01" and added.published == "2027-01"
    assert any("derived" in note for note in plan.notes)


async def test_a_manifest_names_the_new_release(store: Store) -> None:
    manifest = (
        b"release,title,published,basis,price_base,coverage\n"
        b"2027-01,Defence Expenditure of NATO Countries (2014-2027),2027-01-15,core,2021,x\n"
    )
    plan = await Reloader(store).prepare(
        Upload("figures.csv", NEW_RELEASE, release="2027-01", manifest=manifest)
    )
    [added] = plan.diff.releases_added
    assert added.title.endswith("(2014-2027)") and added.published == "2027-01-15"
    assert not any("derived" in note for note in plan.notes)


async def test_row_errors_are_reported_whatever_the_release_id(store: Store) -> None:
    bad = (HEADER + "XXX,2026,true,2,,,,,,\n").encode()
    with pytest.raises(InvalidData) as caught:
        await Reloader(store).prepare(Upload("figures.csv", bad, release="20-27"))
    reasons = [str(p) for p in caught.value.problems]
    assert any("'20-27' is not YYYY-MM" in r for r in reasons)
    assert any("'XXX' is not an ally" in r for r in reasons)


async def test_the_row_cap_is_checked_before_parsing(store: Store) -> None:
    data = HEADER.encode() + b"\n" * MAX_ROWS
    with pytest.raises(InvalidData) as caught:
        await Reloader(store).prepare(Upload("2026-07.csv", data))
    [problem] = caught.value.problems
    assert f"more than {MAX_ROWS:,}" in problem.reason


async def test_formula_looking_cells_are_data_never_evaluated(store: Store) -> None:
    """A formula where a number belongs is refused as text; in a title it stays text."""
    bad = (HEADER + 'POL,2026,true,"=1+1",,,,,,\nDEU,2026,true,@SUM(A1),,,,,,\n').encode()
    with pytest.raises(InvalidData) as caught:
        await Reloader(store).prepare(Upload("2026-07.csv", bad))
    assert [p.reason for p in caught.value.problems] == [
        "'=1+1' is not a number",
        "'@SUM(A1)' is not a number",
    ]
    manifest = (
        b"release,title,published,basis,price_base,coverage\n"
        b'2027-01,"=HYPERLINK(""http://x"")",2027-01,total,,\n'
    )
    reloader = Reloader(store)
    plan = await reloader.prepare(Upload("2027-01.csv", NEW_RELEASE, manifest=manifest))
    await reloader.apply(plan, "tester")
    assert store.snapshot.releases["2027-01"].title == '=HYPERLINK("http://x")'


async def test_a_stale_plan_is_refused(store: Store) -> None:
    reloader = Reloader(store)
    plan = await reloader.prepare(Upload("2027-01.csv", NEW_RELEASE))
    bundled = load_bundled()
    other = bundled.model_copy(update={"records": bundled.records[1:]})
    await store.activate(other, source="elsewhere", loaded_by="someone")
    with pytest.raises(ReloadError, match="changed since"):
        await reloader.apply(plan, "tester")
    assert store.snapshot.version.source == "elsewhere"


async def test_commands_keep_the_old_snapshot_until_the_swap(store: Store) -> None:
    reloader = Reloader(store)
    before = store.snapshot
    plan = await reloader.prepare(Upload("2027-01.csv", NEW_RELEASE))
    assert store.snapshot is before and "2027-01" not in before.releases
    await reloader.apply(plan, "tester")
    assert "2027-01" in store.snapshot.releases and "2027-01" not in before.releases


async def test_rollback_plan_returns_to_the_previous_version(store: Store) -> None:
    reloader = Reloader(store)
    await reloader.apply(await reloader.prepare(Upload("2027-01.csv", NEW_RELEASE)), "tester")
    plan = await reloader.prepare_rollback()
    assert plan.rollback_to == 1
    assert [r.release_id for r in plan.diff.releases_removed] == ["2027-01"]
    version = await reloader.apply(plan, "tester")
    assert version.version_id == 1 and store.snapshot.version.version_id == 1
    with pytest.raises(ReloadError, match="Nothing to roll back"):
        await reloader.prepare_rollback()


def test_the_chunked_hash_is_the_hash_of_the_whole_canonical_json(tmp_path: Path) -> None:
    """dataset_sha256 feeds the JSON in chunks: the digest must stay that of the whole text."""
    for dataset in (
        load_bundled(),
        load_directory(write_dataset(tmp_path / "synthetic", rows=5_001)),
        load_bundled().model_copy(update={"records": ()}),
    ):
        canonical = dataset.model_copy(
            update={
                "members": tuple(sorted(dataset.members, key=lambda c: c.iso3)),
                "releases": tuple(sorted(dataset.releases, key=lambda r: r.release_id)),
                "records": tuple(
                    sorted(dataset.records, key=lambda r: (r.release_id, r.iso3, r.year))
                ),
            }
        )
        whole = json.dumps(canonical.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        assert dataset_sha256(dataset) == hashlib.sha256(whole.encode()).hexdigest()
