"""The asyncio stand-in (used by bench/bench_runner.py) answers like the threaded one."""

from __future__ import annotations

import time

import pytest

from hypewatch.net import NetConfig, async_client
from hypewatch.standins.openai_bench import Behaviour, serve_bench
from hypewatch.verifiers.benchmark.client import ChatClient, EndpointError
from hypewatch.verifiers.benchmark.runner import RunPlan, run_items
from hypewatch.verifiers.benchmark.tasks import TaskItem
from tests.benchmark.conftest import MODEL
from tests.support.openai_bench_aio import serve_bench_aio


async def _run(url: str, items: list[TaskItem], net: NetConfig, slots: int) -> list[str]:
    async with async_client(net) as http:
        client = ChatClient(http, url + "/v1", MODEL, concurrency=slots)
        plan = RunPlan(claimed=50.0, max_items=40, stop_on_decision=False)
        result = await run_items(items, client, plan, concurrency=slots)
    assert result.n == 40
    return [r.reply for r in result.records]


async def test_same_replies_as_the_threaded_standin(items: list[TaskItem], net: NetConfig) -> None:
    behaviour = Behaviour(p_correct=0.7, model=MODEL)
    with serve_bench(items, behaviour) as threaded:
        expected = await _run(threaded.url, items, net, 8)
    async with serve_bench_aio(items, behaviour) as url:
        assert await _run(url, items, net, 8) == expected


async def test_slots_bound_the_rate_and_errors_are_sent(
    items: list[TaskItem], net: NetConfig
) -> None:
    behaviour = Behaviour(model=MODEL, latency=0.05, slots=4)
    async with serve_bench_aio(items, behaviour) as url:
        started = time.monotonic()
        await _run(url, items, net, 8)  # 40 items, 4 at a time, 50 ms each: >= 0.5 s
        assert time.monotonic() - started >= 0.45
        async with async_client(net) as http:
            client = ChatClient(http, url + "/v1", "other-model")
            with pytest.raises(EndpointError, match=r"404.*other-model"):
                await client.complete([{"role": "user", "content": "hi"}])
