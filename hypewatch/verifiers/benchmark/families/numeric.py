"""Numeric answers (GSM8K-style and numeric JSONL items): the final number of the reply.

Prompts ask for a final "#### <number>" line (`prompts.build_messages`);
`answers.extract_number` reads it (or a boxed / "the answer is" number, else
the last number) and `answers.is_correct` decides equivalence, the one
numeric equivalence the project has.
"""

from __future__ import annotations

from typing import ClassVar

from hypewatch.verifiers.benchmark.answers import extract_number, is_correct
from hypewatch.verifiers.benchmark.families import Score, SimpleFamily
from hypewatch.verifiers.benchmark.prompts import Message, PromptSetting, build_messages
from hypewatch.verifiers.benchmark.tasks import TaskItem


class Numeric(SimpleFamily):
    name: ClassVar[str] = "numeric"
    #: An unread reply may be re-asked for the answer alone (reask.py).
    reask: ClassVar[bool] = True
    description: ClassVar[str] = "a final number, compared as a number (42 == 42.0 == 42.00)"

    def messages(
        self, item: TaskItem, setting: PromptSetting, exemplars: list[TaskItem]
    ) -> list[Message]:
        return build_messages(item, setting, exemplars)

    def expected(self, item: TaskItem) -> str:
        return item.answer_label

    async def score(self, reply: str, item: TaskItem) -> Score:
        parsed = extract_number(reply)
        return Score(1.0 if is_correct(parsed, item) else 0.0, parsed.value, parsed.rule)
