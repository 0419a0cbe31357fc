from __future__ import annotations

import numpy as np
import pytest

from hypewatch.verifiers.benchmark.stats import Decision, MixtureCS, SequentialTest, simulate

RUNS = 2000


def test_false_failed_rate_at_claim_minus_tolerance_is_at_most_alpha() -> None:
    sim = simulate(0.879, 0.899, 0.02, runs=RUNS, max_items=2000, rng=np.random.default_rng(11))
    assert sim.failed.mean() <= 0.05


def test_false_failed_rate_at_the_claim_is_at_most_one_percent() -> None:
    sim = simulate(0.899, 0.899, 0.02, runs=RUNS, max_items=2000, rng=np.random.default_rng(12))
    assert sim.failed.mean() <= 0.01


def test_false_replicated_rate_below_the_threshold_is_at_most_alpha() -> None:
    sim = simulate(0.8789, 0.899, 0.02, runs=RUNS, max_items=2000, rng=np.random.default_rng(13))
    assert sim.replicated.mean() <= 0.05


def test_a_ten_point_overclaim_fails_quickly() -> None:
    sim = simulate(0.79, 0.899, 0.02, runs=RUNS, max_items=2000, rng=np.random.default_rng(14))
    assert sim.failed.all()
    assert np.median(sim.items) <= 120
    assert np.percentile(sim.items, 90) <= 250


@pytest.mark.parametrize(("truth", "claimed"), [(0.6, 0.4), (0.3, 0.5), (0.95, 0.9)])
def test_boundaries_agree_with_the_sequential_test(truth: float, claimed: float) -> None:
    rng = np.random.default_rng(5)
    cs = MixtureCS()
    fail, replicate = cs.boundaries(claimed - 0.02, 400)
    for _ in range(5):
        outcomes = rng.random(400) < truth
        test = SequentialTest(claimed, 0.02, cs)
        sums = np.cumsum(outcomes)
        expected = next(
            (
                (i + 1, Decision.FAILED if sums[i] <= fail[i] else Decision.REPLICATED)
                for i in range(400)
                if sums[i] <= fail[i] or sums[i] >= replicate[i]
            ),
            (None, Decision.UNDECIDED),
        )
        decided_at = None
        for i, outcome in enumerate(outcomes):
            if test.update(bool(outcome)) is not Decision.UNDECIDED:
                decided_at = i + 1
                break
        assert (decided_at, test.decision) == expected


def test_interval_is_consistent_with_the_decision_and_shrinks() -> None:
    test = SequentialTest(0.9, 0.02)
    rng = np.random.default_rng(3)
    widths = []
    while test.decision is Decision.UNDECIDED:
        test.update(bool(rng.random() < 0.7))
        low, high = test.interval()
        widths.append(high - low)
        assert low <= (test.correct / test.n) <= high
    assert test.decision is Decision.FAILED
    low, high = test.interval()
    # Exact at the decision: the unclamped bound already lies below p0.
    assert test.cs.upper(test.n, test.correct) < test.threshold
    assert high <= test.threshold
    assert widths[-1] < widths[0]


@pytest.mark.parametrize("truth", [0.3, 0.62, 0.93])
def test_interval_covers_the_truth_uniformly_in_time(truth: float) -> None:
    # The interval misses the truth at some time iff a test of the truth itself rejects.
    sim = simulate(truth, truth, 0.0, runs=RUNS, max_items=1000, rng=np.random.default_rng(21))
    assert sim.failed.mean() <= 0.05
    assert sim.replicated.mean() <= 0.05


def test_mixture_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError, match="alpha"):
        MixtureCS(alpha=0.7)
    with pytest.raises(ValueError, match="prior_strength"):
        MixtureCS(prior_strength=0)
