from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from hypewatch.config import Secret
from hypewatch.net import NetConfig, async_client
from hypewatch.standins.http import Standin
from hypewatch.verifiers.benchmark.client import (
    ChatClient,
    EndpointError,
    EndpointFatalError,
    chat_url,
)
from hypewatch.verifiers.benchmark.prompts import PromptSetting
from hypewatch.verifiers.benchmark.runner import Progress, RunPlan, RunResult, run_items
from hypewatch.verifiers.benchmark.tasks import TaskItem
from tests.benchmark.conftest import MODEL

Start = Callable[..., AbstractContextManager[Standin]]


async def run(
    standin: Standin,
    items: list[TaskItem],
    net: NetConfig,
    plan: RunPlan,
    *,
    concurrency: int = 8,
    api_key: Secret | None = None,
    progress: list[Progress] | None = None,
) -> RunResult:
    async with async_client(net) as http:
        client = ChatClient(
            http,
            standin.url + "/v1",
            MODEL,
            api_key=api_key,
            seed=plan.seed,
            concurrency=concurrency,
        )
        return await run_items(
            items,
            client,
            plan,
            task="gen",
            concurrency=concurrency,
            on_progress=progress.append if progress is not None else None,
        )


def bodies(standin: Standin) -> list[dict[str, Any]]:
    # A request cancelled mid-send (the run had decided) arrives without its body.
    return [json.loads(r.body) for r in standin.requests if r.method == "POST" and r.body]


def test_chat_url_forms() -> None:
    assert chat_url("http://h:8000") == "http://h:8000/v1/chat/completions"
    assert chat_url("http://h:8000/v1/") == "http://h:8000/v1/chat/completions"
    assert chat_url("https://h/api/v1/chat/completions") == "https://h/api/v1/chat/completions"
    with pytest.raises(EndpointFatalError, match="not an http"):
        chat_url("ftp://h/v1")


async def test_an_overclaim_fails_early_with_an_audit_trail(
    standin: Start, items: list[TaskItem], net: NetConfig
) -> None:
    progress: list[Progress] = []
    with standin(p_correct=0.6) as server:
        result = await run(server, items, net, RunPlan(claimed=89.9), progress=progress)
    assert result.verdict == "failed"
    assert result.stopped_early
    assert result.n < 120
    assert result.ci_high < 87.9
    assert result.accuracy == pytest.approx(100 * result.correct / result.n)
    used = [r for r in result.records if r.used]
    assert len(used) == result.n
    assert [r.seq for r in used] == list(range(result.n))
    assert all(len(r.prompt_sha256) == 64 and r.reply for r in used)
    assert sum(r.correct for r in used) == result.correct
    assert progress[-1].n == result.n
    assert progress[-1].decision == "failed"
    # in flight when it decided: at most the look-ahead window (2 x concurrency)
    assert len(bodies(server)) <= len(server.requests) <= result.requests <= result.n + 16
    body = bodies(server)[0]
    assert body["temperature"] == 0
    assert body["seed"] == 1234
    assert body["model"] == MODEL
    assert body["max_tokens"] == 512


async def test_an_honest_claim_replicates(
    standin: Start, items: list[TaskItem], net: NetConfig
) -> None:
    with standin(p_correct=0.97) as server:
        result = await run(server, items, net, RunPlan(claimed=80.0))
    assert result.verdict == "replicated"
    assert result.ci_low > 78.0


async def test_budget_exhausted_is_inconclusive(
    standin: Start, items: list[TaskItem], net: NetConfig
) -> None:
    with standin(p_correct=0.8) as server:
        result = await run(server, items, net, RunPlan(claimed=81.0, max_items=40))
    assert result.verdict == "inconclusive"
    assert not result.stopped_early
    assert result.n == 40
    assert result.stop_reason == "items"


async def test_the_seed_fixes_the_order(
    standin: Start, items: list[TaskItem], net: NetConfig
) -> None:
    with standin(p_correct=0.7) as server:
        plan = RunPlan(claimed=50.0, max_items=20, stop_on_decision=False)
        first = await run(server, items, net, plan)
        again = await run(server, items, net, plan)
        other = await run(server, items, net, RunPlan(claimed=50.0, max_items=20, seed=9))
    ids = [r.item_id for r in first.records]
    assert ids == [r.item_id for r in again.records]
    assert ids != [r.item_id for r in other.records]


async def test_rate_limits_and_server_errors_are_retried(
    standin: Start, items: list[TaskItem], net: NetConfig
) -> None:
    with standin(p_correct=0.6, script=[429, 500, 429], retry_after="0.01", p_429=0.05) as server:
        result = await run(server, items, net, RunPlan(claimed=95.0), concurrency=1)
    assert result.errors == 0
    assert result.verdict == "failed"
    assert result.requests == len(server.requests) >= result.n + 3


async def test_unread_replies_are_re_asked_then_reported_not_scored(
    standin: Start, items: list[TaskItem], net: NetConfig
) -> None:
    with standin(p_correct=1.0, p_garbage=0.2) as server:
        result = await run(
            server, items, net, RunPlan(claimed=50.0, max_items=60, stop_on_decision=False)
        )
    bad = [r for r in result.records if r.parsed is None]
    assert bad
    assert all(r.reasked for r in bad)
    assert sorted(result.unparseable) == sorted(r.item_id for r in bad)
    assert result.unread == len(bad)
    assert result.correct == result.n - len(bad)
    assert result.accuracy == 100.0  # of the replies read


async def test_slow_replies_keep_the_order(
    standin: Start, items: list[TaskItem], net: NetConfig
) -> None:
    with standin(p_correct=0.7, slow_p=0.2, slow_seconds=0.05, latency=0.002) as server:
        result = await run(server, items, net, RunPlan(claimed=70.0, max_items=50))
    assert [r.seq for r in result.records if r.used] == list(range(result.n))


async def test_time_budget(standin: Start, items: list[TaskItem], net: NetConfig) -> None:
    with standin(latency=0.05) as server:
        result = await run(
            server, items, net, RunPlan(claimed=80.0, max_seconds=0.3), concurrency=2
        )
    assert result.stop_reason == "max_seconds"
    assert result.verdict == "inconclusive"
    assert 0 < result.n < 20


async def test_wrong_key_or_model_stops_the_run(
    standin: Start, items: list[TaskItem], net: NetConfig
) -> None:
    with standin(api_key="sk-right") as server:
        with pytest.raises(EndpointFatalError, match="HTTP 401"):
            await run(server, items, net, RunPlan(claimed=80.0), api_key=Secret("K", "sk-wrong"))
        result = await run(
            server, items, net, RunPlan(claimed=80.0, max_items=5), api_key=Secret("K", "sk-right")
        )
    assert result.n == 5
    assert server.requests[-1].headers["Authorization"] == "Bearer sk-right"


async def test_a_dead_endpoint_raises(
    standin: Start, items: list[TaskItem], net: NetConfig
) -> None:
    with (
        standin(p_500=1.0) as server,
        pytest.raises(EndpointError, match="every request failed"),
    ):
        await run(server, items, net.with_(retries=0), RunPlan(claimed=80.0))


async def test_k_shot_exemplars_are_never_scored(
    standin: Start, items: list[TaskItem], net: NetConfig
) -> None:
    plan = RunPlan(
        claimed=50.0, max_items=10, setting=PromptSetting(3, False), stop_on_decision=False
    )
    with standin() as server:
        result = await run(server, items, net, plan)
    assert len(result.exemplars) == 3
    assert not set(result.exemplars) & {r.item_id for r in result.records}
    assert all(len(b["messages"]) == 7 for b in bodies(server))
