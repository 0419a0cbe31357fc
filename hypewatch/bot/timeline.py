"""A launch's timeline in words: every event kind as lines of `Span`s.

`describe_event(store, event)` is the one wording of an event, shared by the
ledger's launch page (`hypewatch.web`) and `hypewatch show`. The kinds a
thread replies to (new source, verification started, verdict, weights
changed, endpoint changed) are worded by `threads.render_event`, so a chat
reply, the page and the console say the same thing; the kinds that only
change a thread's root (first seen, claim added, status changed) and the
artifacts (a derivative attached to its base, never sent to a thread) are
worded here. `plain(line)` is a line as plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hypewatch.bot.threads import Line, Span, claim_label, clean_line, render_event
from hypewatch.events import ArtifactAttached, ClaimAdded, Event, FirstSeen, StatusChanged
from hypewatch.models import Claim, ClaimKind
from hypewatch.storage import NotFoundError, Store


@dataclass(frozen=True)
class TimelineEntry:
    """One event of a launch's timeline, worded."""

    event_id: int
    kind: str
    at: datetime
    claim_id: int | None
    lines: tuple[Line, ...]

    @property
    def text(self) -> str:
        """The entry as plain text, one line per `Line`."""
        return "\n".join(plain(line) for line in self.lines)


def plain(line: Line) -> str:
    return "".join(span.text for span in line)


def _claim(store: Store, claim_id: int | None) -> Claim | None:
    if claim_id is None:
        return None
    try:
        return store.get_claim(claim_id)
    except NotFoundError:
        return None


def _claim_added(p: ClaimAdded) -> list[Line]:
    if p.kind is ClaimKind.SCORE:
        value = f" {p.value:g}" if p.value is not None else ""
        setting = f" ({p.setting})" if p.setting else ""
        what = clean_line(f"{p.benchmark}{value}{setting}")
    else:
        what = clean_line(f"{str(p.kind).replace('_', ' ')} {p.subject}".strip())
    lines: list[Line] = [(Span("Claim: ", "bold"), Span(what))]
    if p.flags:
        flags = "; ".join(clean_line(f, 80) for f in p.flags)
        lines.append((Span("Plausibility flags: "), Span(flags)))
    return lines


def _status_changed(claim: Claim | None, p: StatusChanged) -> list[Line]:
    what = claim_label(claim) if claim else "a claim"
    line: list[Span] = [
        Span("Status: ", "bold"),
        Span(f"{what}: {p.from_status} → "),
        Span(str(p.to_status), "bold"),
    ]
    if p.reason:
        line.append(Span(f" ({clean_line(p.reason, 200)})"))
    return [tuple(line)]


#: How a derivative's relation reads on its base's timeline.
ARTIFACT_WORDS = {
    "quantized": "Quantisation",
    "adapter": "Adapter",
    "finetune": "Fine-tune carrying its card",
    "merge": "Merge carrying its card",
}


def _artifact(p: ArtifactAttached) -> list[Line]:
    what = ARTIFACT_WORDS.get(p.relation, "Derivative")
    lines: list[Line] = [
        (Span(f"{what} published: ", "bold"), Span(clean_line(p.repo, 120), "code")),
        (Span(f"Made from {clean_line(p.base, 120)}; no thread or claims of its own"),),
    ]
    if p.evidence:
        lines.append((Span("Recognised by: "), Span(clean_line(p.evidence, 200))))
    return lines


def describe_event(store: Store, event: Event) -> TimelineEntry:
    """The event in words (the same lines a thread reply carries, where it gets one)."""
    p = event.payload
    lines: list[Line]
    if isinstance(p, FirstSeen):
        lines = [(Span("First seen: ", "bold"), Span(clean_line(p.name, 120)))]
    elif isinstance(p, ClaimAdded):
        lines = _claim_added(p)
    elif isinstance(p, StatusChanged):
        lines = _status_changed(_claim(store, event.claim_id), p)
    elif isinstance(p, ArtifactAttached):
        lines = _artifact(p)
    else:
        message = render_event(store, event)
        lines = list(message.lines) if message is not None else [(Span(str(event.kind)),)]
    return TimelineEntry(event.id, str(event.kind), event.created_at, event.claim_id, tuple(lines))


def launch_timeline(store: Store, launch_id: int) -> list[TimelineEntry]:
    """Every event of a launch, oldest first, in words."""
    return [describe_event(store, event) for event in store.events(launch_id)]
