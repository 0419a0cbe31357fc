"""One rule for waiting after failures: the wait doubles with each failure, up to a cap.

The watchers, the outbox, the digest outbox, the not-found-yet re-checks and the guarded
HTTP client all wait this way; each keeps its own first wait, cap and jitter.
"""

from __future__ import annotations

__all__ = ["MAX_DOUBLINGS", "doubling_wait"]

#: Past this many doublings every configured cap has long been reached.
MAX_DOUBLINGS = 16


def doubling_wait(
    first_seconds: float, failures: int, cap_seconds: float, *, jitter: float = 1.0
) -> float:
    """Seconds to wait after the `failures`-th consecutive failure (1-based): `first_seconds`,
    doubled for each further failure, times `jitter`, never more than `cap_seconds`."""
    doublings = min(max(failures - 1, 0), MAX_DOUBLINGS)
    return float(min(first_seconds * 2.0**doublings * jitter, cap_seconds))
