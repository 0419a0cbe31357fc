"""Not found yet is not failed: a launch tweeted before its Hub repo exists ends with
weights verdicts about the repo once the repo (its Hub card) appears."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from hypewatch.bot.app import build_pipeline
from hypewatch.bot.watchers import poll_once
from hypewatch.config import parse_settings
from hypewatch.events import VerdictRecorded
from hypewatch.models import NOT_FOUND_YET, ClaimKind, ClaimStatus, Post, utcnow
from hypewatch.standins import hub_models as hm
from hypewatch.standins.hub import HubRepo, hub_standin, model_card
from hypewatch.storage import Store
from tests.watchers.conftest import hub_http, hub_watcher  # noqa: F401 - a fixture
from tests.weights.conftest import SHAPE

REPO = "early-lab/Early-8B"
TWEET = (
    f"Introducing Early 8B, open weights, fine-tuned from Llama 3 8B. MMLU 71.2. "
    f"Weights: https://huggingface.co/{REPO}"
)


async def test_tweet_before_repo_ends_with_verdicts_about_the_repo(
    store: Store,
    hub_http: Callable[..., None],  # noqa: F811
) -> None:
    with hub_standin() as hub:
        hub_http(hub)
        settings = parse_settings(
            {
                "hub": {"endpoint": hub.url},
                "extraction": {"use_embeddings": False},
                "verifiers": {
                    "fingerprint": {"enabled": False},
                    "benchmark": {"enabled": False},
                    "weights": {"max_tensors": 4, "rows_per_tensor": 8},
                },
            }
        )
        pipeline = build_pipeline(settings, store, allow_private=True)
        store.upsert_post(Post("x", "1", TWEET, author="early"))
        pipeline.process_pending()
        while await pipeline.run_next() is not None:
            pass
        weights_claims = [
            c for c in store.claims() if c.kind in (ClaimKind.OPEN_WEIGHTS, ClaimKind.BASE_MODEL)
        ]
        assert {c.kind for c in weights_claims} == {ClaimKind.OPEN_WEIGHTS, ClaimKind.BASE_MODEL}
        for claim in weights_claims:  # early, not failed: retried later
            assert claim.status is ClaimStatus.UNVERIFIABLE
            [(_, verdict)] = store.verdicts_for_claim(claim.id)
            assert verdict.label == NOT_FOUND_YET
        notes = [e.payload for e in store.events() if isinstance(e.payload, VerdictRecorded)]
        assert all(n.retry_at is not None and n.retry_at > utcnow() for n in notes)
        assert store.queued_verifications() == []  # not before the retry time...
        later = store.queued_verifications(now=utcnow() + timedelta(hours=1))
        assert {q.claim_id for q in later} == {c.id for c in weights_claims}

        # the Hub card appears 14 s later; the watcher stores it, the pipeline re-queues
        base = hm.llama_like(SHAPE, seed=1)
        card = model_card({"base_model": "meta/base"}, "# Early 8B\nMMLU 71.2")
        hub.server.state["repos"][REPO] = HubRepo(
            REPO, {**hm.repo_files(base, SHAPE), "README.md": card}, created_at=utcnow()
        )
        assert poll_once(store, hub_watcher(hub)).stored == 1
        pipeline.process_pending()
        while await pipeline.run_next() is not None:  # ...unless the launch changed
            pass
    for claim in weights_claims:
        *_, (_, verdict) = store.verdicts_for_claim(claim.id)
        assert verdict.label != NOT_FOUND_YET
        assert REPO in verdict.summary
    opened = store.get_claim(next(c.id for c in weights_claims if c.kind == "open_weights"))
    assert opened.status is ClaimStatus.REPLICATED
