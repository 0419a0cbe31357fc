"""The bot's Hub client: `network.retries` is what it retries, not huggingface_hub's own
five, and hostile JSON is a malformed reply, not a crash.

A server that accepts each connection and closes it at once (a Hub behind a dying proxy)
counts the connections: one request plus `retries` more, then the watcher reports the Hub
unreachable (kind `network`) instead of sleeping 1+2+4+8+8 s in the library's backoff.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from huggingface_hub import HfApi

from hypewatch.bot.watchers.base import poll_once
from hypewatch.bot.watchers.huggingface import HuggingFaceWatcher
from hypewatch.standins.http import Fault
from hypewatch.standins.hub import hub_standin
from hypewatch.storage import Store
from tests.watchers.conftest import NET, hub_watcher


class Hangup:
    """Accepts connections on 127.0.0.1 and closes each without a reply, counting them."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def hangup() -> Iterator[Hangup]:
    server = Hangup()
    yield server
    server.close()


@pytest.mark.parametrize("retries", [0, 2])
def test_the_hub_client_retries_as_configured(
    retries: int, hangup: Hangup, store: Store, hub_http: Any
) -> None:
    net = NET.with_(retries=retries, backoff_base=0.01)
    hub_http(hangup, net)
    watcher = HuggingFaceWatcher(HfApi(endpoint=hangup.url, token=False), trending=False)
    started = time.monotonic()
    report = poll_once(store, watcher)
    assert hangup.connections == retries + 1
    assert report.error_kind == "network"
    assert f"{retries + 1} attempt(s)" in report.error
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"[" * 20_000 + b"]" * 20_000, "deeper than 64 levels"),
        (b'[{"id": "a/b", "downloads": ' + b"1" * 5000 + b"}]", "longer than 64 digits"),
    ],
)
def test_hostile_hub_json_is_a_malformed_reply_not_a_crash(
    body: bytes, says: str, store: Store, hub_http: Any
) -> None:
    with hub_standin([]) as hub:
        hub.server.state["faults"].append(Fault(path="/api/models", status=200, body=body))
        hub_http(hub)
        report = poll_once(store, hub_watcher(hub))
    assert report.error_kind == "malformed"
    assert says in report.error
