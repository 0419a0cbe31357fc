"""Runs against stand-ins whose replies are hard to read (issue 22): loose phrasings,
reasoning blocks, replies cut at max_tokens, endpoints with and without structured output."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest

from hypewatch.net import NetConfig, async_client
from hypewatch.standins.http import Standin
from hypewatch.verifiers.benchmark.client import ChatClient
from hypewatch.verifiers.benchmark.families.items import ByItem
from hypewatch.verifiers.benchmark.prompts import PromptSetting, build_messages
from hypewatch.verifiers.benchmark.reask import Reader
from hypewatch.verifiers.benchmark.runner import Progress, RunPlan, RunResult
from hypewatch.verifiers.benchmark.tasks import TaskItem
from hypewatch.verifiers.benchmark.verifier import LoadedTask, Target, verdict_from
from tests.benchmark.conftest import MODEL
from tests.benchmark.test_runner import bodies, run

Start = Callable[..., AbstractContextManager[Standin]]
REASK_RULES = {"reask", "reask_json"}


def read_without_reask(result: RunResult) -> int:
    return sum(n for rule, n in result.read_by_rule.items() if rule not in REASK_RULES)


def mc_only(items: list[TaskItem]) -> list[TaskItem]:
    return [item for item in items if item.is_multiple_choice]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
async def test_an_honest_model_with_loose_replies_is_never_failed(
    standin: Start, items: list[TaskItem], net: NetConfig, seed: int
) -> None:
    # The case: 95 % right, 30 % of replies loosely phrased, claim 89.9.
    with standin(p_correct=0.95, p_loose=0.3, seed=seed) as server:
        result = await run(server, mc_only(items), net, RunPlan(claimed=89.9, seed=seed))
    assert result.verdict in {"replicated", "inconclusive"}
    assert result.verdict == "replicated"  # and in practice it replicates
    assert result.unread == 0


async def test_an_overclaim_with_loose_replies_still_fails(
    standin: Start, items: list[TaskItem], net: NetConfig
) -> None:
    with standin(p_correct=0.79, p_loose=0.3, seed=7) as server:
        result = await run(server, mc_only(items), net, RunPlan(claimed=89.9, seed=7))
    assert result.verdict == "failed"
    assert result.ci_high < 87.9


async def test_most_loose_replies_are_read_and_the_rest_re_asked(
    standin: Start, items: list[TaskItem], net: NetConfig
) -> None:
    plan = RunPlan(claimed=50.0, max_items=120, stop_on_decision=False)
    with standin(p_correct=0.9, p_loose=1.0) as server:
        result = await run(server, items, net, plan)
    assert result.n == 120
    # 7 of 10 multiple-choice and 7 of 8 numeric loose shapes are read as they come
    assert read_without_reask(result) / result.n > 0.7
    assert 0 < result.reasked < 0.3 * result.n
    assert result.reasked_read == result.reasked
    assert result.unread == 0
    reasked = [r for r in result.records if r.reasked]
    assert all(r.reasked == "json_schema" and r.rule == "reask_json" for r in reasked)
    assert sum(r.correct for r in result.records) == result.correct
    follow_ups = [b for b in bodies(server) if "response_format" in b]
    assert len(follow_ups) == result.reasked
    first = follow_ups[0]
    assert [m["role"] for m in first["messages"][-3:]] == ["user", "assistant", "user"]
    assert first["messages"][-1]["content"].startswith("Reply with only")
    schema = first["response_format"]["json_schema"]["schema"]["properties"]["answer"]
    assert schema.get("enum") in (None, ["A", "B", "C", "D"])


async def test_an_endpoint_without_structured_output_is_re_asked_in_plain_text(
    standin: Start, items: list[TaskItem], net: NetConfig
) -> None:
    plan = RunPlan(claimed=50.0, max_items=120, stop_on_decision=False)
    with standin(p_correct=0.9, p_loose=1.0, structured=False) as server:
        result = await run(server, mc_only(items), net, plan, concurrency=1)
    reasked = [r for r in result.records if r.reasked]
    assert reasked and all(r.reasked == "plain" and r.rule == "reask" for r in reasked)
    assert result.unread == 0
    # offered the schema once, refused (400), never offered again
    assert sum("response_format" in b for b in bodies(server)) == 1


@pytest.mark.parametrize("reasoning", ["tagged", "separate"])
async def test_reasoning_models_are_read(
    standin: Start, items: list[TaskItem], net: NetConfig, reasoning: str
) -> None:
    plan = RunPlan(claimed=50.0, max_items=60, stop_on_decision=False)
    with standin(p_correct=0.9, reasoning=reasoning) as server:
        result = await run(server, items, net, plan)
    assert result.unread == 0
    assert result.reasked == 0
    assert not any(rule.startswith("reasoning:") for rule in result.read_by_rule)
    accuracy = result.accuracy or 0.0
    assert 80 < accuracy <= 100


async def test_cut_off_replies_are_retried_with_a_larger_limit(
    standin: Start, items: list[TaskItem], net: NetConfig
) -> None:
    plan = RunPlan(claimed=50.0, max_items=40, stop_on_decision=False)
    with standin(p_correct=0.9, reasoning="tagged", p_long=0.5, long_tokens=700) as server:
        result = await run(server, items, net, plan)
    retried = [r for r in result.records if r.retried_truncated]
    assert 5 < len(retried) == result.retried_truncated
    assert all(r.finish_reason == "stop" and r.parsed is not None for r in retried)
    assert result.unread == 0
    limits = sorted({b["max_tokens"] for b in bodies(server)})
    assert limits == [512, 2048]


async def test_no_retry_or_re_ask_once_the_budget_is_spent(
    standin: Start, items: list[TaskItem], net: NetConfig
) -> None:
    item = items[1]
    messages = build_messages(item, PromptSetting(), [])
    with standin(p_correct=0.9, reasoning="separate", p_long=1.0, long_tokens=700) as server:
        async with async_client(net) as http:
            reader = Reader(ChatClient(http, server.url + "/v1", MODEL), ByItem())
            spent = await reader.read(messages, item, lambda: False)
            allowed = await reader.read(messages, item, lambda: True)
    assert spent.score.parsed is None
    assert not spent.retried_truncated and not spent.reasked
    assert "budget" in spent.note
    assert allowed.retried_truncated and allowed.read
    assert [b["max_tokens"] for b in bodies(server)] == [512, 512, 2048]


async def test_unread_replies_hold_the_verdict_and_say_so(
    standin: Start, items: list[TaskItem], net: NetConfig
) -> None:
    # Half the replies say nothing, even when re-asked; the rest are 90 % right. Scored
    # wrong, the unread half would fail the claim; under the bound rule it cannot.
    plan = RunPlan(claimed=89.9, max_items=80)
    progress: list[Progress] = []
    with standin(p_correct=0.9, p_garbage=0.5) as server:
        result = await run(server, items, net, plan, progress=progress)
    assert progress[-1].unread == result.unread
    assert result.verdict == "inconclusive"
    assert result.n == 80
    assert result.unread > 20
    assert result.unread_note == f"{result.unread} of 80 replies could not be read"
    unread = [r for r in result.records if r.parsed is None]
    assert sorted(result.unparseable) == sorted(r.item_id for r in unread)
    assert all(r.reasked for r in unread)
    assert result.ci_low < 87.9 < result.ci_high
    # the verdict's evidence and the summary the thread shows say why
    task = LoadedTask("gen", items)
    verdict = verdict_from(result, Target(server.url, MODEL), task, plan)
    assert verdict.evidence["reading"]["unread"] == result.unread
    assert verdict.evidence["reading"]["unread_note"] == result.unread_note
    assert f"inconclusive ({result.unread} of 80 replies could not be read)" in verdict.summary
    assert "re-asked" in verdict.summary
    assert len(verdict.summary) < 500


def test_records_carry_the_reading() -> None:
    from hypewatch.verifiers.benchmark.runner import ItemRecord

    record = ItemRecord(0, "q", "h", reasked="json_schema", reask_reply='{"answer": "B"}')
    doc = record.to_json()
    assert json.loads(doc["reask_reply"]) == {"answer": "B"}
    assert {"reasked", "retried_truncated", "note", "score"} <= set(doc)
