"""Exact-match tasks: BIG-Bench Hard (lukaemon/bbh, 27 subtasks; `input`, `target`)."""

from __future__ import annotations

from hypewatch.verifiers.benchmark.catalog import Row, register_all
from hypewatch.verifiers.benchmark.families.exact import ExactMatch
from hypewatch.verifiers.benchmark.registry import DatasetRef, TaskRegistry, TaskSpec
from hypewatch.verifiers.benchmark.tasks import TaskFormatError, TaskItem


def _bbh(row: Row, index: int) -> TaskItem:
    question, target = str(row["input"]), str(row["target"])
    if not question.strip() or not target.strip():
        raise TaskFormatError("empty input or target")
    return TaskItem(str(index), question, target, family=ExactMatch.name)


SPECS = [
    TaskSpec(
        "bbh",
        ExactMatch.name,
        DatasetRef("lukaemon/bbh", "(27 subtasks)", "test", "*/test-*.parquet"),
        _bbh,
        setting="0-shot CoT",
        notes="zero-shot chain of thought; the published 3-shot CoT prompts are not in the data",
    )
]


def register(registry: TaskRegistry) -> None:
    registry.register_family(ExactMatch())
    register_all(registry, SPECS, __name__)
