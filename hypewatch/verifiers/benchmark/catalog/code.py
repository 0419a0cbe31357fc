"""Code-execution tasks: HumanEval, HumanEval+, MBPP, MBPP+ (pass@1, run in the sandbox)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hypewatch.verifiers.benchmark.catalog import Row, row_id
from hypewatch.verifiers.benchmark.code_exec import ROW_READERS, CodeProblem
from hypewatch.verifiers.benchmark.families.code import CodeExecution
from hypewatch.verifiers.benchmark.registry import DatasetRef, TaskRegistry, TaskSpec
from hypewatch.verifiers.benchmark.tasks import TaskItem

FAMILY = CodeExecution.name
_Reader = Callable[[Mapping[str, Any]], tuple[str, CodeProblem]]


def code_item(item_id: str, question: str, problem: CodeProblem) -> TaskItem:
    """A code item: the question shown to the model, the problem in `extra`."""
    return TaskItem(item_id, question, problem.canonical, family=FAMILY, extra=problem.to_extra())


def _converter(reader: _Reader) -> Callable[[Row, int], TaskItem]:
    def convert(row: Row, index: int) -> TaskItem:
        question, problem = reader(row)
        return code_item(row_id(row, "task_id", index), question, problem)

    return convert


#: The four code benchmarks (registered by `register`).
TASKS: tuple[TaskSpec, ...] = (
    TaskSpec(
        "humaneval",
        FAMILY,
        DatasetRef("openai/openai_humaneval", "openai_humaneval", "test",
                   "openai_humaneval/test-*.parquet"),
        _converter(ROW_READERS["openai_humaneval"]),
        setting="0-shot",
        notes="pass@1, greedy; prompt + completion + test + check(entry_point)",
        source=__name__,
    ),
    TaskSpec(
        "humaneval-plus",
        FAMILY,
        DatasetRef("evalplus/humanevalplus", "default", "test", "data/test-*.parquet"),
        _converter(ROW_READERS["humanevalplus"]),
        setting="0-shot",
        notes="pass@1, greedy; EvalPlus's extended inputs",
        source=__name__,
    ),
    TaskSpec(
        "mbpp",
        FAMILY,
        DatasetRef("google-research-datasets/mbpp", "full", "test", "full/test-*.parquet"),
        _converter(ROW_READERS["mbpp"]),
        setting="0-shot",
        notes="pass@1, greedy; the three test_list asserts",
        source=__name__,
    ),
    TaskSpec(
        "mbpp-plus",
        FAMILY,
        DatasetRef("evalplus/mbppplus", "default", "test", "data/test-*.parquet"),
        _converter(ROW_READERS["mbppplus"]),
        setting="0-shot",
        notes="pass@1, greedy; EvalPlus's extended inputs",
        source=__name__,
    ),
)  # fmt: skip


def register(registry: TaskRegistry) -> None:
    registry.register_family(CodeExecution())
    for spec in TASKS:
        registry.register(spec)
