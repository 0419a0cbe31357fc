"""Read-only accessors for the ledger's pages and feeds (`hypewatch.web`).

Nothing here writes. The pages read launches, claims and events through
`Store`; these add the few questions `Store` has no accessor for: a launch
by its exact slug, the newest events of some kinds (whole ledger or one
launch) without reading every event, and the launches index as one SQL page
(filters, order, LIMIT/OFFSET, counts per headline status) that reads only
the launches shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hypewatch.events import Event
from hypewatch.models import Claim, EventKind, Launch, LaunchStatus
from hypewatch.storage.store import Store, _claim, _event, _launch


@dataclass(frozen=True)
class IndexQuery:
    """Which launches the index shows: each filter empty when not given; `limit=None` is
    every match (the static export)."""

    status: str = ""
    org: str = ""
    benchmark: str = ""
    q: str = ""
    offset: int = 0
    limit: int | None = 100


@dataclass(frozen=True)
class IndexPage:
    """One page of launches (newest first) with their headline status, and how many match."""

    launches: list[tuple[Launch, LaunchStatus]]
    total: int


def index_page(store: Store, query: IndexQuery) -> IndexPage:
    """The launches matching `query`, newest first (`first_seen`, then id), one page of them.
    Status is the headline kept on the launch (`Store._refresh_status`); org and benchmark
    match case-insensitively; `q` is a substring of the name or Hub repo (ASCII case folded,
    as SQLite's lower())."""
    where: list[str] = []
    params: list[object] = []
    if query.status:
        where.append("status = ?")
        params.append(query.status)
    if query.org:
        where.append("lower(org) = lower(?)")
        params.append(query.org)
    if query.benchmark:
        where.append(
            "EXISTS (SELECT 1 FROM claims c WHERE c.launch_id = launches.id"
            " AND lower(c.benchmark) = lower(?))"
        )
        params.append(query.benchmark)
    if query.q:
        where.append("(instr(lower(name), lower(?)) > 0 OR instr(lower(hf_repo), lower(?)) > 0)")
        params += [query.q, query.q]
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    total_row = next(iter(store.db.query(f"SELECT count(*) AS n FROM launches {clause}", params)))  # noqa: S608 - fixed fragments
    limit = -1 if query.limit is None else query.limit
    rows = store.db.query(
        f"SELECT * FROM launches {clause} ORDER BY first_seen DESC, id DESC LIMIT ? OFFSET ?",  # noqa: S608 - fixed fragments
        [*params, limit, max(0, query.offset)],
    )
    shown = [(_launch(r), LaunchStatus(r["status"])) for r in rows]
    return IndexPage(shown, int(total_row["n"]))


def status_counts(store: Store) -> dict[LaunchStatus, int]:
    """How many launches have each headline status (the whole ledger)."""
    counts = dict.fromkeys(LaunchStatus, 0)
    for row in store.db.query("SELECT status, count(*) AS n FROM launches GROUP BY status"):
        counts[LaunchStatus(row["status"])] = int(row["n"])
    return counts


def launch_orgs(store: Store) -> list[str]:
    """Every organisation some launch names (distinct, unsorted)."""
    rows = store.db.query("SELECT DISTINCT org FROM launches WHERE org != ''")
    return [str(r["org"]) for r in rows]


def claim_benchmarks(store: Store) -> list[str]:
    """Every benchmark some claim names (distinct, unsorted)."""
    rows = store.db.query("SELECT DISTINCT benchmark FROM claims WHERE benchmark != ''")
    return [str(r["benchmark"]) for r in rows]


def claims_of_launches(store: Store, launch_ids: Iterable[int]) -> list[Claim]:
    """The claims of these launches (one query), by id."""
    wanted = sorted(set(launch_ids))
    if not wanted:
        return []
    marks = ", ".join("?" * len(wanted))
    rows = store.db.query(
        f"SELECT * FROM claims WHERE launch_id IN ({marks}) ORDER BY id",  # noqa: S608 - marks only
        wanted,
    )
    return [_claim(r) for r in rows]


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
