"""Run benchmark items against an endpoint until the anytime-valid test decides.

Items are shuffled with a recorded seed, sent with bounded concurrency, and
fed to the sequential test strictly in that order (a slow reply holds the
later ones back rather than letting latency, which can correlate with
correctness, reorder the evidence). The run stops as soon as the test
decides, or when a budget (items, seconds, tokens) runs out; requests still
in flight are cancelled. Every answered item becomes an audit record.

A reply the extractor cannot read is retried (cut off at max_tokens) or
re-asked once (`reask`); one still unread is fed to the test as unknown, and
the bound rule (`stats`) keeps it from deciding the verdict. When unread
replies held a decision back, the result says how many there were.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypewatch.verifiers.benchmark.betting import BettingCS, BoundedMeanTest
from hypewatch.verifiers.benchmark.client import Completer, EndpointError, EndpointFatalError
from hypewatch.verifiers.benchmark.families import Scorer
from hypewatch.verifiers.benchmark.families.items import ByItem
from hypewatch.verifiers.benchmark.prompts import PromptSetting, prompt_hash
from hypewatch.verifiers.benchmark.reask import Reader, Reading
from hypewatch.verifiers.benchmark.stats import Decision, MixtureCS, OutcomeTest, SequentialTest
from hypewatch.verifiers.benchmark.tasks import TaskItem

AUDIT_REPLY_CHARS = 4_000
_RULES_SHOWN = 6
#: Give up (inconclusive) when more than this share of requests failed, after at least 5.
MAX_ERROR_SHARE = 0.1


@dataclass(frozen=True)
class RunPlan:
    """What to run and when to stop. Scores and tolerance are in points (percent)."""

    claimed: float
    tolerance: float = 2.0
    alpha: float = 0.05
    prior_strength: float = 30.0
    max_items: int = 500
    max_seconds: float = 1800.0
    token_budget: int = 0  # 0: no limit
    seed: int = 1234
    setting: PromptSetting = field(default_factory=PromptSetting)
    stop_on_decision: bool = True
    #: Re-ask an unread reply once; retry a cut-off one once with a larger limit.
    reask: bool = True
    retry_truncated: bool = True
    #: Offer a JSON schema for the re-ask (dropped if the endpoint refuses it).
    structured_reask: bool = True
    #: Scores in [0, 1] and the betting test, instead of right/wrong (also when the
    #: scorer's family is `bounded`).
    partial_credit: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.claimed <= 100.0:
            raise ValueError(f"the claimed score must be in 0..100 (percent), got {self.claimed}")
        if self.tolerance < 0:
            raise ValueError(f"tolerance must be >= 0 points, got {self.tolerance}")
        if self.max_items < 1:
            raise ValueError("max_items must be at least 1")


@dataclass
class ItemRecord:
    """One item's audit record."""

    seq: int
    item_id: str
    prompt_sha256: str
    reply: str = ""
    parsed: str | None = None
    rule: str = ""
    expected: str = ""
    correct: bool = False
    score: float = 0.0
    detail: str = ""
    used: bool = False
    finish_reason: str = ""
    tokens: int = 0
    seconds: float = 0.0
    error: str = ""
    retried_truncated: bool = False
    reasked: str = ""  # "", "json_schema" or "plain"
    reask_reply: str = ""
    note: str = ""

    def outcome(self, bounded: bool) -> float | bool | None:
        """What the test is fed: None when nothing could be read (the bound rule)."""
        if self.parsed is None:
            return None
        return self.score if bounded else self.correct

    def take(self, reading: Reading, metric: str = "") -> None:
        """Fill in what `reask.Reader` read and scored."""
        reply, score = reading.reply, reading.score
        self.reply = reply.text
        self.parsed, self.rule, self.detail = score.parsed, score.rule, score.detail
        # a family reporting several metrics (IFEval: strict, loose): the claim's one
        self.score = score.for_metric(metric)
        self.correct = self.score >= 1.0
        self.finish_reason, self.tokens = reply.finish_reason, reading.tokens
        self.seconds = reading.seconds
        self.retried_truncated = reading.retried_truncated
        self.reasked, self.reask_reply = reading.reasked, reading.reask_reply[:AUDIT_REPLY_CHARS]
        self.note = reading.note

    def to_json(self) -> dict[str, Any]:
        reply = self.reply
        if len(reply) > AUDIT_REPLY_CHARS:
            reply = reply[:AUDIT_REPLY_CHARS] + f"… [{len(self.reply) - AUDIT_REPLY_CHARS} more]"
        return {
            "seq": self.seq,
            "item": self.item_id,
            "prompt_sha256": self.prompt_sha256,
            "reply": reply,
            "parsed": self.parsed,
            "rule": self.rule,
            "expected": self.expected,
            "correct": self.correct,
            "score": self.score,
            "detail": self.detail[:500],
            "used": self.used,
            "finish_reason": self.finish_reason,
            "tokens": self.tokens,
            "seconds": round(self.seconds, 4),
            "error": self.error,
            "retried_truncated": self.retried_truncated,
            "reasked": self.reasked,
            "reask_reply": self.reask_reply,
            "note": self.note,
        }


@dataclass(frozen=True)
class Progress:
    n: int
    correct: int
    sent: int
    total: int
    decision: Decision
    unread: int = 0  # of the n, replies that could not be read


@dataclass
class RunResult:
    """A finished run. Percent scale for accuracy and interval."""

    task: str
    n: int
    correct: int
    accuracy: float | None
    ci_low: float
    ci_high: float
    claimed: float
    tolerance: float
    verdict: str
    stopped_early: bool
    stop_reason: str
    requests: int
    seconds: float
    seed: int
    setting: str
    available: int
    tokens: int
    errors: int
    unparseable: list[str]
    exemplars: list[str]
    records: list[ItemRecord]
    read_by_rule: dict[str, int] = field(default_factory=dict)
    reasked: int = 0
    reasked_read: int = 0
    retried_truncated: int = 0
    unread: int = 0
    bounded: bool = False  # scores in [0, 1] and the betting test
    #: Why an undecided run is undecided, when unread replies held the decision back.
    unread_note: str = ""

    @property
    def read(self) -> int:
        return self.n - self.unread

    def reading_counts(self) -> dict[str, Any]:
        """How the replies were read: by which rule, re-asked, retried, or left unread."""
        return {
            "read": self.read,
            "unread": self.unread,
            "read_by_rule": dict(sorted(self.read_by_rule.items())),
            "reasked": self.reasked,
            "reasked_read": self.reasked_read,
            "retried_truncated": self.retried_truncated,
            "unread_note": self.unread_note,
        }

    def reading_text(self) -> str:
        """One line for people: '58 of 60 replies read (52 answer_is, 6 reask), ...'."""
        ranked = sorted(self.read_by_rule.items(), key=lambda kv: -kv[1])
        rules = ", ".join(f"{count} {rule}" for rule, count in ranked[:_RULES_SHOWN])
        if len(ranked) > _RULES_SHOWN:
            rules += f", {sum(count for _, count in ranked[_RULES_SHOWN:])} by other rules"
        text = f"{self.read} of {self.n} replies read" + (f" ({rules})" if rules else "")
        if self.reasked:
            text += f"; {self.reasked} re-asked, {self.reasked_read} of them read"
        if self.retried_truncated:
            text += f"; {self.retried_truncated} cut off and retried"
        if self.unread:
            text += f"; {self.unread} unread (they cannot decide the verdict)"
        return text

    def summary(self) -> dict[str, Any]:
        """The CLI contract's keys."""
        return {
            "task": self.task,
            "n": self.n,
            "correct": self.correct,
            "accuracy": self.accuracy,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "claimed": self.claimed,
            "tolerance": self.tolerance,
            "verdict": self.verdict,
            "stopped_early": self.stopped_early,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            **self.reading_counts(),
        }


def plan_order(items: list[TaskItem], plan: RunPlan) -> tuple[list[TaskItem], list[TaskItem]]:
    """(exemplars, scored items in run order) from the seed. Exemplars are the `fewshot`
    items, topped up from the shuffled pool (then never scored) when there are too few."""
    rng = random.Random(plan.seed)
    exemplars = [item for item in items if item.fewshot]
    pool = [item for item in items if not item.fewshot]
    rng.shuffle(pool)
    missing = max(0, plan.setting.shots - len(exemplars))
    exemplars = exemplars[: plan.setting.shots] + pool[:missing]
    return exemplars, pool[missing:][: plan.max_items]


def sequential_test(plan: RunPlan, bounded: bool = False) -> OutcomeTest:
    """The anytime-valid test a plan asks for (fractions inside, points in the plan):
    the beta-binomial mixture for right/wrong items, the betting test for partial credit
    (`bounded`, or the plan's `partial_credit`)."""
    claimed, tolerance = plan.claimed / 100.0, plan.tolerance / 100.0
    if bounded or plan.partial_credit:
        return BoundedMeanTest(claimed, tolerance, BettingCS(alpha=plan.alpha))
    return SequentialTest(
        claimed, tolerance, MixtureCS(alpha=plan.alpha, prior_strength=plan.prior_strength)
    )


class _Run:
    def __init__(
        self, client: Completer, plan: RunPlan, exemplars: list[TaskItem], scorer: Scorer
    ) -> None:
        self.client = client
        self.scorer = scorer
        self.plan = plan
        self.exemplars = exemplars
        # a bounded family (partial credit) is itself the scorer of a simple family
        self.bounded = plan.partial_credit or bool(getattr(scorer, "bounded", False))
        self.test = sequential_test(plan, self.bounded)
        self.reader = Reader(
            client,
            scorer,
            retry_truncated=plan.retry_truncated,
            reask=plan.reask,
            structured=plan.structured_reask,
        )
        self.started = time.monotonic()
        self.tokens = 0
        self.spent = 0  # tokens of every reading so far, fed or not
        self.errors = 0
        self.last_error = ""

    def may_spend(self) -> bool:
        """Budget left for a retry or re-ask (tokens and time)."""
        plan = self.plan
        if plan.token_budget and self.spent >= plan.token_budget:
            return False
        return time.monotonic() - self.started < plan.max_seconds

    async def ask(self, seq: int, item: TaskItem) -> ItemRecord:
        messages = self.scorer.messages(item, self.plan.setting, self.exemplars)
        record = ItemRecord(
            seq, item.id, prompt_hash(messages), expected=self.scorer.expected(item)
        )
        try:
            reading = await self.reader.read(messages, item, self.may_spend)
        except EndpointFatalError:
            raise
        except EndpointError as error:
            record.error = str(error)[:500]
            return record
        self.spent += reading.tokens
        record.take(reading, self.plan.setting.metric)
        return record

    def feed(self, record: ItemRecord) -> None:
        self.tokens += record.tokens
        if record.error:
            self.errors += 1
            self.last_error = record.error
            return
        record.used = True
        self.test.update(record.outcome(self.bounded))

    @property
    def decided(self) -> bool:
        return self.test.decision is not Decision.UNDECIDED

    def too_many_errors(self, fed: int) -> bool:
        return self.errors >= 5 and self.errors > MAX_ERROR_SHARE * fed


async def run_items(
    items: list[TaskItem],
    client: Completer,
    plan: RunPlan,
    *,
    task: str = "",
    on_progress: Callable[[Progress], None] | None = None,
    concurrency: int = 8,
    scorer: Scorer | None = None,
) -> RunResult:
    """Run `items` against `client` under `plan`; see the module docstring. `scorer` is the
    task's family (default: multiple choice or numeric by item, as for JSONL files)."""
    started = time.monotonic()
    exemplars, order = plan_order(items, plan)
    run = _Run(client, plan, exemplars, scorer or ByItem())
    records: dict[int, ItemRecord] = {}
    pending: set[asyncio.Task[ItemRecord]] = set()
    window = max(2 * concurrency, concurrency + 4)
    sent = fed = 0
    reason = "items"
    try:
        while True:
            while (
                reason == "items"
                and len(pending) < concurrency
                and sent < len(order)
                and sent - fed < window
            ):
                pending.add(asyncio.create_task(run.ask(sent, order[sent])))
                sent += 1
            if not pending:
                break
            left = plan.max_seconds - (time.monotonic() - started)
            done, pending = await asyncio.wait(
                pending, timeout=max(left, 0.0), return_when=asyncio.FIRST_COMPLETED
            )
            if not done:
                reason = "max_seconds"
                break
            for finished in done:
                record = finished.result()
                records[record.seq] = record
            while fed in records and not (plan.stop_on_decision and run.decided):
                run.feed(records[fed])
                fed += 1
                if on_progress is not None:
                    t = run.test
                    on_progress(
                        Progress(t.n, round(t.total), sent, len(order), t.decision, t.unread)
                    )
            if plan.stop_on_decision and run.decided:
                break
            reason = _stop_reason(run, plan, fed, reason)
            if reason == "errors" and run.test.n == 0:
                raise EndpointError(f"every request failed; last error: {run.last_error}")
    finally:
        for task_ in pending:
            task_.cancel()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.gather(*pending, return_exceptions=True)
    if run.errors and not run.test.n:
        # not one reply however few items the task has: the endpoint failed, not the model
        raise EndpointError(f"every request failed; last error: {run.last_error}")
    if run.decided:
        reason = "decided"
    return _result(task, run, plan, order, records, reason, time.monotonic() - started)


def _stop_reason(run: _Run, plan: RunPlan, fed: int, current: str) -> str:
    if current != "items":
        return current
    if run.too_many_errors(fed):
        return "errors"
    if plan.token_budget and run.tokens >= plan.token_budget:
        return "max_tokens"
    return current


def _result(
    task: str,
    run: _Run,
    plan: RunPlan,
    order: list[TaskItem],
    records: dict[int, ItemRecord],
    reason: str,
    seconds: float,
) -> RunResult:
    test = run.test
    verdict = {Decision.FAILED: "failed", Decision.REPLICATED: "replicated"}.get(
        test.decision, "inconclusive"
    )
    ordered = [records[seq] for seq in sorted(records)]
    used = [r for r in ordered if r.used]
    low, high = test.interval()
    accuracy = test.accuracy
    note = ""
    if verdict == "inconclusive" and test.held_by_unread:
        note = f"{test.unread} of {test.n} replies could not be read"
    return RunResult(
        task=task,
        n=test.n,
        correct=round(test.total),
        accuracy=None if accuracy is None else 100.0 * accuracy,
        ci_low=100.0 * low,
        ci_high=100.0 * high,
        claimed=plan.claimed,
        tolerance=plan.tolerance,
        verdict=verdict,
        stopped_early=run.decided and test.n + run.errors < len(order),
        stop_reason=reason,
        requests=run.client.requests,
        seconds=seconds,
        seed=plan.seed,
        setting=plan.setting.describe(),
        available=len(order),
        tokens=run.tokens,
        errors=run.errors,
        unparseable=[r.item_id for r in used if r.parsed is None],
        exemplars=[item.id for item in run.exemplars],
        records=ordered,
        read_by_rule=dict(Counter(r.rule for r in used if r.parsed is not None).most_common()),
        reasked=sum(bool(r.reasked) for r in used),
        reasked_read=sum(bool(r.reasked) and r.parsed is not None for r in used),
        retried_truncated=sum(r.retried_truncated for r in used),
        unread=test.unread,
        bounded=run.bounded,
        unread_note=note,
    )
