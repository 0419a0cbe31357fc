"""JSON from outside (a server's reply, a file), read with limits on size, depth and numbers.

Python's `json` has no limits of its own: a reply nested 100,000 deep raises
`RecursionError` (or, walked later by recursive code, crashes it), an integer of 5,000
digits raises a bare `ValueError` (CPython's int-conversion limit), and a 40 MB body is
parsed whole. Every body hypewatch parses itself goes through `loads`; bodies a library
parses (huggingface_hub, tweepy, praw) are checked with `check` in the transport first.

    document = jsonlimits.loads(response.content, what=f"the reply from {url}")

Both raise `JsonLimitError` (an `InputError`: exit 5, docs/cli.md) naming what was read and
which limit it broke; malformed JSON still raises `json.JSONDecodeError` as before.

The checks scan the bytes without parsing them: escapes are dropped (two `bytes.replace`),
quotes and brackets kept (one `bytes.translate`), string literals removed, and the running
depth stops at the first bracket past the limit; integers are found by a substring search
for a run of digits, confirmed outside strings by a regular expression only when one is
found. That costs less than the parse it protects (docs/benchmarks.md,
bench/bench_limits.py). A hand-written scan rather than a library: the fast parsers
(orjson, ujson) have a fixed depth limit of their own (orjson 1024) and no limit on
integer length.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from hypewatch.errors import InputError

__all__ = ["MAX_DEPTH", "MAX_INT_DIGITS", "JsonLimitError", "check", "loads"]

#: Deeper than any API reply hypewatch reads (the Hub's model-index is ~8 levels).
MAX_DEPTH = 64
#: Longer than any id, count or size a real API sends (a uint64 has 20 digits).
MAX_INT_DIGITS = 64

_STRING = re.compile(rb'"[^"]*"')  # once escapes are gone (see _unescaped)
_KEEP_BRACKETS = bytes(b for b in range(256) if b not in b'"[]{}')  # deleted by translate
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_DELTA = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class JsonLimitError(InputError):
    """JSON that breaks a limit (size, depth, integer length)."""


def _long_integer(digits: int) -> re.Pattern[bytes]:
    # an integer (maybe negative) not part of a fraction or an exponent
    return re.compile(rb"(?:^|[^0-9.eE+\-])-?[0-9]{%d}" % (digits + 1))


def _as_bytes(data: bytes | bytearray | str) -> bytes:
    return data.encode("utf-8", errors="surrogatepass") if isinstance(data, str) else bytes(data)


def _unescaped(raw: bytes) -> bytes:
    """`raw` without its backslash escapes: `\\` pairs first, then `\"`; what is left of
    every string literal is `"[^"]*"` (outside strings valid JSON has no backslash)."""
    return raw.replace(b"\\\\", b"").replace(b'\\"', b"") if b"\\" in raw else raw


def _deeper_than(text: bytes, limit: int) -> bool:
    """Whether the JSON structure of `text` (escapes removed) nests deeper than `limit`;
    stops at the first bracket past it, so a hostile reply costs a few bytes of scanning."""
    reduced = text.translate(None, _KEEP_BRACKETS)  # quotes and brackets only
    # strings with no bracket inside are now `""`: removing those pairs leaves no quote
    # unless some string held a bracket; only then the (slower) regular expression
    structure = reduced.replace(b'""', b"")
    if b'"' in structure:  # an unmatched quote left (malformed JSON) is dropped too
        structure = _STRING.sub(b"", reduced).replace(b'"', b"")
    return any(depth > limit for depth in accumulate(_DELTA[b] for b in structure))


def check(
    data: bytes | bytearray | str,
    *,
    what: str,
    max_bytes: int | None = None,
    max_depth: int = MAX_DEPTH,
    max_int_digits: int = MAX_INT_DIGITS,
) -> None:
    """Raise JsonLimitError when `data` is larger, deeper or has a longer integer than
    allowed. Does not check that it is valid JSON (`loads` does)."""
    raw = _as_bytes(data)
    if max_bytes is not None and len(raw) > max_bytes:
        raise JsonLimitError(
            f"{what} is {len(raw):,} bytes of JSON; the limit is {max_bytes:,}: refusing to read it"
        )
    text = _unescaped(raw)
    if text.count(b"[") + text.count(b"{") > max_depth and _deeper_than(text, max_depth):
        raise JsonLimitError(
            f"{what} is JSON nested deeper than {max_depth} levels, the limit: "
            "a malformed or hostile reply"
        )
    # a long run of digits anywhere (fast), then whether it is an integer outside a string
    if b"0" * (max_int_digits + 1) in text.translate(_DIGITS_AS_ZERO) and _long_integer(
        max_int_digits
    ).search(_STRING.sub(b'""', text)):
        raise JsonLimitError(
            f"{what} has an integer longer than {max_int_digits} digits: a malformed or "
            "hostile reply"
        )


def loads(
    data: bytes | bytearray | str,
    *,
    what: str,
    max_bytes: int | None = None,
    max_depth: int = MAX_DEPTH,
    max_int_digits: int = MAX_INT_DIGITS,
    **options: Any,
) -> Any:
    """`json.loads(data)` after `check`; `options` go to json.loads (object_pairs_hook...)."""
    check(data, what=what, max_bytes=max_bytes, max_depth=max_depth, max_int_digits=max_int_digits)
    try:
        return json.loads(data, **options)
    except RecursionError:  # a depth the scan let through cannot recurse this far: defensive
        raise JsonLimitError(f"{what} is JSON nested too deeply to read") from None
