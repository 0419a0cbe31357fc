"""Typed accessors over the database: posts, launches, claims, events, verifications.

Every method that writes takes its own `write()` transaction, which nests
as a savepoint when the caller already holds one, so a caller can group
several calls (a post, its claims and their events) into one transaction:

    with store.transaction():
        store.upsert_post(post)
        store.add_claim(...)

Delivery (outbox, threads), cursors and source health live in sibling
modules that take a `Store`.
"""

from __future__ import annotations

import enum
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from hypewatch import lifecycle
from hypewatch.clock import Clock, SystemClock
from hypewatch.errors import NotFoundError as NotFoundError
from hypewatch.errors import StorageError
from hypewatch.events import (
    ClaimAdded,
    Event,
    EventPayload,
    FirstSeen,
    StatusChanged,
    decode,
    encode,
)
from hypewatch.models import (
    JSON,
    Claim,
    ClaimKind,
    ClaimStatus,
    Launch,
    LaunchStatus,
    Post,
    Verdict,
)
from hypewatch.storage.db import connect, schema_version, write


def _ts(value: datetime) -> str:
    return value.isoformat()


def _dt(value: str | None) -> datetime:
    """A required timestamp column read back (the schema has them NOT NULL). An empty one
    is a damaged row: it is an error, never silently "now" (which clock's now?)."""
    if not value:
        raise StorageError(
            "a stored row has no timestamp where the schema requires one; the database is "
            "damaged (restore it from a backup)"
        )
    return datetime.fromisoformat(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _post(row: dict[str, Any]) -> Post:
    return Post(
        source=row["source"],
        native_id=row["native_id"],
        text=row["text"],
        author=row["author"],
        url=row["url"],
        created_at=_dt(row["created_at"]),
        engagement=json.loads(row["engagement"]),
        raw=json.loads(row["raw"]),
    )


def _launch(row: dict[str, Any]) -> Launch:
    return Launch(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        org=row["org"],
        params_b=row["params_b"],
        base_model=row["base_model"],
        hf_repo=row["hf_repo"],
        endpoint=row["endpoint"],
        first_seen=_dt(row["first_seen"]),
        hype=row["hype"],
        significance=row.get("significance"),
        significance_reasons=tuple(json.loads(row.get("significance_reasons") or "[]")),
    )


def _claim(row: dict[str, Any]) -> Claim:
    return Claim(
        id=row["id"],
        launch_id=row["launch_id"],
        kind=ClaimKind(row["kind"]),
        key=row["key"],
        status=ClaimStatus(row["status"]),
        benchmark=row["benchmark"],
        setting=row["setting"],
        value=row["value"],
        subject=row["subject"],
        post_key=row["post_key"] or "",
        flags=tuple(json.loads(row["flags"])),
        created_at=_dt(row["created_at"]),
        updated_at=_dt(row["updated_at"]),
    )


def _event(row: dict[str, Any]) -> Event:
    return Event(
        id=row["id"],
        launch_id=row["launch_id"],
        claim_id=row["claim_id"],
        payload=decode(row["kind"], json.loads(row["payload"])),
        created_at=_dt(row["created_at"]),
    )


class QueueState(enum.StrEnum):
    """Where a verification is: waiting, being run, finished with a verdict, or crashed."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    ERROR = "error"


@dataclass(frozen=True)
class QueueItem:
    """One row of the verification queue."""

    id: int
    claim_id: int
    verifier: str
    state: QueueState
    priority: float
    attempts: int
    queued_at: datetime
    started_at: datetime | None = None
    not_before: datetime | None = None


@dataclass(frozen=True)
class VerdictRecord:
    """One verdict of a claim's history."""

    verification_id: int
    verifier: str
    verdict: Verdict
    finished_at: datetime


def _maybe_dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _queue_item(row: dict[str, Any]) -> QueueItem:
    return QueueItem(
        id=int(row["id"]),
        claim_id=int(row["claim_id"]),
        verifier=str(row["verifier"]),
        state=QueueState(row["state"]),
        priority=float(row["priority"]),
        attempts=int(row["attempts"]),
        queued_at=_dt(row["queued_at"]),
        started_at=_maybe_dt(row["started_at"]),
        not_before=_maybe_dt(row.get("not_before")),
    )


_LAUNCH_FIELDS = frozenset(
    {
        "name",
        "org",
        "params_b",
        "base_model",
        "hf_repo",
        "endpoint",
        "hype",
        "significance",
        "significance_reasons",
    }
)


class Store:
    """The database, opened and migrated, with typed accessors; a context manager
    that closes it. An event's outbox rows are written in the transaction that
    appends it, so they commit or roll back together.
    """

    def __init__(self, db: sqlite_utils.Database, *, clock: Clock | None = None) -> None:
        self.db = db
        #: Where every timestamp this store writes, and "due now", comes from.
        self.clock: Clock = clock or SystemClock()

    @classmethod
    def open(cls, path: Path | str, *, create: bool = True, clock: Clock | None = None) -> Store:
        """Open (with `create`, making it when missing) the database at `path`; `clock`:
        the time it writes and compares with (default the wall clock; the demo's is
        simulated)."""
        return cls(connect(path, create=create), clock=clock)

    def now(self) -> datetime:
        """The current time on this store's clock (UTC)."""
        return self.clock.now()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        with write(self.db):
            yield self

    def schema_version(self) -> int:
        return schema_version(self.db)

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        rows = list(self.db.query(sql, params))
        return rows[0] if rows else None

    # -- posts ---------------------------------------------------------------

    def upsert_post(self, post: Post) -> bool:
        """Store a post once per `source:native_id`; returns True when it is new.

        A post seen again refreshes its engagement counts only: the text first
        stored is the text that was claimed.
        """
        with write(self.db):
            existed = self._one("SELECT 1 AS x FROM posts WHERE key = ?", (post.key,))
            self.db.execute(
                """INSERT INTO posts (key, source, native_id, author, url, text, created_at,
                       engagement, raw, stored_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (key) DO UPDATE SET engagement = excluded.engagement""",
                (
                    post.key,
                    post.source,
                    post.native_id,
                    post.author,
                    post.url,
                    post.text,
                    _ts(post.created_at),
                    _dumps(post.engagement),
                    _dumps(post.raw),
                    _ts(self.now()),
                ),
            )
        return existed is None

    def get_post(self, key: str) -> Post:
        row = self._one("SELECT * FROM posts WHERE key = ?", (key,))
        if row is None:
            raise NotFoundError(f"no post {key!r}")
        return _post(row)

    def unprocessed_posts(self, limit: int = 500) -> list[Post]:
        rows = self.db.query(
            "SELECT * FROM posts WHERE is_claim IS NULL ORDER BY created_at LIMIT ?", (limit,)
        )
        return [_post(r) for r in rows]

    def mark_post_processed(
        self, key: str, *, is_claim: bool, launch_id: int | None, extraction: JSON
    ) -> None:
        with write(self.db):
            self.db.execute(
                "UPDATE posts SET is_claim = ?, launch_id = ?, extraction = ? WHERE key = ?",
                (int(is_claim), launch_id, _dumps(extraction), key),
            )

    def posts_for_launch(self, launch_id: int) -> list[Post]:
        rows = self.db.query(
            "SELECT * FROM posts WHERE launch_id = ? ORDER BY created_at", (launch_id,)
        )
        return [_post(r) for r in rows]

    def has_post(self, key: str) -> bool:
        return self._one("SELECT 1 AS x FROM posts WHERE key = ?", (key,)) is not None

    def post_counts(self) -> dict[str, int]:
        """Stored posts per source."""
        rows = self.db.query("SELECT source, count(*) AS n FROM posts GROUP BY source")
        return {str(r["source"]): int(r["n"]) for r in rows}

    def count_posts(self) -> int:
        row = self._one("SELECT count(*) AS n FROM posts")
        return int(row["n"]) if row else 0

    # -- launches ------------------------------------------------------------

    def create_launch(self, slug: str, name: str, **fields: Any) -> Launch:
        unknown = set(fields) - _LAUNCH_FIELDS - {"first_seen"}
        if unknown:
            raise TypeError(f"unknown launch fields: {sorted(unknown)}")
        now = self.now()
        with write(self.db):
            cursor = self.db.execute(
                "INSERT INTO launches (slug, name, first_seen) VALUES (?, ?, ?)",
                (slug, name, _ts(fields.pop("first_seen", now))),
            )
            launch_id = int(cursor.lastrowid or 0)
            if fields:
                self.update_launch(launch_id, **fields)
            self.append_event(launch_id, FirstSeen(name=name, slug=slug))
        return self.get_launch(launch_id)

    def update_launch(self, launch_id: int, **fields: Any) -> Launch:
        unknown = set(fields) - _LAUNCH_FIELDS
        if unknown:
            raise TypeError(f"unknown launch fields: {sorted(unknown)}")
        if "significance_reasons" in fields:
            fields["significance_reasons"] = json.dumps(list(fields["significance_reasons"]))
        if fields:
            assignments = ", ".join(f"{name} = ?" for name in fields)
            with write(self.db):
                self.db.execute(
                    f"UPDATE launches SET {assignments} WHERE id = ?",  # noqa: S608 - names are checked
                    (*fields.values(), launch_id),
                )
        return self.get_launch(launch_id)

    def get_launch(self, launch_id: int) -> Launch:
        row = self._one("SELECT * FROM launches WHERE id = ?", (launch_id,))
        if row is None:
            raise NotFoundError(f"no launch with id {launch_id}")
        return _launch(row)

    def find_launch(self, ref: str) -> Launch:
        """A launch by id, slug, name (case-insensitive) or Hugging Face repo."""
        if ref.isdigit():
            row = self._one("SELECT * FROM launches WHERE id = ?", (int(ref),))
        else:
            row = self._one(
                """SELECT * FROM launches WHERE slug = ? OR lower(name) = lower(?)
                   OR lower(hf_repo) = lower(?) ORDER BY id LIMIT 1""",
                (ref, ref, ref),
            )
        if row is None:
            raise NotFoundError(f"no launch matches {ref!r}; 'hypewatch status' lists the launches")
        return _launch(row)

    def launches(self) -> list[Launch]:
        return [_launch(r) for r in self.db.query("SELECT * FROM launches ORDER BY id")]

    def count_launches(self) -> int:
        row = self._one("SELECT count(*) AS n FROM launches")
        return int(row["n"]) if row else 0

    def launches_by_id(self, ids: Iterable[int]) -> list[Launch]:
        wanted = sorted(set(ids))
        if not wanted:
            return []
        marks = ", ".join("?" * len(wanted))
        rows = self.db.query(f"SELECT * FROM launches WHERE id IN ({marks}) ORDER BY id", wanted)  # noqa: S608
        return [_launch(r) for r in rows]

    def recent_launches(self, since: datetime, limit: int = 200) -> list[Launch]:
        rows = self.db.query(
            "SELECT * FROM launches WHERE first_seen >= ? ORDER BY id DESC LIMIT ?",
            (_ts(since), limit),
        )
        return [_launch(r) for r in rows]

    def launch_index_rows(self, after_id: int = 0) -> list[tuple[int, str, str]]:
        """(id, name, hf_repo) of launches after `after_id`: what a name index needs."""
        rows = self.db.query(
            "SELECT id, name, hf_repo FROM launches WHERE id > ? ORDER BY id", (after_id,)
        )
        return [(int(r["id"]), str(r["name"]), str(r["hf_repo"])) for r in rows]

    def earlier_launches_of(self, org: str, before_id: int, min_significance: float = 0) -> int:
        """How many launches of this Hub org, at least this significant, were recorded
        before launch `before_id`."""
        row = self._one(
            """SELECT COUNT(*) AS n FROM launches WHERE lower(org) = lower(?) AND id < ?
               AND COALESCE(significance, 0) >= ?""",
            (org, before_id, min_significance),
        )
        return int(row["n"]) if row else 0

    def free_slug(self, base: str) -> str:
        """`base`, or `base-N` with the first N not taken."""
        rows = self.db.query(
            "SELECT slug FROM launches WHERE slug = ? OR slug LIKE ? ESCAPE '\\'",
            (base, base.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "-%"),
        )
        taken = {str(r["slug"]) for r in rows}
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        return slug

    def launch_sources(self, launch_id: int, *, except_post: str = "") -> set[str]:
        rows = self.db.query(
            "SELECT DISTINCT source FROM posts WHERE launch_id = ? AND key != ?",
            (launch_id, except_post),
        )
        return {str(r["source"]) for r in rows}

    # -- claims --------------------------------------------------------------

    def add_claim(
        self,
        launch_id: int,
        kind: ClaimKind,
        key: str,
        *,
        benchmark: str = "",
        setting: str = "",
        value: float | None = None,
        subject: str = "",
        post_key: str = "",
        flags: tuple[str, ...] = (),
    ) -> tuple[Claim, bool]:
        """Add a claim unless the launch already has one with this key.

        Returns the claim and whether it is new; a new claim is an event."""
        existing = self._one(
            "SELECT * FROM claims WHERE launch_id = ? AND key = ?", (launch_id, key)
        )
        if existing is not None:
            return _claim(existing), False
        now = _ts(self.now())
        with write(self.db):
            cursor = self.db.execute(
                """INSERT INTO claims (launch_id, kind, key, benchmark, setting, value, subject,
                       post_key, flags, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    launch_id,
                    str(kind),
                    key,
                    benchmark,
                    setting,
                    value,
                    subject,
                    post_key or None,
                    _dumps(list(flags)),
                    now,
                    now,
                ),
            )
            claim = self.get_claim(int(cursor.lastrowid or 0))
            added = ClaimAdded(
                kind=kind,
                key=key,
                benchmark=benchmark,
                setting=setting,
                value=value,
                subject=subject,
                flags=flags,
                post=post_key,
            )
            self._refresh_status(launch_id)
            self.append_event(launch_id, added, claim_id=claim.id)
        return claim, True

    def get_claim(self, claim_id: int) -> Claim:
        row = self._one("SELECT * FROM claims WHERE id = ?", (claim_id,))
        if row is None:
            raise NotFoundError(f"no claim with id {claim_id}")
        return _claim(row)

    def claims(
        self, *, launch_id: int | None = None, status: ClaimStatus | None = None
    ) -> list[Claim]:
        where: list[str] = []
        params: list[Any] = []
        if launch_id is not None:
            where.append("launch_id = ?")
            params.append(launch_id)
        if status is not None:
            where.append("status = ?")
            params.append(str(status))
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self.db.query(f"SELECT * FROM claims {clause} ORDER BY id", params)  # noqa: S608
        return [_claim(r) for r in rows]

    def has_score(
        self, launch_id: int, benchmark: str, value: float, *, except_key: str = ""
    ) -> bool:
        """Whether the launch already claims this value on this benchmark (any setting)."""
        row = self._one(
            """SELECT 1 AS x FROM claims WHERE launch_id = ? AND kind = 'score'
               AND benchmark = ? AND abs(value - ?) < 1e-9 AND key != ? LIMIT 1""",
            (launch_id, benchmark, value, except_key),
        )
        return row is not None

    def transition_claim(self, claim_id: int, target: ClaimStatus, *, reason: str = "") -> Claim:
        """Move a claim along a lifecycle edge and record the change as an event.

        Raises `lifecycle.IllegalTransitionError` for an edge that does not exist."""
        with write(self.db):
            claim = self.get_claim(claim_id)
            lifecycle.check_transition(claim_id, claim.status, target)
            self.db.execute(
                "UPDATE claims SET status = ?, updated_at = ? WHERE id = ?",
                (str(target), _ts(self.now()), claim_id),
            )
            self._refresh_status(claim.launch_id)
            change = StatusChanged(from_status=claim.status, to_status=target, reason=reason)
            self.append_event(claim.launch_id, change, claim_id=claim_id)
        return self.get_claim(claim_id)

    def replicated_scores(self, benchmark: str) -> list[tuple[float, float | None]]:
        """(value, the launch's params_b) of every replicated score claim on a benchmark."""
        rows = self.db.query(
            """SELECT c.value AS value, l.params_b AS params_b FROM claims c
               JOIN launches l ON l.id = c.launch_id
               WHERE c.kind = 'score' AND c.status = 'replicated' AND c.benchmark = ?
               AND c.value IS NOT NULL""",
            (benchmark,),
        )
        return [(float(r["value"]), r["params_b"]) for r in rows]

    def headline_status(self, launch_id: int) -> LaunchStatus:
        """The launch's headline (`lifecycle.headline_status` of its claims), as last written
        by `_refresh_status`."""
        row = self._one("SELECT status FROM launches WHERE id = ?", (launch_id,))
        if row is None:
            raise NotFoundError(f"no launch with id {launch_id}")
        return LaunchStatus(row["status"])

    def _refresh_status(self, launch_id: int) -> None:
        """Write the launch's headline after a claim write, in that write's transaction: the
        column is `lifecycle.headline_status` of the claims, kept for SQL (ledger filters)."""
        status = lifecycle.headline_status(self.claims(launch_id=launch_id))
        self.db.execute("UPDATE launches SET status = ? WHERE id = ?", (str(status), launch_id))

    # -- events --------------------------------------------------------------

    def append_event(
        self, launch_id: int, payload: EventPayload, *, claim_id: int | None = None
    ) -> Event:
        """Append a typed event to a launch's timeline (the kind is the payload's), with an
        outbox row for each registered destination it goes to (`storage.routing`)."""
        kind, body = encode(payload)
        with write(self.db):
            cursor = self.db.execute(
                """INSERT INTO events (launch_id, claim_id, kind, payload, created_at)
                   VALUES (?, ?, ?, ?, ?)""",
                (launch_id, claim_id, str(kind), _dumps(body), _ts(self.now())),
            )
            row = self._one("SELECT * FROM events WHERE id = ?", (cursor.lastrowid,))
            assert row is not None
            event = _event(row)
            # the event's outbox rows, in its transaction (routing imports this module)
            from hypewatch.storage.routing import queue_deliveries

            queue_deliveries(self, event)
        return event

    def get_event(self, event_id: int) -> Event:
        row = self._one("SELECT * FROM events WHERE id = ?", (event_id,))
        if row is None:
            raise NotFoundError(f"no event with id {event_id}")
        return _event(row)

    def events(self, launch_id: int | None = None, *, after_id: int = 0) -> list[Event]:
        if launch_id is None:
            rows = self.db.query("SELECT * FROM events WHERE id > ? ORDER BY id", (after_id,))
        else:
            rows = self.db.query(
                "SELECT * FROM events WHERE launch_id = ? AND id > ? ORDER BY id",
                (launch_id, after_id),
            )
        return [_event(r) for r in rows]

    # -- verifications -------------------------------------------------------

    def enqueue_verification(
        self,
        claim_id: int,
        verifier: str,
        priority: float = 0.0,
        *,
        not_before: datetime | None = None,
    ) -> int:
        """Queue a verification unless one for this claim and verifier is already waiting.

        `not_before` delays it (a target that does not exist yet is looked at again later);
        queueing without it brings a delayed one forward to now."""
        with write(self.db):
            waiting = self._one(
                """SELECT id, not_before FROM verifications WHERE claim_id = ? AND verifier = ?
                   AND state IN ('queued', 'running')""",
                (claim_id, verifier),
            )
            if waiting is not None:
                if not_before is None and waiting["not_before"] is not None:
                    self.db.execute(
                        "UPDATE verifications SET not_before = NULL WHERE id = ?",
                        (waiting["id"],),
                    )
                return int(waiting["id"])
            cursor = self.db.execute(
                """INSERT INTO verifications (claim_id, verifier, priority, queued_at, not_before)
                   VALUES (?, ?, ?, ?, ?)""",
                (
                    claim_id,
                    verifier,
                    priority,
                    _ts(self.now()),
                    _ts(not_before) if not_before else None,
                ),
            )
        return int(cursor.lastrowid or 0)

    def queued_verifications(
        self, limit: int = 100, *, now: datetime | None = None
    ) -> list[QueueItem]:
        """Verifications due now, highest priority first (delayed ones wait for their time)."""
        rows = self.db.query(
            """SELECT * FROM verifications WHERE state = 'queued'
               AND (not_before IS NULL OR not_before <= ?)
               ORDER BY priority DESC, id LIMIT ?""",
            (_ts(now or self.now()), limit),
        )
        return [_queue_item(r) for r in rows]

    def reprioritise(self, launch_id: int, base: float, scale: float = 1000.0) -> int:
        """Set the launch's part (`base`, a multiple of `scale`) of every still-queued
        verification of its claims, keeping each claim's own part (below `scale`)."""
        with write(self.db):
            cursor = self.db.execute(
                """UPDATE verifications
                   SET priority = ? + (priority - ? * CAST(priority / ? AS INTEGER))
                   WHERE state = 'queued'
                   AND claim_id IN (SELECT id FROM claims WHERE launch_id = ?)""",
                (base, scale, scale, launch_id),
            )
        return int(cursor.rowcount or 0)

    def bytes_fetched_since(self, verifier: str, since: datetime) -> int:
        """Bytes a verifier's finished checks fetched since `since` (their verdicts' cost)."""
        row = self._one(
            """SELECT COALESCE(SUM(json_extract(verdict, '$.cost.bytes')), 0) AS n
               FROM verifications WHERE verifier = ? AND state = 'done' AND finished_at >= ?""",
            (verifier, _ts(since)),
        )
        return int(row["n"]) if row else 0

    def get_verification(self, verification_id: int) -> QueueItem:
        row = self._one("SELECT * FROM verifications WHERE id = ?", (verification_id,))
        if row is None:
            raise NotFoundError(f"no verification with id {verification_id}")
        return _queue_item(row)

    def verifications_in(self, state: QueueState) -> list[QueueItem]:
        rows = self.db.query("SELECT * FROM verifications WHERE state = ? ORDER BY id", (state,))
        return [_queue_item(r) for r in rows]

    def verification_counts(self) -> dict[QueueState, int]:
        rows = self.db.query("SELECT state, count(*) AS n FROM verifications GROUP BY state")
        return {QueueState(r["state"]): int(r["n"]) for r in rows}

    def others_waiting(self, claim_id: int, verification_id: int) -> bool:
        """Whether another verification of this claim is queued (and due) or running."""
        row = self._one(
            """SELECT 1 AS x FROM verifications WHERE claim_id = ? AND id != ?
               AND (state = 'running' OR (state = 'queued'
                    AND (not_before IS NULL OR not_before <= ?))) LIMIT 1""",
            (claim_id, verification_id, _ts(self.now())),
        )
        return row is not None

    def start_verification(self, verification_id: int) -> None:
        with write(self.db):
            self.db.execute(
                """UPDATE verifications SET state = 'running', attempts = attempts + 1,
                   started_at = ? WHERE id = ?""",
                (_ts(self.now()), verification_id),
            )

    def requeue_running(self) -> int:
        """Put verifications left running by a crash or shutdown back on the queue."""
        with write(self.db):
            cursor = self.db.execute(
                "UPDATE verifications SET state = 'queued' WHERE state = 'running'"
            )
        return cursor.rowcount

    def finish_verification(self, verification_id: int, verdict: Verdict) -> None:
        """Store a verdict and its artifacts (the audit trail) in one transaction.

        Verdicts are appended, one per verification, never overwritten: a claim's
        verdict history is its `done` verifications in order."""
        with write(self.db):
            self.db.execute(
                """UPDATE verifications SET state = 'done', verdict = ?, finished_at = ?
                   WHERE id = ?""",
                (_dumps(verdict.to_json()), _ts(self.now()), verification_id),
            )
            for seq, artifact in enumerate(verdict.artifacts):
                self.db.execute(
                    "INSERT INTO artifacts (verification_id, seq, data) VALUES (?, ?, ?)",
                    (verification_id, seq, _dumps(artifact)),
                )

    def fail_verification(self, verification_id: int, error: str) -> None:
        with write(self.db):
            self.db.execute(
                "UPDATE verifications SET state = 'error', error = ?, finished_at = ? WHERE id = ?",
                (error[:2000], _ts(self.now()), verification_id),
            )

    def verdicts_for_claim(self, claim_id: int) -> list[tuple[str, Verdict]]:
        """(verifier, verdict) of every finished verification of the claim, oldest first."""
        return [(r.verifier, r.verdict) for r in self.verdict_history(claim_id)]

    def verdict_history(self, claim_id: int) -> list[VerdictRecord]:
        """Every verdict the claim got, oldest first, with when and from which run."""
        rows = self.db.query(
            """SELECT id, verifier, verdict, finished_at FROM verifications
               WHERE claim_id = ? AND state = 'done' ORDER BY id""",
            (claim_id,),
        )
        return [
            VerdictRecord(
                verification_id=int(r["id"]),
                verifier=str(r["verifier"]),
                verdict=Verdict.from_json(json.loads(r["verdict"])),
                finished_at=_dt(r["finished_at"]),
            )
            for r in rows
        ]

    def artifacts(self, verification_id: int) -> list[JSON]:
        rows = self.db.query(
            "SELECT data FROM artifacts WHERE verification_id = ? ORDER BY seq",
            (verification_id,),
        )
        return [json.loads(r["data"]) for r in rows]

    # -- cursors -------------------------------------------------------------

    def get_cursor(self, source: str, key: str) -> str | None:
        row = self._one("SELECT value FROM cursors WHERE source = ? AND key = ?", (source, key))
        return None if row is None else str(row["value"])

    def set_cursor(self, source: str, key: str, value: str) -> None:
        with write(self.db):
            self.db.execute(
                """INSERT INTO cursors (source, key, value, updated_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (source, key) DO UPDATE SET value = excluded.value,
                   updated_at = excluded.updated_at""",
                (source, key, value, _ts(self.now())),
            )

    def clear_cursor(self, source: str, key: str) -> None:
        with write(self.db):
            self.db.execute("DELETE FROM cursors WHERE source = ? AND key = ?", (source, key))

    def integrity_ok(self) -> bool:
        try:
            rows = list(self.db.query("PRAGMA integrity_check"))
        except sqlite3.DatabaseError:
            return False
        return [r["integrity_check"] for r in rows] == ["ok"]
