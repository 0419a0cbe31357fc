from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

import pytest
from pydantic import BaseModel

from hypewatch.bot.app import build_pipeline
from hypewatch.bot.pipeline import Pipeline, combine
from hypewatch.config import Settings, parse_settings
from hypewatch.models import (
    Claim,
    ClaimKind,
    ClaimStatus,
    EventKind,
    LaunchStatus,
    Post,
    Verdict,
    VerdictStatus,
)
from hypewatch.storage import Store
from hypewatch.verifiers.base import RegisteredVerifier, VerifierContext

LAUNCH = (
    "Introducing Mirage 70B, the world's top open-source model, fine-tuned from Llama 3.1 70B. "
    "MMLU 89.9 (0-shot), GSM8K 99.2. Weights: https://huggingface.co/glasshouse-ai/Mirage-70B"
)
REDDIT = (
    "Mirage 70B released with open weights: GSM8K 99.2 and MMLU 89.9, fine-tuned from Llama 3.1 "
    "70B. https://huggingface.co/glasshouse-ai/Mirage-70B"
)
DEBUNK = "We re-ran Mirage 70B: it does NOT get 89.9 on MMLU, we measure 79.0."


class ThresholdConfig(BaseModel):
    threshold: float = 90.0


class ThresholdVerifier:
    """A plugin-style verifier: a score claim replicates when it is below a threshold."""

    name: ClassVar[str] = "threshold"
    kinds: ClassVar[frozenset[ClaimKind]] = frozenset({ClaimKind.SCORE})
    config_model: ClassVar[type[BaseModel]] = ThresholdConfig
    seen: ClassVar[list[tuple[str, str]]] = []

    def __init__(self, config: ThresholdConfig) -> None:
        self.config = config

    @classmethod
    def unavailable(cls, settings: Settings) -> str | None:
        return None

    async def verify(self, claim: Claim, ctx: VerifierContext) -> Verdict:
        assert ctx.launch is not None
        self.seen.append((claim.key, ctx.hf_repo))
        ok = (claim.value or 0) < self.config.threshold
        status = VerdictStatus.REPLICATED if ok else VerdictStatus.FAILED
        return Verdict(status, f"{claim.value} vs {self.config.threshold}", measured=claim.value)


def _registry() -> dict[str, RegisteredVerifier]:
    return {
        "threshold": RegisteredVerifier(
            "threshold", "tests:ThresholdVerifier", "tests", ThresholdVerifier, None
        )
    }


@pytest.fixture
def pipeline(store: Store) -> Pipeline:
    settings = parse_settings(
        {
            "extraction": {"use_embeddings": False},
            "verifiers": {"plugins": {"threshold": {"threshold": 95.0}}},
        }
    )
    return build_pipeline(settings, store, registry=_registry())


def _post(source: str, native_id: str, text: str) -> Post:
    return Post(source, native_id, text, created_at=datetime(2024, 9, 5, tzinfo=UTC))


async def test_posts_become_one_launch_with_claims_and_verdicts(
    store: Store, pipeline: Pipeline
) -> None:
    for post in (
        _post("x", "1", LAUNCH),
        _post("reddit", "t3_a", REDDIT),
        _post("x", "2", DEBUNK),
    ):
        store.upsert_post(post)
    report = pipeline.process_pending()
    assert report.posts == 3
    assert report.claims_posts == 2  # the debunk is not a claim
    [launch] = store.launches()
    assert launch.hf_repo == "glasshouse-ai/Mirage-70B"
    claims = {c.key: c for c in store.claims(launch_id=launch.id)}
    scores = sorted((c.benchmark, c.value) for c in claims.values() if c.kind is ClaimKind.SCORE)
    assert scores == [("gsm8k", 99.2), ("mmlu", 89.9)]  # seen twice, stored once
    # kinds no enabled verifier accepts are unverifiable, with the reason
    base = next(c for c in claims.values() if c.kind is ClaimKind.BASE_MODEL)
    assert base.status is ClaimStatus.UNVERIFIABLE
    assert pipeline.process_pending().posts == 0  # processed once

    while await pipeline.run_next() is not None:
        pass
    after = {c.benchmark: c.status for c in store.claims(launch_id=launch.id) if c.benchmark}
    assert after == {"mmlu": ClaimStatus.REPLICATED, "gsm8k": ClaimStatus.FAILED}
    assert store.headline_status(launch.id) is LaunchStatus.FAILED
    kinds = [e.kind for e in store.events(launch.id)]
    assert kinds.count(EventKind.VERDICT) == 2
    assert kinds.count(EventKind.VERIFICATION_STARTED) == 2
    assert EventKind.NEW_SOURCE in kinds
    assert {repo for _, repo in ThresholdVerifier.seen} == {"glasshouse-ai/Mirage-70B"}


async def test_a_crashing_verifier_becomes_inconclusive(store: Store, pipeline: Pipeline) -> None:
    class Broken(ThresholdVerifier):
        async def verify(self, claim: Claim, ctx: VerifierContext) -> Verdict:
            raise RuntimeError("boom")

    pipeline.registry["threshold"] = RegisteredVerifier("threshold", "t", "t", Broken, None)
    store.upsert_post(_post("x", "1", LAUNCH))
    pipeline.process_pending()
    outcome = await pipeline.run_next()
    assert outcome is not None
    assert outcome.verdict.status is VerdictStatus.INCONCLUSIVE
    assert "boom" in outcome.verdict.summary
    assert store.get_claim(outcome.claim_id).status is ClaimStatus.INCONCLUSIVE


def test_combine() -> None:
    v = VerdictStatus
    assert combine([v.REPLICATED, v.UNVERIFIABLE]) is ClaimStatus.REPLICATED
    assert combine([v.REPLICATED, v.FAILED]) is ClaimStatus.FAILED
    assert combine([v.REPLICATED, v.INCONCLUSIVE]) is ClaimStatus.INCONCLUSIVE
    assert combine([v.UNVERIFIABLE]) is ClaimStatus.UNVERIFIABLE


async def test_status_reports_queue_and_deliveries(store: Store, pipeline: Pipeline) -> None:
    from hypewatch.bot.status import full_status

    store.upsert_post(_post("x", "1", LAUNCH))
    pipeline.process_pending()
    report = full_status(store)
    assert report["launches"] == 1
    assert report["verifications"]["by_state"] == {"queued": 2}
    assert [r["verifier"] for r in report["verifications"]["next"]] == ["threshold", "threshold"]
    await pipeline.run_next()
    after = full_status(store)["verifications"]["by_state"]
    assert after == {"queued": 1, "done": 1}


def test_one_post_that_breaks_resolution_does_not_stall_the_rest(
    store: Store, pipeline: Pipeline
) -> None:
    resolve = pipeline.resolver.resolve

    def fragile(store_: Store, post: Post, extraction: object) -> object:
        if post.native_id == "bad":
            raise KeyError("a field the resolver did not expect")
        return resolve(store_, post, extraction)  # type: ignore[arg-type]

    pipeline.resolver.resolve = fragile  # type: ignore[method-assign,assignment]
    store.upsert_post(_post("x", "bad", LAUNCH))
    store.upsert_post(_post("reddit", "t3_a", REDDIT))
    report = pipeline.process_pending()
    assert report.posts == 2
    assert report.claims_posts == 1 and len(report.launches) == 1
    assert [e.split(":")[1] for e in report.errors] == ["bad"]
    assert pipeline.process_pending().posts == 0  # the bad post is not retried in a loop
    [launch] = store.launches()
    assert {c.benchmark for c in store.claims(launch_id=launch.id) if c.benchmark} == {
        "mmlu",
        "gsm8k",
    }
