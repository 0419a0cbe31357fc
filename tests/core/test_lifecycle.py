from __future__ import annotations

import pytest

from hypewatch.events import StatusChanged
from hypewatch.lifecycle import IllegalTransitionError, headline_status
from hypewatch.models import ClaimKind, ClaimStatus, LaunchStatus
from hypewatch.storage import Store

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
