"""Bytes, requests and seconds of a weights check with candidate discovery (50 MB and 1 GB).

The Hub stand-in on 127.0.0.1 serves, under the names the shipped family
registry knows, a generated base (`meta-llama/Meta-Llama-3-8B`, BF16), its
continued pre-training (`meta-llama/Llama-3.1-8B`, BF16), a smaller decoy of
the same family (`meta-llama/Llama-3.2-1B`) and a fine-tune of the base (F32)
whose card claims the sibling. The check runs twice with the default
settings: with discovery (model tree, family listing, registry: the verdict
must be `inconsistent`, naming the base) and without (only the claim:
`consistent`, the blind spot discovery closes). Files are written into a
temporary directory first and loaded from there; nothing is committed.

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
from hypewatch.standins.http import Standin
from hypewatch.standins.hub import HubRepo, hub_standin
from hypewatch.verifiers.weights.hub import HubClient
from hypewatch.verifiers.weights.provenance import check_weights
from hypewatch.verifiers.weights.verifier import discovery_from, options_from

SIZES = {
    "50mb": hm.Shape(layers=4, hidden=512, intermediate=1024, vocab=2048),
    "1gb": hm.Shape(layers=4, hidden=2048, intermediate=5632, vocab=8192),
}
BASE, CLAIMED, DECOY = (
    "meta-llama/Meta-Llama-3-8B",
    "meta-llama/Llama-3.1-8B",
    "meta-llama/Llama-3.2-1B",
)
TUNED = "bench/tuned"


def _write(directory: Path, name: str, files: dict[str, bytes]) -> None:
    for path, data in files.items():
        target = directory / name / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def generate(shape: hm.Shape, directory: Path) -> dict[str, HubRepo]:
    """Write the four repos into `directory` one at a time, then load them for the stand-in."""
    base = hm.llama_like(shape, seed=1)
    _write(directory, BASE, hm.repo_files(base, shape, dtype="BF16"))
    _write(
        directory,
        TUNED,
        hm.repo_files(
            hm.low_rank_finetune(base, 16, 0.05, seed=2), shape, card={"base_model": CLAIMED}
        ),
    )
    _write(
        directory,
        CLAIMED,
        hm.repo_files(hm.continued_pretraining(base, 0.35, seed=3), shape, dtype="BF16"),
    )
    del base
    small = hm.Shape(shape.layers, shape.hidden // 2, shape.intermediate // 2, shape.vocab)
    _write(directory, DECOY, hm.repo_files(hm.llama_like(small, seed=4), small, dtype="BF16"))
    repos: dict[str, HubRepo] = {}
    for name in (BASE, CLAIMED, DECOY, TUNED):
        root = directory / name
        repos[name] = HubRepo(name, {p.name: p.read_bytes() for p in root.iterdir()})
    return repos


async def run_one(hub: Standin, discover: bool) -> dict[str, object]:
    settings = Settings()
    config = settings.verifiers.weights
    net = NetConfig(trusted_origins=(origin_of(hub.url),))
    before = len(hub.requests)
    async with async_client(net) as client:
        started = time.perf_counter()
        report = await check_weights(
            HubClient(hub.url),
            client,
            TUNED,
            options=options_from(config),
            discovery=discovery_from(config) if discover else None,
        )
        seconds = time.perf_counter() - started
    found = report.evidence["discovery"]
    return {
        "verdict": report.label,
        "closest": report.closest_base,
        "scope": report.scope,
        "bytes_fetched": report.bytes_fetched,
        "total_weight_bytes": report.total_weight_bytes,
        "share": report.bytes_fetched / report.total_weight_bytes,
        "requests": report.requests,
        "api_requests": report.api_requests,
        "served": len(hub.requests) - before,
        "considered": len(found),
        "compared": report.evidence["closest_of"],
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
                for discover in (True, False):
                    r = asyncio.run(run_one(hub, discover))
                    print(
                        f"{size} discovery={'on' if discover else 'off'}: {r['verdict']} "
                        f"(closest {r['closest']}; {r['scope']}); read {r['bytes_fetched']:,} "
                        f"of {r['total_weight_bytes']:,} bytes ({100 * r['share']:.3f}%), "
                        f"{r['requests']} file requests + {r['api_requests']} API requests "
                        f"({r['served']} served), {r['considered']} candidates considered, "
                        f"{r['compared']} compared, {r['seconds']:.2f} s (generation {made:.1f} s)"
                    )


if __name__ == "__main__":
    main()
