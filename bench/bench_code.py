"""Code items: seconds per item and items/s through the sandbox (sandbox start included).

Scores the canonical HumanEval solutions (164 problems, bundled stand-in data) and the
HumanEval+ / MBPP+ rows (their tests import numpy) at 1 and 2 sandboxes in parallel,
and an empty program for the bare cost of a sandbox. Results go to docs/benchmarks.md.

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

from hypewatch.standins.code_datasets import code_rows  # noqa: E402
from hypewatch.verifiers.benchmark.code_exec import (  # noqa: E402
    ROW_READERS,
    CodeProblem,
    score_completion,
)
from hypewatch.verifiers.benchmark.sandbox import Sandbox, default_sandbox  # noqa: E402


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


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=1)
    asyncio.run(main(parser.parse_args().repeat))
