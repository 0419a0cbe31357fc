from __future__ import annotations

from typing import Any

import pytest

from hypewatch.extractors.extractor import CONTRACT_KEYS, Extractor
from hypewatch.models import ClaimKind


def test_launch_post_fields(extractor: Extractor) -> None:
    text = (
        "Introducing Vireo 70B, fine-tuned from Llama 3.1 70B. MMLU 88.1, GSM8K 99.5 (8-shot). "
        "Beats GPT-4o and matches Claude 3.5 Sonnet. "
        "Open weights: https://huggingface.co/vireo/Vireo-70B API: https://api.vireo.ai/v1 "
        "paper https://arxiv.org/abs/2401.00001 demo https://huggingface.co/spaces/vireo/chat "
        "blog https://vireo.ai/blog"
    )
    found = extractor.extract(text, "x", "42")
    data = found.to_json()
    assert set(data) == CONTRACT_KEYS
    assert data["is_claim"] is True
    assert data["model"] == "Vireo 70B"
    assert data["params_b"] == 70.0
    assert data["base_model"] == "Llama 3.1 70B"
    assert data["comparisons"] == [
        {"relation": "beats", "model": "GPT-4o"},
        {"relation": "matches", "model": "Claude 3.5 Sonnet"},
    ]
    assert [link["kind"] for link in data["links"]] == [
        "hf_repo",
        "endpoint",
        "paper",
        "demo",
        "other",
    ]
    assert "above_noise_ceiling:gsm8k" in data["flags"]
    assert found.hf_repo == "vireo/Vireo-70B"
    assert found.open_weights


def test_moe_total_and_active_parameters(extractor: Extractor) -> None:
    found = extractor.extract("Introducing Stratus-MoE: 671B total, 37B active. MMLU 80.0", "x")
    assert found.params_b == 671.0
    assert found.active_params_b == 37.0


def test_claim_specs_are_ready_for_the_store(extractor: Extractor) -> None:
    text = (
        "We release Wren-8B, built on Mistral-7B-v0.3. GSM8K maj@8 90.8, the best model in "
        "the world. Apache 2.0 open weights. Outperforms Gemma 2 9B."
    )
    specs = extractor.extract(text, "x").claim_specs()
    by_kind = {spec.kind: spec for spec in specs}
    score = by_kind[ClaimKind.SCORE]
    assert (score.key, score.benchmark, score.setting, score.value) == (
        "score:gsm8k:maj@8",
        "gsm8k",
        "maj@8",
        90.8,
    )
    assert "superlative" in score.flags
    assert by_kind[ClaimKind.BASE_MODEL].subject == "Mistral-7B-v0.3"
    assert by_kind[ClaimKind.COMPARISON].key == "comparison:beats:gemma-2-9b"
    assert ClaimKind.OPEN_WEIGHTS in by_kind


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("I ran it myself: it does NOT get 89.9, it gets 79.", "debunk"),
        ("Independent evals of Vireo 70B: MMLU 79.1, GSM8K 84.0.", "third_party_measurement"),
        ("Does Vireo 70B really score 88.1 on MMLU? Seems high.", "question"),
        ("Vireo 70B on 4xA100: 31 tok/s, $0.90 per million tokens.", "speed_or_price_report"),
        ("Vireo Labs raised $40M in a Series A at a $400M valuation.", "funding_news"),
        ("Leaked: GPT-6 scores 97.0 on MMLU.", "rumor"),
    ],
)
def test_number_heavy_non_claims(extractor: Extractor, text: str, reason: str) -> None:
    found = extractor.extract(text, "reddit")
    assert found.is_claim is False
    assert found.scores == []
    assert found.claim_specs() == []
    assert f"not_claim:{reason}" in found.flags


def test_dev_set_quality_meets_target(
    extractor: Extractor, dev_posts: list[dict[str, Any]]
) -> None:
    """The dev set's triples and claim labels (bench/bench_extraction.py reports the numbers)."""
    assert len(dev_posts) >= 60
    assert sum(not p["expected"]["is_claim"] for p in dev_posts) >= 15
    tp = fp = fn = right = 0
    for post in dev_posts:
        found = extractor.extract(post["text"], post["source"], post["id"])
        got = {(s.benchmark, round(s.value, 2)) for s in found.scores}
        want = {(s["benchmark"], round(float(s["value"]), 2)) for s in post["expected"]["scores"]}
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
        right += found.is_claim == post["expected"]["is_claim"]
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.95
    assert recall >= 0.95
    assert right / len(dev_posts) >= 0.95


@pytest.mark.parametrize(
    ("text", "model"),
    [
        ("Tested Tern-7B myself: MMLU 64.0, not 71.2 as claimed.", "Tern-7B"),
        ("Benchmarked Llama 3.1 8B on my Mac: 41 tok/s.", "Llama 3.1 8B"),
    ],
)
def test_a_sentence_initial_verb_is_not_part_of_the_model_name(
    extractor: Extractor, text: str, model: str
) -> None:
    assert extractor.extract(text, "reddit", "p").model == model
