"""Span-F1 tasks: DROP (ucinlp/drop validation: `passage`, `question`, `answers_spans`
with its `spans`, the 9,536 questions launch posts report F1 on).

The Hub copy carries each question's original answer only, not the validated
alternatives the official script also accepts, so a reply matching only an
alternative scores lower here than there; a run can read a little low, never high.
"""

from __future__ import annotations

from hypewatch.verifiers.benchmark.catalog import Row, register_all, row_id
from hypewatch.verifiers.benchmark.families.span_f1 import SpanF1
from hypewatch.verifiers.benchmark.registry import DatasetRef, TaskRegistry, TaskSpec
from hypewatch.verifiers.benchmark.tasks import TaskFormatError, TaskItem


def _drop(row: Row, index: int) -> TaskItem:
    spans = [str(span).strip() for span in (row["answers_spans"] or {}).get("spans") or []]
    spans = [span for span in spans if span]
    passage, question = str(row["passage"]).strip(), str(row["question"]).strip()
    if not spans or not passage or not question:
        raise TaskFormatError("empty passage, question or answer")
    return TaskItem(
        row_id(row, "query_id", index),
        f"Passage: {passage}\n\nQuestion: {question}",
        " | ".join(spans),
        family=SpanF1.name,
        extra={"answers": [spans]},
    )


SPECS = [
    TaskSpec(
        "drop",
        SpanF1.name,
        DatasetRef("ucinlp/drop", "default", "validation", "data/validation-*.parquet"),
        _drop,
        setting="0-shot CoT",
        notes="F1 as DROP's script computes it; the original answer only (no validated ones)",
    )
]


def register(registry: TaskRegistry) -> None:
    registry.register_family(SpanF1())
    register_all(registry, SPECS, __name__)
