"""Which destinations an event goes to: its outbox rows, written with it.

`Store.append_event` calls `queue_deliveries` inside the transaction that
appends the event, so an event and its outbox rows commit together or not
at all, in whatever process appends it (`hypewatch poll`, `hypewatch
verify`, the daemon, a Discord slash command). The destinations come from
the `destinations` table, not from the process: the daemon (and every CLI
command that can append events) registers the configured ones with their
filters (`delivery.register_destinations`), a slash-command subscription
registers its channel. The daemon then delivers every row on its next pass.

A destination receives the events appended while it is registered: one added
later gets new events only (its thread starts with the next event, the root
summarising everything so far). A disabled destination (its platform said it
is gone) gets its rows as `disabled`; they wait and go out once it is
re-enabled. A destination no longer in the configuration (`retired`) gets
no new rows.
"""

from __future__ import annotations

import json
from datetime import timedelta

from hypewatch.config import Filters
from hypewatch.events import Event
from hypewatch.models import ClaimStatus, EventKind
from hypewatch.storage import delivery
from hypewatch.storage.db import write
from hypewatch.storage.store import Store

#: Kinds that stay on the ledger's timeline and are never sent: a derivative attached to its
#: base (dozens of quantisations of a popular launch would flood its thread).
TIMELINE_ONLY = frozenset({EventKind.ARTIFACT})
#: A launch is open while one of its claims is still waiting for a verdict.
OPEN_STATUSES = frozenset({ClaimStatus.CLAIMED, ClaimStatus.VERIFYING})


def matches(store: Store, launch_id: int, filters: Filters) -> bool:
    """Whether a launch passes a destination's filters now (at the time of the event)."""
    launch = store.get_launch(launch_id)
    if launch.hype < filters.min_hype:
        return False
    # None: a launch made outside the pipeline, never assessed (docs/significance.md)
    if launch.significance is not None and launch.significance < filters.min_significance:
        return False
    if filters.orgs and launch.org.lower() not in {o.lower() for o in filters.orgs}:
        return False
    claims = store.claims(launch_id=launch.id)
    if filters.min_plausibility_flags:
        flags = sum(len(c.flags) for c in claims)
        if flags < filters.min_plausibility_flags:
            return False
    if filters.benchmarks:
        wanted = {b.lower() for b in filters.benchmarks}
        if not any(c.benchmark.lower() in wanted for c in claims):
            return False
    if filters.statuses:
        statuses = {s.lower() for s in filters.statuses}
        headline = str(store.headline_status(launch.id))
        if headline not in statuses and not any(str(c.status) in statuses for c in claims):
            return False
    return True


def over_budget(store: Store, destination: str, launch_id: int, filters: Filters) -> bool:
    """Whether this event would open a new thread at a destination that has already opened
    its `max_threads_per_day` in the last 24 hours (the digest lists what it missed)."""
    if not filters.max_threads_per_day:
        return False
    if delivery.has_launch_rows(store, destination, launch_id):
        return False
    since = store.now() - timedelta(days=1)
    return delivery.launches_routed_since(store, destination, since) >= filters.max_threads_per_day


def parse_filters(raw: str) -> Filters:
    """Stored filters; unreadable ones (written by another version) filter nothing."""
    try:
        return Filters.model_validate(json.loads(raw or "{}"))
    except ValueError:
        return Filters()


def queue_deliveries(store: Store, event: Event) -> int:
    """One outbox row per registered destination whose filters pass; returns how many.
    Runs inside the caller's transaction (the one appending `event`). A timeline-only
    kind (`TIMELINE_ONLY`) goes nowhere."""
    if event.kind in TIMELINE_ONLY:
        return 0
    queued = 0
    for target in delivery.live_destinations(store):
        filters = parse_filters(target.filters)
        if not matches(store, event.launch_id, filters):
            continue
        if over_budget(store, target.name, event.launch_id, filters):
            continue
        state = (
            delivery.OutboxState.PENDING
            if target.state == delivery.ACTIVE
            else delivery.OutboxState.DISABLED
        )
        delivery.add_outbox_row(store, event.id, target.name, state)
        queued += 1
    return queued


def backfill_open_launches(store: Store, destination: str, filters: Filters) -> int:
    """Queue each open launch's newest event (when it passes `filters`) to `destination`,
    for a subscription made with the back-fill option: the launch's thread starts on the
    next delivery pass, its root summarising everything so far. Returns how many."""
    queued = 0
    with write(store.db):
        for launch in store.launches():
            claims = store.claims(launch_id=launch.id)
            if not any(c.status in OPEN_STATUSES for c in claims):
                continue
            if not matches(store, launch.id, filters):
                continue
            events = store.events(launch_id=launch.id)
            if events:
                delivery.add_outbox_row(store, events[-1].id, destination)
                queued += 1
    return queued
