"""Anytime-valid decisions on a mean score in [0, 1] (partial credit): betting confidence sequences.

Waudby-Smith & Ramdas, "Estimating means of bounded random variables by
betting" (JRSS-B 2024). For a hypothesised mean m and scores x_i in [0, 1],
the capital of a gambler who bets the mean is above m,

    K+_t(m) = prod_i (1 + l_i (x_i - m)),   0 <= l_i <= c / m,

and of one who bets it is below m,

    K-_t(m) = prod_i (1 - l_i (x_i - m)),   0 <= l_i <= c / (1 - m),

with each bet l_i chosen from x_1 .. x_(i-1) only, is a nonnegative
supermartingale with K_0 = 1 whenever the true mean is <= m (K+) or >= m
(K-): each factor's expectation is 1 + l_i (mean - m) resp. 1 - l_i (mean - m).
By Ville's inequality it ever reaches 1/alpha with probability <= alpha,
however often it is looked at. Hence, with p0 = claim - tolerance:

* `failed` when K-(p0) reaches 1/alpha: the chance of that when the mean is >= p0 is <= alpha;
* `replicated` when K+(p0) reaches 1/alpha: the chance when the mean is < p0 is <= alpha.

The bets are the paper's aGRAPA (approximate growth-rate adaptive to the
particular alternative): l = (mu - m) / (var + (mu - m)^2), clipped to
[0, c / bound], from a running mean and variance that start from a
pseudo-observation (mean 1/2, variance 1/4). c = 1/2 keeps a single
adverse item from losing more than half the capital.

The bound rule (as in `stats`): a reply that could not be read has an unknown
score in [0, 1]. K- is computed with it set to 1 and K+ with it set to 0. A
factor 1 - l (x - m) falls as x rises and 1 + l (x - m) rises with x, so the
imputed capital is at most the capital the true score would have given with
the same (predictable) bets: a rejection with the imputed scores implies one
with the true scores, and the guarantees hold whatever the unread replies said.

The interval is every m on a grid (plus p0) that neither process has ever
rejected: a confidence sequence, uniformly valid in time (coverage >= 1 - 2 alpha),
widened outwards by one grid step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from hypewatch.verifiers.benchmark.stats import Decision

Array = NDArray[np.float64]

_EPS = 1e-9
#: Grid of hypothesised means for the interval (steps of 1/_GRID).
_GRID = 400


def _clip(p: float) -> float:
    return min(max(p, _EPS), 1.0 - _EPS)


def _bets(
    count: int, total: Array | float, squares: Array | float, m: Array | float, up: bool, cap: float
) -> Array:
    """aGRAPA bets from the running sums of `count` scores and a (1/2, 1/4) pseudo-observation."""
    mean = (0.5 + np.asarray(total)) / (count + 1)
    spread = 0.25 + np.asarray(squares) - 2.0 * mean * total + count * mean**2
    var = np.maximum(spread / (count + 1), 1e-4)
    gap = mean - m if up else m - mean
    bound = m if up else 1.0 - np.asarray(m)
    bets: Array = np.clip(gap / (var + gap**2), 0.0, cap / bound)
    return bets


@dataclass
class _Side:
    """One gambler per hypothesised mean in `m`: running capital (log), its running
    maximum, and the running sums its bets are made from."""

    m: Array
    up: bool  # True: bets the mean is above m (K+); False: below (K-)
    cap: float
    log_k: Array = field(init=False)
    log_max: Array = field(init=False)
    count: int = 0
    total: float = 0.0
    squares: float = 0.0

    def __post_init__(self) -> None:
        self.log_k = np.zeros_like(self.m)
        self.log_max = np.zeros_like(self.m)

    def update(self, x: float) -> None:
        step = _bets(self.count, self.total, self.squares, self.m, self.up, self.cap) * (x - self.m)
        with np.errstate(divide="ignore"):
            self.log_k += np.log1p(step if self.up else -step)
        np.maximum(self.log_max, self.log_k, out=self.log_max)
        self.count += 1
        self.total += x
        self.squares += x * x


@dataclass(frozen=True)
class BettingCS:
    """The betting test's settings: level `alpha` per side, bets capped at `cap` of the
    largest bet that cannot go bankrupt."""

    alpha: float = 0.05
    cap: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha < 0.5:
            raise ValueError(f"alpha must lie in (0, 0.5), got {self.alpha}")
        if not 0.0 < self.cap < 1.0:
            raise ValueError(f"cap must lie in (0, 1), got {self.cap}")

    @property
    def log_threshold(self) -> float:
        return math.log(1.0 / self.alpha)


class BoundedMeanTest:
    """Feed scores in [0, 1] (or None: unread) one at a time; same surface as
    `stats.SequentialTest` (`stats.OutcomeTest`), for partial-credit items."""

    def __init__(self, claimed: float, tolerance: float, cs: BettingCS | None = None) -> None:
        self.claimed = claimed
        self.tolerance = tolerance
        self.cs = cs or BettingCS()
        self.n = 0
        self.unread = 0
        self.read_total = 0.0
        self.decision = Decision.UNDECIDED
        self.decided_at: int | None = None
        self.held = 0
        grid = np.linspace(0.0, 1.0, _GRID + 1)[1:-1]
        self._grid = np.append(grid, self.threshold)  # the last entry is p0
        # K+ sees unread scores as 0, K- as 1 (the bound rule); the `_naive_*` processes
        # see them the other way, only to tell when unread replies held a decision back.
        self._up = _Side(self._grid, True, self.cs.cap)
        self._down = _Side(self._grid, False, self.cs.cap)
        p0 = np.array([self.threshold])
        self._naive_up = _Side(p0, True, self.cs.cap)
        self._naive_down = _Side(p0, False, self.cs.cap)

    @property
    def threshold(self) -> float:
        return _clip(self.claimed - self.tolerance)

    @property
    def total(self) -> float:
        return self.read_total

    @property
    def held_by_unread(self) -> bool:
        return self.held > 0

    @property
    def accuracy(self) -> float | None:
        """The mean score of the replies that were read."""
        read = self.n - self.unread
        return self.read_total / read if read else None

    def update(self, outcome: float | bool | None) -> Decision:
        if outcome is not None and not 0.0 <= float(outcome) <= 1.0:
            raise ValueError(f"a score must lie in [0, 1], got {outcome}")
        self.n += 1
        if outcome is None:
            self.unread += 1
            low, high = 0.0, 1.0
        else:
            low = high = float(outcome)
            self.read_total += low
        self._up.update(low)
        self._down.update(high)
        self._naive_up.update(high)
        self._naive_down.update(low)
        if self.decision is Decision.UNDECIDED:
            self._decide()
        return self.decision

    def _decide(self) -> None:
        threshold = self.cs.log_threshold
        if self._down.log_k[-1] >= threshold:
            self.decision, self.decided_at = Decision.FAILED, self.n
        elif self._up.log_k[-1] >= threshold:
            self.decision, self.decided_at = Decision.REPLICATED, self.n
        elif self.unread and (
            self._naive_down.log_k[0] >= threshold or self._naive_up.log_k[0] >= threshold
        ):
            self.held += 1

    def interval(self) -> tuple[float, float]:
        """(low, high): the grid means never rejected, one grid step wider each way;
        kept on the decided side of p0 once a decision is made."""
        threshold = self.cs.log_threshold
        order = np.argsort(self._grid)
        grid = self._grid[order]
        alive = (self._up.log_max[order] < threshold) & (self._down.log_max[order] < threshold)
        if not alive.any():
            low = high = float(np.clip(self.accuracy or 0.0, 0.0, 1.0))
        else:
            idx = np.flatnonzero(alive)
            low = float(grid[idx[0] - 1]) if idx[0] > 0 else 0.0
            high = float(grid[idx[-1] + 1]) if idx[-1] + 1 < grid.size else 1.0
        if self.decision is Decision.FAILED:
            high = min(high, self.threshold)
        elif self.decision is Decision.REPLICATED:
            low = max(low, self.threshold)
        return low, high


@dataclass(frozen=True)
class BoundedSimulation:
    """Outcome of `simulate_bounded`: per run, the items used and the decision."""

    items: NDArray[np.int64]  # max_items + 1 where undecided
    failed: NDArray[np.bool_]
    replicated: NDArray[np.bool_]


def _side_step(
    log_k: Array, count: int, total: Array, squares: Array, x: Array, m: float, up: bool, cap: float
) -> None:
    step = _bets(count, total, squares, m, up, cap) * (x - m)
    log_k += np.log1p(step if up else -step)


def simulate_bounded(
    scores: Array,
    claimed: float,
    tolerance: float,
    *,
    unread: NDArray[np.bool_] | None = None,
    cs: BettingCS | None = None,
) -> BoundedSimulation:
    """Run the p0 test over `scores` (runs x items, each in [0, 1]), vectorised over runs,
    with `unread` marking replies that could not be read (the bound rule)."""
    cs = cs or BettingCS()
    runs, max_items = scores.shape
    lost = np.zeros_like(scores, dtype=bool) if unread is None else unread
    m = _clip(claimed - tolerance)
    threshold = cs.log_threshold
    up_k, down_k = np.zeros(runs), np.zeros(runs)
    up_sum, up_sq, down_sum, down_sq = (np.zeros(runs) for _ in range(4))
    items = np.full(runs, max_items + 1, dtype=np.int64)
    failed = np.zeros(runs, dtype=bool)
    replicated = np.zeros(runs, dtype=bool)
    for t in range(max_items):
        low = np.where(lost[:, t], 0.0, scores[:, t])
        high = np.where(lost[:, t], 1.0, scores[:, t])
        _side_step(up_k, t, up_sum, up_sq, low, m, True, cs.cap)
        _side_step(down_k, t, down_sum, down_sq, high, m, False, cs.cap)
        up_sum += low
        up_sq += low * low
        down_sum += high
        down_sq += high * high
        open_ = items > max_items
        fail_now = open_ & (down_k >= threshold)
        rep_now = open_ & ~fail_now & (up_k >= threshold)
        failed |= fail_now
        replicated |= rep_now
        items[fail_now | rep_now] = t + 1
    return BoundedSimulation(items=items, failed=failed, replicated=replicated)
