from __future__ import annotations

import pytest

from hypewatch.backoff import MAX_DOUBLINGS, doubling_wait


@pytest.mark.parametrize(
    ("failures", "expected"), [(0, 60.0), (1, 60.0), (2, 120.0), (3, 240.0), (7, 3600.0)]
)
def test_the_wait_doubles_from_the_first_failure_up_to_the_cap(
    failures: int, expected: float
) -> None:
    assert doubling_wait(60.0, failures, 3600.0) == expected


def test_jitter_scales_before_the_cap_and_doublings_stop() -> None:
    assert doubling_wait(2.0, 3, 100.0, jitter=0.5) == 4.0
    assert doubling_wait(2.0, 40, 1e12) == 2.0 * 2**MAX_DOUBLINGS
