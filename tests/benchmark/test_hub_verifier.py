from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hypewatch.config import Settings, parse_settings
from hypewatch.models import Claim, ClaimKind, VerdictStatus
from hypewatch.net import NetConfig
from hypewatch.standins.http import Standin, serve
from hypewatch.standins.hub_datasets import HubDatasetsHandler, parquet_bytes
from hypewatch.standins.openai_bench import Behaviour, serve_bench
from hypewatch.storage import Store
from hypewatch.verifiers.base import VerifierContext, build, discover
from hypewatch.verifiers.benchmark.hub_datasets import HubDatasetError, load_hub_task
from hypewatch.verifiers.benchmark.tasks import parse_lines
from hypewatch.verifiers.benchmark.verifier import BenchmarkVerifier
from tests.benchmark.conftest import MODEL, make_rows, write_task

SHA = "0123456789abcdef0123456789abcdef01234567"


def mmlu_rows(count: int) -> list[dict[str, Any]]:
    return [
        {
            "question": f"MMLU item {i}: pick one.",
            "subject": "x",
            "choices": [f"c{j}-{i}" for j in range(4)],
            "answer": i % 4,
        }
        for i in range(count)
    ]


def gsm_rows(count: int) -> list[dict[str, Any]]:
    return [
        {"question": f"GSM item {i}: 1000 + {i}?", "answer": f"Add them.\n#### {1000 + i:,}"}
        for i in range(count)
    ]


def arc_rows(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"arc-{i}",
            "question": f"ARC item {i}?",
            "choices": {"text": ["w", "x", "y", "z"], "label": ["1", "2", "3", "4"]},
            "answerKey": str(1 + i % 4),
        }
        for i in range(count)
    ]


@pytest.fixture
def hub() -> Iterator[Standin]:
    repos = {
        "cais/mmlu": {
            "sha": SHA,
            "files": {
                "all/test-00000-of-00001.parquet": parquet_bytes(mmlu_rows(300)),
                "all/dev-00000-of-00001.parquet": parquet_bytes(mmlu_rows(5)),
            },
        },
        "openai/gsm8k": {
            "sha": SHA,
            "files": {
                "main/test-00000-of-00001.parquet": parquet_bytes(gsm_rows(20)),
            },
        },
        "allenai/ai2_arc": {
            "sha": SHA,
            "files": {
                "ARC-Challenge/test-00000-of-00001.parquet": parquet_bytes(arc_rows(8)),
            },
        },
    }
    with serve(HubDatasetsHandler, repos=repos) as server:
        yield server


def test_hub_loader_reads_pinned_parquet(hub: Standin, tmp_path: Path) -> None:
    mmlu = load_hub_task("MMLU", endpoint=hub.url, cache_dir=tmp_path)
    assert (mmlu.repo, mmlu.revision, mmlu.files) == (
        "cais/mmlu",
        SHA,
        ("all/test-00000-of-00001.parquet", "all/dev-00000-of-00001.parquet"),
    )
    scored = [item for item in mmlu.items if not item.fewshot]
    assert len(scored) == 300 and len(mmlu.items) == 305  # the dev split: 5 exemplars
    assert {item.family for item in mmlu.items} == {"multiple_choice"}
    assert scored[5].answer == 1
    gsm = load_hub_task("gsm8k", endpoint=hub.url, revision=SHA, cache_dir=tmp_path)
    assert gsm.items[3].answer == "1003"
    assert gsm.items[3].explanation == "Add them."
    arc = load_hub_task("ARC-Challenge", endpoint=hub.url, cache_dir=tmp_path)
    assert arc.items[2].id == "arc-2"
    assert arc.items[2].answer == 2
    before = len(hub.requests)
    load_hub_task("MMLU", endpoint=hub.url, revision=SHA, cache_dir=tmp_path)
    assert not [r for r in hub.requests[before:] if r.method == "GET" and "/resolve/" in r.path]


def test_hub_loader_errors_are_clear(hub: Standin, tmp_path: Path) -> None:
    with pytest.raises(HubDatasetError, match="cannot fetch cais/mmlu"):
        load_hub_task("mmlu", endpoint=hub.url, revision="f" * 40, cache_dir=tmp_path)
    with pytest.raises(HubDatasetError, match="no Hub loader for benchmark 'Chatbot Arena'"):
        load_hub_task("Chatbot Arena", endpoint=hub.url, cache_dir=tmp_path)


def score(benchmark: str, value: float, setting: str = "") -> Claim:
    return Claim(
        1,
        1,
        ClaimKind.SCORE,
        f"score:{benchmark}",
        benchmark=benchmark,
        setting=setting,
        value=value,
    )


def settings_for(**benchmark: Any) -> Settings:
    return parse_settings({"verifiers": {"benchmark": benchmark}})


def context(settings: Settings, **fields: Any) -> VerifierContext:
    return VerifierContext(settings=settings, net=NetConfig(allow_private=True), **fields)


async def test_verifier_runs_a_task_file_and_stores_the_audit_trail(
    tmp_path: Path, store: Store
) -> None:
    rows = make_rows(400)
    write_task(tmp_path / "gsm8k.jsonl", rows)
    items = parse_lines([json.dumps(r) for r in rows], "t")
    settings = settings_for(tasks_dir=str(tmp_path))
    verifier = build(discover(settings)["benchmark"], settings)
    assert isinstance(verifier, BenchmarkVerifier)
    with serve_bench(items, Behaviour(p_correct=0.55, model=MODEL)) as server:
        ctx = context(settings, endpoint=server.url + "/v1", model=MODEL)
        verdict = await verifier.verify(score("GSM8K", 92.0, "8-shot CoT"), ctx)
    assert verdict.status is VerdictStatus.FAILED
    assert verdict.ci_high is not None
    assert verdict.ci_high < 90.0
    assert verdict.sample_size == len([a for a in verdict.artifacts if a["used"]])
    assert verdict.evidence["source"]["kind"] == "file"
    assert verdict.evidence["setting"] == "8-shot, CoT"
    assert verdict.cost.requests >= verdict.sample_size
    launch = store.create_launch("m", "M")
    claim, _ = store.add_claim(
        launch.id, ClaimKind.SCORE, "score:gsm8k", benchmark="gsm8k", value=92.0
    )
    vid = store.enqueue_verification(claim.id, "benchmark")
    store.finish_verification(vid, verdict)
    stored = store.artifacts(vid)
    assert stored == verdict.artifacts
    assert {"prompt_sha256", "reply", "parsed", "correct"} <= set(stored[0])


async def test_verifier_uses_the_hub_and_a_configured_endpoint(
    hub: Standin, tmp_path: Path
) -> None:
    spec = load_hub_task("mmlu", endpoint=hub.url, cache_dir=tmp_path / "c1")
    with serve_bench(spec.items, Behaviour(p_correct=0.95, model=MODEL)) as server:
        settings = parse_settings(
            {
                "hub": {"endpoint": hub.url},
                "verifiers": {
                    "benchmark": {
                        "dataset_cache_dir": str(tmp_path / "c2"),
                        "endpoints": [
                            {"repo_pattern": "org/*", "url": server.url + "/v1", "model": MODEL}
                        ],
                    }
                },
            }
        )
        verifier = BenchmarkVerifier(settings.verifiers.benchmark)
        verdict = await verifier.verify(
            score("MMLU", 85.0), context(settings, hf_repo="org/model-7b")
        )
    assert verdict.status is VerdictStatus.REPLICATED
    assert verdict.evidence["source"] == {
        "kind": "hub",
        "repo": "cais/mmlu",
        "revision": SHA,
        "files": ["all/test-00000-of-00001.parquet", "all/dev-00000-of-00001.parquet"],
    }
    assert verdict.evidence["family"] == "multiple_choice"
    assert verdict.evidence["setting"] == "5-shot, default"  # the task's default setting


async def test_unverifiable_without_endpoint_task_or_permission(tmp_path: Path) -> None:
    write_task(tmp_path / "mmlu.jsonl", make_rows(10))
    settings = settings_for(tasks_dir=str(tmp_path), hub_datasets=False)
    verifier = BenchmarkVerifier(settings.verifiers.benchmark)
    no_endpoint = await verifier.verify(score("MMLU", 80.0), context(settings))
    assert no_endpoint.status is VerdictStatus.UNVERIFIABLE
    assert "no endpoint" in no_endpoint.summary
    ctx = context(settings, endpoint="http://127.0.0.1:9/v1", model=MODEL)
    no_task = await verifier.verify(score("GPQA", 50.0), ctx)
    assert no_task.status is VerdictStatus.UNVERIFIABLE
    assert "no task" in no_task.summary
    guarded = VerifierContext(
        settings=settings, net=NetConfig(), endpoint="http://127.0.0.1:9/v1", model=MODEL
    )
    refused = await verifier.verify(score("MMLU", 80.0), guarded)
    assert refused.status is VerdictStatus.UNVERIFIABLE
    assert "--allow-private" in refused.summary
    (tmp_path / "bad.jsonl").write_text('{"id": 1}\n', encoding="utf-8")
    broken = await verifier.verify(score("bad", 80.0), ctx)
    assert broken.status is VerdictStatus.UNVERIFIABLE
    assert "bad.jsonl:1" in broken.summary


def test_disabled_verifier_says_why() -> None:
    settings = settings_for(enabled=False)
    assert "disabled" in (BenchmarkVerifier.unavailable(settings) or "")
    assert BenchmarkVerifier.unavailable(Settings()) is None
