"""Accessors for `derivatives`: Hub repos made from another model (quantisations, adapters,
copied cards) and the base they name. This module is the table's one writer; the pipeline
calls it (`Pipeline.attach_derivatives`).

A derivative is recorded when its card is read, whether or not its base is a launch yet;
`launch_id` is set when it is attached to the base's launch (the pipeline appends the
`artifact` event in the same transaction), so one whose base arrives later waits here.

`prune_pending` (the daemon's `retention` job, `[retention] pending_derivatives_days`)
forgets the ones still waiting long after they were seen. An attached row is never pruned:
it records that the repo's `artifact` event is on its base's timeline, so a card read again
is not attached twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from hypewatch.storage.db import write
from hypewatch.storage.store import Store

__all__ = [
    "DerivativeRow",
    "attached_to",
    "mark_attached",
    "pending_of",
    "prune_pending",
    "record_derivative",
]


@dataclass(frozen=True)
class DerivativeRow:
    repo: str
    base: str
    relation: str
    evidence: str
    post_key: str
    seen_at: datetime
    launch_id: int | None


def _row(r: dict[str, object]) -> DerivativeRow:
    launch_id = r["launch_id"]
    return DerivativeRow(
        str(r["repo"]),
        str(r["base"]),
        str(r["relation"]),
        str(r["evidence"]),
        str(r["post_key"]),
        datetime.fromisoformat(str(r["seen_at"])),
        int(launch_id) if isinstance(launch_id, int) else None,
    )


def record_derivative(
    store: Store, repo: str, base: str, relation: str, evidence: str, post_key: str
) -> DerivativeRow:
    """Record a derivative once (a repo seen again keeps its first record); returns it."""
    with write(store.db):
        store.db.execute(
            """INSERT INTO derivatives (repo, base, relation, evidence, post_key, seen_at)
               VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (repo) DO NOTHING""",
            (repo, base, relation, evidence[:300], post_key, store.now().isoformat()),
        )
    [row] = store.db.query("SELECT * FROM derivatives WHERE repo = ?", (repo,))
    return _row(row)


def pending_of(store: Store, base: str) -> list[DerivativeRow]:
    """The derivatives naming `base` (case-insensitive) not attached to a launch yet, oldest
    first."""
    rows = store.db.query(
        """SELECT * FROM derivatives WHERE base = ? COLLATE NOCASE AND launch_id IS NULL
           ORDER BY seen_at, repo""",
        (base,),
    )
    return [_row(r) for r in rows]


def mark_attached(store: Store, repo: str, launch_id: int) -> None:
    with write(store.db):
        store.db.execute(
            "UPDATE derivatives SET launch_id = ?, attached_at = ? WHERE repo = ?",
            (launch_id, store.now().isoformat(), repo),
        )


def attached_to(store: Store, launch_id: int) -> list[DerivativeRow]:
    """The derivatives attached to a launch, in the order they were attached."""
    rows = store.db.query(
        "SELECT * FROM derivatives WHERE launch_id = ? ORDER BY attached_at, repo", (launch_id,)
    )
    return [_row(r) for r in rows]


def prune_pending(store: Store, seen_before: datetime) -> int:
    """Delete the derivatives seen before `seen_before` that are still not attached to a
    launch (their base never became one). Returns how many."""
    with write(store.db):
        cursor = store.db.execute(
            "DELETE FROM derivatives WHERE launch_id IS NULL AND seen_at < ?",
            (seen_before.astimezone(UTC).isoformat(),),
        )
    return max(0, cursor.rowcount)
