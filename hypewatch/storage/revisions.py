"""Accessors for `repo_revisions`: the files (path, sha256, size) of a Hub repo per commit."""

from __future__ import annotations

import json
from datetime import datetime

from hypewatch.models import JSON
from hypewatch.storage.db import write
from hypewatch.storage.store import Store


def record_revision(
    store: Store, repo: str, revision: str, files: list[JSON], committed_at: datetime | None = None
) -> bool:
    """Store a repo's files at a revision once; True when the revision was new."""
    with write(store.db):
        cursor = store.db.execute(
            """INSERT INTO repo_revisions (repo, revision, seen_at, committed_at, files)
               VALUES (?, ?, ?, ?, ?) ON CONFLICT (repo, revision) DO NOTHING""",
            (
                repo,
                revision,
                store.now().isoformat(),
                committed_at.isoformat() if committed_at else None,
                json.dumps(files, sort_keys=True),
            ),
        )
    return cursor.rowcount > 0


def revision_files(store: Store, repo: str) -> dict[str, list[JSON]]:
    """Every recorded revision of `repo` -> its files."""
    rows = store.db.query(
        "SELECT revision, files FROM repo_revisions WHERE repo = ? ORDER BY id", (repo,)
    )
    return {r["revision"]: json.loads(r["files"]) for r in rows}


def revisions(store: Store, repo: str) -> list[JSON]:
    """The recorded revisions of `repo`, first seen first."""
    rows = store.db.query(
        """SELECT revision, seen_at, committed_at, files FROM repo_revisions
           WHERE repo = ? ORDER BY id""",
        (repo,),
    )
    return [dict(r, files=json.loads(r["files"])) for r in rows]
