"""Helpers shared by the watcher stand-ins (X, Reddit, Hub listing).

- `Fault`: a scripted misbehaviour (status, headers, body, delay) served
  instead of the real answer to the next `times` requests whose path starts
  with `path` (and contains `contains`). Stand-ins call `take_fault(handler)` first in every route.
- `dump_json`: JSON encoding where a `bytes` value is written raw inside its
  quotes, so a stand-in can send invalid UTF-8 the way a broken server does.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from tests.standins.http import StandinHandler


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


_MARK = "\u0001RAW{}\u0001"


def dump_json(document: Any) -> bytes:
    """`json.dumps(document)` as bytes, with every `bytes` value inserted raw."""
    raws: list[bytes] = []

    def default(value: Any) -> Any:
        if isinstance(value, bytes):
            raws.append(value)
            return _MARK.format(len(raws) - 1)
        raise TypeError(f"not JSON serialisable: {type(value).__name__}")

    text = json.dumps(document, default=default, ensure_ascii=True)
    out = text.encode()
    for i, raw in enumerate(raws):
        marker = json.dumps(_MARK.format(i))[1:-1].encode()
        out = out.replace(marker, raw)
    return out
