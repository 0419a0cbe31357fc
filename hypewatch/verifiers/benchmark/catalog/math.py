"""Math tasks: LaTeX answers checked by math-verify (MATH, MATH-500, Minerva MATH, MATH
Level 5, AIME 2024/2025) and numeric answers (GSM8K, MGSM).

MATH rows carry a worked `solution` whose last `\\boxed{...}` is the reference
answer; MATH-500 and AIME carry an `answer` column.
"""

from __future__ import annotations

from hypewatch.verifiers.benchmark.catalog import CONVERTED, Row, register_all, row_id
from hypewatch.verifiers.benchmark.families.math import MathFamily
from hypewatch.verifiers.benchmark.families.numeric import Numeric
from hypewatch.verifiers.benchmark.registry import DatasetRef, TaskRegistry, TaskSpec
from hypewatch.verifiers.benchmark.tasks import TaskFormatError, TaskItem, parse_item

MATH = MathFamily.name
_BOX_MARKERS = ("\\boxed{", "\\fbox{")


def last_boxed(solution: str) -> str:
    """The contents of the last `\\boxed{...}` (braces balanced), as MATH's graders read it."""
    start = max(solution.rfind(marker) for marker in _BOX_MARKERS)
    if start < 0:
        raise TaskFormatError("the solution has no \\boxed{} answer")
    opening = solution.index("{", start)
    depth = 0
    for position in range(opening, len(solution)):
        depth += {"{": 1, "}": -1}.get(solution[position], 0)
        if depth == 0:
            return solution[opening + 1 : position].strip()
    raise TaskFormatError("the solution's \\boxed{} is not closed")


def _math_item(item_id: str, problem: str, answer: str, solution: str = "") -> TaskItem:
    if not str(problem).strip() or not str(answer).strip():
        raise TaskFormatError("empty problem or answer")
    return TaskItem(
        item_id, str(problem), str(answer).strip(), explanation=str(solution), family=MATH
    )


def _math(row: Row, index: int) -> TaskItem:
    solution = str(row["solution"])
    return _math_item(str(index), row["problem"], last_boxed(solution), solution)


def _math_500(row: Row, index: int) -> TaskItem:
    item_id = row_id(row, "unique_id", index)
    return _math_item(item_id, row["problem"], row["answer"], str(row.get("solution") or ""))


def _aime_2024(row: Row, index: int) -> TaskItem:
    item_id = row_id(row, "id", index)
    return _math_item(item_id, row["problem"], row["answer"], str(row.get("solution") or ""))


def _aime_2025(row: Row, index: int) -> TaskItem:
    return _math_item(str(index), row["question"], row["answer"])


def _gsm8k(row: Row, index: int) -> TaskItem:
    explanation, _, final = str(row["answer"]).rpartition("####")
    data = {
        "id": str(index),
        "question": row["question"],
        "answer": final.strip().replace(",", ""),
        "explanation": explanation.strip(),
    }
    return parse_item(data, f"row {index}")


def _mgsm(row: Row, index: int) -> TaskItem:
    number = row["answer_number"]
    data = {"id": str(index), "question": row["question"], "answer": number}
    return parse_item(data, f"row {index}")


_SUBJECTS = "*/test-*.parquet"

SPECS: list[TaskSpec] = [
    TaskSpec("math", MATH, DatasetRef("EleutherAI/hendrycks_math", "(all subjects)", "test",
             _SUBJECTS), _math, setting="0-shot CoT"),
    TaskSpec("minerva-math", MATH, DatasetRef("EleutherAI/hendrycks_math", "(all subjects)",
             "test", _SUBJECTS, fewshot_files="*/train-*.parquet"), _math,
             setting="4-shot CoT", notes="MATH with Minerva's 4-shot format"),
    TaskSpec("math-500", MATH, DatasetRef("HuggingFaceH4/MATH-500", "default", "test",
             "default/test/*.parquet", branch=CONVERTED), _math_500, setting="0-shot CoT"),
    TaskSpec("math-lvl-5", MATH, DatasetRef("lighteval/MATH-Hard", "default", "test",
             "default/test/*.parquet", branch=CONVERTED), _math, setting="4-shot CoT"),
    TaskSpec("aime-2024", MATH, DatasetRef("HuggingFaceH4/aime_2024", "default", "train",
             "data/train-*.parquet"), _aime_2024, setting="0-shot CoT"),
    TaskSpec("aime-2025", MATH, DatasetRef("opencompass/AIME2025", "AIME2025-I+II", "test",
             "*/test/*.parquet", branch=CONVERTED), _aime_2025, setting="0-shot CoT"),
    TaskSpec("gsm8k", Numeric.name, DatasetRef("openai/gsm8k", "main", "test",
             "main/test-*.parquet", fewshot_files="main/train-*.parquet"), _gsm8k,
             setting="8-shot CoT"),
    TaskSpec("mgsm", Numeric.name, DatasetRef("juletxara/mgsm", "(all languages)", "test",
             "*/test/*.parquet", branch=CONVERTED), _mgsm, setting="0-shot CoT"),
]  # fmt: skip


def register(registry: TaskRegistry) -> None:
    registry.register_family(MathFamily())
    registry.register_family(Numeric())
    register_all(registry, SPECS, __name__)
