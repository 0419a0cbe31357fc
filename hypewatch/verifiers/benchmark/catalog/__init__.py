"""Task definitions, one module per scorer family; each has `register(registry)`.

Converters are written against each dataset's real column names (as the Hub
serves its parquet files) and validate through `tasks.parse_item` where the
item is multiple choice or numeric, so a Hub row and a JSONL line meet the
same checks.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace
from typing import Any

from hypewatch.verifiers.benchmark.registry import TaskRegistry, TaskSpec
from hypewatch.verifiers.benchmark.tasks import TaskFormatError, TaskItem, parse_item

Row = dict[str, Any]
#: Where the Hub keeps its parquet conversion of every dataset.
CONVERTED = "refs/convert/parquet"


def row_id(row: Row, column: str, index: int) -> str:
    """The item id: the dataset's own id column when it has one, else the row position."""
    if column and row.get(column) not in (None, ""):
        return str(row[column])
    return str(index)


def mc_item(
    item_id: str, question: str, choices: list[Any], answer: int, where: str = ""
) -> TaskItem:
    """A validated multiple-choice item (2 to 26 non-empty choices, answer in range)."""
    data = {"id": item_id, "question": question, "choices": list(choices), "answer": answer}
    return parse_item(data, where or f"row {item_id}")


def letter_index(key: Any, labels: list[str]) -> int:
    """The position of an answer key ("B", "2") among the row's labels."""
    text = str(key).strip()
    if text not in labels:
        raise TaskFormatError(f"answer key {text!r} is not one of the labels {labels}")
    return labels.index(text)


def shuffled(correct: str, wrong: list[str], key: str) -> tuple[list[str], int]:
    """The options in an order fixed by `key` (datasets that list the right answer first);
    returns (choices, index of the correct one). The same key gives the same order."""
    seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    order = [correct, *wrong]
    random.Random(seed).shuffle(order)
    return order, order.index(correct)


def register_all(registry: TaskRegistry, specs: list[TaskSpec], source: str) -> None:
    for spec in specs:
        registry.register(replace(spec, source=source))
