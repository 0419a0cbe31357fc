"""What `hypewatch status` and the health endpoint report: sources, queue, deliveries."""

from __future__ import annotations

from typing import Any

from hypewatch.bot.watchers.status import source_status
from hypewatch.config import Settings
from hypewatch.storage import Store, delivery


def queue_status(store: Store) -> dict[str, Any]:
    """Verifications by state, the ones running now, and what waits in the queue."""
    by_state = {
        str(r["state"]): int(r["n"])
        for r in store.db.query("SELECT state, count(*) AS n FROM verifications GROUP BY state")
    }
    running = [
        {
            "id": r["id"],
            "verifier": r["verifier"],
            "claim_id": r["claim_id"],
            "started_at": r["started_at"],
        }
        for r in store.db.query(
            "SELECT id, verifier, claim_id, started_at FROM verifications WHERE state = 'running'"
        )
    ]
    next_up = [
        {
            "id": r["id"],
            "verifier": r["verifier"],
            "claim_id": r["claim_id"],
            "priority": r["priority"],
        }
        for r in store.queued_verifications(limit=5)
    ]
    return {"by_state": by_state, "running": running, "next": next_up}


def delivery_status(store: Store) -> dict[str, Any]:
    return {
        "outbox": delivery.outbox_counts(store),
        "destinations": {
            name: {"state": state, "reason": reason}
            for name, (state, reason) in delivery.destination_states(store).items()
        },
    }


def full_status(store: Store, settings: Settings | None = None) -> dict[str, Any]:
    return {
        "sources": source_status(store, settings),
        "launches": store.count_launches(),
        "verifications": queue_status(store),
        "deliveries": delivery_status(store),
    }
