"""Prompt templates: 0-shot, k-shot and chain-of-thought, chosen from a claim's setting.

The question text goes into the prompt verbatim. k-shot exemplars are earlier
chat turns (user: exemplar question, assistant: its answer, with the worked
explanation first under CoT). Every template ends by asking for a final line
the extractor reads ("The answer is (X)." / "#### N").
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from hypewatch.extractors.settings_norm import LEADERBOARD_V2
from hypewatch.verifiers.benchmark.tasks import TaskItem, choice_letter

Message = dict[str, str]

_SHOT = re.compile(r"(\d+)\s*-?\s*shots?\b", re.IGNORECASE)
_WORD_SHOTS = {"zero": 0, "one": 1, "few": 5}
_WORD_SHOT = re.compile(r"\b(zero|one|few)\s*-?\s*shots?\b", re.IGNORECASE)
_COT = re.compile(r"\bcot\b|chain[\s-]*of[\s-]*thought|step[\s-]*by[\s-]*step", re.IGNORECASE)
_NO_COT = re.compile(r"\b(no[\s-]*cot|direct)\b", re.IGNORECASE)
_METRIC = re.compile(r"\b(strict|loose)\b", re.IGNORECASE)
MAX_SHOTS = 25
#: settings that pick the best of, or vote over, several samples per item
_SAMPLES = re.compile(r"\b(maj|cons|best|pass)\s*@\s*(\d+)\b", re.IGNORECASE)


@dataclass(frozen=True)
class PromptSetting:
    """How to prompt: `shots` exemplars, and whether to ask for reasoning (`cot`)."""

    shots: int = 0
    cot: bool | None = None  # None: the task kind's default (CoT for numeric, direct for MC)
    metric: str = ""  # a named metric of the family ("strict", "loose"); "": its default

    def cot_for(self, item: TaskItem) -> bool:
        return (not item.is_multiple_choice) if self.cot is None else self.cot

    def describe(self) -> str:
        cot = {None: "default", True: "CoT", False: "direct"}[self.cot]
        return f"{self.shots}-shot, {cot}" + (f", {self.metric}" if self.metric else "")


def unreproduced(setting: str) -> str | None:
    """Why a value claimed under `setting` cannot be compared with what the runner measures
    (one greedy sample per item, the benchmark's plain score), or None when it can. A claim
    made under a kinder protocol than the one measured would otherwise read as `failed`."""
    for match in _SAMPLES.finditer(setting):
        if int(match.group(2)) > 1:
            return (
                f"the claim is {match.group(0)} (several samples per item); the runner scores"
                " one sample per item, which is not the same measure"
            )
    if LEADERBOARD_V2 in setting:
        return (
            "the value is on the Open LLM Leaderboard v2's own scale (rescaled above random"
            " guessing), not the benchmark's plain score the runner measures"
        )
    return None


def parse_setting(setting: str) -> PromptSetting:
    """`"5-shot"`, `"0-shot CoT"`, `"8-shot, chain-of-thought"`, `"few-shot"`, `""` -> setting."""
    shots = 0
    match = _SHOT.search(setting)
    if match:
        shots = min(int(match.group(1)), MAX_SHOTS)
    else:
        word = _WORD_SHOT.search(setting)
        if word:
            shots = _WORD_SHOTS[word.group(1).lower()]
    cot: bool | None = None
    if _NO_COT.search(setting):
        cot = False
    elif _COT.search(setting):
        cot = True
    metric = _METRIC.search(setting)
    return PromptSetting(shots=shots, cot=cot, metric=metric.group(1).lower() if metric else "")


def _body(item: TaskItem) -> str:
    if not item.is_multiple_choice:
        return item.question
    options = "\n".join(f"{choice_letter(i)}. {c}" for i, c in enumerate(item.choices))
    return f"{item.question}\n\n{options}"


def _instruction(item: TaskItem, cot: bool) -> str:
    if item.is_multiple_choice:
        if cot:
            return (
                "Think step by step, then finish with the line "
                '"The answer is (X)." where X is the letter of the correct option.'
            )
        return (
            'Reply with only the line "The answer is (X)." '
            "where X is the letter of the correct option."
        )
    if cot:
        return (
            "Solve the problem step by step, then give the final answer as a plain number "
            'on its own last line in the form "#### <number>".'
        )
    return 'Reply with only the final answer as a plain number in the form "#### <number>".'


def user_message(item: TaskItem, cot: bool) -> str:
    return f"{_body(item)}\n\n{_instruction(item, cot)}"


def assistant_answer(item: TaskItem, cot: bool) -> str:
    """The reply an exemplar demonstrates."""
    final = (
        f"The answer is ({item.answer_label})."
        if item.is_multiple_choice
        else f"#### {item.answer_label}"
    )
    if cot and item.explanation:
        return f"{item.explanation.strip()}\n{final}"
    return final


def build_messages(
    item: TaskItem, setting: PromptSetting, exemplars: list[TaskItem]
) -> list[Message]:
    """The chat messages for `item`: exemplars as earlier turns, then the question."""
    cot = setting.cot_for(item)
    messages: list[Message] = []
    for shot in exemplars[: setting.shots]:
        messages.append({"role": "user", "content": user_message(shot, cot)})
        messages.append({"role": "assistant", "content": assistant_answer(shot, cot)})
    messages.append({"role": "user", "content": user_message(item, cot)})
    return messages


def follow_up_message(item: TaskItem) -> str:
    """The one follow-up turn for a reply nothing could be read from: the answer alone."""
    if item.is_multiple_choice:
        letters = ", ".join(choice_letter(i) for i in range(len(item.choices)))
        return f"Reply with only the letter of your final answer: one of {letters}."
    return "Reply with only your final answer, as a plain number."


def prompt_hash(messages: list[Message]) -> str:
    """sha256 of the canonical JSON of the messages: the audit trail's prompt identity."""
    canonical = json.dumps(messages, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
