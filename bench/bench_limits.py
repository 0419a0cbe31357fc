"""Memory and time of reading large or hostile JSON: without limits (plain `json.loads`,
the safetensors header parsed under the old 100 MB cap) and with them (`hypewatch.jsonlimits`,
the 16 MB header cap, the 4 MB chat-reply cap).

The inputs are written to a temporary directory first; each case runs in a fresh
interpreter that reads its input as bytes, so its peak resident memory (`ru_maxrss`) over
the resident size just before the case is the case's own. `tracemalloc`'s peak of Python
allocations is given next to it.

    python bench/bench_limits.py [--mb 40]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CASE = r"""
import json, resource, sys, time, tracemalloc
sys.path.insert(0, ROOT)
from hypewatch import jsonlimits, openai_api
from hypewatch.verifiers.weights import safetensors_range as st

name, path, buffer = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(path, "rb").read()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
error = ""
tracemalloc.start()
started = time.perf_counter()
try:
    if name == "json.loads":
        json.loads(data)
    elif name == "jsonlimits.check":
        jsonlimits.check(data, what="the reply")
    elif name == "jsonlimits.loads":
        jsonlimits.loads(data, what="the reply")
    elif name == "chat reply (4 MB cap)":
        jsonlimits.loads(data, what="the reply", max_bytes=openai_api.MAX_REPLY_BYTES)
    elif name == "header, old 100 MB cap":
        st.MAX_HEADER_BYTES = 100_000_000
        st.MAX_HEADER_DEPTH = st.MAX_HEADER_INT_DIGITS = 10**6
        st.MIN_BYTES_PER_OBJECT = 1
        st.parse_header(data, "model.safetensors", 8 + len(data) + buffer)
    else:
        st.parse_header(data, "model.safetensors", 8 + len(data) + buffer)
except Exception as caught:
    error = f"{type(caught).__name__}: {str(caught)[:70]}"
seconds = time.perf_counter() - started
traced = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": round(seconds, 2), "rss_mb": round((peak - base) / 1024),
                  "traced_mb": round(traced / 1e6), "error": error}))
"""


def listing(mb: float) -> bytes:
    """A Hub-listing-like reply: many small objects."""
    item = {
        "id": "org/model-00000",
        "downloads": 123456,
        "likes": 12,
        "trendingScore": 1.5,
        "tags": ["transformers", "safetensors", "llama", "text-generation"],
        "createdAt": "2024-09-05T00:00:00.000Z",
        "pipeline_tag": "text-generation",
    }
    count = int(mb * 1e6 / (len(json.dumps(item)) + 2))
    return json.dumps([dict(item, id=f"org/model-{i:06d}") for i in range(count)]).encode()


def header(mb: float) -> tuple[bytes, int]:
    """A valid safetensors header (one tensor per ~110 bytes) and its buffer's length."""
    entries: dict[str, object] = {}
    offset = 0
    while len(entries) * 110 < mb * 1e6:
        i = len(entries)
        entries[f"model.layers.{i // 7}.mlp.experts.{i % 7}.weight"] = {
            "dtype": "BF16",
            "shape": [2, 2],
            "data_offsets": [offset, offset + 8],
        }
        offset += 8
    return json.dumps(entries).encode(), offset


def hostile_header(mb: float) -> bytes:
    """The most objects per byte a header can hold within three levels."""
    count = int(mb * 1e6 / 14)
    return ("{" + ",".join(f'"{i:08d}":{{}}' for i in range(count)) + "}").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=40.0, help="size of the JSON reply cases")
    args = parser.parse_args()
    machine = platform.processor() or platform.machine()
    print(f"# {machine}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print("| input | MB | reader | seconds | peak RSS over base, MB | traced peak, MB | outcome |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        valid30, buffer30 = header(30)
        valid15, buffer15 = header(15.5)
        inputs = {
            "Hub-like listing": (listing(args.mb), 0),
            "nested 20M deep": (b"[" * 20_000_000 + b"]" * 20_000_000, 0),
            "header, 30 MB valid": (valid30, buffer30),
            "header, 15.5 MB valid": (valid15, buffer15),
            "header, 15.5 MB hostile": (hostile_header(15.5), 0),
        }
        cases = [
            ("Hub-like listing", "json.loads"),
            ("Hub-like listing", "jsonlimits.check"),
            ("Hub-like listing", "jsonlimits.loads"),
            ("Hub-like listing", "chat reply (4 MB cap)"),
            ("nested 20M deep", "json.loads"),
            ("nested 20M deep", "jsonlimits.loads"),
            ("header, 30 MB valid", "header, old 100 MB cap"),
            ("header, 30 MB valid", "header, 16 MB cap"),
            ("header, 15.5 MB valid", "header, 16 MB cap"),
            ("header, 15.5 MB hostile", "header, old 100 MB cap"),
            ("header, 15.5 MB hostile", "header, 16 MB cap"),
        ]
        for label, (data, _) in inputs.items():
            (folder / label).write_bytes(data)
        inputs.clear()
        for label, reader in cases:
            path = folder / label
            buffers = {"header, 30 MB valid": buffer30, "header, 15.5 MB valid": buffer15}
            buffer = buffers.get(label, 0)
            script = CASE.replace("ROOT", repr(str(ROOT)))
            done = subprocess.run(
                [sys.executable, "-c", script, reader, str(path), str(buffer)],
                capture_output=True,
                text=True,
                check=True,
            )
            row = json.loads(done.stdout.strip().splitlines()[-1])
            size = path.stat().st_size / 1e6
            print(
                f"| {label} | {size:.1f} | {reader} | {row['seconds']} | {row['rss_mb']} | "
                f"{row['traced_mb']} | {row['error'] or 'read'} |"
            )


if __name__ == "__main__":
    main()
