"""The weights verifier through the registry, as the daemon runs it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hypewatch.config import Settings, parse_settings
from hypewatch.models import NOT_FOUND_YET, Claim, ClaimKind, VerdictStatus
from hypewatch.net import NetConfig
from hypewatch.storage import Store
from hypewatch.storage.revisions import revisions
from hypewatch.verifiers.base import Verifier, VerifierContext, build, discover
from tests.weights.conftest import World


@pytest.fixture
def settings(world: World, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    return parse_settings(
        {
            "hub": {"endpoint": world.url},
            "verifiers": {"weights": {"max_tensors": 8, "rows_per_tensor": 8, "seed": 2}},
        }
    )


def weights_verifier(settings: Settings) -> Verifier:
    return build(discover(settings)["weights"], settings)


def claim(kind: ClaimKind, subject: str = "") -> Claim:
    return Claim(id=1, launch_id=1, kind=kind, key=f"{kind}:x", subject=subject)


@pytest.mark.parametrize(
    ("repo", "claimed", "status", "label"),
    [
        ("hype/finetune", "lab/sibling", VerdictStatus.FAILED, "inconsistent"),
        ("hype/finetune", "meta/base", VerdictStatus.REPLICATED, "consistent"),
        ("copy/reupload", "meta/base", VerdictStatus.REPLICATED, "identical"),
        ("indie/other", "meta/base", VerdictStatus.FAILED, "unrelated"),
    ],
)
async def test_base_model_claims(
    settings: Settings, store: Store, repo: str, claimed: str, status: VerdictStatus, label: str
) -> None:
    ctx = VerifierContext(settings=settings, net=NetConfig(), hf_repo=repo)
    verdict = await weights_verifier(settings).verify(claim(ClaimKind.BASE_MODEL, claimed), ctx)
    assert (verdict.status, verdict.label) == (status, label)
    assert verdict.cost.bytes == verdict.evidence["bytes_fetched"] > 0
    assert verdict.evidence["claimed_base"] == claimed
    assert revisions(store, repo) == []  # the revision check is the one writer of revisions


async def test_open_weights_claims(settings: Settings, store: Store) -> None:
    verifier = weights_verifier(settings)
    ctx = VerifierContext(settings=settings, net=NetConfig(), hf_repo="meta/base")
    published = await verifier.verify(claim(ClaimKind.OPEN_WEIGHTS), ctx)
    assert (published.status, published.label) == (VerdictStatus.REPLICATED, "published")
    ctx = replace(ctx, hf_repo="nobody/nothing")
    missing = await verifier.verify(claim(ClaimKind.OPEN_WEIGHTS), ctx)
    # not on the Hub yet is not a failure: looked at again later
    assert (missing.status, missing.label) == (VerdictStatus.UNVERIFIABLE, NOT_FOUND_YET)
    base = await verifier.verify(claim(ClaimKind.BASE_MODEL, "meta/base"), ctx)
    assert (base.status, base.label) == (VerdictStatus.UNVERIFIABLE, NOT_FOUND_YET)
    ctx = replace(ctx, hf_repo="")
    unknown = await verifier.verify(claim(ClaimKind.BASE_MODEL, "meta/base"), ctx)
    assert (unknown.status, unknown.label) == (VerdictStatus.UNVERIFIABLE, NOT_FOUND_YET)
