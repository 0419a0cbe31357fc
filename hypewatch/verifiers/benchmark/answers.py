"""Extract a model's final answer from its reply, and score it.

Replies come in many shapes: "The answer is (B).", "Answer: B", "B) <choice text>",
"**B**", "#### 42", "The answer is 42.", "\\boxed{42}". Each extractor tries the
explicit forms first (the last one in the reply wins: models revise), then the
weaker ones, and records which rule matched. A reply nothing matches is
unparseable: scored wrong and reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from hypewatch.verifiers.benchmark.tasks import TaskItem, choice_letter, parse_number

_L = r"\(?\[?([A-Z])\]?\)?"  # a letter, optionally in brackets
_END = r"(?![A-Za-z0-9])"
_MC_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "answer_is",
        re.compile(
            r"(?i:answer|choice|option)\s*(?i:is|:|=|-)?\s*(?i:option\s+|choice\s+)?" + _L + _END
        ),
    ),
    ("bold", re.compile(r"\*\*\s*" + _L + r"\s*[.):]?\s*\*\*")),
    ("boxed", re.compile(r"\\boxed\{\s*(?:\\text\{)?\s*" + _L + r"\s*\}?\s*\}")),
)
_MC_LEAD = re.compile(r"^\W{0,3}" + _L + r"(?:[.):]|\s*$|\s+-\s)")
_NUM = r"(-?\$?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|-?\.\d+)"
_NUM_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hashes", re.compile(r"####\s*" + _NUM)),
    ("boxed", re.compile(r"\\boxed\{\s*" + _NUM)),
    ("answer_is", re.compile(r"answer\s*(?:is|:|=)?\s*[:=]?\s*\**\s*" + _NUM, re.IGNORECASE)),
)
_ANY_NUMBER = re.compile(_NUM)
_MARKDOWN = re.compile(r"[*_`]+")


@dataclass(frozen=True)
class Parsed:
    """What was extracted (`value` None: unparseable) and by which rule."""

    value: str | None
    rule: str

    @property
    def ok(self) -> bool:
        return self.value is not None


UNPARSEABLE = Parsed(None, "unparseable")


def _norm(text: str) -> str:
    return " ".join(_MARKDOWN.sub("", text).lower().split()).strip(" .")


def _last_valid(pattern: re.Pattern[str], text: str, valid: Callable[[str], bool]) -> str | None:
    found = [m.group(1) for m in pattern.finditer(text)]
    for value in reversed(found):
        if valid(value):
            return value
    return None


def extract_choice(reply: str, choices: tuple[str, ...]) -> Parsed:
    """The letter of the chosen option, or UNPARSEABLE."""
    letters = {choice_letter(i) for i in range(len(choices))}

    def valid(letter: str) -> bool:
        return letter in letters

    text = reply.strip()
    for rule, pattern in _MC_RULES:
        letter = _last_valid(pattern, text, valid)
        if letter is not None:
            return Parsed(letter, rule)
    bare = _MARKDOWN.sub("", text).strip()
    lead = _MC_LEAD.match(bare)
    if lead and valid(lead.group(1)):
        return Parsed(lead.group(1), "leading_letter")
    return _match_choice_text(text, choices)


def _match_choice_text(reply: str, choices: tuple[str, ...]) -> Parsed:
    """The reply is a choice's text, or ends with exactly one choice's text."""
    normal = _norm(reply)
    texts = [_norm(choice) for choice in choices]
    exact = [i for i, t in enumerate(texts) if t and t == normal]
    if len(exact) == 1:
        return Parsed(choice_letter(exact[0]), "choice_text")
    tail = normal[-400:]
    ending = [i for i, t in enumerate(texts) if t and len(t) >= 3 and tail.endswith(t)]
    if len(ending) == 1:
        return Parsed(choice_letter(ending[0]), "choice_text")
    return UNPARSEABLE


def _clean_number(raw: str) -> str | None:
    value = parse_number(raw.replace("$", "").replace(" ", ""))
    return None if value is None else format(value.normalize(), "f")


def extract_number(reply: str) -> Parsed:
    """The final number, or UNPARSEABLE. Falls back to the last number in the reply."""
    text = _MARKDOWN.sub("", reply)
    for rule, pattern in _NUM_RULES:
        raw = _last_valid(pattern, text, lambda v: _clean_number(v) is not None)
        if raw is not None:
            return Parsed(_clean_number(raw), rule)
    numbers = [m.group(1) for m in _ANY_NUMBER.finditer(text)]
    for raw in reversed(numbers):
        cleaned = _clean_number(raw)
        if cleaned is not None:
            return Parsed(cleaned, "last_number")
    return UNPARSEABLE


def extract(reply: str, item: TaskItem) -> Parsed:
    if item.is_multiple_choice:
        return extract_choice(reply, item.choices)
    return extract_number(reply)


def is_correct(parsed: Parsed, item: TaskItem) -> bool:
    """Exact match: the letter, or the number compared as a decimal (42 == 42.0)."""
    if parsed.value is None:
        return False
    if item.is_multiple_choice:
        return parsed.value == item.answer_label
    got, want = parse_number(parsed.value), parse_number(str(item.answer))
    return got is not None and want is not None and Decimal(got) == Decimal(want)
