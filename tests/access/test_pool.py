"""Endpoint pools: items spread over replicas, a failing replica drained, not fatal."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any

import pytest

from hypewatch.access.pool import EndpointPool
from hypewatch.config import parse_settings
from hypewatch.models import Claim, ClaimKind, Launch, VerdictStatus
from hypewatch.net import NetConfig
from hypewatch.standins.http import Standin
from hypewatch.standins.openai_bench import Behaviour, serve_bench
from hypewatch.verifiers.base import VerifierContext
from hypewatch.verifiers.benchmark.client import EndpointError
from hypewatch.verifiers.benchmark.runner import RunPlan
from hypewatch.verifiers.benchmark.tasks import TaskItem, parse_lines
from hypewatch.verifiers.benchmark.verifier import BenchmarkVerifier, Target, measure_pool
from tests.benchmark.conftest import MODEL, make_rows, write_task

Start = Callable[..., AbstractContextManager[Standin]]
NET = NetConfig(allow_private=True, backoff_base=0.001, retries=1, retry_max_wait=0.01)


@pytest.fixture
def items() -> list[TaskItem]:
    return parse_lines([json.dumps(row) for row in make_rows(300)], "generated")


@pytest.fixture
def standin(items: list[TaskItem]) -> Start:
    def start(**behaviour: Any) -> AbstractContextManager[Standin]:
        return serve_bench(items, Behaviour(model=MODEL, **behaviour))

    return start


async def test_a_replica_dying_mid_run_is_drained_and_the_verdict_comes(
    standin: Start, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        urls = [
            stack.enter_context(standin(p_correct=0.95, latency=0.01, **extra)).url
            for extra in ({}, {"fail_after": 5}, {})
        ]
        endpoints = [
            {"repo_pattern": "ORG/*", "url": f"{u}/v1", "model": MODEL, "concurrency": 4}
            for u in urls
        ]
        path = tmp_path / "mmlu.jsonl"
        write_task(path, make_rows(300))
        settings = parse_settings(
            {
                "access": {"order": ["own_servers"]},
                "verifiers": {"benchmark": {"tasks_dir": str(path.parent), "endpoints": endpoints}},
            }
        )
        claim = Claim(1, 1, ClaimKind.SCORE, "score:mmlu", benchmark="mmlu", value=85.0)
        launch = Launch(1, "m", "M", hf_repo="org/m")
        ctx = VerifierContext(settings=settings, net=NET, launch=launch, hf_repo="org/m")
        verdict = await BenchmarkVerifier(settings.verifiers.benchmark).verify(claim, ctx)
    assert verdict.status is VerdictStatus.REPLICATED, verdict.summary
    pool = verdict.evidence["pool"]
    assert [p["url"] for p in pool] == [f"{u}/v1/chat/completions" for u in urls]
    healthy, dying, other = pool
    assert dying["drained"] and "503" in dying["drained"]
    assert healthy["drained"] is None and other["drained"] is None
    assert healthy["answered"] > 0 and other["answered"] > 0
    assert dying["answered"] <= 5 and 3 <= dying["failed"] <= 3 + 4  # 4 slots in flight
    # every item was fed in the seeded order: the records are the run's first n items
    assert verdict.evidence["request_errors"] == 0
    assert sum(p["answered"] for p in pool) >= verdict.sample_size


async def test_seeded_order_is_kept_whichever_replica_answers(
    standin: Start, items: list[TaskItem]
) -> None:
    plan = RunPlan(claimed=50.0, max_items=60, stop_on_decision=False, seed=9)
    with standin(latency=0.0) as fast, standin(latency=0.1) as slow:
        members = [(Target(f"{s.url}/v1", MODEL), 4) for s in (fast, slow)]
        result, pool = await measure_pool(items, members, plan, net=NET, max_tokens=64, task="t")
    assert [r.seq for r in result.records] == list(range(60))
    fast_n, slow_n = (m.answered for m in pool.members)
    assert fast_n > slow_n > 0  # work stealing: the faster replica takes more


async def test_all_replicas_failing_is_an_error(standin: Start, items: list[TaskItem]) -> None:
    plan = RunPlan(claimed=50.0, max_items=20, stop_on_decision=False)
    with standin(fail_after=1) as a, standin(fail_after=1) as b:
        members = [(Target(f"{s.url}/v1", MODEL), 2) for s in (a, b)]
        with pytest.raises(EndpointError):
            await measure_pool(items, members, plan, net=NET, max_tokens=64, task="t")


def test_a_pool_needs_a_member() -> None:
    with pytest.raises(EndpointError, match="at least one endpoint"):
        EndpointPool([])
