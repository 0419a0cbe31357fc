"""Exact-match tasks: BIG-Bench Hard (lukaemon/bbh, 27 subtasks; `input`, `target`), and
open-domain QA scored against every accepted answer: TriviaQA (mandarjoshi/trivia_qa,
`rc.nocontext` validation: `question`, `answer.aliases`) and Natural Questions
(google-research-datasets/nq_open validation: `question`, `answer`, a list), the splits
and fields lm-evaluation-harness's `triviaqa` and `nq_open` tasks read."""

from __future__ import annotations

from typing import Any

from hypewatch.verifiers.benchmark.catalog import CONVERTED, Row, register_all, row_id
from hypewatch.verifiers.benchmark.families.exact import ExactMatch
from hypewatch.verifiers.benchmark.registry import DatasetRef, TaskRegistry, TaskSpec
from hypewatch.verifiers.benchmark.tasks import TaskFormatError, TaskItem


def _bbh(row: Row, index: int) -> TaskItem:
    question, target = str(row["input"]), str(row["target"])
    if not question.strip() or not target.strip():
        raise TaskFormatError("empty input or target")
    return TaskItem(str(index), question, target, family=ExactMatch.name)


def _open_qa(item_id: str, question: Any, aliases: list[Any]) -> TaskItem:
    accepted = [str(alias).strip() for alias in aliases if str(alias).strip()]
    if not str(question).strip() or not accepted:
        raise TaskFormatError("empty question or no accepted answer")
    return TaskItem(
        item_id,
        str(question).strip(),
        accepted[0],
        family=ExactMatch.name,
        extra={"aliases": accepted},
    )


def _triviaqa(row: Row, index: int) -> TaskItem:
    answer = row["answer"]
    aliases = [answer.get("value"), *(answer.get("aliases") or [])]
    return _open_qa(row_id(row, "question_id", index), row["question"], aliases)


def _nq_open(row: Row, index: int) -> TaskItem:
    return _open_qa(str(index), row["question"], list(row["answer"] or []))


SPECS = [
    TaskSpec(
        "bbh",
        ExactMatch.name,
        DatasetRef("lukaemon/bbh", "(27 subtasks)", "test", "*/test-*.parquet"),
        _bbh,
        setting="0-shot CoT",
        notes="zero-shot chain of thought; the published 3-shot CoT prompts are not in the data",
    ),
    TaskSpec(
        "triviaqa",
        ExactMatch.name,
        DatasetRef(
            "mandarjoshi/trivia_qa",
            "rc.nocontext",
            "validation",
            "rc.nocontext/validation/*.parquet",
            branch=CONVERTED,
        ),
        _triviaqa,
        setting="0-shot",
        notes="no evidence documents; right when the answer equals any alias",
    ),
    TaskSpec(
        "naturalquestions",
        ExactMatch.name,
        DatasetRef(
            "google-research-datasets/nq_open",
            "nq_open",
            "validation",
            "nq_open/validation/*.parquet",
            branch=CONVERTED,
        ),
        _nq_open,
        setting="0-shot",
        notes="NQ-Open; right when the answer equals any accepted answer",
    ),
]


def register(registry: TaskRegistry) -> None:
    registry.register_family(ExactMatch())
    register_all(registry, SPECS, __name__)
