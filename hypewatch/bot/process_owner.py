"""Who holds a claim: this process's PID and start time, and whether a holder still runs.

A claim (an outbox or digest row being sent; the rule is `storage.claims`) names its
process by PID *and* start time: after a crash and a reboot, or simply much later, the PID
can belong to another process, and the pair cannot. psutil reads the start time on every
platform (on Linux from /proc/<pid>/stat).
"""

from __future__ import annotations

import psutil

from hypewatch.storage.claims import Claimant, Owner

#: psutil derives the start time from clock ticks since boot; two readings of the same
#: process agree far closer than this.
_SAME_START_SECONDS = 0.5


def current_owner() -> Owner:
    """This process, as claims name it (read each time: a forked child is another process)."""
    me = psutil.Process()
    return Owner(me.pid, me.create_time())


def owner_alive(owner: Owner) -> bool:
    """Whether the process that took a claim is still running (same PID, same start time;
    a zombie is not running)."""
    try:
        process = psutil.Process(owner.pid)
        if abs(process.create_time() - owner.started) > _SAME_START_SECONDS:
            return False  # the PID was reused
        return bool(process.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True  # it exists and is someone else's: assume it still works on the claim


def this_process() -> Claimant:
    """This process as it takes claims (the daemon, `run --once`, `digest --send`)."""
    return Claimant(current_owner(), owner_alive)
