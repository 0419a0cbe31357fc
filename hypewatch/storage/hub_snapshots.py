"""Accessors for `hub_snapshots`: a Hub repo's likes, downloads and trending score as the Hub
watcher saw them at each poll during the repo's first hours (`significance.
velocity_follow_hours`). The watcher is the table's one writer (through `Batch.extra_writes`,
in the poll's transaction); `hypewatch.significance` reads velocity from it and the pipeline
re-scores the launches of repos with new snapshots (`Pipeline.follow_velocity`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypewatch.storage.db import write
from hypewatch.storage.store import Store

__all__ = ["HubSnapshot", "record_snapshots", "repos_snapshotted_after", "snapshots"]


@dataclass(frozen=True)
class HubSnapshot:
    repo: str
    at: datetime
    likes: int
    downloads: int
    trending_score: float = 0.0


def _ts(value: datetime) -> str:
    """Fixed width, so timestamps compare as strings."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def record_snapshots(store: Store, rows: Iterable[HubSnapshot]) -> int:
    """Append snapshots; returns how many."""
    values = [
        (r.repo, _ts(r.at), max(0, r.likes), max(0, r.downloads), max(0.0, r.trending_score))
        for r in rows
    ]
    if values:
        with write(store.db):
            for value in values:
                store.db.execute(
                    """INSERT INTO hub_snapshots (repo, at, likes, downloads, trending_score)
                       VALUES (?, ?, ?, ?, ?)""",
                    value,
                )
    return len(values)


def snapshots(store: Store, repo: str) -> list[HubSnapshot]:
    """A repo's snapshots (case-insensitive), oldest first."""
    rows = store.db.query(
        """SELECT repo, at, likes, downloads, trending_score FROM hub_snapshots
           WHERE repo = ? COLLATE NOCASE ORDER BY at, id""",
        (repo,),
    )
    return [
        HubSnapshot(
            str(r["repo"]),
            datetime.fromisoformat(str(r["at"])),
            int(r["likes"]),
            int(r["downloads"]),
            float(r["trending_score"]),
        )
        for r in rows
    ]


def repos_snapshotted_after(
    store: Store, after_id: int, within: timedelta
) -> tuple[int, list[str]]:
    """(the newest snapshot id, the repos with a snapshot after `after_id`), leaving out
    snapshots older than `within` before the newest one (a restarted daemon does not
    re-score every repo it ever followed)."""
    [top] = store.db.query("SELECT max(id) AS id, max(at) AS at FROM hub_snapshots")
    if top["id"] is None or int(top["id"]) <= after_id:
        return after_id, []
    cutoff = _ts(datetime.fromisoformat(str(top["at"])) - within)
    rows = store.db.query(
        """SELECT DISTINCT repo FROM hub_snapshots WHERE id > ? AND id <= ? AND at >= ?
           ORDER BY repo""",
        (after_id, int(top["id"]), cutoff),
    )
    return int(top["id"]), [str(r["repo"]) for r in rows]
