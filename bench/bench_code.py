"""Code items: seconds per item and items/s through the sandbox (sandbox start included),
and the time to a HumanEval verdict against a stand-in endpoint answering in 50 ms.

Scores the canonical HumanEval solutions (164 problems, bundled stand-in data) and the
HumanEval+ / MBPP+ rows (their tests import numpy) at 1 and 2 sandboxes in parallel,
and an empty program for the bare cost of a sandbox. Then runs the verifier's
`measure` on HumanEval (claim 91.0) against the OpenAI-compatible stand-in with 50 ms
latency, for models that really score 60 % and 95 %. Results go to docs/benchmarks.md.

    python bench/bench_code.py [--repeat 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypewatch.net import NetConfig  # noqa: E402
from hypewatch.standins.code_datasets import code_rows  # noqa: E402
from hypewatch.standins.openai_bench import Behaviour, serve_bench  # noqa: E402
from hypewatch.verifiers.benchmark.catalog.code import TASKS  # noqa: E402
from hypewatch.verifiers.benchmark.code_exec import (  # noqa: E402
    ROW_READERS,
    CodeProblem,
    score_completion,
)
from hypewatch.verifiers.benchmark.families import Environment  # noqa: E402
from hypewatch.verifiers.benchmark.families.code import CodeExecution  # noqa: E402
from hypewatch.verifiers.benchmark.runner import RunPlan  # noqa: E402
from hypewatch.verifiers.benchmark.sandbox import Sandbox, default_sandbox  # noqa: E402
from hypewatch.verifiers.benchmark.verifier import Target  # noqa: E402
from hypewatch.verifiers.benchmark.verifier import measure as measure_run  # noqa: E402


def problems(dataset: str, repo: str) -> list[CodeProblem]:
    return [ROW_READERS[dataset](row)[1] for row in code_rows(repo)]


def reply(problem: CodeProblem) -> str:
    if problem.style == "humaneval":
        return problem.canonical
    return f"```python\n{problem.canonical}\n```"


async def measure(
    box: Sandbox, items: list[CodeProblem], parallel: int
) -> tuple[float, list[float]]:
    gate = asyncio.Semaphore(parallel)
    seconds: list[float] = []

    async def one(problem: CodeProblem) -> None:
        async with gate:
            started = time.monotonic()
            score = await score_completion(box, problem, reply(problem))
            seconds.append(time.monotonic() - started)
            if not score.correct:
                raise SystemExit(f"canonical solution failed: {score.reason}")

    started = time.monotonic()
    await asyncio.gather(*(one(problem) for problem in items))
    return time.monotonic() - started, seconds


def report(name: str, wall: float, seconds: list[float], parallel: int) -> None:
    seconds.sort()
    p90 = seconds[int(0.9 * (len(seconds) - 1))]
    print(
        f"  {name:<22} x{parallel}: {len(seconds) / wall:5.1f} items/s; per item "
        f"median {statistics.median(seconds):.3f} s, p90 {p90:.3f} s, max {seconds[-1]:.3f} s"
    )


async def time_to_verdict() -> None:
    spec = TASKS[0]
    rows = code_rows("openai/openai_humaneval")
    items = [spec.convert(row, index) for index, row in enumerate(rows)]
    print("time to a HumanEval verdict, claim 91.0, stand-in endpoint with 50 ms latency:")
    for truth in (0.60, 0.95):
        behaviour = Behaviour(p_correct=truth, latency=0.05, model="m", seed=11)
        with serve_bench(items, behaviour) as server:
            async with CodeExecution().scorer(Environment()) as scorer:
                started = time.monotonic()
                result = await measure_run(
                    items,
                    Target(server.url + "/v1", "m"),
                    RunPlan(claimed=91.0, max_items=164),
                    net=NetConfig(allow_private=True),
                    concurrency=8,
                    max_tokens=512,
                    task="humaneval",
                    scorer=scorer,
                )
                seconds = time.monotonic() - started
        print(
            f"  true {100 * truth:.0f}%: {result.verdict} after {result.n} items in "
            f"{seconds:.1f} s ({result.n / seconds:.1f} items/s)"
        )


async def main(repeat: int) -> None:
    box = default_sandbox()
    if not isinstance(box, Sandbox):
        raise SystemExit(f"no sandbox: {box}")
    print(f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    empty = [CodeProblem("mbpp", "f", test_list=("assert f() is None",), canonical="def f(): pass")]
    suites = {
        "empty program": empty * 40,
        "HumanEval (164)": problems("openai_humaneval", "openai/openai_humaneval"),
        "HumanEval+/MBPP+ (numpy)": problems("humanevalplus", "evalplus/humanevalplus")
        + problems("mbppplus", "evalplus/mbppplus"),
    }
    for name, items in suites.items():
        for parallel in (1, 2):
            wall, seconds = 0.0, []
            for _ in range(repeat):
                w, s = await measure(box, items, parallel)
                wall, seconds = wall + w, seconds + s
            report(name, wall, seconds, parallel)
    await time_to_verdict()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=1)
    asyncio.run(main(parser.parse_args().repeat))
