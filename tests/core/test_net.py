from __future__ import annotations

import gzip
import socket
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

from hypewatch.net import (
    BlockedDestinationError,
    InvalidURLError,
    NetConfig,
    ResponseTooLargeError,
    async_client,
    build_transport,
    check_url,
    retry_after_seconds,
)
from hypewatch.standins.http import Standin, StandinHandler, serve

REFUSED = [
    "http://127.0.0.1/",
    "http://localhost/",
    "http://2130706433/",  # decimal
    "http://0x7f000001/",  # hex
    "http://0177.0.0.1/",  # octal
    "http://127.1/",  # short form
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped loopback
    "http://[::127.0.0.1]/",  # IPv4-compatible loopback
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",  # AWS/GCP/Azure metadata
    "http://[fd00:ec2::254]/",  # AWS metadata over IPv6
    "http://100.100.100.200/",  # Alibaba metadata (CGNAT)
    "http://100.64.0.1/",  # CGNAT
    "http://168.63.129.16/",  # Azure WireServer
    "http://0.0.0.0/",
    "http://[::]/",
    "http://224.0.0.1/",  # multicast
    "http://[ff02::1]/",  # IPv6 multicast
    "http://240.0.0.1/",  # reserved
    "http://255.255.255.255/",
    "http://[fe80::1]/",  # IPv6 link-local
    "http://[fc00::1]/",  # ULA
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 form of the metadata address
    "http://[2002:a9fe:a9fe::1]/",  # 6to4 form of the metadata address
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:10.0.0.1]/",
    "http://198.18.0.1/",  # benchmarking range
    "http://192.0.0.192/",  # Oracle metadata
]


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Fail loudly if anything tries to open a connection."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise AssertionError(f"a connection was attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(anyio, "connect_tcp", refuse)
    return attempts


@pytest.mark.parametrize("url", REFUSED)
async def test_refused_without_opening_a_socket(url: str, no_sockets: list[Any]) -> None:
    config = NetConfig(retries=0)
    with pytest.raises(BlockedDestinationError) as info:
        check_url(url, config)
    # an address the guard refuses says how to open it; a URL that is not one says so
    hint = "not a valid URL" if isinstance(info.value, InvalidURLError) else "--allow-private"
    assert hint in str(info.value)
    async with async_client(config) as client:
        # httpx itself rejects some encodings as invalid URLs; either way nothing connects
        with pytest.raises((BlockedDestinationError, httpx.InvalidURL)):
            await client.get(url)
    assert no_sockets == []


def test_allow_private_opens_local_networks_but_not_metadata() -> None:
    config = NetConfig(allow_private=True)
    check_url("http://127.0.0.1:8000/v1", config)
    check_url("http://192.168.1.20/v1", config)
    with pytest.raises(BlockedDestinationError):
        check_url("http://169.254.169.254/", config)
    with pytest.raises(BlockedDestinationError):
        check_url("http://100.100.100.200/", config)


class Redirector(StandinHandler):
    def do_GET(self) -> None:
        self.read_body()
        if self.path.startswith("/hop"):
            target = self.state["target"]
            self.send_bytes(302, b"", headers={"Location": target})
        elif self.path == "/big":
            self.send_bytes(200, b"x" * 2_000_000)
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(40):
                chunk = b"y" * 65536
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/bomb":
            body = gzip.compress(b"\0" * 20_000_000)
            self.send_bytes(200, body, headers={"Content-Encoding": "gzip"})
        elif self.path == "/flaky":
            self.state["hits"] = self.state.get("hits", 0) + 1
            if self.state["hits"] <= 2:
                self.send_json(503, {"error": "busy"}, headers={"Retry-After": "1"})
            else:
                self.send_json(200, {"ok": True})
        elif self.path == "/limited":
            self.send_json(429, {"error": "slow down"}, headers={"Retry-After": "3600"})
        elif self.path == "/missing":
            self.send_json(404, {"error": "no"})
        else:
            self.send_json(200, {"host": self.headers.get("Host")})


@pytest.fixture
def standin() -> Iterator[Standin]:
    with serve(Redirector, target="") as running:
        yield running


LOOPBACK_ONLY = NetConfig(allowlist=("127.0.0.1/32",), retries=0)


@pytest.mark.parametrize(
    "target", ["http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/", "http://[::1]:9/"]
)
async def test_redirect_to_refused_address_is_stopped(standin: Standin, target: str) -> None:
    standin.server.state["target"] = target
    async with async_client(LOOPBACK_ONLY) as client:
        assert (await client.get(f"{standin.url}/plain")).status_code == 200
        with pytest.raises(BlockedDestinationError, match="refused to connect"):
            await client.get(f"{standin.url}/hop")


async def test_redirects_are_capped(standin: Standin) -> None:
    standin.server.state["target"] = f"{standin.url}/hop"
    async with async_client(LOOPBACK_ONLY.with_(max_redirects=3)) as client:
        with pytest.raises(httpx.TooManyRedirects):
            await client.get(f"{standin.url}/hop")
    assert len(standin.requests) == 4


async def test_rebinding_name_connects_only_to_the_checked_address(standin: Standin) -> None:
    answers = iter(["127.0.0.1", "169.254.169.254", "169.254.169.254"])
    lookups: list[str] = []

    def flipping_resolver(host: str, port: int, *args: Any) -> list[Any]:
        address = next(answers)
        lookups.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    url = f"http://rebind.test:{standin.port}/plain"
    async with async_client(LOOPBACK_ONLY, resolver=flipping_resolver) as client:
        response = await client.get(url)
        assert response.json() == {"host": f"rebind.test:{standin.port}"}
        assert lookups == ["127.0.0.1"]  # one lookup, and the connection used its answer
    async with async_client(LOOPBACK_ONLY, resolver=flipping_resolver) as fresh:
        # a new connection resolves again; the flipped answer is checked and refused
        with pytest.raises(BlockedDestinationError, match=r"169\.254\.169\.254"):
            await fresh.get(url)
    assert lookups == ["127.0.0.1", "169.254.169.254"]


@pytest.mark.parametrize("path", ["/big", "/chunked", "/bomb"])
async def test_body_over_the_cap_is_cut_off(standin: Standin, path: str) -> None:
    config = LOOPBACK_ONLY.with_(max_response_bytes=1_000_000)
    async with async_client(config) as client:
        with pytest.raises(ResponseTooLargeError):
            await client.get(f"{standin.url}{path}")


async def test_retries_honour_retry_after_and_stop_on_4xx(standin: Standin) -> None:
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    config = LOOPBACK_ONLY.with_(retries=3, retry_max_wait=60.0)
    async with async_client(config, sleep=fake_sleep) as client:
        assert (await client.get(f"{standin.url}/flaky")).json() == {"ok": True}
        assert waits == [1.0, 1.0]
        assert (await client.get(f"{standin.url}/missing")).status_code == 404
        limited = await client.get(f"{standin.url}/limited")
        assert limited.status_code == 429  # 3600 s is beyond the cap: handed back, not waited
    paths = [r.path for r in standin.requests]
    assert paths.count("/missing") == 1 and paths.count("/limited") == 1


async def test_trusted_origin_is_reachable_but_its_redirects_are_guarded(
    standin: Standin,
) -> None:
    config = NetConfig(retries=0, trusted_origins=(standin.url,))
    standin.server.state["target"] = "http://127.0.0.1:9/elsewhere"
    async with async_client(config) as client:
        assert (await client.get(f"{standin.url}/plain")).status_code == 200
        with pytest.raises(BlockedDestinationError):
            await client.get(f"{standin.url}/hop")


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


async def test_connect_errors_are_retried_then_raised() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        raise httpx.ConnectError("refused", request=request)

    async def no_sleep(seconds: float) -> None:
        return None

    transport = build_transport(
        NetConfig(retries=2), inner=httpx.MockTransport(handler), sleep=no_sleep
    )
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("http://example.test/")
    assert len(calls) == 3


@pytest.mark.parametrize("wide", ["0.0.0.0/0", "::/0", "169.254.0.0/16", "fd00::/8"])
@pytest.mark.parametrize(
    "metadata",
    [
        "169.254.169.254",
        "169.254.170.2",
        "100.100.100.200",
        "fd00:ec2::254",
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe",
    ],
)
def test_a_wide_allowlist_never_opens_cloud_metadata(wide: str, metadata: str) -> None:
    from hypewatch.net import build_policy

    policy = build_policy(NetConfig(allowlist=(wide,)))
    assert not policy.permits_address(metadata)


def test_only_an_exact_entry_opens_a_metadata_address_and_config_check_warns() -> None:
    from hypewatch.net import build_policy, opened_metadata

    policy = build_policy(NetConfig(allowlist=("169.254.169.254/32",)))
    assert policy.permits_address("169.254.169.254")
    assert not policy.permits_address("169.254.170.2")
    assert opened_metadata(["169.254.169.254", "0.0.0.0/0", "10.0.0.0/8"]) == ["169.254.169.254"]
    wide = build_policy(NetConfig(allowlist=("0.0.0.0/0",)))
    assert wide.permits_address("10.1.2.3") and wide.permits_address("8.8.8.8")


def test_policies_are_built_once_per_allowlist_and_never_shared_across_allowlists() -> None:
    from hypewatch.net import build_policy, tls_context

    base = NetConfig(allowlist=("10.0.0.0/8",))
    # a retry or timeout setting does not change what may be reached: same policy object
    assert build_policy(base) is build_policy(base.with_(retries=0, read_timeout=1.0))
    private = build_policy(base.with_(allow_private=True))
    assert private is not build_policy(base)
    assert private.permits_address("127.0.0.1")
    assert not build_policy(base).permits_address("127.0.0.1")
    assert not build_policy(NetConfig()).permits_address("10.1.2.3")
    assert tls_context() is tls_context()
