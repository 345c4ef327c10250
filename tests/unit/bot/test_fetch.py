"""bot.fetch against a real HTTPS server on 127.0.0.1 (a CA and certificate made by trustme).

Nothing leaves the machine: hosts off the allow-list are refused before any lookup, and the
only names resolved are 127.0.0.1 and localhost.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
import trustme
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.fetch import (
    DEFAULT_ALLOWED_HOSTS,
    AddressRefused,
    BadResponse,
    Fetched,
    FetchError,
    FetchTimeout,
    HostRefused,
    RedirectRefused,
    TooLarge,
    URLRefused,
    address_refusal,
    fetch,
)

BODY = b"PK\x03\x04 pretend this is a workbook" * 100
LOOPBACK = ("127.0.0.1/32",)


@dataclass
class Server:
    base: str
    port: int
    client_ssl: ssl.SSLContext
    #: Set by /hang once the request is in, so a test knows the server really is stuck.
    hanging: asyncio.Event
    #: What /hang waits for: set only at teardown, so the server can shut down.
    release: asyncio.Event

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"https://{host}:{self.port}{path}"

    async def get(self, path: str, **options: Any) -> Fetched:
        """fetch() with this server's CA trusted and 127.0.0.1 allowed, unless overridden."""
        merged: dict[str, Any] = {
            "allowed_hosts": ("127.0.0.1",),
            "allowed_networks": LOOPBACK,
            "ssl": self.client_ssl,
        }
        merged.update(options)
        return await fetch(self.url(path), **merged)


def _app(hanging: asyncio.Event, release: asyncio.Event) -> web.Application:
    async def data(request: web.Request) -> web.Response:
        return web.Response(
            body=BODY,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="../../240617-TABLES.xlsx"'},
        )

    async def plain(request: web.Request) -> web.Response:
        return web.Response(body=BODY, content_type="text/csv")

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])

    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    async def big(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 5000)

    async def big_chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(10):
            await response.write(b"x" * 1000)
        await response.write_eof()
        return response

    async def hang(request: web.Request) -> web.Response:
        hanging.set()
        await release.wait()
        return web.Response(body=b"never")

    async def gone(request: web.Request) -> web.Response:
        raise web.HTTPNotFound()

    async def gzipped(request: web.Request) -> web.Response:
        return web.Response(body=b"\x1f\x8b...", headers={"Content-Encoding": "gzip"})

    app = web.Application()
    app.router.add_get("/data.xlsx", data)
    app.router.add_get("/files/2024 release.csv", plain)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/loop", loop)
    app.router.add_get("/big", big)
    app.router.add_get("/big-chunked", big_chunked)
    app.router.add_get("/hang", hang)
    app.router.add_get("/gone", gone)
    app.router.add_get("/gzipped", gzipped)
    return app


@pytest_asyncio.fixture
async def server() -> AsyncIterator[Server]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ssl)
    client_ssl = ssl.create_default_context()
    ca.configure_trust(client_ssl)
    hanging, release = asyncio.Event(), asyncio.Event()
    runner = web.AppRunner(_app(hanging, release))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ssl)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield Server(f"https://127.0.0.1:{port}", port, client_ssl, hanging, release)
    finally:
        release.set()
        await runner.cleanup()


# --- the happy path ---------------------------------------------------------------------------


async def test_happy_path_with_loopback_allowed_explicitly(server: Server) -> None:
    got = await server.get("/data.xlsx")
    assert got.data == BODY
    assert got.sha256 == hashlib.sha256(BODY).hexdigest()
    assert got.url == server.url("/data.xlsx")
    assert got.hops == (server.url("/data.xlsx"),)
    assert got.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    # Content-Disposition names the file; its directory part is dropped.
    assert got.filename == "240617-TABLES.xlsx"


async def test_filename_from_the_url_when_the_server_names_none(server: Server) -> None:
    got = await server.get("/files/2024%20release.csv")
    assert got.filename == "2024 release.csv"
    assert got.content_type == "text/csv"


async def test_redirect_within_the_list_is_followed(server: Server) -> None:
    got = await server.get("/redirect?to=/data.xlsx")
    assert got.data == BODY
    assert got.hops == (server.url("/redirect?to=/data.xlsx"), server.url("/data.xlsx"))
    assert got.url == server.url("/data.xlsx")


async def test_a_name_is_resolved_once_and_the_connection_uses_that_answer(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No second lookup that could be rebound: aiohttp gets only the addresses we vetted."""
    loop = asyncio.get_running_loop()
    lookups: list[str] = []
    real: Callable[..., Any] = loop.getaddrinfo

    async def counting(host: str, *args: Any, **kwargs: Any) -> Any:
        lookups.append(host)
        return await real(host, *args, **kwargs)

    monkeypatch.setattr(loop, "getaddrinfo", counting)
    got = await fetch(
        server.url("/data.xlsx", host="localhost"),
        allowed_hosts=("localhost",),
        allowed_networks=("127.0.0.0/8", "::1/128"),
        ssl=server.client_ssl,
    )
    assert got.data == BODY
    assert lookups == ["localhost"]


# --- refusals before any connection -----------------------------------------------------------


async def test_default_allow_list_is_nato() -> None:
    assert set(DEFAULT_ALLOWED_HOSTS) == {"www.nato.int", "nato.int"}
    with pytest.raises(HostRefused, match=r"example\.org is not an allowed host.*nato\.int"):
        await fetch("https://example.org/figures.xlsx")


async def test_host_off_the_list_is_refused(server: Server) -> None:
    with pytest.raises(HostRefused, match=r"127\.0\.0\.1 is not an allowed host"):
        await server.get("/data.xlsx", allowed_hosts=("www.nato.int",))


async def test_look_alike_hosts_are_not_on_the_list() -> None:
    for url in (
        "https://nato.int.example.org/x.xlsx",
        "https://evilnato.int/x.xlsx",
        "https://www.nato.int@example.org/x.xlsx",
    ):
        with pytest.raises(FetchError):
            await fetch(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://www.nato.int/x.xlsx", "only https://"),
        ("ftp://www.nato.int/x.xlsx", "only https://"),
        ("file:///etc/passwd", "only https://"),
        ("www.nato.int/x.xlsx", "only https://"),
        ("https://user:secret@www.nato.int/x.xlsx", "user name or password"),
        ("https:///x.xlsx", "has no host"),
    ],
)
async def test_only_plain_https_urls(url: str, reason: str) -> None:
    with pytest.raises(URLRefused, match=reason):
        await fetch(url)


async def test_loopback_refused_unless_allowed(server: Server) -> None:
    with pytest.raises(AddressRefused, match=r"127\.0\.0\.1 is a loopback address"):
        await server.get("/data.xlsx", allowed_networks=())


async def test_a_name_resolving_to_loopback_is_refused(server: Server) -> None:
    with pytest.raises(AddressRefused, match=r"localhost resolves to .* loopback"):
        await fetch(
            server.url("/data.xlsx", host="localhost"),
            allowed_hosts=("localhost",),
            ssl=server.client_ssl,
        )


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("10.0.0.7", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("[::1]", "loopback"),
        ("[::ffff:127.0.0.1]", "loopback"),
        ("0.0.0.0", "unspecified"),
    ],
)
async def test_private_address_literals_refused(host: str, reason: str) -> None:
    bare = host.strip("[]")
    with pytest.raises(AddressRefused, match=reason):
        await fetch(f"https://{host}/x.xlsx", allowed_hosts=(bare,))


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not a public address"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
    ],
)
def test_address_rules(address: str, reason: str) -> None:
    refusal = address_refusal(ipaddress.ip_address(address))
    assert refusal is not None and reason in refusal


@pytest.mark.parametrize("address", ["8.8.8.8", "195.130.240.1", "2001:4860:4860::8888"])
def test_public_addresses_pass(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is None


def test_an_explicitly_allowed_network_passes() -> None:
    allowed = (ipaddress.ip_network("127.0.0.0/8"),)
    assert address_refusal(ipaddress.ip_address("127.0.0.1"), allowed) is None
    assert address_refusal(ipaddress.ip_address("::ffff:127.0.0.1"), allowed) is None
    assert address_refusal(ipaddress.ip_address("10.0.0.1"), allowed) == "a private address"


# --- redirects --------------------------------------------------------------------------------


async def test_redirect_off_the_list_is_refused(server: Server) -> None:
    with pytest.raises(HostRefused, match=r"evil\.example is not an allowed host"):
        await server.get("/redirect?to=https://evil.example/x.xlsx")


async def test_redirect_to_http_is_refused(server: Server) -> None:
    with pytest.raises(URLRefused, match="only https://"):
        await server.get(f"/redirect?to=http://127.0.0.1:{server.port}/data.xlsx")


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("https://10.0.0.7/x.xlsx", "10.0.0.7 is a private address"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://[::1]/x.xlsx", "::1 is a loopback address"),
    ],
)
async def test_redirect_to_a_private_address_is_refused(
    server: Server, target: str, reason: str
) -> None:
    """The allow-list names these hosts; their addresses are still checked at the hop."""
    with pytest.raises(AddressRefused, match=reason):
        await server.get(
            f"/redirect?to={target}",
            allowed_hosts=("127.0.0.1", "10.0.0.7", "169.254.169.254", "::1"),
            allowed_networks=LOOPBACK,
        )


async def test_redirect_loop_is_cut_short(server: Server) -> None:
    with pytest.raises(RedirectRefused, match="more than 3 redirects"):
        await server.get("/loop", max_redirects=3)


# --- size, time and status --------------------------------------------------------------------


async def test_oversize_body_with_content_length(server: Server) -> None:
    with pytest.raises(TooLarge, match="offers 5,000 bytes; the limit is 1,000 bytes"):
        await server.get("/big", max_bytes=1000)


async def test_oversize_body_without_content_length(server: Server) -> None:
    with pytest.raises(TooLarge, match="sent more than the limit of 1,000 bytes"):
        await server.get("/big-chunked", max_bytes=1000)
    # The same body is fine under a larger cap: the count is of the body, not a guess.
    got = await server.get("/big-chunked", max_bytes=10_000)
    assert got.data == b"x" * 10_000


async def test_slow_response_hits_the_time_cap(server: Server) -> None:
    with pytest.raises(FetchTimeout, match=r"127\.0\.0\.1 did not deliver the file within 0.5 s"):
        await server.get("/hang", max_seconds=0.5)
    assert server.hanging.is_set()  # the request did reach the server: it was the wait


async def test_error_status_is_refused(server: Server) -> None:
    with pytest.raises(BadResponse, match="answered 404 Not Found"):
        await server.get("/gone")


async def test_compressed_body_is_refused(server: Server) -> None:
    with pytest.raises(BadResponse, match="gzip-compressed"):
        await server.get("/gzipped")


async def test_untrusted_certificate_is_refused(server: Server) -> None:
    with pytest.raises(FetchError, match="TLS"):
        await server.get("/data.xlsx", ssl=ssl.create_default_context())


# --- any text as a URL: a FetchError, never a traceback ---------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.builds(lambda rest: "https://" + rest, st.text(max_size=40)),
    )
)
async def test_fuzz_urls(url: str) -> None:
    # No host is allowed, so nothing is ever resolved or connected to.
    with pytest.raises(FetchError):
        await fetch(url, allowed_hosts=())
