"""Run benchmark items against an endpoint until the anytime-valid test decides.

Items are shuffled with a recorded seed, sent with bounded concurrency, and
fed to the sequential test strictly in that order (a slow reply holds the
later ones back rather than letting latency, which can correlate with
correctness, reorder the evidence). The run stops as soon as the test
decides, or when a budget (items, seconds, tokens) runs out; requests still
in flight are cancelled. Every answered item becomes an audit record.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypewatch.verifiers.benchmark.client import ChatClient, EndpointError, EndpointFatalError
from hypewatch.verifiers.benchmark.families import Scorer
from hypewatch.verifiers.benchmark.families.items import ByItem
from hypewatch.verifiers.benchmark.prompts import PromptSetting, prompt_hash
from hypewatch.verifiers.benchmark.stats import Decision, MixtureCS, SequentialTest
from hypewatch.verifiers.benchmark.tasks import TaskItem

AUDIT_REPLY_CHARS = 4_000
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
        }


@dataclass(frozen=True)
class Progress:
    n: int
    correct: int
    sent: int
    total: int
    decision: Decision


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


def sequential_test(plan: RunPlan) -> SequentialTest:
    """The anytime-valid test a plan asks for (fractions inside, points in the plan)."""
    return SequentialTest(
        plan.claimed / 100.0,
        plan.tolerance / 100.0,
        MixtureCS(alpha=plan.alpha, prior_strength=plan.prior_strength),
    )


class _Run:
    def __init__(
        self, client: ChatClient, plan: RunPlan, exemplars: list[TaskItem], scorer: Scorer
    ) -> None:
        self.client = client
        self.scorer = scorer
        self.plan = plan
        self.exemplars = exemplars
        self.test = sequential_test(plan)
        self.tokens = 0
        self.errors = 0
        self.last_error = ""

    async def ask(self, seq: int, item: TaskItem) -> ItemRecord:
        messages = self.scorer.messages(item, self.plan.setting, self.exemplars)
        record = ItemRecord(
            seq, item.id, prompt_hash(messages), expected=self.scorer.expected(item)
        )
        try:
            reply = await self.client.complete(messages)
        except EndpointFatalError:
            raise
        except EndpointError as error:
            record.error = str(error)[:500]
            return record
        score = await self.scorer.score(reply.text, item)
        record.reply = reply.text
        record.parsed, record.rule, record.detail = score.parsed, score.rule, score.detail
        record.score, record.correct = score.value, score.correct
        record.finish_reason, record.tokens = reply.finish_reason, reply.tokens
        record.seconds = reply.seconds
        return record

    def feed(self, record: ItemRecord) -> None:
        self.tokens += record.tokens
        if record.error:
            self.errors += 1
            self.last_error = record.error
            return
        record.used = True
        self.test.update(record.correct)

    @property
    def decided(self) -> bool:
        return self.test.decision is not Decision.UNDECIDED

    def too_many_errors(self, fed: int) -> bool:
        return self.errors >= 5 and self.errors > MAX_ERROR_SHARE * fed


async def run_items(
    items: list[TaskItem],
    client: ChatClient,
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
                    on_progress(Progress(t.n, t.correct, sent, len(order), t.decision))
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
    low, high = test.interval()
    return RunResult(
        task=task,
        n=test.n,
        correct=test.correct,
        accuracy=None if test.accuracy is None else 100.0 * test.accuracy,
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
        unparseable=[r.item_id for r in ordered if r.used and r.parsed is None],
        exemplars=[item.id for item in run.exemplars],
        records=ordered,
    )
