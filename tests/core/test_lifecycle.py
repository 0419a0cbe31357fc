from __future__ import annotations

import pytest

from hypewatch.bot.app import build_pipeline
from hypewatch.config import parse_settings
from hypewatch.events import StatusChanged
from hypewatch.lifecycle import TRANSITIONS, IllegalTransitionError, headline_status
from hypewatch.models import Claim, ClaimKind, ClaimStatus, LaunchStatus, Verdict, VerdictStatus
from hypewatch.plugin import BaseVerifier, VerifierContext
from hypewatch.storage import Store
from hypewatch.verifiers.base import RegisteredVerifier

S = ClaimStatus


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (S.CLAIMED, S.REPLICATED),  # must be verified first
        (S.CLAIMED, S.FAILED),
        (S.CLAIMED, S.INCONCLUSIVE),
        (S.REPLICATED, S.FAILED),  # a reopened claim goes through verifying
        (S.FAILED, S.CLAIMED),
        (S.INCONCLUSIVE, S.REPLICATED),
    ],
)
def test_illegal_transitions_are_refused(store: Store, start: S, target: S) -> None:
    launch = store.create_launch("m", "M")
    claim, _ = store.add_claim(launch.id, ClaimKind.SCORE, "k", value=1.0)
    path = {
        S.CLAIMED: [],
        S.REPLICATED: [S.VERIFYING, S.REPLICATED],
        S.FAILED: [S.VERIFYING, S.FAILED],
        S.INCONCLUSIVE: [S.VERIFYING, S.INCONCLUSIVE],
    }
    for step in path[start]:
        store.transition_claim(claim.id, step)
    events_before = len(store.events(launch.id))
    with pytest.raises(IllegalTransitionError, match=f"cannot go from '{start}' to '{target}'"):
        store.transition_claim(claim.id, target)
    assert store.get_claim(claim.id).status is start
    assert len(store.events(launch.id)) == events_before  # nothing recorded


def test_reopen_is_a_new_event_not_an_overwrite(store: Store) -> None:
    launch = store.create_launch("m", "M")
    claim, _ = store.add_claim(launch.id, ClaimKind.BASE_MODEL, "base", subject="a/b")
    for step in (S.VERIFYING, S.REPLICATED, S.VERIFYING, S.FAILED):
        store.transition_claim(claim.id, step, reason="weights re-uploaded")
    changes = [e.payload for e in store.events(launch.id) if isinstance(e.payload, StatusChanged)]
    assert [(c.from_status, c.to_status) for c in changes] == [
        ("claimed", "verifying"),
        ("verifying", "replicated"),
        ("replicated", "verifying"),
        ("verifying", "failed"),
    ]


def test_headline_status(store: Store) -> None:
    launch = store.create_launch("m", "M")
    a, _ = store.add_claim(launch.id, ClaimKind.SCORE, "a", value=1.0)
    b, _ = store.add_claim(launch.id, ClaimKind.COMPARISON, "b", subject="GPT-4o")
    c, _ = store.add_claim(launch.id, ClaimKind.ENDPOINT, "c", subject="https://api.example")
    assert store.headline_status(launch.id) is LaunchStatus.UNDER_REVIEW
    for claim in (a, b):
        store.transition_claim(claim.id, S.VERIFYING)
        store.transition_claim(claim.id, S.REPLICATED)
    store.transition_claim(c.id, S.UNVERIFIABLE)
    assert store.headline_status(launch.id) is LaunchStatus.REPLICATED
    store.transition_claim(a.id, S.VERIFYING)
    store.transition_claim(a.id, S.FAILED)
    assert store.headline_status(launch.id) is LaunchStatus.FAILED


def test_failed_comparison_alone_does_not_fail_the_launch(store: Store) -> None:
    launch = store.create_launch("m", "M")
    b, _ = store.add_claim(launch.id, ClaimKind.COMPARISON, "b", subject="GPT-4o")
    store.transition_claim(b.id, S.VERIFYING)
    store.transition_claim(b.id, S.FAILED)
    # decided, yet neither failed (a comparison is not a core claim) nor replicated
    assert headline_status(store.claims(launch_id=launch.id)) is LaunchStatus.MIXED
    assert store.headline_status(launch.id) is LaunchStatus.MIXED


def test_mixed_is_decided_and_neither_failed_nor_replicated(store: Store) -> None:
    launch = store.create_launch("m", "M")
    a, _ = store.add_claim(launch.id, ClaimKind.SCORE, "a", value=1.0)
    b, _ = store.add_claim(launch.id, ClaimKind.SCORE, "b", value=2.0)
    for claim, outcome in ((a, S.REPLICATED), (b, S.INCONCLUSIVE)):
        store.transition_claim(claim.id, S.VERIFYING)
        store.transition_claim(claim.id, outcome)
    assert store.headline_status(launch.id) is LaunchStatus.MIXED
    # a new claim waiting for its verdict: under review again (the kept status follows)
    store.add_claim(launch.id, ClaimKind.SCORE, "c", value=3.0)
    assert store.headline_status(launch.id) is LaunchStatus.UNDER_REVIEW
    only_unverifiable = store.create_launch("n", "N")
    c, _ = store.add_claim(only_unverifiable.id, ClaimKind.ENDPOINT, "c", subject="x")
    store.transition_claim(c.id, S.UNVERIFIABLE)
    assert store.headline_status(only_unverifiable.id) is LaunchStatus.UNDER_REVIEW


class _Scripted(BaseVerifier):
    """A plugin (the public seam) whose verdicts for each claim key come from SCRIPT."""

    name = "scripted"
    kinds = frozenset({ClaimKind.SCORE})

    async def verify(self, claim: Claim, ctx: VerifierContext) -> Verdict:
        return Verdict(SCRIPT[claim.key].pop(0), f"scripted for {claim.key}")


V = VerdictStatus
#: claim key -> its verdicts: the first round, then the re-check after a change.
SCRIPT: dict[str, list[VerdictStatus]] = {}
ROUNDS = {
    "replicated-then-failed": [V.REPLICATED, V.FAILED],
    "failed-then-unreachable": [V.FAILED, V.UNVERIFIABLE],
    "inconclusive-then-replicated": [V.INCONCLUSIVE, V.REPLICATED],
    "unverifiable-then-inconclusive": [V.UNVERIFIABLE, V.INCONCLUSIVE],
}


async def test_every_declared_transition_is_one_the_code_makes(store: Store) -> None:
    """Drive the real pipeline: claims queued and verified, a claim no verifier accepts, and
    the re-check a change triggers (`Pipeline.reverify`, what the revision and re-probe jobs
    call). The moves it records are exactly the edges `lifecycle.TRANSITIONS` declares:
    no declared edge that no code takes, no move the lifecycle does not declare."""
    SCRIPT.clear()
    SCRIPT.update({key: list(verdicts) for key, verdicts in ROUNDS.items()})
    settings = parse_settings({"extraction": {"use_embeddings": False}})
    registered = RegisteredVerifier("scripted", "tests", "tests", _Scripted, None)
    pipeline = build_pipeline(settings, store, registry={"scripted": registered})
    launch = store.create_launch("m", "M")
    for key in ROUNDS:
        claim, _ = store.add_claim(launch.id, ClaimKind.SCORE, key, value=1.0)
        assert pipeline.queue_claim(claim, launch) == 1
    comparison, _ = store.add_claim(launch.id, ClaimKind.COMPARISON, "beats", subject="X")
    assert pipeline.queue_claim(comparison, launch) == 0  # no verifier: unverifiable

    while await pipeline.run_next() is not None:
        pass
    assert pipeline.reverify(launch, frozenset({ClaimKind.SCORE})) == len(ROUNDS)
    while await pipeline.run_next() is not None:
        pass

    made = {
        (ClaimStatus(e.payload.from_status), ClaimStatus(e.payload.to_status))
        for e in store.events(launch.id)
        if isinstance(e.payload, StatusChanged)
    }
    declared = {(start, end) for start, ends in TRANSITIONS.items() for end in ends}
    assert made == declared
    assert all(not left for left in SCRIPT.values())  # every scripted round ran
    final = {c.key: c.status for c in store.claims(launch_id=launch.id)}
    assert final == {
        "replicated-then-failed": S.FAILED,
        "failed-then-unreachable": S.FAILED,  # the conclusive verdict stands
        "inconclusive-then-replicated": S.REPLICATED,
        "unverifiable-then-inconclusive": S.INCONCLUSIVE,
        "beats": S.UNVERIFIABLE,
    }
