"""The claim lifecycle as a state machine, and the one rule that derives a claim's status.

    claimed -> verifying | unverifiable      (queued; no enabled verifier accepts the kind)
    verifying -> replicated | failed | inconclusive | unverifiable
                                              (the round's last verdict is in: `claim_status`)
    replicated | failed | inconclusive | unverifiable -> verifying
                                              (re-checked: `hypewatch verify`, a re-upload,
                                               an endpoint swap, a target that now exists)

Every edge is one the code takes (`Pipeline.queue_claim`, `run_verification`,
`_record`; tests/core/test_lifecycle.py drives each through the pipeline and
fails on a declared edge no code makes). Every move is a `status_changed`
event; nothing is rewritten. The status a
round ends in is `claim_status(history)`: per verifier, its latest
conclusive verdict (replicated or failed) stands until a newer conclusive
one; only a verifier with no conclusive verdict counts with its latest. A
later unreachable or inconclusive re-check is therefore an event on the
timeline, never a downgrade.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hypewatch.models import (
    CONCLUSIVE,
    Claim,
    ClaimKind,
    ClaimStatus,
    LaunchStatus,
    Verdict,
    VerdictStatus,
)

_S = ClaimStatus
_FINISHED = frozenset({_S.REPLICATED, _S.FAILED, _S.INCONCLUSIVE, _S.UNVERIFIABLE})
_PENDING = frozenset({_S.CLAIMED, _S.VERIFYING})

TRANSITIONS: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    _S.CLAIMED: frozenset({_S.VERIFYING, _S.UNVERIFIABLE}),
    _S.VERIFYING: frozenset(_FINISHED),
    _S.REPLICATED: frozenset({_S.VERIFYING}),
    _S.FAILED: frozenset({_S.VERIFYING}),
    _S.INCONCLUSIVE: frozenset({_S.VERIFYING}),
    _S.UNVERIFIABLE: frozenset({_S.VERIFYING}),
}

#: Claims whose failure fails the whole launch. A comparison ("beats GPT-4o")
#: is derived from scores, so it informs but does not decide the headline.
CORE_KINDS = frozenset(
    {ClaimKind.SCORE, ClaimKind.BASE_MODEL, ClaimKind.ENDPOINT, ClaimKind.OPEN_WEIGHTS}
)


class IllegalTransitionError(ValueError):
    """A claim was asked to move along an edge the lifecycle does not have."""

    def __init__(self, claim_id: int, current: ClaimStatus, target: ClaimStatus) -> None:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "nothing"
        super().__init__(
            f"claim {claim_id} cannot go from '{current}' to '{target}'; "
            f"from '{current}' it may go to: {allowed}"
        )
        self.current = current
        self.target = target


def check_transition(claim_id: int, current: ClaimStatus, target: ClaimStatus) -> None:
    """Raise `IllegalTransitionError` unless `current -> target` is an edge."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransitionError(claim_id, current, target)


def is_finished(status: ClaimStatus) -> bool:
    return status in _FINISHED


def headline_status(claims: Iterable[Claim]) -> LaunchStatus:
    """A launch's headline, the one rule every page, thread and digest shows:

    - `failed` if any core claim (score, base model, endpoint, open weights) failed;
    - `replicated` when every claim that could be verified was verified and replicated;
    - `mixed` when every such claim is decided (none is `claimed` or `verifying`) and yet
      neither of the above holds: some are inconclusive, or only a comparison failed;
    - otherwise `under review` (something is still waiting or being verified, or nothing
      could be checked at all)."""
    checkable = [c for c in claims if c.status is not ClaimStatus.UNVERIFIABLE]
    if any(c.status is ClaimStatus.FAILED and c.kind in CORE_KINDS for c in checkable):
        return LaunchStatus.FAILED
    if checkable and all(c.status is ClaimStatus.REPLICATED for c in checkable):
        return LaunchStatus.REPLICATED
    if checkable and not any(c.status in _PENDING for c in checkable):
        return LaunchStatus.MIXED
    return LaunchStatus.UNDER_REVIEW


def standing(history: Sequence[tuple[str, Verdict]]) -> list[tuple[str, Verdict]]:
    """The verdict that stands for each verifier, in the order they were reached: its latest
    conclusive one if it has any, else its latest."""
    latest: dict[str, tuple[int, Verdict]] = {}
    for i, (name, verdict) in enumerate(history):
        kept = latest.get(name)
        if kept is None or verdict.status in CONCLUSIVE or kept[1].status not in CONCLUSIVE:
            latest[name] = (i, verdict)
    return [(name, verdict) for name, (_, verdict) in sorted(latest.items(), key=lambda x: x[1][0])]


def combine(statuses: Sequence[VerdictStatus]) -> ClaimStatus:
    """One claim status from several verifiers' verdicts: any failure fails the claim;
    it is replicated when every verifier that could decide replicated it."""
    decided = [s for s in statuses if s is not VerdictStatus.UNVERIFIABLE]
    if not decided:
        return ClaimStatus.UNVERIFIABLE
    if VerdictStatus.FAILED in decided:
        return ClaimStatus.FAILED
    if all(s is VerdictStatus.REPLICATED for s in decided):
        return ClaimStatus.REPLICATED
    return ClaimStatus.INCONCLUSIVE


def claim_status(history: Sequence[tuple[str, Verdict]]) -> ClaimStatus:
    """The status a claim's verdict history gives it (the one rule; see the module doc)."""
    return combine([verdict.status for _, verdict in standing(history)])


def headline_verdict(history: Sequence[tuple[str, Verdict]]) -> tuple[str, Verdict] | None:
    """The verdict a thread shows for a claim: the most recent standing conclusive one,
    else the most recent standing one."""
    kept = standing(history)
    conclusive = [v for v in kept if v[1].status in CONCLUSIVE]
    chosen = conclusive or kept
    return chosen[-1] if chosen else None
