"""Benchmark task files: JSONL items, validated line by line.

One JSON object per line (blank lines and lines starting with `//` are skipped):

* multiple choice: `{"id": "q1", "question": "...", "choices": ["...", "..."], "answer": 2}`
  (`answer` is the 0-based index of the correct choice; 2 to 26 choices);
* numeric exact match: `{"id": "q2", "question": "...", "answer": "42"}` (a string of
  digits, optionally signed, with a decimal part or thousands commas; a JSON number is
  accepted too).

Optional fields: `"explanation"` (a worked solution, used for chain-of-thought
exemplars) and `"fewshot": true` (the item is an exemplar for k-shot prompts and
is never scored). Every error names the file and line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from hypewatch import jsonlimits

MAX_LINE_BYTES = 200_000
MAX_FILE_BYTES = 500_000_000
MAX_ITEMS = 1_000_000
MAX_CHOICES = 26
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$|^[+-]?\.\d+$")
_KNOWN_FIELDS = frozenset({"id", "question", "choices", "answer", "explanation", "fewshot"})


class TaskFormatError(ValueError):
    """A task file is unusable; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class TaskItem:
    """One benchmark item. `answer` is a choice index (multiple choice) or a number string.

    Items read from the Hub through the task registry may belong to other scorer
    families: `family` names it ("" for JSONL items: multiple choice when there
    are `choices`, else numeric), `answer` is then that family's reference
    answer as text (a LaTeX expression, a target string) and `extra` holds what
    else the family needs (IFEval's instruction ids and arguments, a judge's
    reference answer, a code task's tests).
    """

    id: str
    question: str
    answer: int | str
    choices: tuple[str, ...] = ()
    explanation: str = ""
    fewshot: bool = False
    family: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_multiple_choice(self) -> bool:
        return bool(self.choices)

    @property
    def answer_label(self) -> str:
        """The expected answer as a model should write it: a letter or a number."""
        if isinstance(self.answer, int):
            return choice_letter(self.answer)
        return self.answer


def choice_letter(index: int) -> str:
    return chr(ord("A") + index)


def parse_number(text: str) -> Decimal | None:
    """`"1,234"`, `"-3.50"`, `"42"` -> Decimal; None if `text` is not a plain number."""
    text = text.strip()
    if not _NUMBER.match(text):
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        return None


def _numeric_answer(value: Any, where: str) -> str:
    if isinstance(value, bool):
        raise TaskFormatError(f"{where}: 'answer' is a boolean; give the number, e.g. \"42\"")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise TaskFormatError(f"{where}: 'answer' must be a finite number")
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, str) and parse_number(value) is not None:
        return value.strip()
    raise TaskFormatError(
        f"{where}: numeric 'answer' must be a string of digits such as \"42\" (or a JSON "
        f"number), got {json.dumps(value)[:60]}"
    )


def _choices(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not 2 <= len(value) <= MAX_CHOICES:
        raise TaskFormatError(f"{where}: 'choices' must be a list of 2 to {MAX_CHOICES} strings")
    for i, choice in enumerate(value):
        if not isinstance(choice, str) or not choice.strip():
            raise TaskFormatError(f"{where}: choice {i} must be a non-empty string")
    return tuple(value)


def _mc_answer(value: Any, count: int, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TaskFormatError(
            f"{where}: 'answer' must be the 0-based index of the correct choice (an integer), "
            f"got {json.dumps(value)[:60]}"
        )
    if not 0 <= value < count:
        raise TaskFormatError(f"{where}: 'answer' {value} is out of range for {count} choices")
    return value


def parse_item(data: Any, where: str) -> TaskItem:
    """Validate one decoded JSON object; `where` (file:line) prefixes every error."""
    if not isinstance(data, dict):
        raise TaskFormatError(f"{where}: expected a JSON object, got {type(data).__name__}")
    unknown = sorted(set(data) - _KNOWN_FIELDS)
    if unknown:
        raise TaskFormatError(
            f"{where}: unknown field(s) {', '.join(unknown)}; allowed: "
            f"{', '.join(sorted(_KNOWN_FIELDS))}"
        )
    for key in ("id", "question", "answer"):
        if key not in data:
            raise TaskFormatError(f"{where}: missing required field '{key}'")
    item_id = data["id"]
    if isinstance(item_id, bool) or not isinstance(item_id, str | int) or str(item_id) == "":
        raise TaskFormatError(f"{where}: 'id' must be a non-empty string or an integer")
    question = data["question"]
    if not isinstance(question, str) or not question.strip():
        raise TaskFormatError(f"{where}: 'question' must be a non-empty string")
    explanation = data.get("explanation", "")
    if not isinstance(explanation, str):
        raise TaskFormatError(f"{where}: 'explanation' must be a string")
    fewshot = data.get("fewshot", False)
    if not isinstance(fewshot, bool):
        raise TaskFormatError(f"{where}: 'fewshot' must be true or false")
    answer: int | str
    choices: tuple[str, ...] = ()
    if "choices" in data:
        choices = _choices(data["choices"], where)
        answer = _mc_answer(data["answer"], len(choices), where)
    else:
        answer = _numeric_answer(data["answer"], where)
    return TaskItem(str(item_id), question, answer, choices, explanation, fewshot)


def parse_lines(lines: Iterable[bytes | str], name: str) -> list[TaskItem]:
    """Parse JSONL lines into items; duplicate ids and an empty file are errors."""
    items: list[TaskItem] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        where = f"{name}:{number}"
        if len(raw) > MAX_LINE_BYTES:
            raise TaskFormatError(f"{where}: line longer than {MAX_LINE_BYTES} bytes")
        try:
            line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError:
            raise TaskFormatError(f"{where}: not valid UTF-8") from None
        stripped = line.strip()
        if not stripped or stripped.startswith("//"):
            continue
        try:
            data = jsonlimits.loads(stripped, what=where)
        except json.JSONDecodeError as error:
            raise TaskFormatError(f"{where}: not valid JSON ({error.msg})") from None
        except jsonlimits.JsonLimitError as error:
            raise TaskFormatError(str(error)) from None
        item = parse_item(data, where)
        if item.id in seen:
            raise TaskFormatError(
                f"{where}: duplicate id {item.id!r} (first on line {seen[item.id]})"
            )
        seen[item.id] = number
        items.append(item)
        if len(items) > MAX_ITEMS:
            raise TaskFormatError(f"{name}: more than {MAX_ITEMS} items; split the file")
    if not any(not item.fewshot for item in items):
        raise TaskFormatError(f"{name}: no items to score (the file is empty or all few-shot)")
    return items


def load_task(path: Path) -> list[TaskItem]:
    """Read and validate a JSONL task file."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise TaskFormatError(
                f"task file {path} is {size} bytes; the limit is {MAX_FILE_BYTES}"
            )
        with path.open("rb") as handle:
            return parse_lines(handle, str(path))
    except FileNotFoundError:
        raise TaskFormatError(f"task file {path} does not exist") from None
    except IsADirectoryError:
        raise TaskFormatError(f"task file {path} is a directory; give a .jsonl file") from None
    except OSError as error:
        raise TaskFormatError(f"cannot read task file {path}: {error.strerror}") from None


def task_name(benchmark: str) -> str:
    """Normalise a benchmark id to a file stem: `MMLU-Pro` -> `mmlu-pro`, `GSM 8K` -> `gsm8k`."""
    return re.sub(r"[^a-z0-9._-]+", "", benchmark.strip().lower().replace(" ", ""))


def find_task_file(tasks_dir: Path, benchmark: str) -> Path | None:
    """`<tasks_dir>/<benchmark>.jsonl`, trying `-`/`_` spellings of the id."""
    stem = task_name(benchmark)
    if not stem:
        return None
    for candidate in dict.fromkeys((stem, stem.replace("-", "_"), stem.replace("_", "-"))):
        path = tasks_dir / f"{candidate}.jsonl"
        if path.is_file():
            return path
    return None
