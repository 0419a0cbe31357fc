"""Accessors for delivery tables: outbox, threads, destinations, subscriptions, the digest
outbox and digest_sends.

The outbox row is the unit of at-least-once delivery: one per (event,
destination), moved `pending -> sending -> sent` (or `failed` for a message
the platform refused for good, `disabled` while its destination is off).
Every state change is its own committed write, so a crash leaves a row in a
state that says exactly how far it got. Rows are created only by
`hypewatch.storage.routing`, with their event.

`destinations` is written here only: `register_destinations` (the configured
ones, with their filters), `subscribe`/`unsubscribe` (Discord channels),
`disable_destination`/`reactivate_destination` (the platform's answer).

Both outboxes are sent under a process claim (`storage.claims`, one rule): a row is
claimed (`claim_outbox_row`, `claim_digest`) with the sender's PID and start time before
it is sent, so two processes draining the same database never send the same row; a row
held by a process that died is taken over.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hypewatch.models import JSON
from hypewatch.storage.claims import CLEAR, TAKE, Claimant, Owner, holder
from hypewatch.storage.db import write
from hypewatch.storage.store import Store

ACTIVE = "active"
DISABLED = "disabled"
#: Subscriptions made with slash commands are destinations named like this.
DISCORD_CHANNEL_PREFIX = "discord-channel:"
SLACK_CHANNEL_PREFIX = "slack-channel:"
#: platform -> the prefix of its subscriptions' destination names.
SUBSCRIPTION_PREFIXES = {"discord": DISCORD_CHANNEL_PREFIX, "slack": SLACK_CHANNEL_PREFIX}


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DISABLED = "disabled"


@dataclass(frozen=True)
class DestinationRow:
    name: str
    state: str
    reason: str
    filters: str


def _ts(value: datetime) -> str:
    return value.isoformat()


@dataclass(frozen=True)
class OutboxRow:
    id: int
    event_id: int
    destination: str
    state: OutboxState
    attempts: int
    message_id: str | None
    last_error: str | None
    #: The process sending it now (None when nobody holds the row).
    owner: Owner | None = None
    next_attempt_at: datetime | None = None


@dataclass(frozen=True)
class ThreadRow:
    destination: str
    launch_id: int
    root_message_id: str
    thread_id: str
    root_hash: str
    #: The name the platform shows for the thread (Discord), to rename it only on a change.
    thread_name: str = ""


def _outbox(row: dict[str, Any]) -> OutboxRow:
    return OutboxRow(
        id=row["id"],
        event_id=row["event_id"],
        destination=row["destination"],
        state=OutboxState(row["state"]),
        attempts=row["attempts"],
        message_id=row["message_id"],
        last_error=row["last_error"],
        owner=holder(row),
        next_attempt_at=(
            datetime.fromisoformat(row["next_attempt_at"]) if row["next_attempt_at"] else None
        ),
    )


# -- destinations --------------------------------------------------------------


def register_destinations(
    store: Store, configured: Mapping[str, JSON], *, subscriptions: Collection[str]
) -> None:
    """Make the database's destinations the configured ones (name -> filters), so every
    process that appends an event routes it the same way. A destination missing from
    `configured` is retired (no new rows; what it has waits). The channels subscribed by
    slash command stay registered while their platform's bot is on (`subscriptions`
    names those platforms); an unsubscribed channel stays retired."""
    now = _ts(store.now())
    with write(store.db):
        for name, filters in configured.items():
            store.db.execute(
                """INSERT INTO destinations (name, state, reason, updated_at, filters, retired)
                   VALUES (?, 'active', '', ?, ?, 0) ON CONFLICT (name) DO UPDATE SET
                   filters = excluded.filters, retired = 0""",
                (name, now, json.dumps(filters, sort_keys=True)),
            )
        marks = ", ".join("?" * len(configured)) or "''"
        store.db.execute(
            f"""UPDATE destinations SET retired = 1 WHERE name NOT IN ({marks})""",  # noqa: S608
            tuple(configured),
        )
        for platform, prefix in SUBSCRIPTION_PREFIXES.items():
            store.db.execute(
                """UPDATE destinations SET retired = ? WHERE name IN
                   (SELECT ? || channel FROM subscriptions WHERE platform = ?)""",
                (0 if platform in subscriptions else 1, prefix, platform),
            )


def live_destinations(store: Store) -> list[DestinationRow]:
    """The registered (not retired) destinations, active or disabled."""
    rows = store.db.query(
        "SELECT name, state, reason, filters FROM destinations WHERE retired = 0 ORDER BY name"
    )
    return [DestinationRow(r["name"], r["state"], r["reason"], r["filters"]) for r in rows]


def destination_states(store: Store) -> dict[str, tuple[str, str]]:
    """name -> (state, reason) of every known destination."""
    rows = store.db.query("SELECT name, state, reason FROM destinations ORDER BY name")
    return {r["name"]: (r["state"], r["reason"]) for r in rows}


def is_active(store: Store, name: str) -> bool:
    rows = list(store.db.query("SELECT state FROM destinations WHERE name = ?", (name,)))
    return not rows or rows[0]["state"] == ACTIVE


def disable_destination(store: Store, name: str, reason: str) -> None:
    """Turn a destination off (its pending rows wait as `disabled`, nothing is dropped)."""
    now = _ts(store.now())
    with write(store.db):
        store.db.execute(
            """INSERT INTO destinations (name, state, reason, updated_at)
               VALUES (?, 'disabled', ?, ?) ON CONFLICT (name) DO UPDATE SET state = 'disabled',
               reason = excluded.reason,
               updated_at = excluded.updated_at""",
            (name, reason[:1000], now),
        )
        store.db.execute(
            f"""UPDATE outbox SET state = 'disabled', last_error = ?, {CLEAR}
               WHERE destination = ? AND state IN ('pending', 'sending')""",  # noqa: S608
            (reason[:1000], name),
        )


def reactivate_destination(store: Store, name: str) -> int:
    """Turn a destination back on; its waiting rows become pending again. Returns their count."""
    with write(store.db):
        store.db.execute(
            "UPDATE destinations SET state = 'active', reason = '', updated_at = ? WHERE name = ?",
            (_ts(store.now()), name),
        )
        cursor = store.db.execute(
            """UPDATE outbox SET state = 'pending', next_attempt_at = NULL
               WHERE destination = ? AND state = 'disabled'""",
            (name,),
        )
    return cursor.rowcount


# -- outbox --------------------------------------------------------------------


def has_launch_rows(store: Store, destination: str, launch_id: int) -> bool:
    """Whether any event of the launch was already routed to the destination (its thread
    exists or is on its way)."""
    rows = store.db.query(
        """SELECT 1 FROM outbox o JOIN events e ON e.id = o.event_id
           WHERE o.destination = ? AND e.launch_id = ? LIMIT 1""",
        (destination, launch_id),
    )
    return any(True for _ in rows)


def launches_routed_since(store: Store, destination: str, since: datetime) -> int:
    """How many launches had their first event routed to the destination since `since`:
    the threads it opened (or will open) in that time."""
    rows = store.db.query(
        """SELECT COUNT(*) AS n FROM (
               SELECT e.launch_id, MIN(o.created_at) AS first FROM outbox o
               JOIN events e ON e.id = o.event_id WHERE o.destination = ?
               GROUP BY e.launch_id) WHERE first >= ?""",
        (destination, _ts(since)),
    )
    return sum(int(r["n"]) for r in rows)


def add_outbox_row(
    store: Store, event_id: int, destination: str, state: OutboxState = OutboxState.PENDING
) -> None:
    """Called by `routing` only: inside the event's transaction (`queue_deliveries`), or
    for a new subscription's back-fill (`backfill_open_launches`)."""
    store.db.execute(
        """INSERT INTO outbox (event_id, destination, state, created_at)
           VALUES (?, ?, ?, ?) ON CONFLICT (event_id, destination) DO NOTHING""",
        (event_id, destination, str(state), _ts(store.now())),
    )


def due_rows(store: Store, now: datetime, limit: int = 500) -> list[OutboxRow]:
    """Rows to try now, oldest first: pending ones that are due and those left `sending`."""
    rows = store.db.query(
        """SELECT * FROM outbox WHERE state IN ('pending', 'sending')
           AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id LIMIT ?""",
        (_ts(now), limit),
    )
    return [_outbox(r) for r in rows]


def blocked_destinations(store: Store, now: datetime) -> set[str]:
    """Destinations with a row waiting for a later retry: nothing newer may overtake it."""
    rows = store.db.query(
        """SELECT DISTINCT destination FROM outbox WHERE state IN ('pending', 'sending')
           AND next_attempt_at > ?""",
        (_ts(now),),
    )
    return {r["destination"] for r in rows}


def claim_outbox_row(
    store: Store, row_id: int, claimant: Claimant, now: datetime
) -> OutboxRow | None:
    """Claim one due row for sending: `-> sending`, one more attempt, the claimant as its
    owner, in one transaction (`storage.claims`: a row held by a running process is left to
    it; one whose holder died is taken over). Returns the row as it was before the claim
    (its `state` tells whether an earlier try may have reached the platform), or None when
    it is not this process's to send now (held, not due, or already settled)."""
    with write(store.db):
        rows = list(store.db.query("SELECT * FROM outbox WHERE id = ?", (row_id,)))
        if not rows:
            return None
        row = _outbox(rows[0])
        if row.state not in (OutboxState.PENDING, OutboxState.SENDING):
            return None
        if row.next_attempt_at is not None and row.next_attempt_at > now:
            return None
        if not claimant.may_take(row.owner):
            return None
        store.db.execute(
            f"""UPDATE outbox SET state = 'sending', attempts = attempts + 1, {TAKE}
                WHERE id = ?""",  # noqa: S608 - fixed fragments
            (*claimant.owner.params(), row_id),
        )
    return row


def release_outbox_claim(store: Store, row_id: int) -> None:
    """The sender stops before the platform answered (interrupted): the row stays as far as
    it got (`sending`: the next try looks before sending again) and nobody holds it."""
    with write(store.db):
        store.db.execute(f"UPDATE outbox SET {CLEAR} WHERE id = ?", (row_id,))  # noqa: S608


def mark_sent(store: Store, row_id: int, message_id: str) -> None:
    with write(store.db):
        store.db.execute(
            f"""UPDATE outbox SET state = 'sent', message_id = ?, sent_at = ?, last_error = NULL,
               next_attempt_at = NULL, {CLEAR} WHERE id = ?""",  # noqa: S608
            (message_id, _ts(store.now()), row_id),
        )


def mark_retry(
    store: Store, row_id: int, when: datetime, error: str, *, ambiguous: bool = False
) -> None:
    """To be tried again at `when`: back to `pending` (the platform did not take it), or,
    after an ambiguous failure (it may have), left `sending`, so the next try looks first."""
    state = OutboxState.SENDING if ambiguous else OutboxState.PENDING
    with write(store.db):
        store.db.execute(
            f"""UPDATE outbox SET state = ?, next_attempt_at = ?, last_error = ?, {CLEAR}
                WHERE id = ?""",  # noqa: S608
            (str(state), _ts(when), error[:1000], row_id),
        )


def mark_failed(store: Store, row_id: int, error: str) -> None:
    with write(store.db):
        store.db.execute(
            f"UPDATE outbox SET state = 'failed', last_error = ?, {CLEAR} WHERE id = ?",  # noqa: S608
            (error[:1000], row_id),
        )


def outbox_counts(store: Store) -> dict[str, int]:
    """Rows per state (keys are `OutboxState` values)."""
    rows = store.db.query("SELECT state, count(*) AS n FROM outbox GROUP BY state")
    return {r["state"]: int(r["n"]) for r in rows}


def outbox_row(store: Store, row_id: int) -> OutboxRow:
    return _outbox(next(store.db.query("SELECT * FROM outbox WHERE id = ?", (row_id,))))


def outbox_rows(store: Store, destination: str | None = None) -> list[OutboxRow]:
    if destination is None:
        rows = store.db.query("SELECT * FROM outbox ORDER BY id")
    else:
        rows = store.db.query(
            "SELECT * FROM outbox WHERE destination = ? ORDER BY id", (destination,)
        )
    return [_outbox(r) for r in rows]


# -- threads -------------------------------------------------------------------


def get_thread(store: Store, destination: str, launch_id: int) -> ThreadRow | None:
    rows = list(
        store.db.query(
            "SELECT * FROM threads WHERE destination = ? AND launch_id = ?",
            (destination, launch_id),
        )
    )
    if not rows:
        return None
    r = rows[0]
    return ThreadRow(
        destination=r["destination"],
        launch_id=r["launch_id"],
        root_message_id=r["root_message_id"] or "",
        thread_id=r["thread_id"] or "",
        root_hash=r["root_hash"],
        thread_name=r["thread_name"],
    )


def save_thread(store: Store, thread: ThreadRow) -> None:
    now = _ts(store.now())
    with write(store.db):
        store.db.execute(
            """INSERT INTO threads (destination, launch_id, root_message_id, thread_id,
                   created_at, updated_at, root_hash, thread_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (destination, launch_id) DO UPDATE SET
                   root_message_id = excluded.root_message_id, thread_id = excluded.thread_id,
                   root_hash = excluded.root_hash, updated_at = excluded.updated_at,
                   thread_name = excluded.thread_name""",
            (
                thread.destination,
                thread.launch_id,
                thread.root_message_id,
                thread.thread_id,
                now,
                now,
                thread.root_hash,
                thread.thread_name,
            ),
        )


def stale_roots(store: Store, destination: str) -> list[int]:
    """Launches whose thread on `destination` got a delivery after its root was last checked."""
    rows = store.db.query(
        """SELECT DISTINCT t.launch_id FROM threads t
           JOIN events e ON e.launch_id = t.launch_id
           JOIN outbox o ON o.event_id = e.id AND o.destination = t.destination
           WHERE t.destination = ? AND o.state = 'sent' AND o.sent_at >= t.updated_at
           ORDER BY t.launch_id""",
        (destination,),
    )
    return [int(r["launch_id"]) for r in rows]


# -- subscriptions ---------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    platform: str
    channel: str
    filters: JSON
    created_by: str
    created_at: str = ""

    @property
    def destination(self) -> str:
        """The name on the command line (`hypewatch unsubscribe`): `platform:channel`."""
        return f"{self.platform}:{self.channel}"


def subscribe(
    store: Store, platform: str, channel: str, filters: JSON, created_by: str
) -> Subscription:
    """Create or replace the subscription of a channel (a Discord one is a destination)."""
    now = _ts(store.now())
    with write(store.db):
        store.db.execute(
            """INSERT INTO subscriptions (platform, channel, filters, created_by, created_at)
               VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, channel) DO UPDATE SET
               filters = excluded.filters, created_by = excluded.created_by""",
            (platform, channel, json.dumps(filters, sort_keys=True), created_by, now),
        )
        if platform in SUBSCRIPTION_PREFIXES:
            store.db.execute(
                """INSERT INTO destinations (name, state, reason, updated_at, filters, retired)
                   VALUES (?, 'active', '', ?, ?, 0) ON CONFLICT (name) DO UPDATE SET
                   filters = excluded.filters, retired = 0""",
                (
                    SUBSCRIPTION_PREFIXES[platform] + channel,
                    now,
                    json.dumps(filters, sort_keys=True),
                ),
            )
    return Subscription(platform, channel, filters, created_by, now)


def unsubscribe(store: Store, platform: str, channel: str) -> bool:
    with write(store.db):
        cursor = store.db.execute(
            "DELETE FROM subscriptions WHERE platform = ? AND channel = ?", (platform, channel)
        )
        if platform in SUBSCRIPTION_PREFIXES:
            store.db.execute(
                "UPDATE destinations SET retired = 1 WHERE name = ?",
                (SUBSCRIPTION_PREFIXES[platform] + channel,),
            )
    return cursor.rowcount > 0


def subscriptions(store: Store, platform: str | None = None) -> list[Subscription]:
    if platform is None:
        rows = store.db.query("SELECT * FROM subscriptions ORDER BY id")
    else:
        rows = store.db.query(
            "SELECT * FROM subscriptions WHERE platform = ? ORDER BY id", (platform,)
        )
    return [
        Subscription(
            r["platform"], r["channel"], json.loads(r["filters"]), r["created_by"], r["created_at"]
        )
        for r in rows
    ]


# -- the digest outbox --------------------------------------------------------------
#
# One row per (recipient, ISO week), made once (`queue_digest`). A process claims due rows
# (`claim_digest`: `pending -> sending`, with its PID and start time), sends, and records
# `sent` (the week's `digest_sends` record is written with the last recipient's row) or
# releases the row for a later try (`release_digest`) or fails it (`fail_digest`). A row
# left `sending` by a process that is no longer running is taken over by the next claim.


class DigestState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class DigestRow:
    id: int
    iso_week: str
    recipient: str
    built_at: datetime
    state: DigestState
    attempts: int
    next_attempt_at: datetime | None
    owner: Owner | None
    message_id: str
    last_error: str | None


def _digest_row(r: dict[str, Any]) -> DigestRow:
    return DigestRow(
        id=r["id"],
        iso_week=r["iso_week"],
        recipient=r["recipient"],
        built_at=datetime.fromisoformat(r["built_at"]),
        state=DigestState(r["state"]),
        attempts=r["attempts"],
        next_attempt_at=(
            datetime.fromisoformat(r["next_attempt_at"]) if r["next_attempt_at"] else None
        ),
        owner=holder(r),
        message_id=r["message_id"],
        last_error=r["last_error"],
    )


def digest_sent(store: Store, iso_week: str) -> bool:
    """Whether the week's digest went to every recipient (recorded in `digest_sends`)."""
    rows = list(store.db.query("SELECT 1 AS x FROM digest_sends WHERE iso_week = ?", (iso_week,)))
    return bool(rows)


def queue_digest(
    store: Store, iso_week: str, recipients: Collection[str], built_at: datetime
) -> None:
    """Make the week's rows, once: a row that exists (any state) is left as it is; a week
    already recorded as sent gets none."""
    now = _ts(store.now())
    with write(store.db):
        if digest_sent(store, iso_week):
            return
        for recipient in recipients:
            store.db.execute(
                """INSERT INTO digest_outbox (iso_week, recipient, built_at, created_at)
                   VALUES (?, ?, ?, ?) ON CONFLICT (recipient, iso_week) DO NOTHING""",
                (iso_week, recipient, _ts(built_at), now),
            )


def digest_rows(store: Store, iso_week: str | None = None) -> list[DigestRow]:
    if iso_week is None:
        rows = store.db.query("SELECT * FROM digest_outbox ORDER BY id")
    else:
        rows = store.db.query(
            "SELECT * FROM digest_outbox WHERE iso_week = ? ORDER BY id", (iso_week,)
        )
    return [_digest_row(r) for r in rows]


def claim_digest(
    store: Store, claimant: Claimant, now: datetime, *, iso_week: str | None = None
) -> list[DigestRow]:
    """Claim the due rows (of one week, or all): pending ones whose retry time has come, and
    `sending` ones whose owner is no longer running (`storage.claims`, the rule the event
    outbox uses too). A row held by a running process is left to it. One transaction, so
    two processes never claim the same row."""
    week = "" if iso_week is None else "AND iso_week = ?"
    params: tuple[Any, ...] = () if iso_week is None else (iso_week,)
    claimed: list[int] = []
    waiting = store.db.query(
        f"SELECT 1 AS x FROM digest_outbox WHERE state IN ('pending', 'sending') {week} LIMIT 1",  # noqa: S608
        params,
    )
    if not any(True for _ in waiting):
        return []  # the common case (every outbox pass asks): no write transaction
    with write(store.db):
        candidates = [
            _digest_row(r)
            for r in store.db.query(
                f"""SELECT * FROM digest_outbox WHERE state IN ('pending', 'sending') {week}
                    ORDER BY id""",  # noqa: S608 - a fixed fragment
                params,
            )
        ]
        for row in candidates:
            if row.state is DigestState.SENDING:
                if not claimant.may_take(row.owner):
                    continue
            elif row.next_attempt_at is not None and row.next_attempt_at > now:
                continue
            store.db.execute(
                f"""UPDATE digest_outbox SET state = 'sending', attempts = attempts + 1, {TAKE}
                    WHERE id = ?""",  # noqa: S608 - fixed fragments
                (*claimant.owner.params(), row.id),
            )
            claimed.append(row.id)
    return [r for r in digest_rows(store, iso_week) if r.id in claimed]


def retry_digest_claim(store: Store, row_id: int, error: str) -> None:
    """One more attempt by the process that holds the claim (an in-process backoff)."""
    with write(store.db):
        store.db.execute(
            "UPDATE digest_outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
            (error[:1000], row_id),
        )


def digest_delivered(
    store: Store, row_id: int, message_id: str, refused: Collection[str] = ()
) -> bool:
    """The server took the row's message: `sent`. When that was the week's last row, the
    week is recorded in `digest_sends` in the same transaction. Returns whether it was."""
    with write(store.db):
        store.db.execute(
            f"""UPDATE digest_outbox SET state = 'sent', message_id = ?, sent_at = ?,
               last_error = ?, {CLEAR}, next_attempt_at = NULL
               WHERE id = ?""",  # noqa: S608
            (message_id, _ts(store.now()), ", ".join(refused)[:1000] or None, row_id),
        )
        week = next(store.db.query("SELECT iso_week FROM digest_outbox WHERE id = ?", (row_id,)))
        rows = list(
            store.db.query(
                "SELECT recipient, state, message_id FROM digest_outbox WHERE iso_week = ?",
                (week["iso_week"],),
            )
        )
        if any(r["state"] != DigestState.SENT for r in rows):
            return False
        store.db.execute(
            """INSERT INTO digest_sends (iso_week, sent_at, recipients, message_id)
               VALUES (?, ?, ?, ?) ON CONFLICT (iso_week) DO NOTHING""",
            (
                week["iso_week"],
                _ts(store.now()),
                json.dumps(sorted(r["recipient"] for r in rows)),
                " ".join(r["message_id"] for r in rows)[:1000],
            ),
        )
    return True


def release_digest(store: Store, row_id: int, when: datetime, error: str) -> None:
    """A temporary failure: back to `pending`, tried again at `when` by whichever process."""
    with write(store.db):
        store.db.execute(
            f"""UPDATE digest_outbox SET state = 'pending', next_attempt_at = ?, last_error = ?,
               {CLEAR} WHERE id = ?""",  # noqa: S608
            (_ts(when), error[:1000], row_id),
        )


def fail_digest(store: Store, row_id: int, error: str) -> None:
    """The server refused for good (5xx, login refused): `failed`, with its answer."""
    with write(store.db):
        store.db.execute(
            f"""UPDATE digest_outbox SET state = 'failed', last_error = ?, {CLEAR}
               WHERE id = ?""",  # noqa: S608
            (error[:1000], row_id),
        )


def requeue_failed_digest(store: Store, iso_week: str) -> int:
    """`hypewatch digest --send` after a permanent failure was fixed: the week's failed rows
    become pending again. Returns their count."""
    with write(store.db):
        cursor = store.db.execute(
            """UPDATE digest_outbox SET state = 'pending', next_attempt_at = NULL
               WHERE iso_week = ? AND state = 'failed'""",
            (iso_week,),
        )
    return cursor.rowcount
