"""Multiple-choice tasks (MMLU, MMLU-Pro, ARC, GPQA, HellaSwag, ...)."""

from __future__ import annotations

from hypewatch.verifiers.benchmark.catalog import Row, letter_index, mc_item, row_id
from hypewatch.verifiers.benchmark.families.choice import MultipleChoice
from hypewatch.verifiers.benchmark.registry import DatasetRef, TaskRegistry, TaskSpec
from hypewatch.verifiers.benchmark.tasks import TaskItem

FAMILY = MultipleChoice.name


def _mmlu(row: Row, index: int) -> TaskItem:
    return mc_item(str(index), row["question"], row["choices"], row["answer"])


def _mmlu_pro(row: Row, index: int) -> TaskItem:
    item_id = row_id(row, "question_id", index)
    return mc_item(item_id, row["question"], row["options"], row["answer_index"])


def _arc(row: Row, index: int) -> TaskItem:
    labels = [str(label) for label in row["choices"]["label"]]
    answer = letter_index(row["answerKey"], labels)
    return mc_item(row_id(row, "id", index), row["question"], row["choices"]["text"], answer)


def register(registry: TaskRegistry) -> None:
    registry.register_family(MultipleChoice())
    source = __name__
    for spec in (
        TaskSpec(
            "mmlu",
            FAMILY,
            DatasetRef("cais/mmlu", "all", "test", "all/test-*.parquet",
                       fewshot_files="all/dev-*.parquet"),
            _mmlu,
            setting="5-shot",
        ),
        TaskSpec(
            "mmlu-pro",
            FAMILY,
            DatasetRef("TIGER-Lab/MMLU-Pro", "default", "test", "data/test-*.parquet",
                       fewshot_files="data/validation-*.parquet"),
            _mmlu_pro,
            setting="5-shot CoT",
        ),
        TaskSpec(
            "arc-challenge",
            FAMILY,
            DatasetRef("allenai/ai2_arc", "ARC-Challenge", "test",
                       "ARC-Challenge/test-*.parquet"),
            _arc,
            setting="0-shot",
        ),
    ):  # fmt: skip
        registry.register(TaskSpec(**{**spec.__dict__, "source": source}))
