"""Benchmark runner: items to verdict, throughput against a 50 ms / 32-slot stand-in,
time to a verdict including start-up. Results go to docs/benchmarks.md.

    python bench/bench_runner.py [--runs 2000] [--items 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypewatch.net import NetConfig, async_client  # noqa: E402
from hypewatch.verifiers.benchmark.client import ChatClient, bench_net_config  # noqa: E402
from hypewatch.verifiers.benchmark.runner import RunPlan, run_items  # noqa: E402
from hypewatch.verifiers.benchmark.stats import simulate  # noqa: E402
from hypewatch.verifiers.benchmark.tasks import load_task  # noqa: E402
from tests.benchmark.conftest import make_rows, write_task  # noqa: E402

CLAIM, TOLERANCE, LATENCY, SLOTS = 89.9, 2.0, 0.05, 32


def items_to_verdict(runs: int) -> None:
    print(f"items to a `failed` verdict, claim {CLAIM} (tolerance {TOLERANCE}), {runs} runs:")
    for over in (5.0, 10.0, 10.9, 20.0):
        truth = (CLAIM - over) / 100
        sim = simulate(
            truth,
            CLAIM / 100,
            TOLERANCE / 100,
            runs=runs,
            max_items=2000,
            rng=np.random.default_rng(int(over * 10)),
        )
        decided = sim.items[sim.failed]
        print(
            f"  overclaim {over:4.1f} pts (true {100 * truth:.1f}%): "
            f"failed {sim.failed.mean():.3f}, median {np.median(decided):.0f}, "
            f"p90 {np.percentile(decided, 90):.0f} items"
        )


def start_standin(task: Path, p_correct: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hypewatch.standins.openai_bench_aio",
            str(task),
            "--latency",
            str(LATENCY),
            "--slots",
            str(SLOTS),
            "--p-correct",
            str(p_correct),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


async def throughput(task: Path, url: str, count: int) -> None:
    items = load_task(task)
    net = bench_net_config(NetConfig(allow_private=True))
    async with async_client(net) as http:
        client = ChatClient(http, url + "/v1", "stand-in-model", concurrency=SLOTS)
        warm = RunPlan(claimed=50.0, max_items=64, stop_on_decision=False, seed=1)
        await run_items(items, client, warm, concurrency=SLOTS)
        plan = RunPlan(claimed=CLAIM, max_items=count, stop_on_decision=False)
        started, cpu = time.perf_counter(), time.process_time()
        result = await run_items(items, client, plan, concurrency=SLOTS)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    capacity = SLOTS / LATENCY
    rate = result.n / seconds
    print(
        f"throughput: {result.n} items in {seconds:.2f} s = {rate:.0f} items/s; capacity "
        f"{capacity:.0f}/s ({SLOTS} slots x {LATENCY * 1000:.0f} ms): "
        f"{100 * rate / capacity:.1f}%; client CPU {1000 * cpu / result.n:.2f} ms/item "
        f"({100 * cpu / seconds:.0f}% of one core)"
    )


def time_to_verdict(task: Path, url: str) -> None:
    cmd = [
        sys.executable,
        "-m",
        "hypewatch.cli",
        "bench",
        "--endpoint",
        url + "/v1",
        "--model",
        "stand-in-model",
        "--task",
        str(task),
        "--claim",
        str(CLAIM),
        "--allow-private",
        "--concurrency",
        str(SLOTS),
        "--json",
    ]
    started = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - started
    doc = json.loads(out)
    print(
        f"time to verdict incl. start-up (true 79.0% vs claimed {CLAIM}%): {wall:.2f} s wall; "
        f"verdict {doc['verdict']} after {doc['n']} items, {doc['requests']} requests, "
        f"{doc['seconds']:.2f} s inside the command"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--items", type=int, default=2000)
    args = parser.parse_args()
    items_to_verdict(args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        task = write_task(Path(tmp) / "bench.jsonl", make_rows(args.items, seed=7))
        proc, url = start_standin(task, 0.79)
        try:
            asyncio.run(throughput(task, url, args.items))
            time_to_verdict(task, url)
        finally:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=10)
    print("lm-evaluation-harness: not installed here; side-by-side not run")


if __name__ == "__main__":
    main()
