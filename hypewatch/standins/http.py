"""A small threaded HTTP/1.1 server for stand-ins.

Subclass `StandinHandler`, implement `do_GET`/`do_POST`/..., and run it with
`serve(handler_class, **state)`; the handler sees shared state as
`self.server.state` and every request is logged to `self.server.requests`.
A `Fault` in `state["faults"]` is served instead of the next matching answer
by stand-ins that call `take_fault(handler)` first in every route.
Nagle is disabled: with keep-alive, Python's http.server otherwise stalls
~40 ms per request.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Standin:
    server: StandinServer
    thread: threading.Thread
    requests: list[Recorded] = field(default_factory=list)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])


class StandinServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512  # clients opening many connections at once must not wait
    state: dict[str, Any]
    requests: list[Recorded]
    lock: threading.Lock
    closing = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a timeout test, Ctrl-C in the demo) is not a stand-in bug:
        say nothing; nothing either once the server is closing. Anything else is printed."""
        error = sys.exc_info()[1]
        if self.closing or isinstance(error, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class StandinHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: StandinServer

    def log_message(self, format: str, *args: Any) -> None:
        return

    @property
    def state(self) -> dict[str, Any]:
        return self.server.state

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with self.server.lock:
            self.server.requests.append(
                Recorded(self.command, self.path, dict(self.headers.items()), body)
            )
        return body

    def send_bytes(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/octet-stream",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status: int, document: Any, headers: dict[str, str] | None = None) -> None:
        self.send_bytes(status, json.dumps(document).encode(), "application/json", headers)


@dataclass
class Fault:
    path: str = "/"
    status: int = 500
    body: bytes = b'{"error": "stand-in fault"}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    times: int = 1
    content_type: str = "application/json"
    #: Also required somewhere in the request path + query (e.g. "next_token=").
    contains: str = ""

    def matches(self, path: str) -> bool:
        return path.startswith(self.path) and self.contains in path


def take_fault(handler: StandinHandler) -> bool:
    """Serve the first matching scripted fault, if any; True when one was served."""
    faults: list[Fault] = handler.state.setdefault("faults", [])
    with handler.server.lock:
        fault = next((f for f in faults if f.matches(handler.path)), None)
        if fault is not None:
            fault.times -= 1
            if fault.times <= 0:
                faults.remove(fault)
    if fault is None:
        return False
    if fault.delay:
        time.sleep(fault.delay)
    # A client that gave up waiting (a timeout test) has closed the connection.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        handler.send_bytes(fault.status, fault.body, fault.content_type, fault.headers)
    return True


def drop_after_write(handler: StandinHandler, writer: str = "") -> bool:
    """`state["drop_writes_every"] = N`: every Nth write of each `writer` (a webhook, a bot
    token) this is called for is kept by the stand-in and its connection closed without an
    answer (a connection lost after the service stored the message). True when this one
    was dropped; `state["dropped"]` counts them per writer."""
    every = int(handler.state.get("drop_writes_every") or 0)
    if every <= 0:
        return False
    with handler.server.lock:
        seen = handler.state.setdefault("writes_seen", {})
        seen[writer] = seen.get(writer, 0) + 1
        if seen[writer] % every:
            return False
        dropped = handler.state.setdefault("dropped", {})
        dropped[writer] = dropped.get(writer, 0) + 1
    handler.close_connection = True
    with contextlib.suppress(OSError):
        handler.connection.shutdown(socket.SHUT_RDWR)
    return True


@contextmanager
def serve(handler: type[StandinHandler], *, port: int = 0, **state: Any) -> Iterator[Standin]:
    """Run `handler` on 127.0.0.1 (`port`, default a free one) for the duration of the block."""
    server = StandinServer(("127.0.0.1", port), handler)
    server.state = state
    server.requests = []
    server.lock = threading.Lock()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Standin(server, thread, server.requests)
    finally:
        server.closing = True
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
