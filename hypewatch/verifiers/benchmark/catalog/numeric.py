"""Numeric-answer tasks: GSM8K (and MGSM)."""

from __future__ import annotations

from hypewatch.verifiers.benchmark.catalog import Row
from hypewatch.verifiers.benchmark.families.numeric import Numeric
from hypewatch.verifiers.benchmark.registry import DatasetRef, TaskRegistry, TaskSpec
from hypewatch.verifiers.benchmark.tasks import TaskItem, parse_item


def _gsm8k(row: Row, index: int) -> TaskItem:
    explanation, _, final = str(row["answer"]).rpartition("####")
    data = {
        "id": str(index),
        "question": row["question"],
        "answer": final.strip().replace(",", ""),
        "explanation": explanation.strip(),
    }
    return parse_item(data, f"row {index}")


def register(registry: TaskRegistry) -> None:
    registry.register_family(Numeric())
    registry.register(
        TaskSpec(
            "gsm8k",
            Numeric.name,
            DatasetRef("openai/gsm8k", "main", "test", "main/test-*.parquet",
                       fewshot_files="main/train-*.parquet"),
            _gsm8k,
            setting="8-shot CoT",
            source=__name__,
        )
    )  # fmt: skip
