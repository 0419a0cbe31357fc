"""What `hypewatch status` and the health endpoint report: sources, queue, deliveries."""

from __future__ import annotations

from typing import Any

from hypewatch.bot.watchers.status import source_status
from hypewatch.config import Settings
from hypewatch.storage import QueueState, Store, delivery


def queue_status(store: Store) -> dict[str, Any]:
    """Verifications by state, the ones running now, and what waits in the queue."""
    by_state = {str(state): n for state, n in store.verification_counts().items()}
    running = [
        {
            "id": r.id,
            "verifier": r.verifier,
            "claim_id": r.claim_id,
            "started_at": r.started_at.isoformat() if r.started_at else None,
        }
        for r in store.verifications_in(QueueState.RUNNING)
    ]
    next_up = [
        {"id": r.id, "verifier": r.verifier, "claim_id": r.claim_id, "priority": r.priority}
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
