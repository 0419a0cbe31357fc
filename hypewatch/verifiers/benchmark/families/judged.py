"""Judged benchmarks (MT-Bench, AlpacaEval, SimpleQA): another model grades each reply.

Only with a judge configured (`[verifiers.benchmark.judge]`: an OpenAI-compatible
URL and model); otherwise the family is unavailable and such claims are
`unverifiable: needs a judge`. The judge is recorded in every verdict's
evidence and named in its summary. Three grading modes, from the item:

* `single` (MT-Bench): the judge rates the reply 1-10 in MT-Bench's
  single-answer format ("Rating: [[7]]"), with the reference answer when the
  question has one; the item scores rating / 10, so the family is `bounded`
  and claims on MT-Bench's 0-10 scale are compared x 10;
* `pairwise` (AlpacaEval): the judge compares the reply with the dataset's
  baseline output ("[[A]]", "[[B]]" or "[[C]]" for a tie), the reply shown
  second; a win scores 1, a tie 1/2, a loss 0 (the raw win rate);
* `graded` (SimpleQA): the judge grades the reply against the gold target as
  correct ("[[A]]"), incorrect ("[[B]]") or not attempted ("[[C]]"), SimpleQA's
  three grades; correct scores 1, the others 0 (SimpleQA's "correct" share).

Limits, said in docs/benchmark.md: MT-Bench's second turn is not asked (the
first turn is graded), AlpacaEval's length-controlled correction is not
applied, the pairwise order is not swapped. A judge reply that cannot be read
is an unread item, never a pass.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, ClassVar

from hypewatch.config import BenchmarkJudge, optional_secret
from hypewatch.net import NetConfig, async_client
from hypewatch.verifiers.benchmark.client import ChatClient, EndpointError, bench_net_config
from hypewatch.verifiers.benchmark.families import Environment, Score, SimpleFamily
from hypewatch.verifiers.benchmark.prompts import Message, PromptSetting
from hypewatch.verifiers.benchmark.tasks import TaskItem

JUDGE_MAX_TOKENS = 1024
JUDGE_CONCURRENCY = 4
_RATING = re.compile(r"\[\[\s*(\d+(?:\.\d+)?)\s*\]\]")
_CHOICE = re.compile(r"\[\[\s*([ABC])\s*\]\]")
MAX_JUDGED_CHARS = 12_000

SINGLE = (
    "Please act as an impartial judge and evaluate the quality of the response provided by an "
    "AI assistant to the user question displayed below. Consider helpfulness, relevance, "
    "accuracy, depth, creativity and level of detail.{reference_note} Begin your evaluation "
    "with a short explanation. Be as objective as possible. After your explanation, rate the "
    'response on a scale of 1 to 10 by strictly following this format: "[[rating]]", for '
    'example: "Rating: [[5]]".\n\n[Question]\n{question}\n{reference}'
    "[The Start of Assistant's Answer]\n{answer}\n[The End of Assistant's Answer]"
)
PAIRWISE = (
    "Please act as an impartial judge and evaluate the quality of the responses provided by "
    "two AI assistants to the user instruction displayed below. Choose the assistant that "
    "follows the instruction and answers it better. Do not let the order or the length of the "
    "responses, or the names of the assistants, influence you. After a short explanation, "
    'output your verdict by strictly following this format: "[[A]]" if assistant A is better, '
    '"[[B]]" if assistant B is better, and "[[C]]" for a tie.\n\n[User Instruction]\n'
    "{question}\n\n[The Start of Assistant A's Answer]\n{baseline}\n"
    "[The End of Assistant A's Answer]\n\n[The Start of Assistant B's Answer]\n{answer}\n"
    "[The End of Assistant B's Answer]"
)
GRADED = (
    "Please act as an impartial grader. Below are a factual question, its gold target answer "
    "and a predicted answer. Grade the predicted answer as CORRECT if it states the gold "
    "target (spelling, capitalisation and wording may differ, and a hedge is allowed as long "
    "as it commits to the target) and contradicts it nowhere; as INCORRECT if it states an "
    "answer that differs from or contradicts the target, even with a hedge, or lists several "
    "candidates; as NOT_ATTEMPTED if it gives no answer to the question (a refusal, \"I don't "
    'know", a request for more information) without contradicting the target. A number is '
    "correct only to the precision the target gives. After a short explanation, output your "
    'grade by strictly following this format: "[[A]]" for CORRECT, "[[B]]" for INCORRECT, '
    '"[[C]]" for NOT_ATTEMPTED.\n\n[Question]\n{question}\n\n[Gold Target]\n{target}\n\n'
    "[Predicted Answer]\n{answer}"
)
_GRADES = {"A": (1.0, "correct"), "B": (0.0, "incorrect"), "C": (0.0, "not_attempted")}


def judge_of(env: Environment) -> BenchmarkJudge | None:
    return env.settings.verifiers.benchmark.judge if env.settings is not None else None


def judge_prompt(item: TaskItem, reply: str) -> str:
    answer = reply[-MAX_JUDGED_CHARS:]
    if item.extra.get("mode") == "graded":
        return GRADED.format(question=item.question, target=item.answer, answer=answer)
    if item.extra.get("mode") == "pairwise":
        baseline = str(item.extra.get("baseline", ""))[-MAX_JUDGED_CHARS:]
        return PAIRWISE.format(question=item.question, baseline=baseline, answer=answer)
    reference = str(item.extra.get("reference") or "")
    note = (
        " Compare the response with the reference answer; identify mistakes." if reference else ""
    )
    block = f"\n[Reference Answer]\n{reference}\n\n" if reference else "\n"
    return SINGLE.format(
        question=item.question, answer=answer, reference=block, reference_note=note
    )


def read_verdict(item: TaskItem, text: str) -> Score:
    """The item's score from the judge's reply (the last verdict marker counts)."""
    if item.extra.get("mode") == "graded":
        grades = _CHOICE.findall(text)
        if not grades:
            return Score(0.0, None, "judge_unreadable")
        value, grade = _GRADES[grades[-1]]
        return Score(value, grade, "judge_graded")
    if item.extra.get("mode") == "pairwise":
        choices = _CHOICE.findall(text)
        if not choices:
            return Score(0.0, None, "judge_unreadable")
        value = {"A": 0.0, "B": 1.0, "C": 0.5}[choices[-1]]
        return Score(value, f"[[{choices[-1]}]]", "judge_pairwise")
    ratings = [float(r) for r in _RATING.findall(text)]
    if not ratings or not 1.0 <= ratings[-1] <= 10.0:
        return Score(0.0, None, "judge_unreadable")
    return Score(ratings[-1] / 10.0, f"{ratings[-1]:g}/10", "judge_rating")


class JudgedScorer:
    bounded: ClassVar[bool] = True  # rating / 10 and ties score fractions: the betting test

    def __init__(self, judge: ChatClient) -> None:
        self.judge = judge

    def messages(
        self, item: TaskItem, setting: PromptSetting, exemplars: list[TaskItem]
    ) -> list[Message]:
        return [{"role": "user", "content": item.question}]

    def expected(self, item: TaskItem) -> str:
        if item.extra.get("mode") == "graded":
            return f"graded correct against {item.answer!s}"
        if item.extra.get("mode") == "pairwise":
            return "judged better than the baseline"
        return "judged 10/10"

    async def score(self, reply: str, item: TaskItem) -> Score:
        if not reply.strip():
            return Score(0.0, None, "empty_reply")
        prompt: list[dict[str, str]] = [{"role": "user", "content": judge_prompt(item, reply)}]
        try:
            verdict = await self.judge.complete(prompt)
        except EndpointError as error:
            return Score(0.0, None, "judge_error", str(error)[:300])
        score = read_verdict(item, verdict.text)
        return Score(score.value, score.parsed, score.rule, verdict.text[-300:])


class JudgedFamily(SimpleFamily):
    name: ClassVar[str] = "judged"
    description: ClassVar[str] = (
        "graded by a configured judge model (MT-Bench, AlpacaEval, SimpleQA)"
    )
    bounded: ClassVar[bool] = True

    def unavailable(self, env: Environment) -> str | None:
        if judge_of(env) is None:
            return (
                "needs a judge: set [verifiers.benchmark.judge] url and model (an "
                "OpenAI-compatible endpoint); the judge is named in every verdict it grades"
            )
        return None

    @asynccontextmanager
    async def scorer(self, env: Environment) -> AsyncIterator[Any]:
        judge = judge_of(env)
        if judge is None:
            raise RuntimeError(self.unavailable(env))
        net = bench_net_config(env.net or NetConfig())
        async with contextlib.AsyncExitStack() as stack:
            http = await stack.enter_async_context(async_client(net, resolver=env.resolver))
            client = ChatClient(
                http,
                judge.url,
                judge.model,
                api_key=optional_secret(judge.api_key_env),
                max_tokens=JUDGE_MAX_TOKENS,
                seed=0,
                concurrency=JUDGE_CONCURRENCY,
            )
            yield JudgedScorer(client)
