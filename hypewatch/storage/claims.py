"""The one claim rule for rows a process sends: the event outbox and the digest outbox.

A process that sends a row first claims it, in one write transaction, by writing its
`Owner` (PID and start time: a PID is reused, the pair is not) into the row's
`owner_pid` / `owner_started` columns. `Claimant.may_take` is the rule both outboxes apply
inside that transaction: a row nobody holds, or one whose holder no longer runs, can be
taken; a row held by a running process (this one included) is left to it. Settling the
row (sent, retried, failed, released) clears the owner. Whether a holder still runs is the
caller's question (`hypewatch.bot.process_owner`, psutil): storage only applies the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

#: The SET fragment that takes a claim (parameters: `Owner.params()`).
TAKE = "owner_pid = ?, owner_started = ?"
#: The SET fragment that clears it.
CLEAR = "owner_pid = NULL, owner_started = NULL"


@dataclass(frozen=True)
class Owner:
    """The process holding a claim: its PID and start time (a PID is reused; the pair is not)."""

    pid: int
    started: float

    def params(self) -> tuple[int, float]:
        return (self.pid, self.started)


def holder(row: Mapping[str, Any]) -> Owner | None:
    """Who holds a stored row's claim (None when nobody does)."""
    if row["owner_pid"] is None:
        return None
    return Owner(int(row["owner_pid"]), float(row["owner_started"] or 0.0))


@dataclass(frozen=True)
class Claimant:
    """A process taking claims: who it is, and how it tells whether another holder runs."""

    owner: Owner
    alive: Callable[[Owner], bool]

    def may_take(self, held_by: Owner | None) -> bool:
        """The claim rule: free, or held by a process that no longer runs."""
        if held_by is None:
            return True
        return held_by != self.owner and not self.alive(held_by)
