"""What the benchmark stand-in answers, per scorer family, when it answers right or wrong.

A real model reads the prompt; the stand-in recognises the item and writes a
reply of the family's shape: a `\\boxed{}` answer (math), "So the answer is X."
(exact match), or for IFEval a text built to follow the item's instructions.
The IFEval builder follows a subset of the instruction ids (those below); an
item with others gets a best effort that the official checks may reject. A
wrong IFEval reply breaks the common instructions (commas, capitals, no title,
no end phrase, too short).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypewatch.verifiers.benchmark.tasks import TaskItem

_FILLER = [
    "the",
    "plan",
    "starts",
    "with",
    "a",
    "clear",
    "goal",
    "and",
    "a",
    "short",
    "list",
    "of",
    "steps",
    "each",
    "step",
    "is",
    "checked",
    "before",
    "the",
    "next",
    "one",
    "begins",
    "and",
    "the",
    "results",
    "are",
    "written",
    "down",
]
WRONG_IFEVAL = "Sure, Here Is My Answer, Short And Quick."


def math_reply(item: TaskItem, correct: bool, shape: int) -> str:
    answer = str(item.answer) if correct else f"{item.answer}+{1 + shape % 5}"
    return [
        f"We simplify step by step.\nTherefore the answer is $\\boxed{{{answer}}}$.",
        f"Final Answer: The final answer is ${answer}$. I hope it is correct.",
        f"\\boxed{{{answer}}}",
    ][shape % 3]


def exact_reply(item: TaskItem, correct: bool, shape: int) -> str:
    answer = str(item.answer) if correct else f"not {item.answer}"
    return [f"Let's think.\nSo the answer is {answer}.", f"Answer: {answer}"][shape % 2]


def _args(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v}


def ifeval_reply(item: TaskItem, correct: bool) -> str:
    """A reply that follows (or breaks) the item's instructions."""
    if not correct:
        return WRONG_IFEVAL
    ids: list[str] = list(item.extra["instruction_id_list"])
    kwargs = [_args(k or {}) for k in item.extra["kwargs"]]
    spec = dict(zip(ids, kwargs, strict=True))
    words = list(_FILLER)
    for keyword in spec.get("keywords:existence", {}).get("keywords", []):
        words.append(str(keyword))
    want = spec.get("length_constraints:number_words", {})
    if want.get("relation") == "at least":
        while len(words) < int(want["num_words"]) + 5:
            words.extend(_FILLER)
    parts = [" ".join(words) + "."]
    bullets = int(spec.get("detectable_format:number_bullet_lists", {}).get("num_bullets", 0))
    parts += [f"* point {i + 1} of the plan" for i in range(bullets)]
    if "detectable_format:title" in spec:
        parts.insert(0, "<<a plan in steps>>")
    marker = spec.get("detectable_content:postscript", {}).get("postscript_marker")
    if marker:
        parts.append(f"{marker} thank you for reading")
    end = spec.get("startend:end_checker", {}).get("end_phrase")
    if end:
        parts.append(str(end))
    text = "\n\n".join(parts)
    if "change_case:english_capital" in spec:
        text = text.upper()
    elif "change_case:english_lowercase" in spec:
        text = text.lower()
    if "startend:quotation" in spec:
        text = f'"{text}"'
    return text


def judged_reply(item: TaskItem, correct: bool) -> str:
    """A reply a judge stand-in can grade: "good" answers are the right ones."""
    return "A good, complete and accurate answer." if correct else "A poor answer."
