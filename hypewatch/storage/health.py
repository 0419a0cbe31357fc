"""Per-source health in the `source_health` table: last success, last error,
backoff and the billed-read budget of the current period.

Every writer takes its own `write()` transaction, which nests as a savepoint
inside a caller's transaction, so a watcher's budget moves in the same
transaction as the posts it paid for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hypewatch.storage.db import write
from hypewatch.storage.store import Store

#: The longest error text kept; errors come from remote servers and are untrusted.
MAX_ERROR_CHARS = 500


@dataclass(frozen=True)
class SourceHealth:
    source: str
    last_success: datetime | None = None
    last_error: str = ""
    last_error_at: datetime | None = None
    backoff_until: datetime | None = None
    consecutive_failures: int = 0
    budget_used: int = 0
    budget_period: str = ""

    def backing_off(self, now: datetime) -> bool:
        return self.backoff_until is not None and self.backoff_until > now

    def used_in(self, period: str) -> int:
        """Reads billed in `period` (0 when the stored period is an older one)."""
        return self.budget_used if self.budget_period == period else 0


def budget_period(now: datetime) -> str:
    """The billing period a read at `now` counts against: the UTC calendar month."""
    return f"{now.year:04d}-{now.month:02d}"


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _health(row: dict[str, Any]) -> SourceHealth:
    return SourceHealth(
        source=row["source"],
        last_success=_dt(row["last_success"]),
        last_error=row["last_error"] or "",
        last_error_at=_dt(row["last_error_at"]),
        backoff_until=_dt(row["backoff_until"]),
        consecutive_failures=int(row["consecutive_failures"]),
        budget_used=int(row["budget_used"]),
        budget_period=row["budget_period"],
    )


def get_health(store: Store, source: str) -> SourceHealth:
    rows = list(store.db.query("SELECT * FROM source_health WHERE source = ?", (source,)))
    return _health(rows[0]) if rows else SourceHealth(source=source)


def all_health(store: Store) -> list[SourceHealth]:
    return [_health(r) for r in store.db.query("SELECT * FROM source_health ORDER BY source")]


def _ensure(store: Store, source: str) -> None:
    store.db.execute("INSERT OR IGNORE INTO source_health (source) VALUES (?)", (source,))


def record_success(store: Store, source: str, *, at: datetime | None = None) -> None:
    """A pass finished: clear the failure count and any backoff."""
    with write(store.db):
        _ensure(store, source)
        store.db.execute(
            """UPDATE source_health SET last_success = ?, consecutive_failures = 0,
               backoff_until = NULL WHERE source = ?""",
            ((at or store.now()).isoformat(), source),
        )


def record_failure(
    store: Store,
    source: str,
    error: str,
    *,
    backoff_until: datetime | None,
    at: datetime | None = None,
) -> SourceHealth:
    """A pass failed: keep the (capped) error, count it, set the backoff."""
    with write(store.db):
        _ensure(store, source)
        store.db.execute(
            """UPDATE source_health SET last_error = ?, last_error_at = ?, backoff_until = ?,
               consecutive_failures = consecutive_failures + 1 WHERE source = ?""",
            (
                error[:MAX_ERROR_CHARS],
                (at or store.now()).isoformat(),
                backoff_until.isoformat() if backoff_until else None,
                source,
            ),
        )
    return get_health(store, source)


def add_budget(store: Store, source: str, reads: int, *, at: datetime | None = None) -> int:
    """Count `reads` billed reads against the period of `at`; returns the period's total.

    A new period starts the count again from zero."""
    period = budget_period(at or store.now())
    with write(store.db):
        _ensure(store, source)
        store.db.execute(
            """UPDATE source_health SET
                 budget_used = CASE WHEN budget_period = ? THEN budget_used + ? ELSE ? END,
                 budget_period = ?
               WHERE source = ?""",
            (period, reads, reads, period, source),
        )
    return get_health(store, source).used_in(period)
