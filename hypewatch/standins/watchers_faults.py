"""Helpers shared by the watcher stand-ins (X, Reddit).

- `Fault`, `take_fault`: scripted misbehaviour, re-exported from hypewatch.standins.http.
- `dump_json`: JSON encoding where a `bytes` value is written raw inside its
  quotes, so a stand-in can send invalid UTF-8 the way a broken server does.
"""

from __future__ import annotations

import json
from typing import Any

from hypewatch.standins.http import Fault, take_fault

__all__ = ["Fault", "dump_json", "take_fault"]


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
