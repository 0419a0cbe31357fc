"""Benchmark runner: items to verdict, throughput against a 50 ms / 32-slot stand-in,
time to a verdict including start-up, and how many loosely phrased replies are read.
Results go to docs/benchmarks.md (and the loose-reply shares to docs/benchmark.md).

    python bench/bench_runner.py [--runs 2000] [--items 2000] [--skip-throughput]
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


def start_standin(task: Path, p_correct: float, *extra: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.openai_bench_aio",
            str(task),
            "--latency",
            str(LATENCY),
            "--slots",
            str(SLOTS),
            "--p-correct",
            str(p_correct),
            *extra,
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


async def loose_replies(task: Path, url: str, count: int, label: str) -> None:
    """Every reply loosely phrased: the share read as given, read after one re-ask, unread."""
    items = load_task(task)
    net = bench_net_config(NetConfig(allow_private=True))
    async with async_client(net) as http:
        client = ChatClient(http, url + "/v1", "stand-in-model", concurrency=SLOTS)
        plan = RunPlan(claimed=50.0, max_items=count, stop_on_decision=False)
        result = await run_items(items, client, plan, concurrency=SLOTS)
    reasked = result.read_by_rule.get("reask", 0) + result.read_by_rule.get("reask_json", 0)
    direct = result.read - reasked
    rules = ", ".join(f"{rule} {n}" for rule, n in result.read_by_rule.items())
    print(
        f"loose replies ({label}, {result.n} items): read as given {100 * direct / result.n:.1f}%, "
        f"after one re-ask {100 * reasked / result.n:.1f}%, unread "
        f"{100 * result.unread / result.n:.1f}%; accuracy of the read replies "
        f"{result.accuracy or 0:.1f}% (the stand-in is right on 95%); {result.requests} "
        f"requests; rules: {rules}"
    )


def run_loose(task: Path, count: int) -> None:
    for label, extra in (
        ("multiple choice and numeric, p_loose 1.0", ["--p-loose", "1.0"]),
        ("the same with <think> blocks", ["--p-loose", "1.0", "--reasoning", "tagged"]),
        ("30 % loose, as in issue 22", ["--p-loose", "0.3"]),
    ):
        proc, url = start_standin(task, 0.95, *extra)
        try:
            asyncio.run(loose_replies(task, url, count, label))
        finally:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        task = write_task(Path(tmp) / "bench.jsonl", make_rows(args.items, seed=7))
        if not args.skip_throughput:
            items_to_verdict(args.runs)
            proc, url = start_standin(task, 0.79)
            try:
                asyncio.run(throughput(task, url, args.items))
                time_to_verdict(task, url)
            finally:
                assert proc.stdin is not None
                proc.stdin.close()
                proc.wait(timeout=10)
        run_loose(task, min(args.items, 1000))
    print("lm-evaluation-harness: not installed here; side-by-side not run")


if __name__ == "__main__":
    main()
