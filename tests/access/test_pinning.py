"""Revision pinning: a benchmark verdict names the weights revision it was pinned to, and a
re-upload queues the benchmark again for the new revision (the pipeline's doing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hypewatch.bot.app import build_pipeline
from hypewatch.config import parse_settings
from hypewatch.models import ClaimKind, VerdictStatus
from hypewatch.standins import hub_models as hm
from hypewatch.standins.hf_router import serve_router
from hypewatch.standins.hub import HubRepo, hub_standin, provider_mapping
from hypewatch.standins.openai_bench import Behaviour
from hypewatch.storage import Store
from hypewatch.verifiers.benchmark.tasks import load_task
from hypewatch.verifiers.weights.hub import HubClient
from tests.benchmark.conftest import make_rows, write_task

REPO = "org/pinned-1b"
SHAPE = hm.Shape(layers=1, hidden=16, intermediate=32, vocab=64)


async def test_reupload_requeues_the_benchmark_for_the_new_revision(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIN_TEST_TOKEN", "hf_pin")
    items = load_task(write_task(tmp_path / "mmlu.jsonl", make_rows(120)))
    files = hm.repo_files(hm.llama_like(SHAPE, seed=1), SHAPE)
    repo = HubRepo(REPO, files, providers=[provider_mapping("exact-co", REPO)])
    with (
        hub_standin([repo]) as hub,
        serve_router(
            items, REPO, "exact-co", token="hf_pin", behaviour=Behaviour(p_correct=0.95)
        ) as router,
    ):
        settings = parse_settings(
            {
                "network": {"allowlist": ["127.0.0.1/32"], "retries": 0},
                "hub": {"endpoint": hub.url, "token_env": "PIN_TEST_TOKEN"},
                "extraction": {"use_embeddings": False},
                "access": {"router_url": f"{router.url}/v1"},
                "verifiers": {"benchmark": {"tasks_dir": str(tmp_path), "max_items": 120}},
            }
        )
        pipeline = build_pipeline(settings, store)
        launch = store.create_launch("pinned", "Pinned 1B", hf_repo=REPO)
        assert pipeline.check_revisions(launch, HubClient(hub.url)) == []  # first sighting
        first = repo.sha
        claim, _ = store.add_claim(
            launch.id, ClaimKind.SCORE, "score:mmlu", benchmark="mmlu", value=85.0
        )
        assert pipeline.queue_claim(claim, launch, "benchmark") == 1
        outcome = await pipeline.run_next()
        assert outcome is not None and outcome.verdict.status is VerdictStatus.REPLICATED
        assert outcome.verdict.evidence["weights_revision"] == first
        assert f"Weights revision {first[:12]} pinned" in outcome.verdict.summary

        retrained = hm.repo_files(hm.llama_like(SHAPE, seed=2), SHAPE)
        repo.push(retrained, "re-upload")
        events = pipeline.check_revisions(launch, HubClient(hub.url))
        assert events and repo.sha != first
        again = await pipeline.run_next()
        assert again is not None and again.verifier == "benchmark"
        assert again.verdict.evidence["weights_revision"] == repo.sha
    history = store.verdicts_for_claim(claim.id)
    assert [v.evidence["weights_revision"] for _, v in history] == [first, repo.sha]
