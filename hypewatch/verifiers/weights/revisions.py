"""Revision history of a launch's repo: record every commit's files, alert on changed weights.

`check_revisions()` is what the daemon schedules (every
`verifiers.weights.recheck_hours`). It is blocking (huggingface_hub is): from
async code run it with `asyncio.to_thread`.
"""

from __future__ import annotations

from hypewatch.events import Event, WeightsChanged
from hypewatch.models import JSON, Launch
from hypewatch.storage import Store
from hypewatch.storage.revisions import record_revision, revision_files
from hypewatch.verifiers.weights.hub import WEIGHT_SUFFIXES, CommitRecord, HubClient

MAX_NEW_REVISIONS = 20


def weight_identities(files: list[JSON]) -> dict[str, str]:
    """path -> content identity (sha256, else size) of the weight files in a file list."""
    return {
        str(f["path"]): str(f.get("sha256") or f"size:{f.get('size')}")
        for f in files
        if str(f.get("path", "")).lower().endswith(WEIGHT_SUFFIXES)
    }


def diff_weights(old: list[JSON], new: list[JSON]) -> JSON:
    """Which weight files changed, appeared or disappeared between two file lists."""
    a, b = weight_identities(old), weight_identities(new)
    return {
        "changed": sorted(p for p in a.keys() & b.keys() if a[p] != b[p]),
        "added": sorted(b.keys() - a.keys()),
        "removed": sorted(a.keys() - b.keys()),
    }


def _changed_event(
    store: Store, launch: Launch, commit: CommitRecord, previous: str, change: JSON, first: bool
) -> Event:
    payload = WeightsChanged(
        repo=launch.hf_repo,
        revision=commit.commit_id,
        previous_revision=previous,
        committed_at=commit.created_at.isoformat() if commit.created_at else None,
        title=commit.title,
        changed=tuple(change["changed"]),
        added=tuple(change["added"]),
        removed=tuple(change["removed"]),
        found_on_first_check=first,
    )
    return store.append_event(launch.id, payload)


def check_revisions(
    store: Store, launch: Launch, hub: HubClient, *, max_new: int = MAX_NEW_REVISIONS
) -> list[Event]:
    """Record the repo's unseen commits (newest `max_new`) and return one `weights_changed`
    event per commit whose weight files differ from the commit before it."""
    if not launch.hf_repo:
        return []
    repo = launch.hf_repo
    history = list(reversed(hub.commits(repo)))  # oldest first
    known = revision_files(store, repo)
    unseen = [c.commit_id for c in history if c.commit_id not in known][-max_new:]
    first_check = not known
    events: list[Event] = []
    previous: tuple[str, list[JSON]] | None = None
    for commit in history:
        if commit.commit_id in known:
            previous = (commit.commit_id, known[commit.commit_id])
            continue
        if commit.commit_id not in unseen:
            continue
        files = [f.to_json() for f in hub.snapshot(repo, commit.commit_id).files]
        with store.transaction():
            record_revision(store, repo, commit.commit_id, files, commit.created_at)
            if previous is not None:
                change = diff_weights(previous[1], files)
                if any(change.values()):
                    events.append(
                        _changed_event(store, launch, commit, previous[0], change, first_check)
                    )
        previous = (commit.commit_id, files)
    return events
