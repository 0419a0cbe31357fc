"""The scorer for JSONL task files: multiple choice when an item has choices, else numeric."""

from __future__ import annotations

from typing import ClassVar

from hypewatch.verifiers.benchmark.families import Score
from hypewatch.verifiers.benchmark.families.choice import MultipleChoice
from hypewatch.verifiers.benchmark.families.numeric import Numeric
from hypewatch.verifiers.benchmark.prompts import Message, PromptSetting
from hypewatch.verifiers.benchmark.tasks import TaskItem

_CHOICE = MultipleChoice()
_NUMERIC = Numeric()


class ByItem:
    """Dispatches each item to the multiple-choice or the numeric family."""

    #: Both families take a re-ask for the answer alone (reask.py).
    reask: ClassVar[bool] = True

    @staticmethod
    def _of(item: TaskItem) -> MultipleChoice | Numeric:
        return _CHOICE if item.is_multiple_choice else _NUMERIC

    def messages(
        self, item: TaskItem, setting: PromptSetting, exemplars: list[TaskItem]
    ) -> list[Message]:
        return self._of(item).messages(item, setting, exemplars)

    def expected(self, item: TaskItem) -> str:
        return self._of(item).expected(item)

    async def score(self, reply: str, item: TaskItem) -> Score:
        return await self._of(item).score(reply, item)
