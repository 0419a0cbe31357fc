"""Math tasks: LaTeX answers checked by math-verify (MATH, MATH-500, Minerva MATH, MATH
Level 5, AIME 2024/2025 and 2025 I / II, AMC 2023, OlympiadBench, CMATH) and numeric answers
(GSM8K, MGSM).

MATH rows carry a worked `solution` whose last `\\boxed{...}` is the reference
answer; MATH-500, AIME and AMC carry an `answer` column (AMC 2023's is a number),
CMATH a `golden` one. OlympiadBench is its text-only English competition-maths
subset (`OE_TO_maths_en_COMP`, the set launch posts report); its `final_answer` is a
list of `$...$` answers, read as one set when there are several, and the unit, when
the row has one, is named in the question ("give the answer in ..."), since the
reference answer leaves it out.
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


def _number(value: object) -> str:
    """A numeric answer as text: `27.0` -> `27`."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _amc(row: Row, index: int) -> TaskItem:
    return _math_item(row_id(row, "id", index), row["question"], _number(row["answer"]))


def _cmath(row: Row, index: int) -> TaskItem:
    return _math_item(row_id(row, "id", index), row["question"], _number(row["golden"]))


def _olympiadbench(row: Row, index: int) -> TaskItem:
    answers = [str(answer).strip().strip("$").strip() for answer in row["final_answer"] or []]
    question = str(row["question"])
    unit = str(row.get("unit") or "").strip()
    if unit:
        question += f"\n\n(Give the answer in {unit}; leave the unit out of the box.)"
    if len(answers) > 1 or row.get("is_multiple_answer"):
        question += "\n\n(The problem has several answers: box them all, separated by commas.)"
    solution = "\n".join(str(step) for step in row.get("solution") or [])
    return _math_item(row_id(row, "id", index), question, ", ".join(answers), solution)


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
    TaskSpec("aime-2025-i", MATH, DatasetRef("opencompass/AIME2025", "AIME2025-I", "test",
             "AIME2025-I/test/*.parquet", branch=CONVERTED), _aime_2025, setting="0-shot CoT",
             notes="part I only (15 problems)"),
    TaskSpec("aime-2025-ii", MATH, DatasetRef("opencompass/AIME2025", "AIME2025-II", "test",
             "AIME2025-II/test/*.parquet", branch=CONVERTED), _aime_2025, setting="0-shot CoT",
             notes="part II only (15 problems)"),
    TaskSpec("amc-2023", MATH, DatasetRef("math-ai/amc23", "default", "test",
             "default/test/*.parquet", branch=CONVERTED), _amc, setting="0-shot CoT",
             notes="the 40 AMC 12 2023 problems of Qwen2.5-Math's evaluation"),
    TaskSpec("olympiadbench", MATH, DatasetRef("Hothan/OlympiadBench", "OE_TO_maths_en_COMP",
             "train", "OE_TO_maths_en_COMP/train/*.parquet", branch=CONVERTED),
             _olympiadbench, setting="0-shot CoT",
             notes="text-only English competition maths (OE_TO_maths_en_COMP)"),
    TaskSpec("cmath", MATH, DatasetRef("weitianwen/cmath", "default", "test",
             "default/test/*.parquet", branch=CONVERTED), _cmath, setting="0-shot CoT",
             notes="Chinese primary-school maths word problems"),
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
