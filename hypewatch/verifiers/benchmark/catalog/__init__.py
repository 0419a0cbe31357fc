"""Task definitions, one module per scorer family; each has `register(registry)`.

Converters are written against each dataset's real column names (as the Hub
serves its parquet files) and validate through `tasks.parse_item` where the
item is multiple choice or numeric, so a Hub row and a JSONL line meet the
same checks.
"""

from __future__ import annotations

from typing import Any

from hypewatch.verifiers.benchmark.tasks import TaskFormatError, TaskItem, parse_item

Row = dict[str, Any]


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
