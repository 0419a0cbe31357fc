"""Endpoint pool throughput: one run spread over 3 stand-ins (aiohttp, each its own
process, 50 ms latency, 32 slots: a combined capacity of 1,920 items/s).
Target: >= 85 % of the combined capacity. Results go to docs/benchmarks.md.

    python bench/bench_access_pool.py [--items 4000] [--endpoints 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_runner import LATENCY, SLOTS, start_standin  # noqa: E402
from hypewatch.net import NetConfig  # noqa: E402
from hypewatch.verifiers.benchmark.runner import RunPlan  # noqa: E402
from hypewatch.verifiers.benchmark.tasks import load_task  # noqa: E402
from hypewatch.verifiers.benchmark.verifier import Target, measure_pool  # noqa: E402
from tests.benchmark.conftest import make_rows, write_task  # noqa: E402

MODEL = "stand-in-model"


async def throughput(task: Path, urls: list[str], count: int) -> float:
    items = load_task(task)
    net = NetConfig(allow_private=True)
    members = [(Target(f"{u}/v1", MODEL), SLOTS) for u in urls]
    warm = RunPlan(claimed=50.0, max_items=200, stop_on_decision=False, seed=1)
    await measure_pool(items, members, warm, net=net, max_tokens=64, task="warm")
    plan = RunPlan(claimed=89.9, max_items=count, stop_on_decision=False)
    started, cpu = time.perf_counter(), time.process_time()
    result, pool = await measure_pool(items, members, plan, net=net, max_tokens=64, task="b")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    capacity = len(urls) * SLOTS / LATENCY
    rate = result.n / seconds
    share = 100 * rate / capacity
    per = ", ".join(str(m.answered) for m in pool.members)
    print(
        f"pool of {len(urls)}: {result.n} items in {seconds:.2f} s = {rate:.0f} items/s; "
        f"capacity {capacity:.0f}/s: {share:.1f}%; per endpoint {per}; client CPU "
        f"{1000 * cpu / result.n:.2f} ms/item ({100 * cpu / seconds:.0f}% of one core); "
        f"nproc {os.cpu_count()}"
    )
    return share


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a stand-in process so far (Linux /proc; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=4000)
    parser.add_argument("--endpoints", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        task = write_task(Path(tmp) / "bench.jsonl", make_rows(args.items, seed=7))
        procs = [start_standin(task, 0.79) for _ in range(args.endpoints)]
        try:
            before = sum(cpu_seconds(proc.pid) for proc, _ in procs)
            asyncio.run(throughput(task, [url for _, url in procs], args.items))
            served = sum(cpu_seconds(proc.pid) for proc, _ in procs) - before
            # the warm-up run (200 items) is served too
            print(f"stand-ins' CPU: {1000 * served / (args.items + 200):.2f} ms/item, all together")
        finally:
            for proc, _ in procs:
                assert proc.stdin is not None
                proc.stdin.close()
                proc.wait(timeout=10)


if __name__ == "__main__":
    main()
