"""Accessors for `hub_snapshots`: a Hub repo's likes, downloads and trending score as the Hub
watcher saw them at each poll during the repo's first hours (`significance.
velocity_follow_hours`). The watcher is the table's one writer (through `Batch.extra_writes`,
in the poll's transaction); `hypewatch.significance` reads velocity from it and the pipeline
re-scores the launches of repos with new snapshots (`Pipeline.follow_velocity`).

`prune_snapshots` (the daemon's `retention` job, `[retention] hub_snapshots_days`) deletes
old snapshots but keeps, per repo, every one `significance._hub_velocity` reads when a launch
is re-scored later (a new source, a claim): the newest two and those within the velocity
window before the newest. So a repo still being followed loses nothing, and a re-score after
the pruning gives the score it gave before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypewatch.storage.db import write
from hypewatch.storage.store import Store

__all__ = [
    "HubSnapshot",
    "prune_snapshots",
    "record_snapshots",
    "repos_snapshotted_after",
    "snapshots",
]


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


def prune_snapshots(store: Store, older_than: datetime, window: timedelta) -> int:
    """Delete the snapshots taken before `older_than` that velocity no longer reads: all
    but, per repo (case-insensitive), its newest two and those within `window` before its
    newest. Returns how many were deleted."""
    with write(store.db):
        cursor = store.db.execute(
            """DELETE FROM hub_snapshots WHERE id IN (
                 SELECT id FROM (
                   SELECT id, at,
                     row_number() OVER repo_newest_first AS rank,
                     first_value(at) OVER repo_newest_first AS newest
                   FROM hub_snapshots
                   WINDOW repo_newest_first AS (
                     PARTITION BY repo COLLATE NOCASE ORDER BY at DESC, id DESC)
                 )
                 WHERE at < ? AND rank > 2 AND julianday(at) < julianday(newest) - ?
               )""",
            # a second to spare: julianday's float arithmetic must not drop the one snapshot
            # exactly a window before the newest (keeping one more is harmless)
            (_ts(older_than), (window.total_seconds() + 1) / 86_400),
        )
    return max(0, cursor.rowcount)
