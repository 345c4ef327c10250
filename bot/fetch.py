"""Download one dataset file from an allow-listed HTTPS host, refusing anything else.

The owner of the bot may point it at a URL; the bot then makes a request from inside its own
network, so everything about the request is checked (server-side request forgery):

- https only, and the host must be on an allow-list (exact names, no wildcards);
- we resolve the host ourselves and refuse loopback, private, link-local, multicast, reserved
  and unspecified addresses (IPv4 and IPv6, IPv4-mapped included) unless the caller allows a
  network explicitly; the connection then goes to exactly the addresses we checked (a resolver
  that answers only from our vetted table, so no second lookup can be rebound);
- redirects are followed here, hop by hop, each hop checked like the first;
- a size cap (Content-Length and the streamed body) and a cap on the whole download's time.

Every refusal raises a ``FetchError`` subclass whose message is fit to show to the person who
asked. Nothing here touches the dataset: the caller parses the bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import re
import socket
import ssl as ssl_module
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.message import Message
from urllib.parse import unquote

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

DEFAULT_ALLOWED_HOSTS: tuple[str, ...] = ("www.nato.int", "nato.int")
MAX_BYTES = 5 * 1024 * 1024
TOTAL_TIMEOUT_S = 20.0
CONNECT_TIMEOUT_S = 5.0
MAX_REDIRECTS = 5

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._ -]")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class FetchError(Exception):
    """The download was refused or failed; ``str(error)`` is a message for the user."""


class URLRefused(FetchError):
    """Not an https URL we accept (scheme, credentials, malformed)."""


class HostRefused(FetchError):
    """The host is not on the allow-list."""


class AddressRefused(FetchError):
    """The host resolves to an address the bot must not connect to."""


class RedirectRefused(FetchError):
    """Too many redirects, or a redirect without a usable Location."""


class TooLarge(FetchError):
    """The body is larger than the size cap."""


class FetchTimeout(FetchError):
    """The download did not finish within the time cap."""


class BadResponse(FetchError):
    """The server answered, but not with a file we can use (status, encoding)."""


class ConnectionFailed(FetchError):
    """DNS, TCP or TLS failed."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """A downloaded file and where it came from."""

    data: bytes
    #: The URL of the last hop, after redirects.
    url: str
    #: Every URL requested, first to last.
    hops: tuple[str, ...]
    content_type: str | None
    filename: str
    sha256: str


def _networks(allowed: Iterable[str | IPNetwork]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(n) if isinstance(n, str) else n for n in allowed)


def address_refusal(address: IPAddress, allowed: Sequence[IPNetwork] = ()) -> str | None:
    """Why the bot must not connect to ``address`` (None = it may)."""
    if any(address in network for network in allowed):
        return None
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv6 wrapper around an IPv4 address is judged by the IPv4 address it carries.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is not None:
            return address_refusal(embedded, allowed)
    for kind, flagged in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("not public", not address.is_global),
    ):
        if flagged:
            return f"a {kind} address" if kind != "not public" else "not a public address"
    return None


def _normalise_host(host: str) -> str:
    """One spelling per host: lower case, no trailing dot, IP addresses in canonical form."""
    host = host.strip("[]").rstrip(".").lower()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def _check_url(url: URL, allowed_hosts: frozenset[str]) -> str:
    """The URL's host, once scheme, credentials and host are acceptable."""
    if url.scheme != "https":
        shown = url.scheme or "no scheme"
        raise URLRefused(f"only https:// URLs are accepted (got {shown}: {url.human_repr()})")
    if url.user is not None or url.password is not None:
        raise URLRefused("URLs with a user name or password are not accepted")
    if not url.host:
        raise URLRefused(f"{url.human_repr()} has no host")
    host = _normalise_host(url.host)
    if host not in allowed_hosts:
        listed = ", ".join(sorted(allowed_hosts)) or "none"
        raise HostRefused(f"{host} is not an allowed host (allowed: {listed})")
    return host


class _VettedResolver(AbstractResolver):
    """Answers only from the addresses ``fetch`` checked for this hop; never asks DNS itself."""

    def __init__(self) -> None:
        self.table: dict[str, list[ResolveResult]] = {}

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = self.table.get(_normalise_host(host))
        if not results:
            raise OSError(f"{host} was not vetted")
        return [
            {
                "hostname": r["hostname"],
                "host": r["host"],
                "port": port,
                "family": r["family"],
                "proto": r["proto"],
                "flags": r["flags"],
            }
            for r in results
        ]

    async def close(self) -> None:
        return None


async def _vet(host: str, port: int, allowed: Sequence[IPNetwork]) -> list[ResolveResult]:
    """Resolve ``host`` and check every address; one bad address refuses the host."""
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        infos = [(socket.AF_INET6 if literal.version == 6 else socket.AF_INET, str(literal))]
    else:
        loop = asyncio.get_running_loop()
        try:
            found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise ConnectionFailed(f"cannot resolve {host}: {exc}") from None
        infos = [(family, str(sockaddr[0])) for family, _, _, _, sockaddr in found]
    if not infos:
        raise ConnectionFailed(f"{host} has no address")
    results: list[ResolveResult] = []
    for family, text in infos:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        reason = address_refusal(address, allowed)
        if reason is not None:
            shown = host if literal is not None else f"{host} resolves to {address}, which"
            raise AddressRefused(f"{shown} is {reason}; the bot does not connect there")
        results.append(
            {
                "hostname": host,
                "host": str(address),
                "port": port,
                "family": family,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        )
    return results


def _filename(response: aiohttp.ClientResponse, url: URL) -> str:
    """The name the server gives the file, else the last segment of the URL's path."""
    name = ""
    header = response.headers.get("Content-Disposition")
    if header:
        message = Message()
        message["Content-Disposition"] = header
        name = message.get_filename() or ""
    if not name:
        name = unquote(url.path.rsplit("/", 1)[-1])
    # A name is only ever a label: no directories, nothing a shell or Discord would trip on.
    name = _SAFE_FILENAME.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(". ")
    return name[:120] or "download"


async def _read_capped(response: aiohttp.ClientResponse, host: str, max_bytes: int) -> bytes:
    declared = response.content_length
    if declared is not None and declared > max_bytes:
        raise TooLarge(
            f"{host} offers {declared:,} bytes; the limit is {max_bytes:,} bytes",
        )
    body = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK):
        body += chunk
        if len(body) > max_bytes:
            raise TooLarge(f"{host} sent more than the limit of {max_bytes:,} bytes")
    return bytes(body)


async def fetch(
    url: str,
    *,
    allowed_hosts: Iterable[str] = DEFAULT_ALLOWED_HOSTS,
    allowed_networks: Iterable[str | IPNetwork] = (),
    max_bytes: int = MAX_BYTES,
    max_seconds: float = TOTAL_TIMEOUT_S,
    connect_timeout: float = CONNECT_TIMEOUT_S,
    max_redirects: int = MAX_REDIRECTS,
    ssl: ssl_module.SSLContext | None = None,
) -> Fetched:
    """GET ``url`` under every rule of this module; raises a ``FetchError`` on any refusal.

    ``allowed_networks`` exempts networks from the address rules (tests pass 127.0.0.0/8);
    ``ssl`` replaces the system's trust store (tests pass a context trusting their own CA).
    """
    hosts = frozenset(_normalise_host(h) for h in allowed_hosts)
    networks = _networks(allowed_networks)
    try:
        current = URL(url.strip())
    except (ValueError, TypeError) as exc:
        raise URLRefused(f"not a valid URL: {exc}") from None
    hops: list[str] = []
    try:
        async with asyncio.timeout(max_seconds):
            return await _follow(
                current, hops, hosts, networks, max_bytes, connect_timeout, max_redirects, ssl
            )
    except TimeoutError:
        where = URL(hops[-1]).host if hops else current.host
        raise FetchTimeout(f"{where} did not deliver the file within {max_seconds:g} s") from None


async def _follow(
    current: URL,
    hops: list[str],
    hosts: frozenset[str],
    networks: Sequence[IPNetwork],
    max_bytes: int,
    connect_timeout: float,
    max_redirects: int,
    ssl: ssl_module.SSLContext | None,
) -> Fetched:
    resolver = _VettedResolver()
    connector = aiohttp.TCPConnector(
        resolver=resolver,
        use_dns_cache=False,
        force_close=True,  # each hop connects afresh, to the addresses vetted for that hop
        ssl=ssl if ssl is not None else True,
    )
    client_timeout = aiohttp.ClientTimeout(total=None, connect=connect_timeout)
    async with aiohttp.ClientSession(
        connector=connector, timeout=client_timeout, trust_env=False, auto_decompress=False
    ) as session:
        while True:
            host = _check_url(current, hosts)
            port = current.port or 443
            resolver.table = {host: await _vet(host, port, networks)}
            hops.append(str(current))
            try:
                async with session.get(
                    current,
                    allow_redirects=False,
                    headers={"Accept-Encoding": "identity"},
                ) as response:
                    if response.status in _REDIRECTS:
                        if len(hops) > max_redirects:
                            raise RedirectRefused(
                                f"more than {max_redirects} redirects (last from {host})"
                            )
                        location = response.headers.get("Location")
                        if not location:
                            raise RedirectRefused(f"{host} redirected without a Location")
                        try:
                            current = current.join(URL(location))
                        except ValueError as exc:
                            raise RedirectRefused(
                                f"{host} redirected to an invalid URL: {exc}"
                            ) from None
                        continue
                    if response.status != 200:
                        raise BadResponse(
                            f"{host} answered {response.status} {response.reason or ''}".strip()
                        )
                    encoding = response.headers.get("Content-Encoding", "identity").lower()
                    if encoding not in ("", "identity"):
                        raise BadResponse(f"{host} sent a {encoding}-compressed body")
                    data = await _read_capped(response, host, max_bytes)
                    return Fetched(
                        data=data,
                        url=str(current),
                        hops=tuple(hops),
                        content_type=response.content_type if response.content_type else None,
                        filename=_filename(response, current),
                        sha256=hashlib.sha256(data).hexdigest(),
                    )
            except aiohttp.ClientConnectorCertificateError:
                raise ConnectionFailed(f"{host}'s TLS certificate is not trusted") from None
            except aiohttp.ClientSSLError as exc:
                raise ConnectionFailed(f"TLS with {host} failed: {exc}") from None
            except aiohttp.ClientConnectorError as exc:
                raise ConnectionFailed(f"cannot connect to {host}: {exc.strerror}") from None
            except aiohttp.ClientError as exc:
                raise ConnectionFailed(f"download from {host} failed: {exc}") from None
