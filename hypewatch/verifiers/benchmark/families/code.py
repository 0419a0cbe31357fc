"""Code execution: pass@1 of the model's completion against the benchmark's own tests.

Items carry a `code_exec.CodeProblem` in `extra` (HumanEval, HumanEval+, MBPP,
MBPP+; see `catalog/code.py`). The prompt is the problem and a request for one
fenced code block; the score runs the dataset's tests on the completion inside
the bubblewrap sandbox (`sandbox.py`), one fresh sandbox per item, at most
`parallel` at a time. Without a working sandbox the family is unavailable and
its tasks are `unverifiable` with the reason: a completion is never run
unsandboxed.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import ClassVar

from hypewatch.verifiers.benchmark.code_exec import (
    CodeProblem,
    CodeTaskError,
    score_completion,
    user_message,
)
from hypewatch.verifiers.benchmark.families import Environment, Score
from hypewatch.verifiers.benchmark.prompts import Message, PromptSetting
from hypewatch.verifiers.benchmark.sandbox import (
    Sandbox,
    SandboxLimits,
    SandboxUnavailableError,
    default_sandbox,
)
from hypewatch.verifiers.benchmark.tasks import TaskItem

#: What a code item's audit record shows as the expected answer.
EXPECTED = "the benchmark's tests pass"


def default_parallel() -> int:
    """Sandboxes at a time: the CPUs this process may use, at most 4."""
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))


class CodeScorer:
    """Prompts code items and scores replies in `sandbox`, `parallel` runs at a time."""

    def __init__(self, sandbox: Sandbox, limits: SandboxLimits, parallel: int) -> None:
        self.sandbox = sandbox
        self.limits = limits
        self._gate = asyncio.Semaphore(parallel)

    def messages(
        self, item: TaskItem, setting: PromptSetting, exemplars: list[TaskItem]
    ) -> list[Message]:
        """0-shot: the question, then the request for code (settings do not apply)."""
        problem = CodeProblem.from_extra(item.extra)
        return [{"role": "user", "content": user_message(item.question, problem)}]

    def expected(self, item: TaskItem) -> str:
        return EXPECTED

    async def score(self, reply: str, item: TaskItem) -> Score:
        try:
            problem = CodeProblem.from_extra(item.extra)
        except CodeTaskError as error:
            return Score(0.0, None, "bad_item", str(error))
        async with self._gate:
            result = await score_completion(self.sandbox, problem, reply, self.limits)
        parsed = None if result.outcome == "unparseable" else result.outcome
        return Score(1.0 if result.correct else 0.0, parsed, result.rule, result.reason)


class CodeExecution:
    """The `code` scorer family (see the module docstring)."""

    name: ClassVar[str] = "code"
    description: ClassVar[str] = (
        "pass@1: the completion runs against the benchmark's tests in a bubblewrap sandbox"
    )
    bounded: ClassVar[bool] = False

    def __init__(
        self,
        sandbox: Callable[[], Sandbox | str] = default_sandbox,
        limits: SandboxLimits | None = None,
        parallel: int | None = None,
    ) -> None:
        self._sandbox = sandbox
        self.limits = limits or SandboxLimits()
        self.parallel = parallel or default_parallel()

    def unavailable(self, env: Environment) -> str | None:
        found = self._sandbox()
        return f"no sandbox: {found}" if isinstance(found, str) else None

    @asynccontextmanager
    async def scorer(self, env: Environment) -> AsyncIterator[CodeScorer]:
        found = self._sandbox()
        if isinstance(found, str):
            raise SandboxUnavailableError(f"no sandbox: {found}")
        yield CodeScorer(found, self.limits, self.parallel)
