"""Anytime-valid decisions on an accuracy: a one-sided beta-binomial mixture confidence sequence.

For a hypothesised accuracy `p`, and a Beta(p*c, (1-p)*c) prior truncated to
the alternatives on one side of `p`, the mixture likelihood ratio

    M_n(p) = integral over q of (q/p)^S ((1-q)/(1-p))^(n-S) dPrior(q)

(S correct of n) is a nonnegative martingale with M_0 = 1 when the true
accuracy is `p`, and a supermartingale for every true accuracy on the far
side of `p` (each factor's expectation is linear in the truth and equals 1 at
`p`). By Ville's inequality it ever reaches 1/alpha with probability at most
alpha, however often it is looked at. So:

* `failed`: the evidence that the accuracy is *below* p0 = claim - tolerance
  reaches 1/alpha. The chance of that when the truth is >= p0 is <= alpha.
* `replicated`: the evidence that it is *above* p0 reaches 1/alpha; the
  chance of that when the truth is < p0 is <= alpha.

Replies that could not be read (the bound rule): an unread item's outcome
is unknown, so `failed` is tested with every unread item counted correct
(S + U) and `replicated` with every unread item counted wrong (S). Both tests
are monotone in S, so a rejection with the imputed count implies a rejection
with the true one: the guarantees above hold whatever the unread replies
said, and however unreadability depends on correctness. While only the
unread items stand between the evidence and a decision, the test records
that (`held_by_unread`) so a run can say why it ended undecided.

The upper and lower confidence bounds are the same tests inverted over p
(each one-sided at level alpha, so the pair covers with >= 1 - 2 alpha at
every time at once, hence also at the data-dependent time a run stops).
Closed forms use the regularised incomplete beta function: with a = p*c, b = (1-p)*c, F = n - S,

    M_n(p) = B(a+S, b+F) I_p(a+S, b+F) / (B(a, b) I_p(a, b)) / (p^S (1-p)^F)

for the lower tail (I_p replaced by 1 - I_p = I_(1-p)(b, a) for the upper tail).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from scipy.special import (  # type: ignore[import-untyped]  # no stubs installed
    betainc,
    betaln,
)

Array = NDArray[np.float64]

#: Hypothesised accuracies are kept this far inside (0, 1).
_EPS = 1e-9
#: Bounds are found on a grid of _GRID points, refined _REFINE times (~1e-10 wide).
_GRID = 257
_REFINE = 3


class Decision(enum.StrEnum):
    FAILED = "failed"
    REPLICATED = "replicated"
    UNDECIDED = "undecided"


def _clip(p: float) -> float:
    return min(max(p, _EPS), 1.0 - _EPS)


def _clip_array(p: Array | float) -> Array:
    clipped: Array = np.clip(np.asarray(p, float), _EPS, 1.0 - _EPS)
    return clipped


@dataclass(frozen=True)
class MixtureCS:
    """The two one-sided mixture tests at level `alpha` with prior strength `prior_strength`.

    `prior_strength` (c) is the prior's pseudo-sample size: small values favour
    large gaps, large values small gaps. c = 30 decides a 79 % model against a
    claimed 89.9 % (tolerance 2) in a median of about 104 items (bench/).
    """

    alpha: float = 0.05
    prior_strength: float = 30.0

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha < 0.5:
            raise ValueError(f"alpha must lie in (0, 0.5), got {self.alpha}")
        if self.prior_strength <= 0:
            raise ValueError(f"prior_strength must be positive, got {self.prior_strength}")

    @property
    def log_threshold(self) -> float:
        return math.log(1.0 / self.alpha)

    def _log_mixture(self, p: Array, n: Array, s: Array, below: bool) -> Array:
        a, b = p * self.prior_strength, (1.0 - p) * self.prior_strength
        f = n - s
        with np.errstate(divide="ignore"):
            if below:
                tail_post, tail_prior = betainc(a + s, b + f, p), betainc(a, b, p)
            else:  # 1 - I_p(a, b) = I_(1-p)(b, a); scipy's betaincc is ~10x slower
                tail_post, tail_prior = betainc(b + f, a + s, 1.0 - p), betainc(b, a, 1.0 - p)
            value: Array = (
                betaln(a + s, b + f)
                + np.log(tail_post)
                - betaln(a, b)
                - np.log(tail_prior)
                - s * np.log(p)
                - f * np.log1p(-p)
            )
        return value

    def log_evidence_below(self, p: Array | float, n: Array | float, s: Array | float) -> Array:
        """log M_n(p) for the alternatives below p: evidence that the accuracy is < p."""
        return self._log_mixture(_clip_array(p), np.asarray(n, float), np.asarray(s, float), True)

    def log_evidence_above(self, p: Array | float, n: Array | float, s: Array | float) -> Array:
        """log M_n(p) for the alternatives above p: evidence that the accuracy is > p."""
        return self._log_mixture(_clip_array(p), np.asarray(n, float), np.asarray(s, float), False)

    def rejects_below(self, p: float, n: int, s: int) -> bool:
        return bool(self.log_evidence_below(p, n, s) >= self.log_threshold)

    def rejects_above(self, p: float, n: int, s: int) -> bool:
        return bool(self.log_evidence_above(p, n, s) >= self.log_threshold)

    def upper(self, n: int, s: int) -> float:
        """The smallest p from which on the `below` test rejects every hypothesis."""
        if n == 0:
            return 1.0
        return self._edge(s / n, 1.0, lambda p: self.log_evidence_below(p, n, s), rising=True)

    def lower(self, n: int, s: int) -> float:
        """The largest p up to which the `above` test rejects every hypothesis."""
        if n == 0:
            return 0.0
        return self._edge(0.0, s / n, lambda p: self.log_evidence_above(p, n, s), rising=False)

    def _edge(
        self, lo: float, hi: float, evidence: Callable[[Array], Array], rising: bool
    ) -> float:
        """Where rejection starts (rising: rejected from the edge up to `hi`) or ends
        (falling: rejected from `lo` up to the edge), found on two nested grids."""
        for _ in range(_REFINE):
            grid = np.linspace(lo, hi, _GRID)
            rejected = evidence(grid) >= self.log_threshold
            if rising:
                if not rejected[-1]:
                    return hi
                keep = np.flatnonzero(~rejected)
                first = keep[-1] + 1 if keep.size else 0
                lo, hi = grid[max(first - 1, 0)], grid[first]
            else:
                if not rejected[0]:
                    return lo
                keep = np.flatnonzero(~rejected)
                last = keep[0] - 1 if keep.size else _GRID - 1
                lo, hi = grid[last], grid[min(last + 1, _GRID - 1)]
        return float(hi if rising else lo)

    def boundaries(self, p0: float, max_items: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Per n = 1..max_items: the most correct answers that still mean `failed` (-1: none)
        and the fewest that mean `replicated` (n + 1: none). Both tests are monotone in S."""
        n = np.arange(1, max_items + 1, dtype=float)
        fail = self._search(p0, n, below=True)
        replicate = self._search(p0, n, below=False)
        return fail.astype(np.int64), replicate.astype(np.int64)

    def _search(self, p0: float, n: Array, below: bool) -> Array:
        threshold = self.log_threshold

        def rejects(s: Array) -> NDArray[np.bool_]:
            if below:
                return self.log_evidence_below(p0, n, s) >= threshold
            return self.log_evidence_above(p0, n, s) >= threshold

        # below: rejection holds for s <= k, find k; above: for s >= k, find k.
        yes, no = (np.full_like(n, -1.0), n + 1) if below else (n + 1, np.full_like(n, -1.0))
        edge = np.zeros_like(n) if below else n.copy()
        yes = np.where(rejects(edge), edge, yes)
        while np.any(np.abs(no - yes) > 1):
            mid = np.floor((yes + no) / 2)
            hit = rejects(np.clip(mid, 0, n))
            yes, no = np.where(hit, mid, yes), np.where(hit, no, mid)
        return yes


class OutcomeTest(Protocol):
    """What the runner needs from a sequential test (binary here, bounded means in `betting`).

    `update(None)` records an item whose reply could not be read; the test
    then applies the bound rule (module docstring).
    """

    n: int
    unread: int
    decision: Decision

    @property
    def threshold(self) -> float: ...

    @property
    def total(self) -> float:
        """The sum of the read items' scores (correct answers for a binary test)."""
        ...

    @property
    def held_by_unread(self) -> bool: ...

    @property
    def accuracy(self) -> float | None:
        """The mean score of the replies that were read (None before any)."""
        ...

    def update(self, outcome: float | bool | None) -> Decision: ...

    def interval(self) -> tuple[float, float]: ...


@dataclass
class SequentialTest:
    """Feed outcomes one at a time; `decision` becomes final the first time a test rejects.

    An outcome is True (correct), False (wrong) or None (the reply could not
    be read: the bound rule). Each update costs at most four evaluations at
    p0. The interval is computed on demand: the confidence sequence covers
    uniformly in time, so the interval at the stopping time is valid as it stands.
    """

    claimed: float  # accuracy as a fraction
    tolerance: float  # as a fraction
    cs: MixtureCS = field(default_factory=MixtureCS)
    n: int = 0
    correct: int = 0
    unread: int = 0
    decision: Decision = Decision.UNDECIDED
    decided_at: int | None = None
    #: Items after which the read replies alone would have decided, but the unread could not.
    held: int = 0

    @property
    def threshold(self) -> float:
        """p0 = claim - tolerance, the accuracy the verdict is about."""
        return _clip(self.claimed - self.tolerance)

    @property
    def total(self) -> float:
        return float(self.correct)

    @property
    def held_by_unread(self) -> bool:
        """Did unread replies ever stand between the evidence and a decision?"""
        return self.held > 0

    def update(self, outcome: float | bool | None) -> Decision:
        self.n += 1
        if outcome is None:
            self.unread += 1
        else:
            self.correct += int(bool(outcome))
        if self.decision is Decision.UNDECIDED:
            self._decide()
        return self.decision

    def _decide(self) -> None:
        p0, n = self.threshold, self.n
        if self.cs.rejects_below(p0, n, self.correct + self.unread):
            self.decision, self.decided_at = Decision.FAILED, n
        elif self.cs.rejects_above(p0, n, self.correct):
            self.decision, self.decided_at = Decision.REPLICATED, n
        elif self.unread and (
            self.cs.rejects_below(p0, n, self.correct)
            or self.cs.rejects_above(p0, n, self.correct + self.unread)
        ):
            self.held += 1

    def interval(self) -> tuple[float, float]:
        """(low, high) now, unread items counted wrong for the low end and right for the
        high end; kept on the decided side of p0 once a decision is made."""
        low = self.cs.lower(self.n, self.correct)
        high = self.cs.upper(self.n, self.correct + self.unread)
        if self.decision is Decision.FAILED:
            high = min(high, self.threshold)
        elif self.decision is Decision.REPLICATED:
            low = max(low, self.threshold)
        return low, high

    @property
    def accuracy(self) -> float | None:
        """The share correct among the replies that were read."""
        read = self.n - self.unread
        return self.correct / read if read else None


@dataclass(frozen=True)
class Simulation:
    """Outcome of `simulate`: per run, the items used and the decision."""

    items: NDArray[np.int64]  # max_items + 1 where undecided
    failed: NDArray[np.bool_]
    replicated: NDArray[np.bool_]

    @property
    def decided(self) -> NDArray[np.bool_]:
        return self.failed | self.replicated


def simulate(
    true_accuracy: float,
    claimed: float,
    tolerance: float,
    *,
    runs: int,
    max_items: int,
    cs: MixtureCS | None = None,
    rng: np.random.Generator | None = None,
    unreadable: float = 0.0,
    unread_if: str = "any",
) -> Simulation:
    """Simulate `runs` sequential runs on i.i.d. items (fractions, not percent), vectorised.

    `unreadable` is the share of replies that cannot be read, under the bound
    rule. `unread_if` says which: "any" (independent of correctness),
    "correct" (only correct replies go unread: the worst case for `failed`) or
    "wrong" (only wrong ones: the worst case for `replicated`); for the last
    two, `unreadable` is the share among the correct (resp. wrong) replies.
    """
    cs = cs or MixtureCS()
    rng = rng or np.random.default_rng()
    fail, replicate = cs.boundaries(_clip(claimed - tolerance), max_items)
    correct = rng.random((runs, max_items)) < true_accuracy
    lost = rng.random((runs, max_items)) < unreadable
    if unread_if == "correct":
        lost &= correct
    elif unread_if == "wrong":
        lost &= ~correct
    elif unread_if != "any":
        raise ValueError(f"unread_if must be any, correct or wrong, got {unread_if!r}")
    optimistic = np.cumsum(correct | lost, axis=1)  # unread counted correct: for `failed`
    pessimistic = np.cumsum(correct & ~lost, axis=1)  # unread counted wrong: for `replicated`
    hit_fail = optimistic <= fail
    hit_rep = pessimistic >= replicate
    hit = hit_fail | hit_rep
    any_hit = hit.any(axis=1)
    first = hit.argmax(axis=1)
    rows = np.arange(runs)
    failed = any_hit & hit_fail[rows, first]
    replicated = any_hit & ~failed
    items = np.where(any_hit, first + 1, max_items + 1).astype(np.int64)
    return Simulation(items=items, failed=failed, replicated=replicated)
