"""The weekly digest: the week's launches, status changes and failed claims, as email.

`build_digest(store, now)` collects what happened in the 7 days before `now`;
`render_html` / `render_text` turn it into the two parts (Jinja2; the HTML
environment autoescapes); `build_email` makes the `EmailMessage` with the
chart (claimed vs measured) as an inline `cid:` image. Sending it, once per
ISO week and recipient, is `hypewatch.bot.digest_outbox`.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import jinja2

from hypewatch.bot.chart import png_chart
from hypewatch.bot.email import check_addresses
from hypewatch.bot.threads import (
    ChartBar,
    clean,
    clean_line,
    fmt_num,
    measured_as,
    render_event,
    safe_url,
)
from hypewatch.config import DigestSettings
from hypewatch.events import Event, FirstSeen, StatusChanged
from hypewatch.lifecycle import headline_verdict
from hypewatch.models import ClaimKind, ClaimStatus, EventKind
from hypewatch.storage import Store
from hypewatch.storage import delivery as db

log = logging.getLogger(__name__)

WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class LaunchEntry:
    name: str
    org: str
    status: str
    first_seen: str
    url: str
    claims: int
    failed: int
    replicated: int
    new: bool


@dataclass(frozen=True)
class StatusChange:
    at: str
    launch: str
    claim: str
    old: str
    new: str
    reason: str


@dataclass(frozen=True)
class TimelineNote:
    """A change on a launch's timeline (new source, re-upload, endpoint swap), as the
    lines its thread reply shows, in plain text."""

    at: str
    launch: str
    lines: tuple[str, ...]


#: Event kinds the digest lists under "what changed", rendered as their thread reply.
TIMELINE_KINDS = frozenset(
    {EventKind.NEW_SOURCE, EventKind.WEIGHTS_CHANGED, EventKind.ENDPOINT_CHANGED}
)


@dataclass(frozen=True)
class Unthreaded:
    """A launch first seen this week that opened no thread anywhere: below every
    destination's `min_significance`, over its daily thread budget, or an old repo."""

    name: str
    org: str
    significance: float
    why: str


@dataclass(frozen=True)
class FailedClaim:
    launch: str
    claim: str
    claimed: str
    measured: str
    interval: str
    items: str
    verifier: str
    summary: str
    #: What `measured` is and what `items` counts, by claim kind (threads.measured_as).
    quantity: str = "measured"
    unit: str = "items"


@dataclass(frozen=True)
class Digest:
    iso_week: str
    start: datetime
    end: datetime
    launches: list[LaunchEntry] = field(default_factory=list)
    changes: list[StatusChange] = field(default_factory=list)
    failed: list[FailedClaim] = field(default_factory=list)
    chart: tuple[ChartBar, ...] = ()
    timeline: list[TimelineNote] = field(default_factory=list)
    unthreaded: list[Unthreaded] = field(default_factory=list)
    unthreaded_total: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "iso_week": self.iso_week,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "launches": [entry.__dict__ for entry in self.launches],
            "status_changes": [change.__dict__ for change in self.changes],
            "failed_claims": [claim.__dict__ for claim in self.failed],
            "timeline": [{**note.__dict__, "lines": list(note.lines)} for note in self.timeline],
            "unthreaded": [entry.__dict__ for entry in self.unthreaded],
            "unthreaded_total": self.unthreaded_total,
        }


def iso_week(when: datetime) -> str:
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


def _claim_text(store: Store, claim_id: int | None) -> tuple[str, float | None, str]:
    if claim_id is None:
        return "", None, ""
    claim = store.get_claim(claim_id)
    if claim.kind is ClaimKind.SCORE:
        label = f"{claim.benchmark} {claim.setting}".strip()
        return clean_line(label, 80), claim.value, claim.benchmark
    return clean_line(f"{claim.kind} {claim.subject}", 120), None, ""


def _failed_claims(store: Store, launch_ids: set[int]) -> tuple[list[FailedClaim], list[ChartBar]]:
    failed: list[FailedClaim] = []
    bars: list[ChartBar] = []
    for launch_id in sorted(launch_ids):
        launch = store.get_launch(launch_id)
        for claim in store.claims(launch_id=launch_id):
            shown = headline_verdict(store.verdicts_for_claim(claim.id))
            if shown is None:
                continue
            verifier, verdict = shown
            label, value, _ = _claim_text(store, claim.id)
            if claim.value is not None and verdict.measured is not None:
                name = clean_line(f"{launch.name} {claim.benchmark}", 40)
                bars.append(
                    ChartBar(name, claim.value, verdict.measured, verdict.ci_low, verdict.ci_high)
                )
            if str(claim.status) != "failed":
                continue
            quantity, unit = measured_as(claim.kind)
            interval = ""
            if verdict.ci_low is not None and verdict.ci_high is not None:
                interval = f"{fmt_num(verdict.ci_low)}–{fmt_num(verdict.ci_high)}"
            failed.append(
                FailedClaim(
                    launch=clean_line(launch.name, 120),
                    claim=label,
                    claimed=fmt_num(value) if value is not None else clean_line(claim.subject),
                    measured=fmt_num(verdict.measured) if verdict.measured is not None else "",
                    interval=interval,
                    items=str(verdict.sample_size) if verdict.sample_size is not None else "",
                    verifier=clean_line(verifier, 60),
                    summary=clean(verdict.summary, 400),
                    quantity=quantity,
                    unit=unit,
                )
            )
    return failed, bars


def build_digest(store: Store, now: datetime | None = None, *, max_launches: int = 50) -> Digest:
    """What happened in the 7 days before `now`."""
    end = now or store.now()
    start = end - WINDOW
    changes: list[StatusChange] = []
    timeline: list[TimelineNote] = []
    touched: set[int] = set()
    for event in store.events():
        if not start <= event.created_at < end:
            continue
        at = event.created_at.strftime("%Y-%m-%d %H:%M")
        p = event.payload
        if isinstance(p, FirstSeen):
            touched.add(event.launch_id)
        elif isinstance(p, StatusChanged):
            touched.add(event.launch_id)
            if p.to_status is ClaimStatus.VERIFYING:
                continue  # the digest reports outcomes, not every step
            changes.append(
                StatusChange(
                    at=at,
                    launch=clean_line(store.get_launch(event.launch_id).name, 120),
                    claim=_claim_text(store, event.claim_id)[0],
                    old=str(p.from_status),
                    new=str(p.to_status),
                    reason=clean_line(p.reason, 200),
                )
            )
        elif event.kind in TIMELINE_KINDS:
            touched.add(event.launch_id)
            note = _timeline_note(store, event, at)
            if note is not None:
                timeline.append(note)
    launches = [_entry(store, i, start) for i in sorted(touched)][:max_launches]
    failed, bars = _failed_claims(store, touched)
    unthreaded = _unthreaded(store, start, touched)
    return Digest(
        iso_week(end),
        start,
        end,
        launches,
        changes,
        failed,
        tuple(bars[:12]),
        timeline[-100:],
        unthreaded[:max_launches],
        len(unthreaded),
    )


def _unthreaded(store: Store, start: datetime, launch_ids: set[int]) -> list[Unthreaded]:
    """Launches first seen in the window that no destination got, most significant first
    (a launch never assessed by the pipeline is left out: no filter held it back)."""
    names = [d.name for d in db.live_destinations(store)]
    out: list[Unthreaded] = []
    for launch in store.launches_by_id(launch_ids):
        if launch.significance is None or launch.first_seen < start:
            continue
        if any(db.has_launch_rows(store, name, launch.id) for name in names):
            continue
        reasons = launch.significance_reasons
        old = bool(reasons) and reasons[0].startswith("old repo")
        why = reasons[0] if old else "below the threshold or over a daily thread budget"
        out.append(
            Unthreaded(
                name=clean_line(launch.name, 120),
                org=clean_line(launch.org, 80),
                significance=launch.significance,
                why=clean_line(why, 200),
            )
        )
    return sorted(out, key=lambda u: -u.significance)


def _timeline_note(store: Store, event: Event, at: str) -> TimelineNote | None:
    message = render_event(store, event)
    if message is None:
        return None
    lines = tuple("".join(span.text for span in line) for line in message.lines)
    return TimelineNote(at=at, launch=message.title, lines=lines)


def _entry(store: Store, launch_id: int, start: datetime) -> LaunchEntry:
    launch = store.get_launch(launch_id)
    claims = store.claims(launch_id=launch_id)
    url = safe_url(f"https://huggingface.co/{launch.hf_repo}") if launch.hf_repo else ""
    return LaunchEntry(
        name=clean_line(launch.name, 120),
        org=clean_line(launch.org, 80),
        status=str(store.headline_status(launch_id)),
        first_seen=launch.first_seen.strftime("%Y-%m-%d"),
        url=url,
        claims=len(claims),
        failed=sum(1 for c in claims if str(c.status) == "failed"),
        replicated=sum(1 for c in claims if str(c.status) == "replicated"),
        new=launch.first_seen >= start,
    )


_LOADER = jinja2.PackageLoader("hypewatch.bot", "templates")
_HTML = jinja2.Environment(loader=_LOADER, autoescape=True, undefined=jinja2.StrictUndefined)
# The plain-text part is never HTML: nothing to escape there.
_TEXT = jinja2.Environment(
    loader=_LOADER,
    autoescape=False,  # noqa: S701
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)
_HTML.filters["http_url"] = safe_url
_TEXT.filters["http_url"] = safe_url


def render_html(digest: Digest, *, image_src: str) -> str:
    """The HTML part; `image_src` is `cid:...` in mail or a data: URI in a preview."""
    src = image_src if image_src.startswith(("cid:", "data:image/png;base64,")) else ""
    return _HTML.get_template("digest.html.j2").render(d=digest, image_src=src)


def render_text(digest: Digest) -> str:
    return _TEXT.get_template("digest.txt.j2").render(d=digest)


def preview_html(digest: Digest) -> str:
    """A standalone HTML file (the chart as a data: URI), for --preview."""
    data = base64.b64encode(png_chart(digest.chart)).decode() if digest.chart else ""
    return render_html(digest, image_src=f"data:image/png;base64,{data}" if data else "")


def message_id(iso_week: str, recipients: list[str]) -> str:
    """The same for every attempt at the same week and recipients, so a receiver (or a
    person) can tell a re-send after an ambiguous failure from a new digest."""
    tag = hashlib.sha256("\n".join(sorted(recipients)).encode()).hexdigest()[:16]
    return f"<digest.{iso_week}.{tag}@hypewatch.local>"


def build_email(
    digest: Digest, settings: DigestSettings, recipient: str | None = None
) -> EmailMessage:
    """multipart/alternative: text, and HTML with the chart inline (multipart/related).
    Addressed to `recipient` (the digest outbox sends one per recipient), else to all."""
    wanted = [recipient] if recipient is not None else settings.recipients
    recipients = check_addresses(wanted, "digest.recipients")
    sender = check_addresses([settings.sender], "digest.sender")[0]
    message = EmailMessage()
    message["Subject"] = f"{clean_line(settings.subject, 150)} — {digest.iso_week}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(digest.end)
    message["Message-ID"] = message_id(digest.iso_week, recipients)
    message.set_content(render_text(digest))
    cid = make_msgid(domain="hypewatch.local")
    message.add_alternative(
        render_html(digest, image_src=f"cid:{cid[1:-1]}" if digest.chart else ""), subtype="html"
    )
    if digest.chart:
        html_part = next(p for p in message.iter_parts() if p.get_content_type() == "text/html")
        assert isinstance(html_part, EmailMessage)
        html_part.add_related(
            png_chart(digest.chart), maintype="image", subtype="png", cid=cid,
            filename="claimed-vs-measured.png",
        )  # fmt: skip
    return message
