"""What deserves a thread: significance, the old-repo rule, the daily thread budget, the
digest's "no thread" list, and a realistic day on the Hub replayed end to end."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import BaseModel

from hypewatch.bot.app import build_pipeline
from hypewatch.bot.digest import build_digest, render_text
from hypewatch.bot.timeline import launch_timeline
from hypewatch.config import parse_settings
from hypewatch.events import ArtifactAttached
from hypewatch.extractors.extractor import Extractor
from hypewatch.models import (
    Claim,
    ClaimKind,
    Cost,
    EventKind,
    Post,
    Verdict,
    VerdictStatus,
    utcnow,
)
from hypewatch.significance import thread_report
from hypewatch.storage import QueueState, Store, delivery
from hypewatch.verifiers.base import RegisteredVerifier
from tests.support.day_replay import DESTINATIONS, replay_day
from tests.support.hub_day import KINDS, NEW_LABS

CARD = """---
license: apache-2.0
---
{repo}

# {name}

{org} releases {name}, a 7B parameter language model.

| Benchmark | {name} | Llama-3.1-8B |
|---|---|---|
| MMLU | 71.2 | 66.7 |
| GSM8K | 84.1 | 80.2 |
"""


def _hub_post(repo: str, created_days_ago: float, likes: int = 0) -> Post:
    org, name = repo.split("/")
    created = utcnow() - timedelta(days=created_days_ago)
    return Post(
        "huggingface",
        repo,
        CARD.format(repo=repo, name=name, org=org),
        author=org,
        created_at=created,
        engagement={"likes": likes, "downloads": 10, "trending_score": 0},
        raw={"repo": repo, "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.%fZ")},
    )


QUANT_CARD = """---
base_model: {base}
base_model_relation: quantized
tags: [gguf]
---
{repo}

## GGUF quantizations of {base}

Pick the file that fits your RAM.

# Original model card below

""" + CARD.split("---\n", 2)[2].split("\n", 2)[2]  # the copied card, below its repo line


def _quant_post(repo: str, base: str) -> Post:
    org, name = base.split("/")
    text = QUANT_CARD.format(repo=repo, base=base, name=name, org=org)
    return Post(
        "huggingface",
        repo,
        text,
        author=repo.split("/")[0],
        engagement={"likes": 40, "downloads": 5000, "trending_score": 3},
        raw={"repo": repo, "base_model": base, "base_model_relation": "quantized"},
    )


def _settings(**filters: object):  # type: ignore[no-untyped-def]
    return parse_settings(
        {
            "extraction": {"use_embeddings": False},
            "notifiers": {
                "console": {"enabled": False},
                "slack": [
                    {"name": "news", "channel": "C1", "token_env": "SLACK_X", "filters": filters}
                ],
            },
        }
    )


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    """Built once for the module: it loads the spaCy pipeline (seconds)."""
    return Extractor(_settings().extraction)


def _register(store: Store, settings) -> None:  # type: ignore[no-untyped-def]
    from hypewatch.bot.notifiers.factory import register_destinations

    register_destinations(settings, store)


def test_known_org_launch_gets_a_thread_personal_finetune_does_not(
    store: Store, extractor: Extractor
) -> None:
    settings = _settings()
    _register(store, settings)
    pipeline = build_pipeline(settings, store, registry={}, extractor=extractor)
    store.upsert_post(_hub_post("Qwen/Orion-7B", 0.1, likes=200))
    store.upsert_post(_hub_post("someone/Nimbus-7B", 0.1, likes=1))
    pipeline.process_pending()
    big, small = (store.find_launch(r) for r in ("Qwen/Orion-7B", "someone/Nimbus-7B"))
    assert big.significance is not None and big.significance >= 40
    assert any("known organisation" in r for r in big.significance_reasons)
    assert small.significance is not None and small.significance < 40
    assert delivery.has_launch_rows(store, "slack:news", big.id)
    assert not delivery.has_launch_rows(store, "slack:news", small.id)
    [report] = thread_report(store, small)
    assert report["thread"] is False and "< 40: no thread" in report["why"]
    kinds = [e.kind for e in store.events(big.id)]
    assert EventKind.SIGNIFICANCE in kinds


def test_old_repo_is_recorded_not_announced_until_a_new_claim(
    store: Store, extractor: Extractor
) -> None:
    settings = _settings()
    _register(store, settings)
    pipeline = build_pipeline(settings, store, registry={}, extractor=extractor)
    store.upsert_post(_hub_post("mistralai/Classic-7B", 400, likes=5000))
    pipeline.process_pending()
    launch = store.find_launch("mistralai/Classic-7B")
    assert launch.significance == 0
    assert launch.significance_reasons[0].startswith("old repo: created")
    assert not delivery.has_launch_rows(store, "slack:news", launch.id)
    text = "Classic 7B now scores 41.0 on GPQA after the v2 update https://huggingface.co/mistralai/Classic-7B"
    store.upsert_post(Post("x", "77", text, author="mistralai"))
    pipeline.process_pending()
    launch = store.get_launch(launch.id)
    assert launch.significance is not None and launch.significance >= 40
    assert delivery.has_launch_rows(store, "slack:news", launch.id)


def test_daily_budget_holds_back_the_rest_and_the_digest_lists_it(
    store: Store, extractor: Extractor
) -> None:
    settings = _settings(max_threads_per_day=1)
    _register(store, settings)
    pipeline = build_pipeline(settings, store, registry={}, extractor=extractor)
    for repo in ("Qwen/Orion-7B", "google/Vela-7B"):
        store.upsert_post(_hub_post(repo, 0.1, likes=300))
    pipeline.process_pending()
    threaded = [
        launch.hf_repo
        for launch in store.launches()
        if delivery.has_launch_rows(store, "slack:news", launch.id)
    ]
    assert threaded == ["Qwen/Orion-7B"]
    digest = build_digest(store)
    assert [u.name for u in digest.unthreaded] == ["Vela-7B"]
    assert "NO THREAD (1" in render_text(digest)
    [report] = thread_report(store, store.find_launch("google/Vela-7B"))
    assert "budget of 1 threads" in report["why"]


def test_quantisations_attach_to_their_base_launch_even_when_they_come_first(
    store: Store, extractor: Extractor
) -> None:
    settings = _settings()
    _register(store, settings)
    pipeline = build_pipeline(settings, store, registry={}, extractor=extractor)
    store.upsert_post(_quant_post("bartowski-x/Orion-7B-GGUF", "Qwen/Orion-7B"))
    pipeline.process_pending()
    assert store.launches() == []  # a conversion is not a launch, and its base is not known
    store.upsert_post(_hub_post("Qwen/Orion-7B", 0.1, likes=200))
    store.upsert_post(_quant_post("mlx-x/Orion-7B-MLX-4bit", "Qwen/Orion-7B"))
    pipeline.process_pending()
    [launch] = store.launches()
    artifacts = [e for e in store.events(launch.id) if isinstance(e.payload, ArtifactAttached)]
    assert [(a.payload.repo, a.payload.relation) for a in artifacts] == [
        ("bartowski-x/Orion-7B-GGUF", "quantized"),
        ("mlx-x/Orion-7B-MLX-4bit", "quantized"),
    ]
    assert artifacts[0].payload.evidence == "base_model_relation"
    # the copied table stays the base's: its claims all come from its own card
    assert {c.post_key for c in store.claims(launch_id=launch.id)} == {"huggingface:Qwen/Orion-7B"}
    assert not any("GGUF" in reason for reason in launch.significance_reasons)
    # on the ledger's timeline and in `hypewatch show`, never in a thread
    texts = [entry.text for entry in launch_timeline(store, launch.id)]
    assert any(t.startswith("Quantisation published: bartowski-x/Orion-7B-GGUF") for t in texts)
    assert delivery.has_launch_rows(store, "slack:news", launch.id)
    routed = {row.event_id for row in delivery.outbox_rows(store, "slack:news")}
    assert routed and not routed & {a.id for a in artifacts}
    # seen again (the trending list), still attached once
    assert pipeline.attach_derivatives(store.get_launch(launch.id)) == 0


@pytest.mark.filterwarnings("ignore")
def test_a_day_on_the_hub(tmp_path: Path, extractor: Extractor) -> None:
    """A sample of a day with every kind of repo in it (bench/bench_significance.py replays
    the full 1,500): the launches get threads, the rest do not, no quantisation or adapter
    carries its base's scores, launches head the queue."""
    result = replay_day(tmp_path, n=60, step_hours=4, extractor=extractor)
    kinds = {label.kind for label in result.day.labels.values()}
    assert kinds == set(KINDS)  # launches, every derivative kind, empty cards, old repos
    launches = result.day.launches()
    assert len(launches) >= 3 and result.repos >= 60
    assert any(r.split("/")[0] in NEW_LABS for r in launches)  # one only X/Reddit vouch for
    assert result.launch_share >= 0.95
    assert result.other_share <= 0.02
    assert result.copied_scores == []
    assert result.attached >= 5 and result.unattached == []  # on their base's timeline
    assert set(result.threads_per_destination) == set(DESTINATIONS)
    assert result.queue_head and result.queue_head[0] in launches
    old = [r for r, label in result.day.labels.items() if label.kind == "old"]
    assert old and not any(result.threads[r][DESTINATIONS[0]] for r in old)


class _Fetching:
    """Stands in for the weights verifier's cost: each check fetched 600 bytes."""

    name: ClassVar[str] = "weights"
    kinds: ClassVar[frozenset[ClaimKind]] = frozenset({ClaimKind.SCORE})
    config_model: ClassVar[type[BaseModel]] = BaseModel
    calls: ClassVar[int] = 0

    def __init__(self, config: BaseModel) -> None:
        pass

    @classmethod
    def unavailable(cls, settings: object) -> str | None:
        return None

    async def verify(self, claim: Claim, ctx: object) -> Verdict:
        type(self).calls += 1
        return Verdict(VerdictStatus.INCONCLUSIVE, "checked", cost=Cost(bytes=600))


async def test_weights_checks_wait_for_tomorrow_once_the_daily_bytes_are_spent(
    store: Store, extractor: Extractor
) -> None:
    settings = parse_settings(
        {"extraction": {"use_embeddings": False}, "significance": {"weights_daily_bytes": 1000}}
    )
    registry = {"weights": RegisteredVerifier("weights", "t:F", "t", _Fetching, None)}  # type: ignore[arg-type]
    pipeline = build_pipeline(settings, store, registry=registry, extractor=extractor)
    store.upsert_post(_hub_post("Qwen/Orion-7B", 0.1, likes=200))  # MMLU and GSM8K claims
    pipeline.process_pending()
    first = await pipeline.run_next()
    second = await pipeline.run_next()
    assert first is not None and second is not None and _Fetching.calls == 2  # 1,200 bytes
    store.upsert_post(_hub_post("google/Vela-7B", 0.1, likes=200))
    pipeline.process_pending()
    held = []
    while (outcome := await pipeline.run_next()) is not None:
        held.append(outcome.verdict.label)
    assert held and set(held) == {"daily budget spent"} and _Fetching.calls == 2
    waiting = store.verifications_in(QueueState.QUEUED)
    assert len(waiting) == len(held)
    assert all(w.not_before is not None and w.not_before > utcnow() for w in waiting)
