"""Sending the weekly digest: outbox rows, one per (recipient, ISO week), sent once.

`send_weekly_digest` makes the week's rows (once: `storage.delivery.queue_digest`) and
sends them; `deliver_due_digests` sends whatever is due from any week (the daemon's outbox
job calls it, so a digest whose send failed for the time being goes out on a later pass).
Each row is claimed before it is sent (`pending -> sending`, with this process's PID and
start time, in one transaction), so the daemon and `hypewatch digest --send` never send
the same row twice at the same time; a row left `sending` by a process that died is taken
over by the next claim (`storage.claims`, the rule the event outbox uses too).

A temporary failure (an SMTP 4xx such as 451, a dropped connection) is tried again in the
same call after `retry_backoff_seconds`, doubling, up to `retry_attempts` more times,
while the claim is held; after that the row is released with a retry time (the same
doubling, capped at `MAX_BACKOFF`) for whichever process comes next. A 5xx or a refused
login fails the row with the server's answer (`hypewatch digest --send` tries a failed
week again). The same message (same `Message-ID`) is re-sent each time.

SMTP has no way to ask whether a message was accepted: a process that dies between the
server's acceptance and the `sent` commit leaves the row `sending`, and the process that
takes it over sends it again (one duplicate per such crash; docs/notifications.md).
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from hypewatch.backoff import doubling_wait
from hypewatch.bot.digest import build_digest, build_email, iso_week, message_id
from hypewatch.bot.email import MailError, check_addresses, send_message
from hypewatch.bot.process_owner import this_process
from hypewatch.config import DigestSettings, optional_secret
from hypewatch.storage import Store
from hypewatch.storage import delivery as db

log = logging.getLogger(__name__)

#: The longest wait between two tries of a released row.
MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True)
class SendResult:
    iso_week: str
    sent: bool
    already_sent: bool
    recipients: list[str]
    message_id: str = ""
    refused: list[str] = field(default_factory=list)
    #: Rows of the week not sent by this call: waiting for a retry, or held by another process.
    waiting: int = 0


@dataclass
class DigestDelivery:
    """What one pass over the digest outbox did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    message_ids: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    errors: list[MailError] = field(default_factory=list)


def _backoff(settings: DigestSettings, attempt: int) -> float:
    """The wait after the `attempt`-th failure (1-based): retry_backoff_seconds, doubling."""
    return doubling_wait(settings.retry_backoff_seconds, attempt, MAX_BACKOFF.total_seconds())


def _addressed(week: EmailMessage, iso_week: str, recipient: str) -> EmailMessage:
    """The week's message for one recipient (rendered once per week: the chart is costly)."""
    message = copy.deepcopy(week)
    del message["To"], message["Message-ID"]
    message["To"] = recipient
    message["Message-ID"] = message_id(iso_week, [recipient])
    return message


def _send_row(
    store: Store,
    row: db.DigestRow,
    week: EmailMessage,
    settings: DigestSettings,
    sleep: Callable[[float], None],
    retries: int,
    report: DigestDelivery,
) -> None:
    """Send one claimed row; on every way out the claim is settled (sent, released, failed)."""
    attempts = row.attempts
    try:
        recipient = check_addresses([row.recipient], "digest.recipients")[0]
        message = _addressed(week, row.iso_week, recipient)
        for attempt in range(retries + 1):
            try:
                refused = send_message(
                    message,
                    settings,
                    username=optional_secret(settings.smtp_username_env),
                    password=optional_secret(settings.smtp_password_env),
                )
            except MailError as error:
                if not error.temporary:
                    db.fail_digest(store, row.id, str(error))
                    report.failed += 1
                    report.refused.append(row.recipient)
                    report.errors.append(error)
                    return
                if attempt == retries:
                    wait = _backoff(settings, attempts)
                    when = store.now() + timedelta(seconds=wait)
                    db.release_digest(store, row.id, when, str(error))
                    report.retrying += 1
                    report.errors.append(error)
                    log.warning(
                        "digest %s to %s: temporary SMTP failure (%s); tried again in %.0f s",
                        row.iso_week, row.recipient, error, wait,
                    )  # fmt: skip
                    return
                delay = _backoff(settings, attempt + 1)
                log.warning("digest: temporary SMTP failure (%s); retrying in %.1f s", error, delay)
                db.retry_digest_claim(store, row.id, str(error))
                attempts += 1
                sleep(delay)
                continue
            db.digest_delivered(store, row.id, str(message["Message-ID"]), refused)
            report.sent += 1
            report.message_ids.append(str(message["Message-ID"]))
            report.refused += refused
            return
    except BaseException:
        db.release_digest(store, row.id, store.now(), "interrupted before the server answered")
        raise


def deliver_due_digests(
    store: Store,
    settings: DigestSettings,
    *,
    iso_week: str | None = None,
    now: datetime | None = None,
    force: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    retries: int | None = None,
) -> DigestDelivery:
    """Claim and send the due digest rows (of `iso_week`, or of every week). `force` also
    takes rows waiting for their retry time. `retries` in-process tries after a temporary
    failure (default `settings.retry_attempts`; the daemon's outbox pass uses 0 and lets the
    row wait instead)."""
    now = now or store.now()
    report = DigestDelivery()
    claimed = db.claim_digest(
        store,
        this_process(),
        datetime.max.replace(tzinfo=now.tzinfo) if force else now,
        iso_week=iso_week,
    )
    built: dict[str, EmailMessage] = {}
    tries = settings.retry_attempts if retries is None else retries
    for index, row in enumerate(claimed):
        try:
            if row.iso_week not in built:  # the week's content as of when it was first due
                digest = build_digest(store, row.built_at, max_launches=settings.max_launches)
                built[row.iso_week] = build_email(digest, settings)
        except BaseException:
            for left in claimed[index:]:
                why = "not sent: the digest failed to build"
                db.release_digest(store, left.id, store.now(), why)
            raise
        try:
            _send_row(store, row, built[row.iso_week], settings, sleep, tries, report)
        except BaseException:
            for left in claimed[index + 1 :]:
                db.release_digest(store, left.id, store.now(), "not sent: interrupted")
            raise
    return report


def send_weekly_digest(
    store: Store,
    settings: DigestSettings,
    now: datetime | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    force: bool = False,
    retries: int | None = None,
) -> SendResult:
    """Send this ISO week's digest unless it was already sent (also across restarts and
    processes). `force` (`hypewatch digest --send`) also tries rows waiting for their retry
    time and rows that failed for good. Raises the server's MailError when nothing could be
    sent in this call and something failed."""
    now = now or store.now()
    digest = build_digest(store, now, max_launches=settings.max_launches)
    week = digest.iso_week
    recipients = list(settings.recipients)
    if db.digest_sent(store, week):
        return SendResult(week, False, True, recipients)
    db.queue_digest(store, week, check_addresses(recipients, "digest.recipients"), now)
    if force:
        db.requeue_failed_digest(store, week)
    report = deliver_due_digests(
        store, settings, iso_week=week, force=force, sleep=sleep, retries=retries
    )
    if report.errors and not report.sent:
        raise report.errors[0]
    if not report.sent:
        done = db.digest_sent(store, week)
        waiting = sum(r.state is not db.DigestState.SENT for r in db.digest_rows(store, week))
        return SendResult(week, False, done, recipients, waiting=waiting)
    waiting = sum(
        r.state in (db.DigestState.PENDING, db.DigestState.SENDING)
        for r in db.digest_rows(store, week)
    )
    return SendResult(
        week, True, False, recipients, " ".join(report.message_ids), report.refused, waiting
    )


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def scheduled_time(settings: DigestSettings, now: datetime) -> datetime:
    """When this ISO week's digest is due: its `day_of_week` at `hour`:00 (UTC)."""
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return monday + timedelta(days=_DAYS.index(settings.day_of_week), hours=settings.hour)


def send_due_digest(
    store: Store, settings: DigestSettings, now: datetime | None = None
) -> SendResult | None:
    """The daemon's digest job: send this week's digest once its time has come (None before).

    Run on the schedule and at start, it also catches up a digest whose time passed while
    the daemon was down; the outbox keeps it to once per ISO week and recipient. No
    in-process backoff here (a sleeping worker thread would hold up the daemon's stop): a
    temporary failure leaves the row waiting for the outbox pass, logged, not raised."""
    now = now or store.now()
    if now < scheduled_time(settings, now):
        return None
    try:
        return send_weekly_digest(store, settings, now, retries=0)
    except MailError as error:
        if not error.temporary:
            raise
        log.warning("weekly digest: %s; the outbox pass tries again", error)
        week = iso_week(now)
        waiting = sum(r.state is not db.DigestState.SENT for r in db.digest_rows(store, week))
        return SendResult(week, False, False, list(settings.recipients), waiting=waiting)


def digest_trigger(settings: DigestSettings) -> Any:
    """The scheduler's trigger: day names, never a crontab string (APScheduler 3 counts
    crontab weekdays from Monday = 0, so "0 9 * * 1" would fire on Tuesday)."""
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger(day_of_week=settings.day_of_week, hour=settings.hour, minute=0)
