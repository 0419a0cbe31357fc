"""Bytes read and seconds of a weights check on generated models (50 MB and 1 GB).

A fine-tune (F32) of a generated base (BF16) whose card claims the base is
written into a temporary directory, served by the Hub stand-in on 127.0.0.1,
and checked with the default settings. Nothing is committed.

    python bench/bench_weights.py [--sizes 50mb,1gb]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from hypewatch.config import Settings
from hypewatch.net import NetConfig, async_client, origin_of
from hypewatch.standins import hub_models as hm
from hypewatch.standins.hub import HubRepo, hub_standin
from hypewatch.verifiers.weights.hub import HubClient
from hypewatch.verifiers.weights.provenance import check_weights
from hypewatch.verifiers.weights.verifier import options_from

SIZES = {
    "50mb": hm.Shape(layers=4, hidden=512, intermediate=1024, vocab=2048),
    "1gb": hm.Shape(layers=4, hidden=2048, intermediate=5632, vocab=8192),
}


def generate(shape: hm.Shape, directory: Path) -> dict[str, HubRepo]:
    """Write base and fine-tune files into `directory`, then load them for the stand-in."""
    base = hm.llama_like(shape, seed=1)
    for name, files in (
        ("bench/base", hm.repo_files(base, shape, dtype="BF16")),
        (
            "bench/tuned",
            hm.repo_files(
                hm.low_rank_finetune(base, 16, 0.05, seed=2),
                shape,
                card={"base_model": "bench/base"},
            ),
        ),
    ):
        for path, data in files.items():
            target = directory / name / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        del files
    repos: dict[str, HubRepo] = {}
    for name in ("bench/base", "bench/tuned"):
        root = directory / name
        repos[name] = HubRepo(name, {p.name: p.read_bytes() for p in root.iterdir()})
    return repos


async def run_one(url: str) -> dict[str, object]:
    settings = Settings()
    net = NetConfig(trusted_origins=(origin_of(url),))
    async with async_client(net) as client:
        started = time.perf_counter()
        report = await check_weights(
            HubClient(url), client, "bench/tuned", options=options_from(settings.verifiers.weights)
        )
        seconds = time.perf_counter() - started
    return {
        "verdict": report.label,
        "bytes_fetched": report.bytes_fetched,
        "total_weight_bytes": report.total_weight_bytes,
        "share": report.bytes_fetched / report.total_weight_bytes,
        "requests": report.requests,
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="50mb,1gb")
    args = parser.parse_args()
    for size in args.sizes.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            repos = generate(SIZES[size], Path(tmp))
            made = time.perf_counter() - t0
            with hub_standin(repos.values()) as hub:
                result = asyncio.run(run_one(hub.url))
        print(
            f"{size}: verdict={result['verdict']} read {result['bytes_fetched']:,} of "
            f"{result['total_weight_bytes']:,} bytes ({100 * result['share']:.2f}%), "
            f"{result['requests']} requests, {result['seconds']:.2f} s "
            f"(generation {made:.1f} s)"
        )


if __name__ == "__main__":
    main()
