"""The one clock: the wall clock when hypewatch runs for real, a simulated one in the demo.

The store (every timestamp it writes, what is due now: queue rows, outbox retries), the
pipeline (retry times, daily budgets) and the daemon (when it started, when each job last
ran) read the time only through a `Clock`: `Store.open(path, clock=...)` takes one (default
`SystemClock`), the pipeline and the daemon use the store's. So the demo runs the daemon's
own jobs on a story's timeline ("Day 0, 15:00", "Day 1") without waiting for it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "SimulatedClock", "SystemClock"]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that moves only when told to (never backwards)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("SimulatedClock needs a timezone-aware start time (UTC)")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        return self.set(self._now + delta)

    def set(self, when: datetime) -> datetime:
        if when < self._now:
            raise ValueError(f"a clock does not go back: {when.isoformat()} < {self._now}")
        self._now = when
        return when
