"""The bound rule: unread replies never decide a verdict (simulated error rates).

Claim 89.9 %, tolerance 2: the threshold p0 is 87.9 %. `failed` must stay
rare at and above p0, and `replicated` below it, with 0 / 10 / 30 % of
replies unreadable, including when unreadability hides only correct (or
only wrong) replies: the worst cases for each verdict.
"""

from __future__ import annotations

import numpy as np
import pytest

from hypewatch.verifiers.benchmark.betting import BoundedMeanTest, simulate_bounded
from hypewatch.verifiers.benchmark.stats import Decision, MixtureCS, SequentialTest, simulate

RUNS = 2000
ITEMS = 1000
#: The betting simulation loops over items in Python: fewer runs keep it fast.
BET_RUNS, BET_ITEMS = 1000, 800
CLAIM, TOL = 0.899, 0.02
SHARES = (0.0, 0.1, 0.3)
SIZE = {"runs": RUNS, "max_items": ITEMS}


@pytest.mark.parametrize("share", SHARES)
@pytest.mark.parametrize("unread_if", ["any", "correct"])
def test_false_failed_at_the_threshold_is_at_most_alpha(share: float, unread_if: str) -> None:
    rng = np.random.default_rng(int(share * 100) + len(unread_if))
    sim = simulate(
        0.879,
        CLAIM,
        TOL,
        runs=RUNS,
        max_items=ITEMS,
        rng=rng,
        unreadable=share,
        unread_if=unread_if,
    )
    assert sim.failed.mean() <= 0.05


@pytest.mark.parametrize("share", SHARES)
def test_false_failed_at_the_claim_is_at_most_one_percent(share: float) -> None:
    rng = np.random.default_rng(40 + int(share * 100))
    sim = simulate(
        CLAIM,
        CLAIM,
        TOL,
        runs=RUNS,
        max_items=ITEMS,
        rng=rng,
        unreadable=share,
        unread_if="correct",
    )
    assert sim.failed.mean() <= 0.01


@pytest.mark.parametrize("share", SHARES)
def test_false_replicated_below_the_threshold_is_at_most_alpha(share: float) -> None:
    rng = np.random.default_rng(70 + int(share * 100))
    sim = simulate(
        0.8789, CLAIM, TOL, runs=RUNS, max_items=ITEMS, rng=rng, unreadable=share, unread_if="wrong"
    )
    assert sim.replicated.mean() <= 0.05


def test_the_issue_case_counting_unread_as_wrong_fails_an_honest_model() -> None:
    # True 95 %, 30 % of replies unreadable. Scoring them wrong is a test of a 66.5 % model:
    naive = simulate(
        0.95 * 0.7, CLAIM, TOL, runs=RUNS, max_items=ITEMS, rng=np.random.default_rng(1)
    )
    assert naive.failed.mean() > 0.99
    # The bound rule never says failed; it replicates when the read replies suffice.
    bound = simulate(
        0.95, CLAIM, TOL, runs=RUNS, max_items=ITEMS, rng=np.random.default_rng(1), unreadable=0.3
    )
    assert not bound.failed.any()
    assert bound.replicated.mean() < 0.05  # 66.5 % read-correct cannot show >= 87.9 %


def test_a_ten_point_overclaim_still_fails_with_unread_replies() -> None:
    sim = simulate(
        0.79, CLAIM, TOL, runs=RUNS, max_items=ITEMS, rng=np.random.default_rng(2), unreadable=0.05
    )
    assert sim.failed.mean() > 0.99


def test_unread_outcomes_hold_a_decision_and_say_so() -> None:
    test = SequentialTest(CLAIM, TOL)
    for i in range(60):
        test.update(None if i % 5 < 2 else True)  # 40 % unread, every read reply correct
    # 36 of 60 correct would fail at once (unread scored wrong); the bound rule waits.
    assert test.cs.rejects_below(test.threshold, 60, 36)
    assert test.decision is Decision.UNDECIDED
    assert test.held_by_unread
    assert (test.n, test.correct, test.unread) == (60, 36, 24)
    assert test.accuracy == pytest.approx(1.0)
    low, high = test.interval()
    assert low <= 36 / 60 and high == pytest.approx(1.0)


@pytest.mark.parametrize("share", [0.1, 0.3])
def test_the_sequential_test_matches_the_simulation(share: float) -> None:
    rng = np.random.default_rng(9)
    cs = MixtureCS()
    fail, replicate = cs.boundaries(CLAIM - TOL, 300)
    for _ in range(5):
        correct = rng.random(300) < 0.85
        lost = rng.random(300) < share
        test = SequentialTest(CLAIM, TOL, cs)
        high, low = np.cumsum(correct | lost), np.cumsum(correct & ~lost)
        expected = next(
            (i + 1 for i in range(300) if high[i] <= fail[i] or low[i] >= replicate[i]), None
        )
        for ok, gone in zip(correct, lost, strict=True):
            if test.update(None if gone else bool(ok)) is not Decision.UNDECIDED:
                break
        assert test.decided_at == expected


# -- bounded means in [0, 1] (partial credit): the betting test --


def _three_valued(rng: np.random.Generator, mean: float) -> np.ndarray:
    """Scores 0, 1/2, 1 with the given mean (<= 0.95; half credit in 10 % of items)."""
    half = rng.random((BET_RUNS, BET_ITEMS)) < 0.1
    full = rng.random((BET_RUNS, BET_ITEMS)) < (mean - 0.05) / 0.9
    return np.where(half, 0.5, full.astype(float))


def _beta(rng: np.random.Generator, mean: float) -> np.ndarray:
    return rng.beta(mean * 4, (1 - mean) * 4, (BET_RUNS, BET_ITEMS))


@pytest.mark.parametrize("share", SHARES)
@pytest.mark.parametrize("scores", [_three_valued, _beta])
def test_betting_error_rates_at_the_threshold(share: float, scores: object) -> None:
    rng = np.random.default_rng(100 + int(share * 100))
    make = scores  # type: ignore[assignment]
    at_threshold = make(rng, 0.879)  # type: ignore[operator]
    lost = rng.random((BET_RUNS, BET_ITEMS)) < share
    assert simulate_bounded(at_threshold, CLAIM, TOL, unread=lost).failed.mean() <= 0.05
    # worst case for `failed`: only high scores go unread
    hidden = lost & (at_threshold > 0.5)
    assert simulate_bounded(at_threshold, CLAIM, TOL, unread=hidden).failed.mean() <= 0.05
    at_claim = make(rng, CLAIM)  # type: ignore[operator]
    assert simulate_bounded(at_claim, CLAIM, TOL, unread=lost).failed.mean() <= 0.01
    below = make(rng, 0.8789)  # type: ignore[operator]
    worst = lost & (below < 0.5)  # worst case for `replicated`: only low scores go unread
    assert simulate_bounded(below, CLAIM, TOL, unread=worst).replicated.mean() <= 0.05


def test_betting_fails_a_ten_point_overclaim_and_replicates_an_honest_one() -> None:
    rng = np.random.default_rng(5)
    low = simulate_bounded(_three_valued(rng, 0.79), CLAIM, TOL)
    assert low.failed.mean() > 0.99
    assert np.median(low.items) < 200
    high = simulate_bounded(_beta(rng, 0.97), CLAIM, TOL)
    assert high.replicated.mean() > 0.95
    assert not high.failed.any()


def test_the_bounded_test_agrees_with_its_simulation_and_covers() -> None:
    rng = np.random.default_rng(6)
    scores = np.where(rng.random((1, 400)) < 0.3, 0.5, (rng.random((1, 400)) < 0.75) * 1.0)
    lost = rng.random((1, 400)) < 0.1
    sim = simulate_bounded(scores, CLAIM, TOL, unread=lost)
    test = BoundedMeanTest(CLAIM, TOL)
    for x, gone in zip(scores[0], lost[0], strict=True):
        if test.update(None if gone else float(x)) is not Decision.UNDECIDED:
            break
    assert sim.failed[0] and test.decision is Decision.FAILED
    assert test.decided_at == sim.items[0]
    low, high = test.interval()
    read = scores[0][: test.n][~lost[0][: test.n]]
    assert test.accuracy == pytest.approx(read.mean())
    assert low <= read.mean() <= high <= test.threshold
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        test.update(1.5)


def test_the_bounded_interval_covers_the_truth_uniformly() -> None:
    rng = np.random.default_rng(8)
    misses = 0
    for _ in range(60):
        test = BoundedMeanTest(0.5, 0.0)
        for x in rng.beta(2.4, 1.6, 200):  # mean 0.6
            test.update(float(x))
        # the interval excludes every mean that was ever rejected: checking the end suffices
        low, high = test.interval()
        misses += not low <= 0.6 <= high
        assert high - low < 0.3
    assert misses <= 6  # coverage >= 1 - 2 alpha uniformly in time
