"""The watcher contract and the one loop that stores what watchers fetch.

A watcher turns a source (X, Reddit, the Hub) into `Batch`es: a few posts
plus the cursor values that become true once those posts are stored.
`poll_once` writes each batch -- posts, cursors, billed reads, extra rows --
in ONE transaction, so a crash can never move a cursor past a post that was
not stored, and records the outcome in `source_health`.

Watchers own their client library's quirks and turn its failures into
`SourceError`; `poll_once` turns any failure of a fetch into health (error,
backoff) and never raises it. Storage errors are not source errors: they
propagate, and the open transaction rolls back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from hypewatch.backoff import doubling_wait
from hypewatch.models import JSON, Post
from hypewatch.storage import Store
from hypewatch.storage import health as health_db

log = logging.getLogger(__name__)

#: What tells a poll the time (a `hypewatch.clock.Clock`'s `now`; by default the store's).
Clock = Callable[[], datetime]
Sleep = Callable[[float], None]

#: Backoff after the n-th consecutive failure: BASE * 2**(n-1), at most MAX.
BACKOFF_BASE_SECONDS = 60.0
BACKOFF_MAX_SECONDS = 3600.0


class SourceError(Exception):
    """A source failed in a way the watcher understood.

    `kind` is one of rate_limited, server, timeout, malformed, auth, network,
    client; `retry_at` is when the source said to come back (a rate-limit
    reset), if it said."""

    def __init__(self, message: str, *, kind: str, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_at = retry_at


@dataclass(frozen=True)
class Batch:
    """What one page of a source yields; stored in one transaction.

    `cursors` are set and `clear_cursors` deleted (keys within the watcher's
    source) in the same transaction as `posts`; `reads` are billed reads
    counted against the monthly budget; `extra_writes` writes further rows
    (for example repo revisions) inside that transaction."""

    posts: Sequence[Post] = ()
    cursors: Mapping[str, str] = field(default_factory=dict)
    clear_cursors: Sequence[str] = ()
    reads: int = 0
    extra_writes: Callable[[Store], None] | None = None


class PollContext:
    """What a watcher may read while it fetches: its cursors, budget and the time."""

    def __init__(self, store: Store, source: str, clock: Clock) -> None:
        self.store = store
        self.source = source
        self.clock = clock
        self.notes: list[str] = []

    def cursor(self, key: str) -> str | None:
        value = self.store.get_cursor(self.source, key)
        return value or None

    def budget_used(self) -> int:
        """Billed reads already used in the current period."""
        now = self.clock()
        return health_db.get_health(self.store, self.source).used_in(health_db.budget_period(now))

    def note(self, message: str) -> None:
        """Something the operator should see that is not an error (budget reached, ...)."""
        self.notes.append(message)


class Watcher(Protocol):
    """A source of posts. `source` names it in cursors, health and posts."""

    source: str
    #: Billed reads allowed per month, or None when the source is not billed per read.
    monthly_budget: int | None

    def fetch(self, ctx: PollContext) -> Iterator[Batch]:
        """Yield batches, oldest-safe first; raise SourceError on failure."""
        ...


@dataclass
class PollReport:
    """The outcome of one pass over one source."""

    source: str
    fetched: int = 0
    stored: int = 0
    refreshed: int = 0
    batches: int = 0
    reads: int = 0
    budget_used: int = 0
    budget_limit: int | None = None
    stored_keys: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""
    error_kind: str = ""
    skipped: str = ""
    backoff_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return not self.error and not self.skipped

    def to_json(self) -> JSON:
        return {
            "source": self.source,
            "ok": self.ok,
            "fetched": self.fetched,
            "stored": self.stored,
            "refreshed": self.refreshed,
            "batches": self.batches,
            "reads": self.reads,
            "budget_used": self.budget_used,
            "budget_limit": self.budget_limit,
            "stored_keys": list(self.stored_keys),
            "notes": list(self.notes),
            "error": self.error,
            "error_kind": self.error_kind,
            "skipped": self.skipped,
            "backoff_until": self.backoff_until.isoformat() if self.backoff_until else None,
        }


def backoff_after(failures: int, now: datetime) -> datetime:
    """When to try again after the `failures`-th consecutive failure."""
    wait = doubling_wait(BACKOFF_BASE_SECONDS, failures, BACKOFF_MAX_SECONDS)
    return now + timedelta(seconds=wait)


def _store_batch(
    store: Store, source: str, batch: Batch, report: PollReport, now: datetime
) -> None:
    with store.transaction():
        for post in batch.posts:
            if store.upsert_post(post):
                report.stored += 1
                report.stored_keys.append(post.key)
            else:
                report.refreshed += 1
        for key, value in batch.cursors.items():
            store.set_cursor(source, key, value)
        for key in batch.clear_cursors:
            store.clear_cursor(source, key)
        if batch.reads:
            health_db.add_budget(store, source, batch.reads, at=now)
        if batch.extra_writes is not None:
            batch.extra_writes(store)
    report.fetched += len(batch.posts)
    report.reads += batch.reads
    report.batches += 1


def _describe(error: Exception) -> tuple[str, str, datetime | None]:
    if isinstance(error, SourceError):
        return str(error), error.kind, error.retry_at
    return f"unexpected {type(error).__name__}: {error}", "unexpected", None


def _fail(
    store: Store, watcher: Watcher, report: PollReport, error: Exception, now: datetime
) -> None:
    message, kind, retry_at = _describe(error)
    failures = health_db.get_health(store, watcher.source).consecutive_failures + 1
    until = retry_at if retry_at is not None and retry_at > now else backoff_after(failures, now)
    health_db.record_failure(store, watcher.source, message, backoff_until=until, at=now)
    report.error, report.error_kind, report.backoff_until = message, kind, until
    log.warning("%s poll failed (%s): %s; next try after %s", watcher.source, kind, message, until)


def poll_once(
    store: Store,
    watcher: Watcher,
    *,
    clock: Clock | None = None,
    ignore_backoff: bool = False,
) -> PollReport:
    """Run one pass of `watcher`, storing each batch with its cursors atomically.

    A source in backoff is skipped (unless `ignore_backoff`). Any failure of
    the fetch is recorded as health and reported, never raised; batches
    stored before it stay stored. `clock`: default the store's."""
    clock = clock or store.now
    now = clock()
    report = PollReport(source=watcher.source, budget_limit=watcher.monthly_budget)
    health = health_db.get_health(store, watcher.source)
    if health.backing_off(now) and not ignore_backoff:
        report.skipped = f"backing off until {health.backoff_until:%Y-%m-%d %H:%M:%S} UTC"
        report.backoff_until = health.backoff_until
    else:
        ctx = PollContext(store, watcher.source, clock)
        batches = watcher.fetch(ctx)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                health_db.record_success(store, watcher.source, at=clock())
                break
            except Exception as error:
                _fail(store, watcher, report, error, clock())
                break
            _store_batch(store, watcher.source, batch, report, now)
        report.notes.extend(ctx.notes)
    period = health_db.budget_period(now)
    report.budget_used = health_db.get_health(store, watcher.source).used_in(period)
    return report


# -- untrusted text on the way in ---------------------------------------------


def clean_text(value: str | bytes | None, limit: int) -> str:
    """Text from a source, safe to store: decoded (bad UTF-8 replaced), lone
    surrogates and NULs removed, cut to `limit` characters."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        text = value.decode("utf-8", errors="replace")
    else:
        text = str(value)
        if not text.isascii():
            text = text.encode("utf-8", errors="replace").decode("utf-8")
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text[:limit]


def clean_json(value: Any, limit: int, depth: int = 0) -> Any:
    """A JSON-able copy of `value` with every string cleaned and capped (depth capped too)."""
    if isinstance(value, str | bytes):
        return clean_text(value, limit)
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth > 20:
        return None
    if isinstance(value, Mapping):
        return {clean_text(str(k), 200): clean_json(v, limit, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v, limit, depth + 1) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return clean_text(str(value), limit)


def make_post(
    source: str,
    native_id: str,
    text: str | bytes | None,
    *,
    limit: int,
    author: str | None = "",
    url: str | None = "",
    created_at: datetime,
    engagement: Mapping[str, Any] | None = None,
    raw: Mapping[str, Any] | None = None,
) -> Post:
    """A `Post` whose every field is cleaned and capped (`limit` characters of text).
    `created_at`: when the source says it was posted, else the poll's time (`ctx.clock()`):
    the watcher decides, so no wall-clock read hides here."""
    full = clean_text(text, 10 * limit + 1)
    extra: JSON = {"truncated_from_chars": len(full)} if len(full) > limit else {}
    return Post(
        source=source,
        native_id=clean_text(native_id, 300),
        text=full[:limit],
        author=clean_text(author, 300),
        url=clean_text(url, 2000),
        created_at=created_at.astimezone(UTC),
        engagement={
            clean_text(k, 100): v
            for k, v in (engagement or {}).items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        },
        raw={**clean_json(dict(raw or {}), limit), **extra},
    )
