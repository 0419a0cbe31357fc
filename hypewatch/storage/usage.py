"""Model-access usage in the `model_usage` table (this module is its one writer): requests
and tokens per UTC day and route (kind, provider, model), counted from the OpenAI-compatible
`usage` field of real replies. The budgets of `[access.budget]` read the day's totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hypewatch.storage.db import write
from hypewatch.storage.store import Store


@dataclass(frozen=True)
class Usage:
    """Requests and tokens of one route on one day (or a day's total: kind "")."""

    day: str
    route_kind: str = ""
    provider: str = ""
    model: str = ""
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "route_kind": self.route_kind or None,
            "provider": self.provider or None,
            "model": self.model or None,
            "requests": self.requests,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "tokens": self.tokens,
        }


def usage_day(at: datetime) -> str:
    """The day usage counts against: the UTC date of `at` (a clock's now: the store's)."""
    return at.astimezone(UTC).date().isoformat()


def add_usage(
    store: Store,
    *,
    route_kind: str,
    provider: str,
    model: str,
    requests: int,
    prompt_tokens: int,
    completion_tokens: int,
    at: datetime | None = None,
) -> None:
    """Count requests and tokens against the route's row of the day of `at`."""
    if not (requests or prompt_tokens or completion_tokens):
        return
    with write(store.db):
        store.db.execute(
            """INSERT INTO model_usage (day, route_kind, provider, model, requests,
                 prompt_tokens, completion_tokens) VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (day, route_kind, provider, model) DO UPDATE SET
                 requests = requests + excluded.requests,
                 prompt_tokens = prompt_tokens + excluded.prompt_tokens,
                 completion_tokens = completion_tokens + excluded.completion_tokens""",
            (usage_day(at or store.now()), route_kind, provider, model[:300], requests,
             prompt_tokens, completion_tokens),
        )  # fmt: skip


def usage_on(store: Store, day: str) -> list[Usage]:
    """Every route's usage on `day`, the largest token count first."""
    rows = store.db.query(
        """SELECT * FROM model_usage WHERE day = ?
           ORDER BY prompt_tokens + completion_tokens DESC, route_kind, provider, model""",
        (day,),
    )
    return [
        Usage(
            r["day"], r["route_kind"], r["provider"], r["model"], int(r["requests"]),
            int(r["prompt_tokens"]), int(r["completion_tokens"]),
        )
        for r in rows
    ]  # fmt: skip


def day_total(store: Store, day: str) -> Usage:
    """All routes together on `day`."""
    rows = usage_on(store, day)
    return Usage(
        day,
        requests=sum(r.requests for r in rows),
        prompt_tokens=sum(r.prompt_tokens for r in rows),
        completion_tokens=sum(r.completion_tokens for r in rows),
    )
