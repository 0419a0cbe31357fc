"""Instruction following: IFEval (google/IFEval, 541 prompts).

Rows: `key`, `prompt`, `instruction_id_list`, `kwargs` (one struct per
instruction; the parquet schema holds every argument name, null where unused).
"""

from __future__ import annotations

from typing import Any

from hypewatch.verifiers.benchmark.catalog import CONVERTED, Row, register_all, row_id
from hypewatch.verifiers.benchmark.families.instructions import (
    InstructionFollowing,
    known_instructions,
)
from hypewatch.verifiers.benchmark.registry import DatasetRef, TaskRegistry, TaskSpec
from hypewatch.verifiers.benchmark.tasks import TaskFormatError, TaskItem


def _ifeval(row: Row, index: int) -> TaskItem:
    ids = [str(i) for i in row["instruction_id_list"]]
    kwargs: list[dict[str, Any]] = [dict(k or {}) for k in row["kwargs"]]
    if not ids or len(ids) != len(kwargs):
        raise TaskFormatError("instruction_id_list and kwargs must be non-empty and equally long")
    unknown = sorted(set(ids) - known_instructions())
    if unknown:
        raise TaskFormatError(f"unknown instruction ids {unknown}")
    extra = {"instruction_id_list": ids, "kwargs": kwargs}
    return TaskItem(
        row_id(row, "key", index),
        str(row["prompt"]),
        "follow all instructions",
        family=InstructionFollowing.name,
        extra=extra,
    )


SPECS = [
    TaskSpec(
        "ifeval",
        InstructionFollowing.name,
        DatasetRef(
            "google/IFEval", "default", "train", "default/train/*.parquet", branch=CONVERTED
        ),
        _ifeval,
        setting="0-shot",
        notes="prompt-level loose accuracy unless the claim says strict",
    )
]


def register(registry: TaskRegistry) -> None:
    registry.register_family(InstructionFollowing())
    register_all(registry, SPECS, __name__)
