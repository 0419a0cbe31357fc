"""Safetensors headers and tensor samples, read with HTTP Range requests.

A safetensors file is an 8-byte little-endian header length N, N bytes of
JSON (`dtype`, `shape`, `data_offsets` relative to the buffer at 8+N, an
optional `__metadata__` of strings), then the buffer. The safetensors crate
validates whole files only, so every header read here is validated before
one offset in it is trusted. Nothing is ever unpickled; whole files are never
downloaded: every read is a Range request that must come back 206 with the
exact range asked for.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np
import numpy.typing as npt

from hypewatch import jsonlimits
from hypewatch.net import NetError

#: The cap on a header's length. The safetensors crate allows 100 MB and huggingface_hub
#: 25 MB, but parsed JSON takes 8-20x its size in memory (a 30 MB header peaked at ~550 MB):
#: 16 MB holds ~130,000 tensors in one file (real shards hold hundreds to a few thousand)
#: and bounds the peak (docs/network.md, bench/bench_limits.py).
MAX_HEADER_BYTES = 16_000_000
#: A header is {name: {dtype, shape: [..], data_offsets: [..]}} plus `__metadata__`
#: {str: str}: three levels; offsets and sizes fit in 20 digits (2**64).
MAX_HEADER_DEPTH = 3
MAX_HEADER_INT_DIGITS = 20
#: A tensor entry takes at least ~49 bytes of JSON (`"a":{"dtype":"U8","shape":[],
#: "data_offsets":[0,0]},`): a large header with more objects than that allows is built
#: to cost memory (a million `{}` parse into a million dicts), and is refused unparsed.
MIN_BYTES_PER_OBJECT = 45
LARGE_HEADER_BYTES = 1_000_000
#: The first read of a file: the length prefix and, usually, the whole header.
HEADER_PREFETCH = 16_384

DTYPE_SIZES: dict[str, int] = {
    "BOOL": 1,
    "U8": 1,
    "I8": 1,
    "F8_E5M2": 1,
    "F8_E4M3": 1,
    "I16": 2,
    "U16": 2,
    "F16": 2,
    "BF16": 2,
    "I32": 4,
    "U32": 4,
    "F32": 4,
    "I64": 8,
    "U64": 8,
    "F64": 8,
}
#: Dtypes whose samples are decoded and compared.
FLOAT_DTYPES = frozenset({"F32", "F16", "BF16", "F64"})

FloatArray = npt.NDArray[np.float32]
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


class HeaderError(ValueError):
    """A safetensors header is malformed or hostile; nothing in it is used."""


class RangeError(NetError):
    """A Range request was not answered with exactly the bytes asked for."""


class BudgetExceededError(Exception):
    """A read would take the check over its byte budget."""


@dataclass(frozen=True)
class TensorInfo:
    """One tensor of a validated header; `begin`/`end` are absolute file offsets."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    begin: int
    end: int

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    @property
    def itemsize(self) -> int:
        return DTYPE_SIZES[self.dtype]


@dataclass(frozen=True)
class SafetensorsHeader:
    file: str
    file_size: int
    header_len: int
    tensors: dict[str, TensorInfo]
    metadata: dict[str, str]


def header_length(prefix: bytes, file_size: int, cap: int = MAX_HEADER_BYTES) -> int:
    """The declared header length, checked against the file and the cap."""
    if file_size < 8 or len(prefix) < 8:
        raise HeaderError(f"file is {file_size} bytes, too short for a safetensors header")
    length = int.from_bytes(prefix[:8], "little")
    if length == 0:
        raise HeaderError("declared header length is 0")
    if length > cap:
        raise HeaderError(f"declared header length {length} exceeds the cap of {cap} bytes")
    if 8 + length > file_size:
        raise HeaderError(f"declared header length {length} runs past the end of the file")
    return length


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise HeaderError(f"header names {key!r} twice")
        seen[key] = value
    return seen


def _tensor(name: str, entry: Any, base: int) -> TensorInfo:
    if not isinstance(entry, dict) or not {"dtype", "shape", "data_offsets"} <= set(entry):
        raise HeaderError(f"tensor {name!r}: expected an object with dtype, shape, data_offsets")
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if dtype not in DTYPE_SIZES:
        raise HeaderError(f"tensor {name!r}: unknown dtype {str(dtype)[:20]!r}")
    if not isinstance(shape, list) or not all(type(d) is int and 0 <= d < 2**62 for d in shape):
        raise HeaderError(f"tensor {name!r}: shape must be a list of non-negative integers")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(type(o) is int and o >= 0 for o in offsets)
        or offsets[0] > offsets[1]
    ):
        raise HeaderError(f"tensor {name!r}: data_offsets must be [begin, end] with begin <= end")
    nbytes = math.prod(shape) * DTYPE_SIZES[dtype]  # Python integers: no overflow
    if nbytes != offsets[1] - offsets[0]:
        raise HeaderError(
            f"tensor {name!r}: shape {shape} x {dtype} is {nbytes} bytes "
            f"but data_offsets span {offsets[1] - offsets[0]}"
        )
    return TensorInfo(name, dtype, tuple(shape), base + offsets[0], base + offsets[1])


def parse_header(raw: bytes, file: str, file_size: int) -> SafetensorsHeader:
    """Validate header JSON `raw` (without the length prefix) of a file of `file_size` bytes.

    Checks: a JSON object without duplicate keys, known dtypes, shape x dtype
    equal to the byte span, offsets inside the buffer, tensors contiguous
    (no gap, no overlap) and covering the buffer exactly, as the crate does.
    """
    header_len = len(raw)
    objects = raw.count(b"{")
    if header_len > LARGE_HEADER_BYTES and objects > header_len // MIN_BYTES_PER_OBJECT:
        raise HeaderError(
            f"header refused: {objects:,} objects in {header_len:,} bytes is more than a "
            "safetensors header can hold (one per tensor)"
        )
    try:
        document = jsonlimits.loads(
            raw,
            what="the safetensors header",
            max_bytes=MAX_HEADER_BYTES,
            max_depth=MAX_HEADER_DEPTH,
            max_int_digits=MAX_HEADER_INT_DIGITS,
            object_pairs_hook=_no_duplicates,
        )
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HeaderError(f"header is not JSON: {error}") from None
    except jsonlimits.JsonLimitError as error:
        raise HeaderError(f"header refused: {error}") from None
    if not isinstance(document, dict):
        raise HeaderError("header is not a JSON object")
    metadata = document.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise HeaderError("__metadata__ must map strings to strings")
    base = 8 + header_len
    buffer_len = file_size - base
    tensors = {name: _tensor(name, entry, base) for name, entry in document.items()}
    position = base
    for info in sorted(tensors.values(), key=lambda t: (t.begin, t.end)):
        if info.begin != position:
            problem = "overlaps the previous one" if info.begin < position else "leaves a gap"
            raise HeaderError(f"tensor {info.name!r} {problem} (offset {info.begin - base})")
        position = info.end
    if position != file_size:
        raise HeaderError(
            f"tensors cover {position - base} bytes but the buffer is {buffer_len} bytes"
        )
    return SafetensorsHeader(file, file_size, header_len, tensors, dict(metadata))


def decode(data: bytes, dtype: str) -> FloatArray:
    """Little-endian samples -> float32. numpy has no bfloat16: its bits are the top half of
    a float32, so shift them into place."""
    if dtype == "F32":
        return np.frombuffer(data, dtype="<f4").astype(np.float32)
    if dtype == "F16":
        return np.frombuffer(data, dtype="<f2").astype(np.float32)
    if dtype == "BF16":
        bits = np.frombuffer(data, dtype="<u2").astype(np.uint32) << 16
        return bits.view(np.float32)
    if dtype == "F64":
        return np.frombuffer(data, dtype="<f8").astype(np.float32)
    raise ValueError(f"dtype {dtype} is not a float type this reader compares")


class RangeReader:
    """Ranged GETs through a guarded client, counted against a byte budget."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        budget: int,
        *,
        concurrency: int = 8,
        auth_headers: dict[str, str] | None = None,
        auth_origin: str = "",
    ) -> None:
        self._client = client
        self.budget = budget
        self.bytes_fetched = 0
        self.requests = 0
        self._reserved = 0
        self._gate = asyncio.Semaphore(concurrency)
        self._auth = auth_headers or {}
        self._auth_origin = auth_origin

    @property
    def remaining(self) -> int:
        return self.budget - self.bytes_fetched - self._reserved

    async def read(
        self, url: str, start: int, length: int, *, file_size: int | None = None
    ) -> bytes:
        """Bytes `[start, start+length)` of `url`; a reply other than that exact 206 is an error."""
        if length <= 0:
            return b""
        if length > self.remaining:
            raise BudgetExceededError(
                f"reading {length} bytes would exceed the byte budget of {self.budget} "
                f"({self.bytes_fetched} already read)"
            )
        self._reserved += length
        try:
            async with self._gate:
                return await self._fetch(url, start, length, file_size)
        finally:
            self._reserved -= length

    async def _fetch(self, url: str, start: int, length: int, file_size: int | None) -> bytes:
        headers = {"Range": f"bytes={start}-{start + length - 1}"}
        if self._auth and url.startswith(self._auth_origin):
            headers.update(self._auth)
        self.requests += 1
        async with self._client.stream("GET", url, headers=headers) as response:
            if response.status_code != 206:
                raise RangeError(
                    f"range request for {_short(url)} was answered {response.status_code}, "
                    "not 206; refusing to read a whole file"
                )
            _check_content_range(
                response.headers.get("content-range", ""), start, length, file_size
            )
            chunks: list[bytes] = []
            received = 0
            async for chunk in response.aiter_raw():
                received += len(chunk)
                self.bytes_fetched += len(chunk)
                if received > length:
                    raise RangeError(f"{_short(url)} sent more than the {length} bytes asked for")
                chunks.append(chunk)
        data = b"".join(chunks)
        if len(data) != length:
            raise RangeError(f"{_short(url)} sent {len(data)} bytes for a {length}-byte range")
        return data


def _short(url: str) -> str:
    return url.split("?", 1)[0][:200]


def _check_content_range(value: str, start: int, length: int, file_size: int | None) -> None:
    match = _CONTENT_RANGE.match(value.strip())
    if match is None:
        raise RangeError(f"206 reply without a valid Content-Range (got {value[:80]!r})")
    first, last, total = int(match[1]), int(match[2]), match[3]
    if first != start or last != start + length - 1:
        raise RangeError(
            f"asked for bytes {start}-{start + length - 1}, the server sent {first}-{last}"
        )
    if file_size is not None and total != "*" and int(total) != file_size:
        raise RangeError(
            f"the file is {total} bytes on the server but the Hub metadata says {file_size}; "
            "it may have changed during the check"
        )


async def read_header(
    reader: RangeReader, url: str, file: str, file_size: int
) -> SafetensorsHeader:
    """Read and validate the header of one safetensors file (one or two Range requests)."""
    if file_size < 8:
        raise HeaderError(f"file is {file_size} bytes, too short for a safetensors header")
    prefix = await reader.read(url, 0, min(file_size, HEADER_PREFETCH), file_size=file_size)
    length = header_length(prefix, file_size)
    if 8 + length <= len(prefix):
        raw = prefix[8 : 8 + length]
    else:
        rest = await reader.read(url, len(prefix), 8 + length - len(prefix), file_size=file_size)
        raw = prefix[8:] + rest
    return parse_header(raw, file, file_size)


@dataclass(frozen=True)
class SamplePlan:
    """Which elements of a tensor to read: `width` consecutive elements starting at column
    `col_start` of each of `rows` (the tensor viewed as rows x columns)."""

    rows: tuple[int, ...]
    col_start: int
    width: int

    def elements(self) -> int:
        return len(self.rows) * self.width


def as_matrix(shape: tuple[int, ...]) -> tuple[int, int]:
    return shape[0], math.prod(shape[1:])


def plan_samples(
    shape: tuple[int, ...], samples: int, max_rows: int, rng: np.random.Generator
) -> SamplePlan:
    """Strided rows (a random phase, then evenly spaced) and one random column window."""
    n_rows, n_cols = as_matrix(shape)
    count = max(1, min(n_rows, max_rows))
    width = max(1, min(n_cols, samples // count))
    stride = n_rows / count
    phase = float(rng.uniform(0, stride))
    rows = tuple(sorted({min(n_rows - 1, int(phase + i * stride)) for i in range(count)}))
    col_start = int(rng.integers(0, n_cols - width + 1))
    return SamplePlan(rows, col_start, width)


async def read_sample(
    reader: RangeReader, url: str, tensor: TensorInfo, plan: SamplePlan, file_size: int
) -> FloatArray:
    """The planned elements of `tensor` as float32, shape (rows, width): one request a row."""
    _, n_cols = as_matrix(tensor.shape)
    size = tensor.itemsize
    starts = [tensor.begin + (row * n_cols + plan.col_start) * size for row in plan.rows]
    parts = await asyncio.gather(
        *(reader.read(url, s, plan.width * size, file_size=file_size) for s in starts)
    )
    return np.stack([decode(p, tensor.dtype) for p in parts])
