"""Reading one item's answer: ask, retry a cut-off reply once, re-ask an unread one once.

The family's scorer (`families.Scorer`) reads and scores each text; a score
whose `parsed` is None is an unread reply. Around it:

* Reasoning (`<think>` blocks, or the `reasoning_content` an endpoint sends
  apart) is set aside before scoring; only when the reply proper says
  nothing is the reasoning scored, and then only an explicit statement of
  the answer counts (`answer_rules.STRONG_RULES`; rule `reasoning:<rule>`).
* A reply cut at max_tokens (`finish_reason: length`) that states no answer
  outright is asked again once with a larger limit (`LONGER` times, at most
  `MAX_RETRY_TOKENS`). Only explicit statements are trusted in a cut-off
  reply: "First 40 + 2 = 4" must not be read as 4.
* For families that take it (`reask = True` on the scorer: multiple choice,
  numeric), a reply still unread gets one follow-up turn in the same
  conversation asking for the answer alone (prompts.follow_up_message). The
  follow-up carries a JSON schema (`response_format`) whose `answer` is one
  of the option letters; an endpoint that answers 400 or 422 to that is
  re-asked in plain text, and is not offered the schema again.

Retries and re-asks cost requests and tokens, so both happen only while the
run's budget allows (`may_spend`). What happened is returned for the audit record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypewatch.verifiers.benchmark.answer_rules import STRONG_RULES
from hypewatch.verifiers.benchmark.answers import split_reasoning, structured_answer
from hypewatch.verifiers.benchmark.client import (
    ChatReply,
    Completer,
    EndpointError,
    EndpointFatalError,
)
from hypewatch.verifiers.benchmark.families import Score, Scorer
from hypewatch.verifiers.benchmark.prompts import Message, follow_up_message
from hypewatch.verifiers.benchmark.tasks import TaskItem, choice_letter

LONGER = 4
MAX_RETRY_TOKENS = 16_384
#: Statuses with which an endpoint says it does not take `response_format`.
_NO_SCHEMA = frozenset({400, 422})
_HISTORY_CHARS = 8_000
UNREAD = Score(0.0, None, "unparseable")


@dataclass
class Reading:
    """One item's reading: the reply to the question, its score, and what it took."""

    reply: ChatReply
    score: Score
    tokens: int
    seconds: float
    retried_truncated: bool = False
    reasked: str = ""  # "", "json_schema" or "plain"
    reask_reply: str = ""
    note: str = ""  # why a retry or re-ask did not happen or failed

    @property
    def read(self) -> bool:
        return self.score.parsed is not None


def strong(score: Score) -> bool:
    """Read from an explicit statement of the answer (trusted in a cut-off reply)."""
    rule = score.rule.removeprefix("reasoning:")
    return score.parsed is not None and (rule in STRONG_RULES or rule.startswith("reask"))


def answer_format(item: TaskItem) -> dict[str, Any]:
    """The JSON schema `response_format` for a follow-up: `{"answer": <letter or number>}`."""
    answer: dict[str, Any] = {"type": "string"}
    if item.is_multiple_choice:
        answer["enum"] = [choice_letter(i) for i in range(len(item.choices))]
    return {
        "type": "json_schema",
        "json_schema": {
            "name": "final_answer",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {"answer": answer},
                "required": ["answer"],
                "additionalProperties": False,
            },
        },
    }


class Reader:
    """Reads answers through `client` and `scorer`; one per run (it remembers whether the
    endpoint takes JSON-schema output)."""

    def __init__(
        self,
        client: Completer,
        scorer: Scorer,
        *,
        retry_truncated: bool = True,
        reask: bool = True,
        structured: bool = True,
    ) -> None:
        self.client = client
        self.scorer = scorer
        self.retry_truncated = retry_truncated
        self.reask = reask and bool(getattr(scorer, "reask", False))
        #: None: not known yet; False: the endpoint refused the schema (or we may not use it).
        self.structured: bool | None = None if structured else False

    async def read(
        self, messages: list[Message], item: TaskItem, may_spend: Callable[[], bool]
    ) -> Reading:
        """Errors on the first request propagate (the item is skipped); a failed retry or
        re-ask leaves the item unread, with a note."""
        reply = await self.client.complete(messages)
        reading = Reading(reply, await self.score(reply, item), reply.tokens, reply.seconds)
        if _cut_off(reading):
            await self._retry_longer(reading, messages, item, may_spend)
            if _cut_off(reading):
                reading.score = UNREAD
        if not reading.read and self.reask:
            if may_spend():
                await self._reask(reading, messages, item)
            else:
                reading.note = reading.note or "not re-asked: the run's budget is spent"
        return reading

    async def score(self, reply: ChatReply, item: TaskItem) -> Score:
        """The reply proper scored; failing that, an explicit statement in its reasoning."""
        final, tagged = split_reasoning(reply.text)
        score = await self.scorer.score(final, item) if final else UNREAD
        if score.parsed is not None:
            return score
        hidden = "\n".join(part for part in (tagged, reply.reasoning) if part)
        if hidden:
            inner = await self.scorer.score(hidden, item)
            if strong(inner):
                return Score(inner.value, inner.parsed, f"reasoning:{inner.rule}", inner.detail)
        return score

    async def _retry_longer(
        self,
        reading: Reading,
        messages: list[Message],
        item: TaskItem,
        may_spend: Callable[[], bool],
    ) -> None:
        limit = min(self.client.max_tokens * LONGER, MAX_RETRY_TOKENS)
        if not self.retry_truncated or limit <= self.client.max_tokens:
            return
        if not may_spend():
            reading.note = "cut off; not retried: the run's budget is spent"
            return
        try:
            longer = await self.client.complete(messages, max_tokens=limit)
        except EndpointFatalError:
            raise
        except EndpointError as error:
            reading.note = f"retry with max_tokens {limit} failed: {str(error)[:200]}"
            return
        reading.retried_truncated = True
        reading.tokens += longer.tokens
        reading.seconds += longer.seconds
        reading.reply = longer
        reading.score = await self.score(longer, item)

    async def _reask(self, reading: Reading, messages: list[Message], item: TaskItem) -> None:
        said = split_reasoning(reading.reply.text)[0] or reading.reply.text
        follow = [
            *messages,
            {"role": "assistant", "content": said[-_HISTORY_CHARS:]},
            {"role": "user", "content": follow_up_message(item)},
        ]
        try:
            answer, kind = await self._follow_up(follow, item)
        except EndpointFatalError:
            raise
        except EndpointError as error:
            reading.note = f"re-ask failed: {str(error)[:200]}"
            return
        reading.reasked, reading.reask_reply = kind, answer.text
        reading.tokens += answer.tokens
        reading.seconds += answer.seconds
        final = split_reasoning(answer.text)[0]
        given = structured_answer(final)
        text = final if given is None else given
        score = await self.scorer.score(text, item) if text else UNREAD
        if score.parsed is None:
            reading.score = UNREAD
            return
        rule = "reask_json" if given is not None else "reask"
        reading.score = Score(score.value, score.parsed, rule, score.detail, score.values)

    async def _follow_up(self, follow: list[Message], item: TaskItem) -> tuple[ChatReply, str]:
        if self.structured is not False:
            try:
                answer = await self.client.complete(follow, response_format=answer_format(item))
            except EndpointFatalError:
                raise
            except EndpointError as error:
                if error.status not in _NO_SCHEMA:
                    raise
                self.structured = False
            else:
                self.structured = True
                return answer, "json_schema"
        return await self.client.complete(follow), "plain"


def _cut_off(reading: Reading) -> bool:
    return reading.reply.finish_reason == "length" and not strong(reading.score)
