"""Budgets for model access (`[access.budget]`): requests and tokens per run and per UTC
day, across every route, counted from the OpenAI-compatible `usage` field of the replies.

`Metered` wraps what the benchmark runner asks (a `ChatClient` or an endpoint pool): before
each request it checks the budgets and raises `BudgetSpent` (the run stops; the verifier
makes the claim `unverifiable` with the reason), after each reply it counts the request
and the reply's tokens. The day's usage lives in the `model_usage` table; the pipeline
hands the verifier a `UsageLog` (its one capability on that table), flushed every
`FLUSH_EVERY` requests and when the run ends, so runs in other processes see it.

Requests in flight when a budget is reached still finish: the token budgets may be
passed by at most the replies already sent (at most the run's concurrency); the request
budgets are exact (counted when sent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypewatch.access.routes import Route
from hypewatch.config import BudgetSettings
from hypewatch.storage.store import Store
from hypewatch.storage.usage import Usage, add_usage, day_total, usage_day
from hypewatch.verifiers.benchmark.client import ChatReply, Completer, EndpointFatalError

FLUSH_EVERY = 50


class BudgetSpent(EndpointFatalError):
    """A model-access budget is reached; the message names it and the setting to raise."""


@dataclass(frozen=True)
class UsageLog:
    """The verifier's one capability on the `model_usage` table: read today, add usage."""

    _store: Store

    def today(self) -> Usage:
        return day_total(self._store, usage_day(self._store.now()))

    def add(self, route: Route, requests: int, prompt_tokens: int, completion: int) -> None:
        add_usage(
            self._store,
            route_kind=route.kind,
            provider=route.provider,
            model=route.model,
            requests=requests,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion,
        )


@dataclass
class Metered:
    """A `Completer` that keeps to the budgets and counts what it spent (see the module)."""

    inner: Completer
    budget: BudgetSettings
    route: Route
    log: UsageLog | None = None
    day_before: Usage = field(default_factory=lambda: Usage(""))
    requests_sent: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    _unflushed: list[int] = field(default_factory=lambda: [0, 0, 0])

    @classmethod
    def start(
        cls, inner: Completer, budget: BudgetSettings, route: Route, log: UsageLog | None
    ) -> Metered:
        # without a usage log nothing is counted, so there is no day to count against
        before = log.today() if log is not None else Usage("")
        metered = cls(inner, budget, route, log, before)
        metered.check()  # a day already spent stops the run before its first request
        return metered

    @property
    def max_tokens(self) -> int:
        return self.inner.max_tokens

    @property
    def requests(self) -> int:
        return self.inner.requests

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def check(self) -> None:
        """Raise BudgetSpent when a budget is reached."""
        b, day = self.budget, self.day_before
        limits = (
            (b.run_requests, self.requests_sent, "per-run request", "run_requests"),
            (b.run_tokens, self.tokens, "per-run token", "run_tokens"),
            (b.day_requests, day.requests + self.requests_sent, "daily request", "day_requests"),
            (b.day_tokens, day.tokens + self.tokens, "daily token", "day_tokens"),
        )
        for limit, used, what, setting in limits:
            if limit and used >= limit:
                when = " today (UTC)" if setting.startswith("day") else " in this run"
                raise BudgetSpent(
                    f"the {what} budget is spent: {used:,} used{when} of "
                    f"access.budget.{setting} = {limit:,}; raise access.budget.{setting}"
                    + (" or wait for the next UTC day" if setting.startswith("day") else "")
                )

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> ChatReply:
        self.check()
        self.requests_sent += 1
        self._unflushed[0] += 1
        try:
            reply = await self.inner.complete(
                messages, max_tokens=max_tokens, response_format=response_format
            )
        finally:
            if self._unflushed[0] >= FLUSH_EVERY:
                self.flush()
        self.prompt_tokens += reply.prompt_tokens
        self.completion_tokens += reply.completion_tokens
        self._unflushed[1] += reply.prompt_tokens
        self._unflushed[2] += reply.completion_tokens
        return reply

    def flush(self) -> None:
        """Write what was counted since the last flush to the usage table."""
        requests, prompt, completion = self._unflushed
        self._unflushed = [0, 0, 0]
        if self.log is not None:
            self.log.add(self.route, requests, prompt, completion)

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests_sent,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "day_before": self.day_before.to_json(),
        }
