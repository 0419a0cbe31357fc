"""A claim made under a protocol the runner does not reproduce is never `failed`.

A maj@64 score, or a value on the Open LLM Leaderboard v2's rescaled scale (GPQA 3.47 means
about 28 % correct), measured as one greedy sample per item would read as a miss. The
verifier says why it does not compare them, and asks the endpoint nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hypewatch.extractors.extractor import Extractor
from hypewatch.models import Claim, ClaimKind, VerdictStatus
from hypewatch.standins.openai_bench import Behaviour, serve_bench
from hypewatch.verifiers.benchmark.prompts import unreproduced
from hypewatch.verifiers.benchmark.tasks import parse_lines
from hypewatch.verifiers.benchmark.verifier import BenchmarkVerifier
from tests.benchmark.conftest import MODEL, make_rows, write_task
from tests.benchmark.test_hub_verifier import context, score, settings_for

LEADERBOARD_CARD = """\
# Syndicate-7B

A fine-tune for general chat.

| Benchmark | Result |
|---|---|
| GSM8K | 44.50 |

# Open LLM Leaderboard Evaluation Results
Detailed results can be found [here](https://huggingface.co/datasets/open-llm-leaderboard/details)

|      Metric       |Value|
|-------------------|----:|
|Avg.               |13.85|
|IFEval (0-Shot)    |24.96|
|BBH (3-Shot)       |20.51|
|MATH Lvl 5 (4-Shot)| 2.42|
|GPQA (0-shot)      | 3.47|
|MuSR (0-shot)      |13.62|
|MMLU-PRO (5-shot)  |18.13|
"""


@pytest.mark.parametrize(
    ("setting", "why"),
    [
        ("maj@64", "maj@64"),
        ("0-shot, cons@32", "cons@32"),
        ("pass@10", "pass@10"),
        ("0-shot, open-llm-leaderboard-v2", "Open LLM Leaderboard v2"),
    ],
)
def test_settings_the_runner_does_not_reproduce_are_named(setting: str, why: str) -> None:
    assert why in (unreproduced(setting) or "")


@pytest.mark.parametrize(
    "setting", ["", "8-shot, cot", "pass@1", "maj@1", "avg@8", "strict-prompt"]
)
def test_settings_the_runner_reproduces_pass(setting: str) -> None:
    assert unreproduced(setting) is None


def test_leaderboard_v2_values_carry_the_protocol_and_v1_style_tables_do_not() -> None:
    result = Extractor().extract(LEADERBOARD_CARD, "huggingface", "someone/Syndicate-7B")
    settings = {s.benchmark: s.setting for s in result.scores}
    for bench in ("ifeval", "bbh", "gpqa", "musr", "mmlu-pro"):
        assert "open-llm-leaderboard-v2" in settings[bench], bench
    assert "open-llm-leaderboard" not in settings["gsm8k"]  # the card's own table


def test_model_index_results_sourced_from_the_leaderboard_carry_the_protocol() -> None:
    card = """---
model-index:
- name: Syndicate-7B
  results:
  - dataset: {name: GPQA (0-shot), type: Idavidrein/gpqa}
    metrics: [{type: acc_norm, value: 3.47, name: acc_norm}]
    source:
      url: https://huggingface.co/spaces/open-llm-leaderboard/open_llm_leaderboard
      name: Open LLM Leaderboard
  - dataset: {name: GPQA (0-shot), type: Idavidrein/gpqa}
    metrics: [{type: acc, value: 31.2}]
    source: {name: our own run, url: https://example.org/evals}
---
# Syndicate-7B
"""
    result = Extractor().extract(card, "huggingface", "someone/Syndicate-7B")
    by_value = {s.value: s.setting for s in result.scores if s.benchmark == "gpqa"}
    assert "open-llm-leaderboard-v2" in by_value[3.47]
    assert "open-llm-leaderboard" not in by_value.get(31.2, "")


async def test_incomparable_claims_are_unverifiable_and_cost_no_request(tmp_path: Path) -> None:
    rows = make_rows(200)
    write_task(tmp_path / "gsm8k.jsonl", rows)
    items = parse_lines([json.dumps(r) for r in rows], "t")
    settings = settings_for(tasks_dir=str(tmp_path))
    verifier = BenchmarkVerifier(settings.verifiers.benchmark)
    with serve_bench(items, Behaviour(p_correct=0.4, model=MODEL)) as server:
        ctx = context(settings, endpoint=server.url + "/v1", model=MODEL)
        voted = await verifier.verify(score("GSM8K", 92.0, "maj@64"), ctx)
        assert len(server.requests) == 0
        plain = await verifier.verify(score("GSM8K", 92.0, "8-shot CoT"), ctx)
        assert len(server.requests) > 0
    assert voted.status is VerdictStatus.UNVERIFIABLE
    assert "maj@64" in voted.summary
    assert plain.status is VerdictStatus.FAILED  # the same endpoint, a comparable claim


async def test_an_extracted_leaderboard_value_never_reaches_the_runner(tmp_path: Path) -> None:
    extracted = Extractor().extract(LEADERBOARD_CARD, "huggingface", "someone/Syndicate-7B")
    gpqa = next(s for s in extracted.scores if s.benchmark == "gpqa")
    claim = Claim(
        1,
        1,
        ClaimKind.SCORE,
        "score:gpqa",
        benchmark="gpqa",
        setting=gpqa.setting,
        value=gpqa.value,
    )
    settings = settings_for(tasks_dir=str(tmp_path))
    verdict = await BenchmarkVerifier(settings.verifiers.benchmark).verify(
        claim, context(settings, endpoint="http://127.0.0.1:9/v1", model=MODEL)
    )
    assert verdict.status is VerdictStatus.UNVERIFIABLE
    assert "Open LLM Leaderboard v2" in verdict.summary
