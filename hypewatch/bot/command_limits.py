"""Rate limits for chat commands that spend verification budget (`/hypewatch verify`).

A sliding window per key (a channel): at most `rate` uses in `per_seconds`.
In memory, per daemon process: a restart forgets it, which at worst allows
one more window's worth of runs.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class ChannelRateLimiter:
    def __init__(
        self, rate: int, per_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.per_seconds = per_seconds
        self.clock = clock
        self._uses: dict[str, deque[float]] = {}

    def acquire(self, key: str) -> float | None:
        """Take one use for `key`: None when allowed, else the seconds until the next one."""
        now = self.clock()
        uses = self._uses.setdefault(key, deque())
        while uses and uses[0] <= now - self.per_seconds:
            uses.popleft()
        if len(uses) >= self.rate:
            return uses[0] + self.per_seconds - now
        uses.append(now)
        return None
