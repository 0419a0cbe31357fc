"""What hypewatch can run: the registry against the benchmarks real launches claim,
gated datasets, and judged benchmarks with and without a judge."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hypewatch.config import parse_settings
from hypewatch.extractors.registry import benchmark_id
from hypewatch.standins.benchmark_data import dataset_repos
from hypewatch.standins.http import Standin, StandinHandler, serve
from hypewatch.standins.hub import hub_standin
from hypewatch.verifiers.benchmark.families import Environment
from hypewatch.verifiers.benchmark.families.judged import JudgedFamily, read_verdict
from hypewatch.verifiers.benchmark.hub_datasets import HubDatasetError, load_hub_task
from hypewatch.verifiers.benchmark.registry import default_registry, listing
from hypewatch.verifiers.benchmark.tasks import TaskItem

REALWORLD = Path(__file__).resolve().parents[2] / ".." / "shared" / "realworld"
LAUNCH_TEXTS = REALWORLD / "launch-texts-dev.jsonl"
SHA = "0" * 40


def test_at_least_25_benchmarks_run_here_with_nothing_configured() -> None:
    rows = listing(default_registry(), Environment())
    runnable = [row for row in rows if row["runnable"]]
    assert len(runnable) >= 25
    for row in runnable:
        assert row["family"] and row["dataset"] and row["revision"]


def _claimed_ids() -> list[str]:
    """Every claimed score's benchmark in the labelled real texts, normalised as the
    README says (lower case, letters and digits), then through the extractor's ids."""
    ids = []
    for line in LAUNCH_TEXTS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            for name in json.loads(line)["expect"].get("scores") or {}:
                ids.append(benchmark_id(re.sub(r"[^a-z0-9]", "", name.lower())))
    return ids


@pytest.mark.skipif(not LAUNCH_TEXTS.is_file(), reason=f"{LAUNCH_TEXTS} is not here")
@pytest.mark.xfail(
    default_registry().family("code") is None,
    reason="HumanEval/MBPP (22 claims) need the code-execution family, not merged yet",
    strict=True,
)
def test_most_claimed_scores_name_a_benchmark_that_can_run() -> None:
    """>= 70 % of the claimed scores, with a Hub token and a judge configured (what a user
    sets up); the code family runs where its sandbox is available."""
    claimed = _claimed_ids()
    assert len(claimed) == 172
    registry = default_registry()
    settings = parse_settings(
        {"verifiers": {"benchmark": {"judge": {"url": "http://judge.example/v1", "model": "j"}}}},
        "test",
    )
    env = Environment(settings, hub_token=True)
    runnable = Counter(
        bench for bench in claimed
        if (spec := registry.get(bench)) is not None and registry.availability(spec, env) is None
    )  # fmt: skip
    share = sum(runnable.values()) / len(claimed)
    assert share >= 0.70, (share, Counter(claimed) - runnable)


def test_the_share_without_code_and_judge_is_what_the_registry_says() -> None:
    if not LAUNCH_TEXTS.is_file():
        pytest.skip(f"{LAUNCH_TEXTS} is not here")
    claimed = _claimed_ids()
    registry = default_registry()
    env = Environment(hub_token=True)
    runs = [b for b in claimed if (s := registry.get(b)) and registry.availability(s, env) is None]
    assert {"mmlu", "gsm8k", "math", "ifeval", "gpqa", "gpqa-diamond", "bbh"} <= set(runs)
    assert "mt-bench" not in runs  # needs a judge
    assert len(runs) / len(claimed) > 0.5


@pytest.fixture
def hub() -> Iterator[Standin]:
    with hub_standin([], datasets=dataset_repos(sha=SHA, token="hf_granted", math=5)) as server:
        yield server


def test_gated_dataset_needs_access(hub: Standin, tmp_path: Path) -> None:
    with pytest.raises(HubDatasetError, match=r"^needs access: Idavidrein/gpqa is gated"):
        load_hub_task("GPQA Diamond", endpoint=hub.url, cache_dir=tmp_path)
    with pytest.raises(HubDatasetError, match="has not been granted access"):
        load_hub_task("gpqa", endpoint=hub.url, token="hf_other", cache_dir=tmp_path)
    task = load_hub_task("gpqa", endpoint=hub.url, token="hf_granted", cache_dir=tmp_path)
    assert (task.repo, task.revision, len(task.items)) == ("Idavidrein/gpqa", SHA, 448)
    item = task.items[0]
    assert len(item.choices) == 4 and item.family == "multiple_choice"
    # the right answer is not always first: the order is shuffled, fixed per item
    assert {i.answer for i in task.items} == {0, 1, 2, 3}


def test_math_and_ifeval_rows_read_in_their_real_schema(hub: Standin, tmp_path: Path) -> None:
    math = load_hub_task("MATH", endpoint=hub.url, cache_dir=tmp_path)
    assert len(math.items) == 5 and math.items[0].answer.startswith(("\\frac", "1", "2"))
    ifeval = load_hub_task("IFEval", endpoint=hub.url, cache_dir=tmp_path)
    item = ifeval.items[1]
    assert item.extra["instruction_id_list"] == [
        "change_case:english_lowercase",
        "startend:end_checker",
    ]
    assert item.extra["kwargs"][1]["end_phrase"] == "Is there anything else I can help with?"


class _Judge(StandinHandler):
    """An OpenAI-compatible judge: rates answers that say "good" 9, others 3."""

    def do_POST(self) -> None:
        body = json.loads(self.read_body())
        self.state["prompts"].append(body)
        prompt = body["messages"][-1]["content"]
        answer = prompt.split("[The Start of Assistant")[-1]
        verdict = "Rating: [[9]]" if "good" in answer else "Rating: [[3]]"
        if "[[A]]" in prompt:
            verdict = "[[B]]" if "good" in answer else "[[A]]"
        document: dict[str, Any] = {
            "id": "j",
            "object": "chat.completion",
            "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": verdict},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }  # fmt: skip
        self.send_json(200, document)


async def test_judged_needs_a_judge_and_grades_through_it() -> None:
    family = JudgedFamily()
    assert str(family.unavailable(Environment())).startswith("needs a judge")
    with serve(_Judge, prompts=[]) as judge:
        settings = parse_settings(
            {"network": {"allowlist": ["127.0.0.1/32"]},
             "verifiers": {"benchmark": {"judge": {"url": judge.url + "/v1", "model": "j1"}}}},
            "test",
        )  # fmt: skip
        from hypewatch.net import NetConfig

        env = Environment(settings, net=NetConfig(allow_private=True))
        assert family.unavailable(env) is None
        single = TaskItem("1", "Explain tides.", "", family="judged", extra={"mode": "single"})
        pair = TaskItem(
            "2", "Say hi.", "", family="judged", extra={"mode": "pairwise", "baseline": "Hi."}
        )
        async with family.scorer(env) as scorer:
            good = await scorer.score("A good answer about the moon.", single)
            poor = await scorer.score("Tides happen.", single)
            win = await scorer.score("Hello, a good greeting!", pair)
            loss = await scorer.score("Go away.", pair)
        assert (good.value, good.parsed, poor.value) == (0.9, "9/10", 0.3)
        assert (win.value, loss.value) == (1.0, 0.0)
        assert judge.server.state["prompts"][0]["model"] == "j1"
    unreadable = read_verdict(single, "I refuse to rate.")
    assert unreadable.parsed is None and unreadable.value == 0.0


async def test_a_judged_claim_gets_a_verdict_through_the_judge() -> None:
    """MT-Bench 8.5 (0-10 scale) claimed; the model's answers are judged 3 or 9 (mean
    well below 8.3): `failed`, by the bounded-means test, the judge in the evidence."""
    from hypewatch.standins.openai_bench import Behaviour, serve_bench
    from hypewatch.verifiers.benchmark.catalog.judged import _mt_bench
    from hypewatch.verifiers.benchmark.runner import RunPlan
    from hypewatch.verifiers.benchmark.verifier import LoadedTask, Target, measure, open_scorer

    rows = [{"prompt": [f"Question {i}: explain something.", "Now shorter."], "prompt_id": i,
             "category": "writing", "reference": []} for i in range(300)]  # fmt: skip
    items = [_mt_bench(row, i) for i, row in enumerate(rows)]
    task = LoadedTask("mt-bench", items, {}, "judged", "", 10.0)
    with (
        serve(_Judge, prompts=[]) as judge,
        serve_bench(items, Behaviour(p_correct=0.5, model="m")) as model,
    ):
        settings = parse_settings(
            {"verifiers": {"benchmark": {"judge": {"url": judge.url + "/v1", "model": "j1"}}}},
            "test",
        )
        from hypewatch.net import NetConfig

        net = NetConfig(allow_private=True)
        async with open_scorer(task, Environment(settings, net=net)) as scorer:
            result = await measure(
                items, Target(model.url + "/v1", "m"), RunPlan(claimed=85.0, max_items=300),
                net=net, concurrency=8, max_tokens=256, task="mt-bench", scorer=scorer,
            )  # fmt: skip
    assert result.bounded and result.verdict == "failed", result.summary()
    assert 40 < (result.accuracy or 0) < 75  # mean of 30 % and 90 % ratings
