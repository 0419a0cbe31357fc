"""The claim lifecycle of DESIGN.md as a state machine.

    claimed -> verifying -> replicated | failed | inconclusive
    claimed | verifying -> unverifiable

A finished claim can be reopened (weights re-uploaded, endpoint swapped): it
goes back to `verifying`, as a new event, never by rewriting history. A
verification interrupted by a shutdown goes back to `claimed`.
"""

from __future__ import annotations

from collections.abc import Iterable

from hypewatch.models import Claim, ClaimKind, ClaimStatus, LaunchStatus

_S = ClaimStatus
_FINISHED = frozenset({_S.REPLICATED, _S.FAILED, _S.INCONCLUSIVE, _S.UNVERIFIABLE})

TRANSITIONS: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    _S.CLAIMED: frozenset({_S.VERIFYING, _S.UNVERIFIABLE}),
    _S.VERIFYING: frozenset(_FINISHED | {_S.CLAIMED}),
    _S.REPLICATED: frozenset({_S.VERIFYING}),
    _S.FAILED: frozenset({_S.VERIFYING}),
    _S.INCONCLUSIVE: frozenset({_S.VERIFYING}),
    _S.UNVERIFIABLE: frozenset({_S.VERIFYING, _S.CLAIMED}),
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
    """A launch's headline: `failed` if any core claim failed, `replicated`
    when every claim that could be verified was verified and replicated,
    otherwise `under review`."""
    checkable = [c for c in claims if c.status is not ClaimStatus.UNVERIFIABLE]
    if any(c.status is ClaimStatus.FAILED and c.kind in CORE_KINDS for c in checkable):
        return LaunchStatus.FAILED
    if checkable and all(c.status is ClaimStatus.REPLICATED for c in checkable):
        return LaunchStatus.REPLICATED
    return LaunchStatus.UNDER_REVIEW
