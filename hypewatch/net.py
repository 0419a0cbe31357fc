"""The one way hypewatch makes outbound HTTP.

`async_client()` builds an `httpx.AsyncClient` whose transport stack is:

    RetryTransport      429 / 5xx / connect failures, jittered backoff, Retry-After (capped)
      CapTransport      response byte cap (raw and decoded), total deadline
        RouteTransport  trusted origins (the Hub endpoint) -> plain transport
                        everything else -> ssrfguard's AsyncSafeTransport

ssrfguard resolves each host once, checks every address against its table
(loopback, private, link-local, CGNAT, multicast, reserved, ULA, the
IPv4-mapped / compatible / 6to4 / NAT64 forms of each, cloud metadata) and
connects to the address it checked, so DNS rebinding cannot switch it.
httpx follows redirects above this stack, so every hop passes the guard.
See docs/network.md for why ssrfguard and not a hand-written guard.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import ipaddress
import random
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import ssrfguard
from ssrfguard import Block, Policy, Reach
from ssrfguard.httpx import AsyncSafeTransport

from hypewatch.backoff import doubling_wait
from hypewatch.config import NetworkSettings
from hypewatch.errors import InputError
from hypewatch.errors import NetError as NetError

Resolver = Callable[..., Iterable[Any]]
Sleep = Callable[[float], Awaitable[None]]

#: Addresses a local model server or test stand-in lives on; opened by --allow-private.
PRIVATE_NETWORKS = (
    "127.0.0.0/8",
    "::1/128",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "fc00::/7",
)

#: Denied on top of ssrfguard's table: Azure's WireServer sits in public space.
_EXTRA_DENIED = (
    Block(
        network=ipaddress.ip_network("168.63.129.16/32"),
        name="Cloud metadata (Azure WireServer)",
        rfc="-",
        reach=Reach.DENIED,
        note="A public address that answers only from inside Azure.",
    ),
)
_DENIED = ssrfguard.AddressTable(ssrfguard.DEFAULT_DENIED.blocks + _EXTRA_DENIED)
_ALL_PORTS = frozenset(range(1, 65536))
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class BlockedDestinationError(NetError):
    """The guard refused a destination; no request was sent to it."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            f"refused to connect to {url}: {reason}. If this is your own local server, "
            "pass --allow-private or add its host or network to network.allowlist"
        )
        self.url = url
        self.reason = reason


class InvalidURLError(BlockedDestinationError, InputError):
    """Not a URL the guard can check (`http://[::1`, `http://0177.0.0.1/`): refused, and
    reported as bad input rather than as a network refusal."""

    exit_code = InputError.exit_code

    def __init__(self, url: str, reason: str) -> None:
        Exception.__init__(
            self,
            f"{url!r} is not a valid URL ({reason}); pass a base URL such as http://host:8000/v1",
        )
        self.url = url
        self.reason = reason


class UnreachableError(NetError, httpx.ConnectError):
    """No connection could be made after the retries (refused, no route, connect timed
    out). An `httpx.ConnectError` too, for code that catches the transport's errors."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        httpx.ConnectError.__init__(self, message, request=request)


class ResponseTooLargeError(NetError):
    """A response body exceeded the configured byte cap."""


class DeadlineExceededError(NetError):
    """A request took longer than the total timeout."""


#: What callers catch to handle any network failure.
NET_ERRORS: tuple[type[Exception], ...] = (httpx.HTTPError, NetError)


@dataclass(frozen=True)
class NetConfig:
    """Everything the client stack needs; build it from settings with `from_settings`."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    total_timeout: float = 120.0
    max_response_bytes: int = 50_000_000
    max_redirects: int = 5
    retries: int = 3
    retry_max_wait: float = 60.0
    allow_private: bool = False
    allowlist: tuple[str, ...] = ()
    trusted_origins: tuple[str, ...] = ()
    user_agent: str = "hypewatch/0.1"
    retry_methods: frozenset[str] | None = None  # None: every method
    backoff_base: float = 0.5
    max_connections: int = 64

    @classmethod
    def from_settings(
        cls,
        settings: NetworkSettings,
        *,
        allow_private: bool = False,
        trusted_origins: Iterable[str] = (),
    ) -> NetConfig:
        return cls(
            connect_timeout=settings.connect_timeout_seconds,
            read_timeout=settings.read_timeout_seconds,
            total_timeout=settings.total_timeout_seconds,
            max_response_bytes=settings.max_response_bytes,
            max_redirects=settings.max_redirects,
            retries=settings.retries,
            retry_max_wait=settings.retry_max_wait_seconds,
            allow_private=settings.allow_private or allow_private,
            allowlist=tuple(settings.allowlist),
            trusted_origins=tuple(origin_of(o) for o in trusted_origins),
            user_agent=settings.user_agent,
        )

    def with_(self, **changes: Any) -> NetConfig:
        values = {f: getattr(self, f) for f in self.__dataclass_fields__}
        values.update(changes)
        return NetConfig(**values)


def origin_of(url: str | httpx.URL) -> str:
    """`scheme://host:port` of a URL, with the default port spelled out."""
    parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return f"{parsed.scheme}://{parsed.host}:{port}".lower()


def _split_allowlist(entries: Iterable[str]) -> tuple[list[str], list[str]]:
    networks: list[str] = []
    hosts: list[str] = []
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            hosts.append(entry.lower().rstrip("."))
        else:
            networks.append(entry)
    return networks, hosts


#: Never opened by a wide allowlist entry: only an entry naming exactly one of these addresses
#: opens it. The metadata endpoints (credentials of the machine hypewatch runs on), and the
#: prefixes that wrap an IPv4 address inside IPv6, so the table still decodes what they carry.
_CARVED_OUT = tuple(
    block.network
    for block in _DENIED.blocks
    if "metadata" in block.name.lower() or block.reach is Reach.TRANSLATED
)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _without_carve_outs(network: IPNetwork) -> list[IPNetwork]:
    """`network` less every carved-out block it strictly contains."""
    parts: list[IPNetwork] = [network]
    for hole in _CARVED_OUT:
        next_parts: list[IPNetwork] = []
        for part in parts:
            if part.version == hole.version and hole.subnet_of(part) and hole != part:  # type: ignore[arg-type]
                next_parts.extend(part.address_exclude(hole))  # type: ignore[arg-type]
            else:
                next_parts.append(part)
        parts = next_parts
    return parts


def allowed_networks(entries: Iterable[str]) -> tuple[IPNetwork, ...]:
    """The allowlist's networks as the guard applies them: a wide entry (`0.0.0.0/0`, `::/0`,
    `169.254.0.0/16`) never opens a metadata endpoint or an IPv4-in-IPv6 wrapper."""
    out: list[IPNetwork] = []
    for entry in entries:
        out.extend(_without_carve_outs(ipaddress.ip_network(entry, strict=False)))
    return tuple(out)


def opened_metadata(entries: Iterable[str]) -> list[str]:
    """Allowlist entries that name a cloud metadata address exactly (and so open it)."""
    networks, _hosts = _split_allowlist(entries)
    holes = {n for n in _CARVED_OUT if n.num_addresses == 1}
    return [n for n in networks if ipaddress.ip_network(n, strict=False) in holes]


def build_policy(config: NetConfig) -> Policy:
    """The guard's policy for `config` (built once per distinct allowlist: a `Policy`
    is immutable, and building one checks every allowed network against the denied
    table, ~0.1 s — too much to pay for every client a benchmark pool opens)."""
    return _policy(config.allowlist, config.allow_private, config.max_redirects)


@functools.lru_cache(maxsize=64)
def _policy(allowlist: tuple[str, ...], allow_private: bool, max_redirects: int) -> Policy:
    networks, _hosts = _split_allowlist(allowlist)
    if allow_private:
        networks.extend(PRIVATE_NETWORKS)
    return Policy(
        denied_networks=_DENIED,
        allowed_networks=allowed_networks(networks),
        allowed_ports=_ALL_PORTS,
        max_redirects=max_redirects,
    )


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process, shared by every transport: building one
    reads the CA bundle (~80 ms), and httpx would build one per transport otherwise."""
    return httpx.create_ssl_context()


def _allowlisted_hosts(config: NetConfig) -> frozenset[str]:
    return frozenset(_split_allowlist(config.allowlist)[1])


def check_url(url: str, config: NetConfig, resolver: Resolver | None = None) -> None:
    """Refuse `url` up front (resolving it once) with a clear error; sends nothing.

    The transport checks again at connect time; this exists so a command can
    say "refused" before it starts work.
    """
    try:
        origin = origin_of(url)
    except httpx.InvalidURL as error:
        raise InvalidURLError(url, str(error)) from None
    if origin in config.trusted_origins:
        return
    policy = build_policy(config)
    try:
        target = policy.check_url(url)
        if target.host.lower().rstrip(".") in _allowlisted_hosts(config):
            return
        ssrfguard.resolve(target, policy=policy, resolver=resolver)
    except ssrfguard.SSRFGuardError as error:
        raise BlockedDestinationError(url, str(error)) from None


class RouteTransport(httpx.AsyncBaseTransport):
    """Send trusted origins and allowlisted hosts straight, everything else through the guard."""

    def __init__(self, config: NetConfig, resolver: Resolver | None = None) -> None:
        self._trusted = frozenset(config.trusted_origins)
        self._hosts = _allowlisted_hosts(config)
        limits = httpx.Limits(
            max_connections=config.max_connections,
            max_keepalive_connections=config.max_connections,
        )
        tls = tls_context()
        self._direct = httpx.AsyncHTTPTransport(verify=tls, trust_env=False, limits=limits)
        self._guarded = AsyncSafeTransport(
            policy=build_policy(config),
            resolver=resolver,
            verify=tls,
            trust_env=False,
            limits=limits,
        )

    def _is_trusted(self, url: httpx.URL) -> bool:
        return origin_of(url) in self._trusted or url.host.lower() in self._hosts

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._is_trusted(request.url):
            return await self._direct.handle_async_request(request)
        try:
            return await self._guarded.handle_async_request(request)
        except ssrfguard.SSRFGuardError as error:
            raise BlockedDestinationError(str(request.url), str(error)) from None

    async def aclose(self) -> None:
        await self._direct.aclose()
        await self._guarded.aclose()


class _Inflater:
    """Decode gzip/deflate with a cap on the decoded size (a zip bomb stops at the cap)."""

    def __init__(self, encoding: str, cap: int) -> None:
        if encoding not in ("gzip", "x-gzip", "deflate"):
            raise ResponseTooLargeError(
                f"server sent Content-Encoding {encoding!r} although identity was requested; "
                "refusing to decode it without a size bound"
            )
        self._decoder = zlib.decompressobj(47 if "gzip" in encoding else zlib.MAX_WBITS)
        self._left = cap

    def feed(self, chunk: bytes) -> bytes:
        out = self._decoder.decompress(chunk, self._left + 1)
        self._left -= len(out)
        if self._left < 0 or self._decoder.unconsumed_tail:
            raise ResponseTooLargeError("decoded response body exceeds the byte cap")
        return out


class _CappedStream(httpx.AsyncByteStream):
    def __init__(
        self,
        inner: httpx.AsyncByteStream,
        cap: int,
        deadline: float,
        inflater: _Inflater | None,
    ) -> None:
        self._inner = inner
        self._cap = cap
        self._deadline = deadline
        self._inflater = inflater
        self._seen = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            self._seen += len(chunk)
            if self._seen > self._cap:
                raise ResponseTooLargeError(
                    f"response body exceeds the cap of {self._cap} bytes; stopped reading"
                )
            if time.monotonic() > self._deadline:
                raise DeadlineExceededError("response took longer than the total timeout")
            yield self._inflater.feed(chunk) if self._inflater else chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class CapTransport(httpx.AsyncBaseTransport):
    """Cap the response body (raw and decoded) and the total time of one exchange."""

    def __init__(self, inner: httpx.AsyncBaseTransport, config: NetConfig) -> None:
        self._inner = inner
        self._cap = config.max_response_bytes
        self._total = config.total_timeout

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        deadline = time.monotonic() + self._total
        try:
            # asyncio.timeout, not wait_for: no extra task per request.
            async with asyncio.timeout(self._total):
                response = await self._inner.handle_async_request(request)
        except TimeoutError:
            raise DeadlineExceededError(
                f"no response from {request.url.host} within {self._total:.0f} s"
            ) from None
        headers = response.headers
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._cap:
            await response.aclose()
            raise ResponseTooLargeError(
                f"{request.url.host} announced {declared} bytes; the cap is {self._cap}"
            )
        encoding = headers.get("content-encoding", "identity").lower().strip()
        inflater = None if encoding in ("", "identity") else _Inflater(encoding, self._cap)
        if inflater is not None:
            # the body we hand up is decoded: its encoding and length no longer apply
            for name in ("content-encoding", "content-length"):
                if name in headers:
                    del headers[name]
        assert isinstance(response.stream, httpx.AsyncByteStream)
        # Wrap the stream in place rather than building a second Response.
        response.stream = _CappedStream(response.stream, self._cap, deadline, inflater)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Parse a Retry-After header (seconds or an HTTP date); None when absent or unparseable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass
class RetryTransport(httpx.AsyncBaseTransport):
    """Retry 429, 5xx and failed connections with jittered exponential backoff.

    Never retries another 4xx. A Retry-After beyond `retry_max_wait` is not
    waited for: the response goes back to the caller, who can reschedule.
    """

    inner: httpx.AsyncBaseTransport
    config: NetConfig
    sleep: Sleep = field(default=asyncio.sleep)
    attempts_made: int = field(default=0, init=False)

    def _may_retry(self, request: httpx.Request) -> bool:
        methods = self.config.retry_methods
        return methods is None or request.method in methods

    def _backoff(self, attempt: int) -> float:
        wait = doubling_wait(self.config.backoff_base, attempt + 1, self.config.retry_max_wait)
        return wait * random.uniform(0.5, 1.0)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        retries = self.config.retries if self._may_retry(request) else 0
        for attempt in range(retries + 1):
            self.attempts_made += 1
            last = attempt == retries
            try:
                response = await self.inner.handle_async_request(request)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                if last:
                    raise UnreachableError(
                        f"cannot reach {origin_of(request.url)}: {type(error).__name__}: "
                        f"{error} ({attempt + 1} attempt(s); network.retries = {retries})",
                        request=request,
                    ) from error
                await self.sleep(self._backoff(attempt))
                continue
            except httpx.RemoteProtocolError:
                if last:
                    raise
                await self.sleep(self._backoff(attempt))
                continue
            if response.status_code not in _RETRY_STATUSES or last:
                return response
            wait = retry_after_seconds(response.headers.get("retry-after"))
            if wait is not None and wait > self.config.retry_max_wait:
                return response
            await response.aclose()
            await self.sleep(wait if wait is not None else self._backoff(attempt))
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    async def aclose(self) -> None:
        await self.inner.aclose()


def build_transport(
    config: NetConfig,
    *,
    resolver: Resolver | None = None,
    sleep: Sleep = asyncio.sleep,
    inner: httpx.AsyncBaseTransport | None = None,
) -> RetryTransport:
    """The full stack. `inner` replaces the routing layer (tests of retry/cap only)."""
    route = inner if inner is not None else RouteTransport(config, resolver)
    return RetryTransport(CapTransport(route, config), config, sleep)


def async_client(
    config: NetConfig,
    *,
    base_url: str = "",
    headers: dict[str, str] | None = None,
    resolver: Resolver | None = None,
    sleep: Sleep = asyncio.sleep,
) -> httpx.AsyncClient:
    """A guarded `httpx.AsyncClient`; the only way hypewatch code should get one."""
    merged = {"User-Agent": config.user_agent, "Accept-Encoding": "identity"}
    merged.update(headers or {})
    return httpx.AsyncClient(
        base_url=base_url,
        headers=merged,
        transport=build_transport(config, resolver=resolver, sleep=sleep),
        timeout=httpx.Timeout(config.read_timeout, connect=config.connect_timeout),
        follow_redirects=True,
        max_redirects=config.max_redirects,
        trust_env=False,
    )
