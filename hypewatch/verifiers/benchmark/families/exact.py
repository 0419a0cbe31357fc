"""Exact match with normalisation (BBH and similar): the reply's final answer equals the target.

The prompt asks for reasoning and a last line "So the answer is X." (BBH's own
chain-of-thought format). The final answer is what follows the last "the
answer is" (else "Answer:", else the last non-empty line); answer and target
are normalised the same way: markdown and surrounding quotes removed, case and
whitespace folded, a trailing full stop dropped, and an option written as a
bare letter ("B") equal to the target "(B)".

Open-domain QA items (TriviaQA, Natural Questions) list every accepted answer in
`extra["aliases"]`; the final answer is right when it equals one of them after the
SQuAD/TriviaQA answer normalisation (case, punctuation, the articles a/an/the and
whitespace removed), as their official scripts compare.
"""

from __future__ import annotations

import re
import string
from typing import ClassVar

from hypewatch.verifiers.benchmark.families import Score, SimpleFamily
from hypewatch.verifiers.benchmark.prompts import Message, PromptSetting
from hypewatch.verifiers.benchmark.tasks import TaskItem

INSTRUCTION = 'Think step by step, then finish with the line "So the answer is X." (X: the answer).'
DIRECT = 'Reply with only the line "So the answer is X." (X: the answer).'
_ANSWER_IS = re.compile(r"answer\s+is\s*:?\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_ANSWER_COLON = re.compile(r"^\W*answer\s*:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_MARKUP = re.compile(r"[*_`$]+|\\boxed\{|\\text\{")
_OPTION = re.compile(r"^\(?([a-z])\)?$")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation + "‘’´`“”")


def normalise(text: str) -> str:
    text = _MARKUP.sub("", text).replace("}", "")
    text = " ".join(text.lower().split()).strip()
    text = text.rstrip(".").strip().strip("\"'“”‘’").strip()
    option = _OPTION.match(text)
    return f"({option.group(1)})" if option else text


def squad_normalise(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces."""
    text = _MARKUP.sub("", text).lower().translate(_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def matches(answer: str, item: TaskItem) -> bool:
    aliases = item.extra.get("aliases")
    if aliases:
        return squad_normalise(answer) in {squad_normalise(str(alias)) for alias in aliases}
    return normalise(answer) == normalise(str(item.answer))


def final_answer(reply: str) -> tuple[str | None, str]:
    """The final answer text and the rule that found it."""
    for rule, pattern in (("answer_is", _ANSWER_IS), ("answer_colon", _ANSWER_COLON)):
        found = pattern.findall(reply[-20_000:])
        if found:
            return found[-1], rule
    lines = [line for line in reply.strip().splitlines() if line.strip()]
    return (lines[-1], "last_line") if lines else (None, "unparseable")


class ExactMatch(SimpleFamily):
    name: ClassVar[str] = "exact_match"
    description: ClassVar[str] = "the final answer equals the target after normalisation"

    def messages(
        self, item: TaskItem, setting: PromptSetting, exemplars: list[TaskItem]
    ) -> list[Message]:
        instruction = DIRECT if setting.cot is False else INSTRUCTION
        messages: list[Message] = []
        for shot in exemplars[: setting.shots]:
            messages.append({"role": "user", "content": f"{shot.question}\n\n{instruction}"})
            messages.append({"role": "assistant", "content": f"So the answer is {shot.answer}."})
        messages.append({"role": "user", "content": f"{item.question}\n\n{instruction}"})
        return messages

    def expected(self, item: TaskItem) -> str:
        return str(item.answer)

    async def score(self, reply: str, item: TaskItem) -> Score:
        answer, rule = final_answer(reply)
        if answer is None:
            return Score(0.0, None, rule)
        return Score(1.0 if matches(answer, item) else 0.0, answer[:200], rule)
