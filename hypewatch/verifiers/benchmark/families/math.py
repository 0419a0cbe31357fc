"""Math with answer equivalence (MATH, MATH-500, Minerva, AIME): LaTeX answers, math-verify.

The prompt asks for the solution and the final answer in `\\boxed{}`; k-shot
exemplars show worked solutions ending in Minerva's "Final Answer: The final
answer is $X$. I hope it is correct." line. The reply's last boxed answer (or
"final answer is $X$", or a plain expression) is compared with the reference
answer for mathematical equivalence by math-verify (`equivalence.py`), in a
worker process with a time limit, since a hostile reply can make sympy spin.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import ClassVar

from hypewatch.verifiers.benchmark.equivalence import MathChecker
from hypewatch.verifiers.benchmark.families import Environment, Score, SimpleFamily
from hypewatch.verifiers.benchmark.prompts import Message, PromptSetting
from hypewatch.verifiers.benchmark.tasks import TaskItem

INSTRUCTION = (
    "Solve the problem. Reason step by step, then give the final answer in the form "
    "\\boxed{ANSWER}, as a simplified exact expression."
)
DIRECT = "Give only the final answer in the form \\boxed{ANSWER}, as a simplified exact expression."


def exemplar_reply(item: TaskItem) -> str:
    final = f"Final Answer: The final answer is ${item.answer}$. I hope it is correct."
    return f"{item.explanation.strip()}\n{final}" if item.explanation else final


class MathScorer:
    def __init__(self, checker: MathChecker) -> None:
        self.checker = checker

    def messages(
        self, item: TaskItem, setting: PromptSetting, exemplars: list[TaskItem]
    ) -> list[Message]:
        instruction = DIRECT if setting.cot is False else INSTRUCTION
        messages: list[Message] = []
        for shot in exemplars[: setting.shots]:
            messages.append({"role": "user", "content": f"{shot.question}\n\n{instruction}"})
            messages.append({"role": "assistant", "content": exemplar_reply(shot)})
        messages.append({"role": "user", "content": f"{item.question}\n\n{instruction}"})
        return messages

    def expected(self, item: TaskItem) -> str:
        return str(item.answer)

    async def score(self, reply: str, item: TaskItem) -> Score:
        check = await asyncio.to_thread(self.checker.check, str(item.answer), reply)
        return Score(1.0 if check.correct else 0.0, check.parsed, check.rule)


class MathFamily(SimpleFamily):
    name: ClassVar[str] = "math"
    description: ClassVar[str] = (
        "a LaTeX final answer (\\boxed{} or 'final answer is'), equivalence by math-verify"
    )

    @asynccontextmanager
    async def scorer(self, env: Environment) -> AsyncIterator[MathScorer]:
        checker = MathChecker()
        try:
            yield MathScorer(checker)
        finally:
            await asyncio.to_thread(checker.close)
