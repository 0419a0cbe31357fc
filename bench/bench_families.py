"""Per scorer family: time to a verdict against the 50 ms benchmark stand-in.

Each family's task is read from the Hub stand-in as parquet in its dataset's real
schema (GPQA, MATH, IFEval, BBH), through the task registry, then run against
the OpenAI-compatible stand-in answering after 50 ms with 32 slots, with a true
accuracy of 60 % against a claim of 80 % (tolerance 2): the time until the
anytime-valid test says `failed`, including opening the family's scorer (the
math-verify worker's start). Results go to docs/benchmarks.md.

    python bench/bench_families.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypewatch.net import NetConfig  # noqa: E402
from hypewatch.standins.benchmark_data import dataset_repos  # noqa: E402
from hypewatch.standins.hub import hub_standin  # noqa: E402
from hypewatch.standins.hub_datasets import parquet_bytes  # noqa: E402
from hypewatch.standins.openai_bench import Behaviour, serve_bench  # noqa: E402
from hypewatch.verifiers.benchmark.families import Environment  # noqa: E402
from hypewatch.verifiers.benchmark.hub_datasets import load_hub_task  # noqa: E402
from hypewatch.verifiers.benchmark.prompts import parse_setting  # noqa: E402
from hypewatch.verifiers.benchmark.runner import RunPlan  # noqa: E402
from hypewatch.verifiers.benchmark.verifier import (  # noqa: E402
    LoadedTask,
    Target,
    measure,
    open_scorer,
)

SHA, TOKEN, MODEL = "b" * 40, "hf_bench", "bench-model"
CLAIM, TRUE = 80.0, 0.60
TASKS = (("gpqa", "0-shot"), ("math", "0-shot CoT"), ("ifeval", ""), ("bbh", "0-shot CoT"))


def bbh_rows(count: int) -> list[dict[str, Any]]:
    return [
        {"input": f"not ( True ) and ( {'True' if i % 2 else 'False'} ) is (item {i})",
         "target": "False"}
        for i in range(count)
    ]  # fmt: skip


def repos() -> dict[str, Any]:
    found = dataset_repos(sha=SHA, token=TOKEN)
    files = {"boolean_expressions/test-00000-of-00001.parquet": parquet_bytes(bbh_rows(250))}
    found["lukaemon/bbh"] = {"sha": SHA, "files": files}
    return found


async def one_run(task: LoadedTask, url: str, setting: str) -> tuple[float, int, str]:
    started = time.monotonic()
    async with open_scorer(task, Environment()) as scorer:
        result = await measure(
            task.items,
            Target(url, MODEL),
            RunPlan(claimed=CLAIM, setting=parse_setting(setting), max_items=2000),
            net=NetConfig(allow_private=True),
            concurrency=32,
            max_tokens=512,
            task=task.name,
            scorer=scorer,
        )
    return time.monotonic() - started, result.n, result.verdict


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")  # fmt: skip
    print(f"claim {CLAIM}% vs true {100 * TRUE:.0f}%, stand-in 50 ms latency, 32 slots")
    cache = Path(tempfile.mkdtemp())
    with hub_standin([], datasets=repos()) as hub:
        loaded: dict[str, tuple[LoadedTask, float]] = {}
        for name, _ in TASKS:
            started = time.monotonic()
            hub_task = load_hub_task(name, endpoint=hub.url, token=TOKEN, cache_dir=cache)
            task = LoadedTask(hub_task.benchmark, hub_task.items, {}, hub_task.family)
            loaded[name] = (task, time.monotonic() - started)
        items = [item for task, _ in loaded.values() for item in task.items]
        behaviour = Behaviour(p_correct=TRUE, latency=0.05, slots=32, model=MODEL)
        with serve_bench(items, behaviour) as server:
            for name, setting in TASKS:
                task, load_seconds = loaded[name]
                runs = [
                    asyncio.run(one_run(task, server.url + "/v1", setting))
                    for _ in range(args.repeats)
                ]
                seconds = statistics.median(r[0] for r in runs)
                print(
                    f"  {task.family:<22} {name:<7} load {load_seconds:5.2f} s; to verdict "
                    f"median {seconds:5.2f} s over {args.repeats} runs "
                    f"({runs[0][1]} items, {runs[0][2]})"
                )


if __name__ == "__main__":
    main()
