"""What `hypewatch status` shows about the sources, as plain data.

`source_status(store)` gathers one dict per source; the daemon adds its own
sections (queue, delivery) beside it, so commands stay thin renderers.
"""

from __future__ import annotations

from typing import Any

from hypewatch.bot.watchers import SOURCES, enabled_sources
from hypewatch.config import Settings
from hypewatch.storage import Store
from hypewatch.storage.health import SourceHealth, all_health, budget_period


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def source_status(store: Store, settings: Settings | None = None) -> list[dict[str, Any]]:
    """Per-source health: last poll, last error, backoff, budget used, posts stored.

    With `settings`, every known source is listed (enabled or not) with its
    budget limit; without, only the sources that have health rows."""
    now = store.now()
    period = budget_period(now)
    health = {h.source: h for h in all_health(store)}
    names = list(SOURCES) if settings is not None else sorted(health)
    names += [n for n in sorted(health) if n not in names]
    enabled = set(enabled_sources(settings)) if settings is not None else set()
    counts = store.post_counts()
    limits: dict[str, int | None] = {}
    if settings is not None:
        limits["x"] = settings.sources.x.monthly_read_budget
    rows = []
    for name in names:
        h = health.get(name, SourceHealth(source=name))
        rows.append(
            {
                "source": name,
                "enabled": name in enabled if settings is not None else None,
                "last_success": _iso(h.last_success),
                "last_error": h.last_error or None,
                "last_error_at": _iso(h.last_error_at),
                "backoff_until": _iso(h.backoff_until),
                "backing_off": h.backing_off(now),
                "consecutive_failures": h.consecutive_failures,
                "budget_period": period,
                "budget_used": h.used_in(period),
                "budget_limit": limits.get(name),
                "posts": counts.get(name, 0),
            }
        )
    return rows
