"""Per-item scorers against the reference implementations' results (golden files)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from hypewatch.verifiers.benchmark.equivalence import MathChecker, check_answer
from hypewatch.verifiers.benchmark.families.choice import MultipleChoice
from hypewatch.verifiers.benchmark.families.exact import ExactMatch
from hypewatch.verifiers.benchmark.families.instructions import InstructionFollowing
from hypewatch.verifiers.benchmark.tasks import TaskItem

GOLDEN = Path(__file__).parents[1] / "data" / "golden"


def _golden(name: str) -> list[dict[str, Any]]:
    lines = (GOLDEN / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


async def test_ifeval_matches_the_official_checker() -> None:
    """Strict and loose, per instruction and per prompt, as lm-evaluation-harness's
    unmodified IFEval code decided them (make_ifeval_golden.py)."""
    family = InstructionFollowing()
    cases = _golden("ifeval.jsonl")
    assert len(cases) >= 50
    assert {c["prompt_level_strict"] for c in cases} == {True, False}
    assert any(c["prompt_level_strict"] != c["prompt_level_loose"] for c in cases)
    for case in cases:
        extra = {"instruction_id_list": case["instruction_id_list"], "kwargs": case["kwargs"]}
        item = TaskItem(str(case["key"]), case["prompt"], "", family=family.name, extra=extra)
        score = await family.score(case["response"], item)
        assert score.values == {
            "strict": float(case["prompt_level_strict"]),
            "loose": float(case["prompt_level_loose"]),
        }, case
        expected_rule = (
            f"strict {sum(case['inst_level_strict'])}/{len(case['inst_level_strict'])}, "
            f"loose {sum(case['inst_level_loose'])}/{len(case['inst_level_loose'])}"
        )
        assert score.rule == expected_rule, case


def test_math_matches_the_reference_equivalence() -> None:
    """Final-answer extraction (\\boxed{}, 'final answer is') and equivalence; the expected
    results are math-verify's documented behaviour, checked by hand."""
    cases = _golden("math.jsonl")
    assert {c["correct"] for c in cases} == {True, False}
    with MathChecker(timeout=20) as checker:
        for case in cases:
            check = checker.check(case["gold"], case["reply"])
            assert check.correct is case["correct"], (case, check)
    assert check_answer("\\frac{1}{2}", "no answer given at all").rule == "unparseable"


def test_math_checker_contains_a_hostile_answer() -> None:
    with MathChecker(timeout=1.0) as checker:
        started = time.monotonic()
        slow = checker.check("1", "\\boxed{" + "9^{" * 40 + "9" + "}" * 40 + "!}")
        assert time.monotonic() - started < 10
        assert not slow.correct
        assert checker.check("\\frac{1}{2}", "\\boxed{0.5}").correct  # a fresh worker


@pytest.mark.parametrize(
    ("reply", "target", "correct"),
    [
        ("Let's think.\nSo the answer is (B).", "(B)", True),
        ("So the answer is B.", "(B)", True),
        ("the answer is **True**", "True", True),
        ("So the answer is valid.", "invalid", False),
        ("Answer: 24", "24", True),
        ("I think it is 42\n24", "24", True),
        ("So the answer is apple banana cherry.", "apple banana cherry", True),
        ("So the answer is (C).", "(B)", False),
        ("", "x", False),
    ],
)
async def test_exact_match_normalisation(reply: str, target: str, correct: bool) -> None:
    item = TaskItem("1", "q", target, family="exact_match")
    assert (await ExactMatch().score(reply, item)).correct is correct


async def test_multiple_choice_matches_the_reference_regex() -> None:
    """The letter lm-evaluation-harness's 'answer is \\(?([A-J])\\)?' filter would read."""
    family = MultipleChoice()
    item = TaskItem("1", "q", 1, choices=("w", "x", "y", "z"), family="multiple_choice")
    for case in _golden("multiple_choice.jsonl"):
        score = await family.score(case["reply"], item)
        assert score.parsed == case["letter"], case
        assert score.correct is (case["letter"] == "B"), case
