"""Header validation, dtype decoding and Range discipline, against hostile files too."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors.numpy import save

from hypewatch.net import NetConfig, async_client, origin_of
from hypewatch.standins import hub_models as hm
from hypewatch.standins.hub import HubRepo, hub_standin
from hypewatch.verifiers.weights.safetensors_range import (
    MAX_HEADER_BYTES,
    HeaderError,
    RangeError,
    RangeReader,
    decode,
    parse_header,
    plan_samples,
    read_header,
    read_sample,
)
from tests.weights.conftest import SHAPE, World


def raw_file(header: bytes, buffer: bytes = b"", length: int | None = None) -> bytes:
    return struct.pack("<Q", len(header) if length is None else length) + header + buffer


def header_json(entries: dict[str, object]) -> bytes:
    return json.dumps(entries).encode()


def f32(offsets: list[int], shape: list[int]) -> dict[str, object]:
    return {"dtype": "F32", "shape": shape, "data_offsets": offsets}


HOSTILE = {
    "zero-length": (raw_file(b"{}", length=0), "length is 0"),
    "max-u64": (raw_file(b"{}" + b" " * 64, length=2**64 - 1), "exceeds the cap"),
    "over-cap": (raw_file(b"{}" + b" " * 64, length=MAX_HEADER_BYTES + 1), "exceeds the cap"),
    "past-eof": (raw_file(b"{}", length=4096), "past the end"),
    "not-json": (raw_file(b"this is not json at all!"), "not JSON"),
    "array": (raw_file(b"[1, 2, 3]"), "not a JSON object"),
    "overlap": (
        raw_file(header_json({"a": f32([0, 16], [4]), "b": f32([8, 24], [4])}), bytes(24)),
        "overlaps",
    ),
    "gap": (
        raw_file(header_json({"a": f32([0, 16], [4]), "b": f32([20, 36], [4])}), bytes(36)),
        "gap",
    ),
    "duplicate": (
        raw_file(
            b'{"a": '
            + header_json(f32([0, 16], [4]))
            + b', "a": '
            + header_json(f32([0, 16], [4]))
            + b"}",
            bytes(16),
        ),
        "twice",
    ),
    "shape-overflow": (
        raw_file(header_json({"a": f32([0, 16], [2**40, 2**40])}), bytes(16)),
        "shape",
    ),
    "offsets-out-of-range": (
        raw_file(header_json({"a": f32([0, 16], [4])}), bytes(8)),
        "buffer",
    ),
    "bad-dtype": (
        raw_file(header_json({"a": {"dtype": "Q7", "shape": [4], "data_offsets": [0, 16]}})),
        "unknown dtype",
    ),
    # limits below the memory a parse would take (hypewatch.jsonlimits, docs/network.md)
    "nested-one-too-many": (
        raw_file(header_json({"a": f32([0, 16], [[4]])}), bytes(16)),  # type: ignore[list-item]
        "deeper than 3",
    ),
    "huge-integer": (
        raw_file(b'{"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, %s]}}' % (b"1" * 5000)),
        "longer than 20 digits",
    ),
    "object-dense": (
        raw_file(b"{" + b",".join(b'"%07d":{}' % i for i in range(100_000)) + b"}"),
        "objects in",
    ),
}


def test_a_deeply_nested_header_is_refused_not_a_recursion_error() -> None:
    raw = b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(HeaderError, match="deeper than 3 levels"):
        parse_header(raw, "model.safetensors", 8 + len(raw))


@pytest.mark.parametrize("case", sorted(HOSTILE))
async def test_hostile_headers_are_refused_with_a_reason(world: World, case: str) -> None:
    blob, reason = HOSTILE[case]
    files = hm.repo_files(world.tensors["finetune"], SHAPE)
    files["model.safetensors"] = blob
    world.add(f"evil/{case}", files, base_model="meta/base")
    report = await world.check(f"evil/{case}")
    note = report.evidence["not_inspected"]["model.safetensors"]
    assert note.startswith("invalid header")
    assert reason in note
    assert report.label == "inconclusive"
    assert report.evidence["tensors_in_repo"] == 0


async def test_a_200_reply_to_a_range_request_is_refused_unread(world: World) -> None:
    world.add(
        "evil/no-ranges",
        hm.repo_files(world.tensors["finetune"], SHAPE),
        base_model="meta/base",
        ignore_range=True,
    )
    report = await world.check("evil/no-ranges")
    note = report.evidence["not_inspected"]["model.safetensors"]
    assert "200" in note
    assert "206" in note
    assert report.label == "inconclusive"
    assert report.bytes_fetched < report.total_weight_bytes / 10


async def test_headers_and_samples_match_the_safetensors_library() -> None:
    rng = np.random.default_rng(5)
    tensors = {
        "w": rng.standard_normal((37, 53)).astype(np.float32),
        "v": rng.standard_normal((8, 3, 5)).astype(np.float16),
        "n": np.arange(7, dtype=np.float32),
    }
    blob = save(tensors)
    with hub_standin([HubRepo("lib/file", {"model.safetensors": blob})]) as hub:
        url = f"{hub.url}/lib/file/resolve/main/model.safetensors"
        net = NetConfig(trusted_origins=(origin_of(hub.url),))
        async with async_client(net) as client:
            reader = RangeReader(client, 1_000_000)
            header = await read_header(reader, url, "model.safetensors", len(blob))
            assert header.tensors["v"].shape == (8, 3, 5)
            assert header.tensors["v"].dtype == "F16"
            for name in ("w", "v"):
                info = header.tensors[name]
                plan = plan_samples(info.shape, 64, 4, rng)
                got = await read_sample(reader, url, info, plan, len(blob))
                matrix = tensors[name].reshape(info.shape[0], -1).astype(np.float32)
                cols = slice(plan.col_start, plan.col_start + plan.width)
                np.testing.assert_array_equal(got, matrix[list(plan.rows), cols])
    assert reader.requests == 1 + 4 + 4  # the header (the whole tiny file), then one per row


async def test_range_reader_requires_the_exact_range() -> None:
    with hub_standin([HubRepo("lib/tiny", {"model.safetensors": bytes(range(100))})]) as hub:
        url = f"{hub.url}/lib/tiny/resolve/main/model.safetensors"
        async with async_client(NetConfig(trusted_origins=(origin_of(hub.url),))) as client:
            reader = RangeReader(client, 10_000)
            assert await reader.read(url, 10, 5, file_size=100) == bytes(range(10, 15))
            with pytest.raises(RangeError, match="sent 90-99"):
                await reader.read(url, 90, 20)  # the server clamps to the file's end
            with pytest.raises(RangeError, match="metadata says 50"):
                await reader.read(url, 0, 4, file_size=50)


def test_decode_bf16_f16_f32() -> None:
    values = np.array([0.0, 1.0, -2.5, 3.140625, 1e-3, -65504.0], dtype=np.float32)
    bf16 = decode(hm.encode(values, "BF16"), "BF16")
    np.testing.assert_allclose(bf16, values, rtol=2**-8)
    assert bf16[2] == -2.5
    assert bf16[3] == 3.140625
    np.testing.assert_array_equal(decode(hm.encode(values, "F32"), "F32"), values)
    np.testing.assert_allclose(decode(hm.encode(values, "F16"), "F16"), values, rtol=1e-3)


def test_generated_files_parse_and_cover_the_buffer() -> None:
    tensors = hm.llama_like(hm.Shape(layers=1, hidden=8, intermediate=16, vocab=32), seed=0)
    for dtype in ("F32", "BF16", "F16"):
        blob = hm.safetensors_bytes(tensors, dtype)
        length = struct.unpack("<Q", blob[:8])[0]
        header = parse_header(blob[8 : 8 + length], "m", len(blob))
        assert set(header.tensors) == set(tensors)
        assert header.metadata == {"format": "pt"}


@settings(max_examples=300, deadline=None)
@given(position=st.integers(min_value=0), byte=st.integers(0, 255))
def test_corrupted_headers_raise_header_error_or_parse(position: int, byte: int) -> None:
    blob = bytearray(hm.safetensors_bytes({"a": np.ones((3, 4), np.float32), "b": np.zeros(5)}))
    length = struct.unpack("<Q", blob[:8])[0]
    blob[8 + position % length] = byte
    try:
        header = parse_header(bytes(blob[8 : 8 + length]), "m", len(blob))
    except HeaderError:
        return
    end = max(t.end for t in header.tensors.values())
    assert end == len(blob)
