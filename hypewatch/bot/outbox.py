"""The outbox: events become delivery rows atomically, and a sender delivers them.

`install_outbox(store, destinations)` registers the destinations in the
database. From then on `Store.append_event` writes an event's outbox rows in
the transaction that appends it (the same one in which the pipeline writes
the source cursor), in any process, so the event, its outbox rows and the
cursor commit together or not at all (`hypewatch.storage.routing`).

`OutboxSender.deliver_pending()` delivers due rows, oldest first, in order per
destination. Each row is claimed by this process (`pending -> sending`, with its
PID and start time, committed: `storage.claims`, the rule the digest outbox uses
too) before the platform is called and goes `-> sent` with the platform's message
id (committed) after. A row another running process holds is left to it, and its
destination waits for this pass (order); the daemon and `hypewatch run --once` on
the same database therefore never send the same row. A row held by a process that
died is taken over. A crash therefore leaves a row either `pending` (nothing was sent),
`sent` (done; never sent again) or `sending`. A `sending` row is retried; the
notifier is first asked whether the platform already has it (Slack: message
metadata; Discord bot channels: an enforced nonce). Where the platform cannot
tell (Discord webhooks), the window between the platform accepting the post
and the `sent` commit allows one duplicate per crash. Nothing is ever lost.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from hypewatch.backoff import doubling_wait
from hypewatch.bot.notifiers.base import (
    DeliveryError,
    DestinationGoneError,
    MessageRejectedError,
    Notifier,
    RateLimitedError,
    ThreadRef,
)
from hypewatch.bot.process_owner import this_process
from hypewatch.bot.threads import Message, load_view, render_event, render_root
from hypewatch.config import Filters
from hypewatch.events import Event
from hypewatch.storage import Store, routing
from hypewatch.storage import delivery as db
from hypewatch.storage.claims import Claimant

log = logging.getLogger(__name__)

DISCORD_CHANNEL_PREFIX = db.DISCORD_CHANNEL_PREFIX
BACKOFF_BASE_SECONDS = 2.0


@dataclass(frozen=True)
class Destination:
    name: str
    filters: Filters = field(default_factory=Filters)


def matches(store: Store, event: Event, filters: Filters) -> bool:
    """Whether a launch passes a destination's filters at the time of this event."""
    return routing.matches(store, event.launch_id, filters)


def install_outbox(
    store: Store,
    destinations: Sequence[Destination],
    *,
    subscriptions: Collection[str] = ("discord", "slack"),
) -> None:
    """Register the destinations events go to, in the database: from now on every
    process that appends an event writes its outbox rows (`storage.routing`).
    `subscriptions` names the platforms whose slash-command subscriptions count."""
    configured = {d.name: d.filters.model_dump() for d in destinations}
    db.register_destinations(store, configured, subscriptions=subscriptions)


def pending_count(store: Store) -> int:
    """Rows not yet delivered (pending or interrupted while sending), for `hypewatch status`."""
    counts = db.outbox_counts(store)
    return counts.get(db.OutboxState.PENDING, 0) + counts.get(db.OutboxState.SENDING, 0)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    disabled: list[str] = field(default_factory=list)
    root_edits: int = 0
    errors: list[str] = field(default_factory=list)


_WAITING = (db.OutboxState.PENDING, db.OutboxState.SENDING)


class _StopDestination(Exception):
    """Nothing more goes to this destination in this pass (order must be kept)."""


class OutboxSender:
    """Delivers outbox rows through notifiers.

    `crash_hook(step)` is a test seam called at "marked", "root-accepted", "accepted" and
    "recorded", to simulate a process dying between those steps."""

    def __init__(
        self,
        store: Store,
        notifiers: Sequence[Notifier],
        *,
        max_retry_after: float = 300.0,
        crash_hook: Callable[[str], None] | None = None,
        claimant: Claimant | None = None,
    ) -> None:
        self.store = store
        #: Who claims the rows this sender sends (this process unless a test names another).
        self.claimant = claimant or this_process()
        self.notifiers = list(notifiers)
        self.max_retry_after = max_retry_after
        self._crash_hook = crash_hook

    def _step(self, name: str) -> None:
        if self._crash_hook is not None:
            self._crash_hook(name)

    def notifier_for(self, destination: str) -> Notifier | None:
        return next((n for n in self.notifiers if n.handles(destination)), None)

    async def deliver_pending(self, now: datetime | None = None) -> DeliveryReport:
        now = now or self.store.now()
        report = DeliveryReport()
        blocked = db.blocked_destinations(self.store, now)
        seen: set[str] = set()
        for row in db.due_rows(self.store, now):
            if row.destination in blocked or not db.is_active(self.store, row.destination):
                continue
            notifier = self.notifier_for(row.destination)
            if notifier is None:
                continue  # configured elsewhere (another process) or removed: leave it waiting
            claimed = db.claim_outbox_row(self.store, row.id, self.claimant, now)
            if claimed is None:
                if db.outbox_row(self.store, row.id).state in _WAITING:
                    blocked.add(row.destination)  # another process sends it: keep the order
                continue
            seen.add(row.destination)
            try:
                await self._deliver(notifier, claimed, report)
            except _StopDestination:
                blocked.add(row.destination)
        for destination in sorted(seen - blocked):
            await self._refresh_roots(destination, report)
        return report

    async def _deliver(self, notifier: Notifier, row: db.OutboxRow, report: DeliveryReport) -> None:
        """Send a claimed row (`row` as it was before the claim); every way out settles the
        claim: sent, retried, failed, or released when interrupted before an answer."""
        try:
            await self._deliver_claimed(notifier, row, report)
        except BaseException:
            db.release_outbox_claim(self.store, row.id)
            raise

    async def _deliver_claimed(
        self, notifier: Notifier, row: db.OutboxRow, report: DeliveryReport
    ) -> None:
        event = self.store.get_event(row.event_id)
        recovering = row.state is db.OutboxState.SENDING
        self._step("marked")
        try:
            message_id = await self._send(notifier, row.destination, event, recovering)
        except RateLimitedError as error:
            self._retry(row, report, str(error), error.retry_after)
            raise _StopDestination from None
        except DeliveryError as error:
            self._retry(row, report, str(error), None, ambiguous=error.ambiguous)
            raise _StopDestination from None
        except DestinationGoneError as error:
            self._disable(row.destination, str(error), report)
            raise _StopDestination from None
        except MessageRejectedError as error:
            db.mark_failed(self.store, row.id, str(error))
            report.failed += 1
            report.errors.append(f"{row.destination}: event {event.id} rejected: {error}")
            return
        self._step("accepted")
        db.mark_sent(self.store, row.id, message_id)
        self._step("recorded")
        report.sent += 1

    def _retry(
        self,
        row: db.OutboxRow,
        report: DeliveryReport,
        error: str,
        retry_after: float | None,
        *,
        ambiguous: bool = False,
    ) -> None:
        """Try the row again later; after an ambiguous failure it stays `sending`, so the next
        try looks for the message on the platform before sending it again."""
        if retry_after is None:
            jitter = random.uniform(0.5, 1.0)
            wait = doubling_wait(
                BACKOFF_BASE_SECONDS, row.attempts + 1, self.max_retry_after, jitter=jitter
            )
        else:
            wait = min(retry_after, self.max_retry_after)
        when = self.store.now() + timedelta(seconds=wait)
        db.mark_retry(self.store, row.id, when, error, ambiguous=ambiguous)
        report.retrying += 1
        report.errors.append(f"{row.destination}: {error} (next try in {wait:.1f} s)")

    async def _thread(
        self, notifier: Notifier, destination: str, launch_id: int, recovering: bool
    ) -> ThreadRef:
        """The launch's thread on this destination, creating it (root message) if needed."""
        stored = db.get_thread(self.store, destination, launch_id)
        if stored is not None:
            return ThreadRef(stored.root_message_id, stored.thread_id, stored.thread_name)
        root = render_root(load_view(self.store, launch_id))
        key = f"root-{launch_id}"
        found = await notifier.find_thread(destination, key) if recovering else None
        if found:  # posted before a crash or a dropped answer: adopt it; the refresh edits it
            ref, posted_hash = found, ""
        else:
            ref, posted_hash = await notifier.create_thread(destination, root, key), root_hash(root)
            self._step("root-accepted")
        db.save_thread(
            self.store,
            db.ThreadRow(
                destination, launch_id, ref.root_message_id, ref.thread_id, posted_hash, ref.name
            ),
        )
        return ref

    async def _send(
        self, notifier: Notifier, destination: str, event: Event, recovering: bool
    ) -> str:
        thread = await self._thread(notifier, destination, event.launch_id, recovering)
        reply = render_event(self.store, event)
        if reply is None:
            return thread.root_message_id
        key = f"ev-{event.id}"
        if recovering:
            found = await notifier.find_delivered(destination, thread, key)
            if found:
                return found
        return await notifier.reply(destination, thread, reply, key)

    async def _refresh_roots(self, destination: str, report: DeliveryReport) -> None:
        """Edit each root whose rendering changed since its last check (edits are idempotent)."""
        notifier = self.notifier_for(destination)
        if notifier is None:
            return
        for launch_id in db.stale_roots(self.store, destination):
            stored = db.get_thread(self.store, destination, launch_id)
            if stored is None:
                continue
            root = render_root(load_view(self.store, launch_id))
            digest = root_hash(root)
            if digest != stored.root_hash:
                ref = ThreadRef(stored.root_message_id, stored.thread_id, stored.thread_name)
                try:
                    name = await notifier.edit_root(destination, ref, root)
                    report.root_edits += 1
                    if name is not None:
                        stored = replace(stored, thread_name=name)
                except DeliveryError as error:
                    report.errors.append(f"{destination}: root edit postponed: {error}")
                    return  # tried again on the next pass
                except MessageRejectedError as error:  # e.g. the root was deleted by hand
                    report.errors.append(f"{destination}: root edit refused: {error}")
                except DestinationGoneError as error:
                    self._disable(destination, str(error), report)
                    return
            db.save_thread(self.store, replace(stored, root_hash=digest))

    def _disable(self, destination: str, error: str, report: DeliveryReport) -> None:
        reason = (
            f"disabled: {destination} answered {error}. Fix the destination (new webhook URL, "
            "token or channel access), then re-enable it with "
            "hypewatch.storage.delivery.reactivate_destination"
        )
        db.disable_destination(self.store, destination, reason)
        report.disabled.append(destination)
        report.errors.append(reason)
        log.warning("%s", reason)


def root_hash(root: Message) -> str:
    """A fingerprint of what a root shows, to edit it only when it changes."""
    return hashlib.sha256(repr(root).encode()).hexdigest()[:32]
