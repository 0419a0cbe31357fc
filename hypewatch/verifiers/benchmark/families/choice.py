"""Multiple choice: the reply names a letter; correct when it is the key's letter.

Prompts are `prompts.build_messages` (options lettered A, B, ...; k-shot
exemplars as earlier turns; "The answer is (X)." asked for), extraction is
`answers.extract_choice` (explicit forms first, the last one wins).
"""

from __future__ import annotations

from typing import ClassVar

from hypewatch.verifiers.benchmark.answers import extract_choice
from hypewatch.verifiers.benchmark.families import Score, SimpleFamily
from hypewatch.verifiers.benchmark.prompts import Message, PromptSetting, build_messages
from hypewatch.verifiers.benchmark.tasks import TaskItem


class MultipleChoice(SimpleFamily):
    name: ClassVar[str] = "multiple_choice"
    #: An unread reply may be re-asked for the answer alone (reask.py).
    reask: ClassVar[bool] = True
    description: ClassVar[str] = "lettered options; the reply's letter against the key"

    def messages(
        self, item: TaskItem, setting: PromptSetting, exemplars: list[TaskItem]
    ) -> list[Message]:
        return build_messages(item, setting, exemplars)

    def expected(self, item: TaskItem) -> str:
        return item.answer_label

    async def score(self, reply: str, item: TaskItem) -> Score:
        parsed = extract_choice(reply, item.choices)
        value = 1.0 if parsed.value is not None and parsed.value == item.answer_label else 0.0
        return Score(value, parsed.value, parsed.rule)
