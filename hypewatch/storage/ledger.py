"""Read-only accessors for the ledger's pages and feeds (`hypewatch.web`).

Nothing here writes. The pages read launches, claims and events through
`Store`; these add the few questions `Store` has no accessor for: a launch
by its exact slug, and the newest events of some kinds (whole ledger or one
launch) without reading every event.
"""

from __future__ import annotations

from collections.abc import Iterable

from hypewatch.events import Event
from hypewatch.models import EventKind, Launch
from hypewatch.storage.store import Store, _event, _launch


def launch_by_slug(store: Store, slug: str) -> Launch | None:
    """The launch whose slug is exactly `slug`, or None."""
    rows = list(store.db.query("SELECT * FROM launches WHERE slug = ?", (slug,)))
    return _launch(rows[0]) if rows else None


def latest_events(
    store: Store,
    kinds: Iterable[EventKind],
    *,
    launch_id: int | None = None,
    limit: int = 50,
) -> list[Event]:
    """The newest `limit` events of `kinds` (of one launch, or of the whole ledger),
    newest first."""
    names = sorted({str(kind) for kind in kinds})
    if not names or limit <= 0:
        return []
    marks = ", ".join("?" * len(names))
    where = f"kind IN ({marks})"
    params: list[object] = [*names]
    if launch_id is not None:
        where += " AND launch_id = ?"
        params.append(launch_id)
    params.append(limit)
    rows = store.db.query(
        f"SELECT * FROM events WHERE {where} ORDER BY id DESC LIMIT ?",  # noqa: S608 - marks only
        params,
    )
    return [_event(r) for r in rows]
