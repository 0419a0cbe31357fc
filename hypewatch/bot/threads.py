"""A launch's timeline as thread messages, in a platform-neutral form.

`render_root(view)` is the launch summary at the top of a thread (model,
sources, claimed scores, each claim's status, plausibility flags), edited in
place as statuses change; `render_event(store, event)` is the one reply an
event gets (new source, verification started, verdict, weights changed,
endpoint changed), or None for events that only change the root.

A `Message` is made of lines of `Span`s (plain, bold, code, link) plus an
optional chart of claimed vs measured values. All text is cleaned of control
characters here; escaping for each platform happens in `hypewatch.bot.markup`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from hypewatch.events import (
    EndpointChanged,
    Event,
    NewSource,
    SignificanceAssessed,
    VerdictRecorded,
    VerificationStarted,
    WeightsChanged,
)
from hypewatch.lifecycle import headline_verdict
from hypewatch.models import Claim, ClaimKind, Launch, LaunchStatus, Post, Verdict
from hypewatch.storage import NotFoundError, Store

Style = Literal["plain", "bold", "code", "quote"]

#: Longest piece of untrusted text (a post quote, a verifier summary) a message carries.
MAX_QUOTE = 500
MAX_FIELD = 200
MAX_SOURCES = 10
MAX_FILES = 10

_STATUS_MARK = {
    "claimed": "○",
    "verifying": "◔",
    "replicated": "✔",
    "failed": "✘",
    "inconclusive": "?",
    "unverifiable": "–",
}


def clean(text: Any, limit: int = MAX_FIELD) -> str:
    """Untrusted text made safe to carry: control characters gone, CR/LF folded, capped."""
    value = str(text).replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(
        ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " " for ch in value
    )
    value = re.sub(r"[ \t]+", " ", value).strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def clean_line(text: Any, limit: int = MAX_FIELD) -> str:
    """Like `clean`, folded onto one line (no forged extra lines in a field)."""
    return clean(str(text).replace("\n", " ").replace("\r", " "), limit)


def safe_url(url: Any) -> str:
    """The URL if it is http(s) with a host, else '' (no javascript:, data:, mailto:)."""
    value = str(url or "").strip()
    if not value or len(value) > 2000 or any(ch.isspace() or ord(ch) < 32 for ch in value):
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    return value if parts.scheme in ("http", "https") and parts.hostname else ""


@dataclass(frozen=True)
class Span:
    text: str
    style: Style = "plain"
    url: str = ""


Line = tuple[Span, ...]


@dataclass(frozen=True)
class ChartBar:
    label: str
    claimed: float
    measured: float | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Message:
    """One thread message. `kind` is "root" or the event kind it replies to."""

    kind: str
    title: str
    lines: tuple[Line, ...]
    launch_id: int
    event_id: int | None = None
    chart: tuple[ChartBar, ...] = ()
    status: str = ""


@dataclass(frozen=True)
class LaunchView:
    """Everything the root summary shows, read from the store at one moment."""

    launch: Launch
    headline: LaunchStatus
    posts: tuple[Post, ...]
    claims: tuple[Claim, ...]
    verdicts: dict[int, tuple[str, Verdict]] = field(default_factory=dict)


def load_view(store: Store, launch_id: int) -> LaunchView:
    claims = tuple(store.claims(launch_id=launch_id))
    verdicts: dict[int, tuple[str, Verdict]] = {}
    for claim in claims:
        shown = headline_verdict(store.verdicts_for_claim(claim.id))
        if shown is not None:
            verdicts[claim.id] = shown
    return LaunchView(
        launch=store.get_launch(launch_id),
        headline=store.headline_status(launch_id),
        posts=tuple(store.posts_for_launch(launch_id)),
        claims=claims,
        verdicts=verdicts,
    )


def fmt_num(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return clean_line(value, 40)
    return f"{value:g}" if isinstance(value, int) else f"{value:.4g}"


def claim_label(claim: Claim) -> str:
    if claim.kind is ClaimKind.SCORE:
        setting = f" ({claim.setting})" if claim.setting else ""
        value = fmt_num(claim.value) if claim.value is not None else "?"
        return clean_line(f"{claim.benchmark} {value}{setting}")
    prefix = {
        ClaimKind.BASE_MODEL: "base model",
        ClaimKind.COMPARISON: "beats",
        ClaimKind.OPEN_WEIGHTS: "open weights",
        ClaimKind.ENDPOINT: "endpoint",
    }[claim.kind]
    return clean_line(f"{prefix} {claim.subject}".strip())


#: What a verdict's number is, and what its sample counts, by the kind of claim checked:
#: a score's accuracy over items; the weights' median per-tensor cosine with the claimed base,
#: over the rows sampled (docs/verifiers.md, "Statistics"); the fingerprint's confidence over
#: its probes. A kind not named here gets neutral words, never a score's.
_MEASURED_AS: dict[ClaimKind, tuple[str, str]] = {
    ClaimKind.SCORE: ("measured", "items"),
    ClaimKind.BASE_MODEL: ("weight cosine with the claimed base", "rows sampled"),
    ClaimKind.ENDPOINT: ("confidence", "probes"),
}
_NEUTRAL = ("value", "samples")


def measured_as(kind: ClaimKind | None) -> tuple[str, str]:
    """(what the number is, what its sample size counts) for a claim of `kind`."""
    return _MEASURED_AS.get(kind, _NEUTRAL) if kind is not None else _NEUTRAL


def measured_text(verdict: Verdict, kind: ClaimKind | None = ClaimKind.SCORE) -> str:
    """'measured 61.2 (95% CI 58.1–64.0), 500 items' for a score, the quantity's own name for
    other kinds ('confidence 1, 6 probes'), or '' when nothing was measured."""
    if verdict.measured is None:
        return ""
    quantity, unit = measured_as(kind)
    text = f"{quantity} {fmt_num(verdict.measured)}"
    if verdict.ci_low is not None and verdict.ci_high is not None:
        text += f" (95% CI {fmt_num(verdict.ci_low)}–{fmt_num(verdict.ci_high)})"
    if verdict.sample_size is not None:
        text += f", {verdict.sample_size} {unit}"
    return text


def chart_bars(
    claims: tuple[Claim, ...], verdicts: dict[int, tuple[str, Verdict]]
) -> tuple[ChartBar, ...]:
    bars: list[ChartBar] = []
    for claim in claims:
        if claim.kind is not ClaimKind.SCORE or claim.value is None:
            continue
        verdict = verdicts.get(claim.id, ("", None))[1]
        bars.append(
            ChartBar(
                label=clean_line(f"{claim.benchmark} {claim.setting}".strip(), 40),
                claimed=float(claim.value),
                measured=verdict.measured if verdict else None,
                low=verdict.ci_low if verdict else None,
                high=verdict.ci_high if verdict else None,
            )
        )
    return tuple(bars)


def _launch_facts(launch: Launch) -> list[Line]:
    facts: list[str] = []
    if launch.org:
        facts.append(f"org {clean_line(launch.org)}")
    if launch.params_b:
        facts.append(f"{fmt_num(launch.params_b)}B parameters")
    if launch.base_model:
        facts.append(f"claimed base {clean_line(launch.base_model)}")
    lines: list[Line] = [(Span(" · ".join(facts)),)] if facts else []
    if launch.hf_repo:
        repo = clean_line(launch.hf_repo)
        url = safe_url(f"https://huggingface.co/{repo}")
        lines.append((Span("Weights: "), Span(repo, url=url)))
    if launch.endpoint:
        lines.append((Span("Endpoint: "), Span(clean_line(launch.endpoint), "code")))
    return lines


def _sources(posts: tuple[Post, ...]) -> list[Line]:
    if not posts:
        return []
    spans: list[Span] = [Span(f"Sources ({len(posts)}): ", "bold")]
    for i, post in enumerate(posts[:MAX_SOURCES]):
        if i:
            spans.append(Span(", "))
        label = clean_line(f"{post.source} {post.author}".strip(), 60)
        spans.append(Span(label, url=safe_url(post.url)))
    if len(posts) > MAX_SOURCES:
        spans.append(Span(f" and {len(posts) - MAX_SOURCES} more"))
    return [tuple(spans)]


def _claim_lines(view: LaunchView) -> list[Line]:
    lines: list[Line] = [(Span("Claims", "bold"),)] if view.claims else []
    for claim in view.claims:
        mark = _STATUS_MARK.get(str(claim.status), "·")
        spans = [
            Span(f"{mark} "),
            Span(claim_label(claim)),
            Span(" — "),
            Span(str(claim.status), "bold"),
        ]
        verdict = view.verdicts.get(claim.id)
        measured = measured_text(verdict[1], claim.kind) if verdict else ""
        if measured:
            spans.append(Span(f": {measured}"))
        lines.append(tuple(spans))
    flags = sorted({clean_line(f, 80) for claim in view.claims for f in claim.flags})
    if flags:
        lines.append((Span("Plausibility flags: ", "bold"), Span("; ".join(flags))))
    return lines


def render_root(view: LaunchView) -> Message:
    launch = view.launch
    title = clean_line(f"{launch.name} — {str(view.headline).upper()}", 200)
    lines: list[Line] = [(Span("Status: "), Span(str(view.headline), "bold"))]
    lines += _launch_facts(launch)
    lines += _sources(view.posts)
    lines += _claim_lines(view)
    return Message(
        kind="root",
        title=title,
        lines=tuple(lines),
        launch_id=launch.id,
        chart=chart_bars(view.claims, view.verdicts),
        status=str(view.headline),
    )


def _claim_of(store: Store, event: Event) -> Claim | None:
    if event.claim_id is None:
        return None
    try:
        return store.get_claim(event.claim_id)
    except NotFoundError:
        return None


def _summary(text: str) -> list[Line]:
    return [(Span(clean(text, MAX_QUOTE)),)] if text else []


def _new_source(store: Store, p: NewSource) -> list[Line]:
    post: Post | None = None
    if p.post:
        try:
            post = store.get_post(p.post)
        except NotFoundError:
            post = None
    source = clean_line(p.source or (post.source if post else "?"), 40)
    author = clean_line(p.author or (post.author if post else ""), 60)
    url = safe_url(p.url or (post.url if post else ""))
    head: list[Span] = [Span("New source: ", "bold"), Span(f"{source} {author}".strip())]
    if url:
        head += [Span(" — "), Span(url, url=url)]
    lines: list[Line] = [tuple(head)]
    text = post.text if post else ""
    if text:
        lines += [
            (Span("> ", "quote"), Span(part)) for part in clean(text, MAX_QUOTE).split("\n")[:8]
        ]
    return lines


def _verification_started(claim: Claim | None, p: VerificationStarted) -> list[Line]:
    verifier = clean_line(p.verifier or "a verifier", 60)
    what = claim_label(claim) if claim else "the launch"
    return [(Span("Verification started: ", "bold"), Span(verifier, "code"), Span(f" on {what}"))]


def _verdict(claim: Claim | None, p: VerdictRecorded) -> tuple[list[Line], tuple[ChartBar, ...]]:
    verdict = p.verdict()
    verifier = clean_line(p.verifier or "verifier", 60)
    what = claim_label(claim) if claim else "the launch"
    head: list[Span] = [
        Span("Re-check: " if p.standing else "Verdict: ", "bold"),
        Span(what),
        Span(" — "),
        Span(str(verdict.status), "bold"),
    ]
    if verdict.label:
        head.append(Span(f" ({clean_line(verdict.label, 40)})"))
    head += [Span(" by "), Span(verifier, "code")]
    lines: list[Line] = [tuple(head)]
    if p.standing:
        lines.append((Span("The earlier verdict stands: "), Span(str(p.standing), "bold")))
    if p.retry_at is not None:
        lines.append((Span(f"Looked at again after {p.retry_at:%Y-%m-%d %H:%M} UTC"),))
    numbers: list[str] = []
    if claim is not None and claim.value is not None:
        numbers.append(f"claimed {fmt_num(claim.value)}")
    measured = measured_text(verdict, claim.kind if claim is not None else None)
    if measured:
        numbers.append(measured)
    if numbers:
        lines.append((Span("; ".join(numbers)),))
    lines += _summary(verdict.summary)
    chart: tuple[ChartBar, ...] = ()
    if claim is not None and claim.value is not None and verdict.measured is not None:
        label = clean_line(f"{claim.benchmark} {claim.setting}".strip(), 40)
        chart = (
            ChartBar(label, float(claim.value), verdict.measured, verdict.ci_low, verdict.ci_high),
        )
    return lines, chart


def _files(files: tuple[str, ...]) -> list[Line]:
    if not files:
        return []
    shown = ", ".join(clean_line(f, 80) for f in files[:MAX_FILES])
    more = f" and {len(files) - MAX_FILES} more" if len(files) > MAX_FILES else ""
    return [(Span("Files: "), Span(shown + more, "code"))]


def short_revision(revision: str) -> str:
    return clean_line(revision, 80)[:12]


def _weights_changed(p: WeightsChanged) -> list[Line]:
    repo = clean_line(p.repo, 120)
    head: list[Span] = [Span("Weights changed: ", "bold"), Span(repo, "code")]
    head += [Span(" from "), Span(short_revision(p.previous_revision), "code")]
    head += [Span(" to "), Span(short_revision(p.revision), "code")]
    lines: list[Line] = [tuple(head)]
    parts = [
        f"{len(names)} {word}"
        for word, names in (("changed", p.changed), ("added", p.added), ("removed", p.removed))
        if names
    ]
    if parts:
        lines.append((Span("Weight files: " + ", ".join(parts)),))
    if p.title:
        lines.append((Span("Commit: "), Span(clean_line(p.title, 200))))
    return lines + _files(p.files)


def _endpoint_changed(p: EndpointChanged) -> list[Line]:
    lines: list[Line] = [
        (Span("Endpoint changed: ", "bold"), Span(clean_line(p.endpoint, 200), "code"))
    ]
    lines += [(Span("• "), Span(clean_line(change, 200))) for change in p.changes]
    before, after = p.fact("before", "tokenizer_match"), p.fact("after", "tokenizer_match")
    if before or after:
        lines.append(
            (
                Span(f"Tokenizer match: {clean_line(before or 'none', 40)} → "),
                Span(clean_line(after or "none", 40), "bold"),
            )
        )
    return lines


def _significance(p: SignificanceAssessed) -> list[Line]:
    head = "Old repo, recorded and not announced" if p.old_repo else "Significance"
    lines: list[Line] = [(Span(f"{head}: ", "bold"), Span(f"{fmt_num(p.score)}/100"))]
    return lines + [(Span("• "), Span(clean_line(reason, 200))) for reason in p.reasons[:8]]


def render_event(store: Store, event: Event) -> Message | None:
    """The reply an event gets in a thread, or None when it only changes the root."""
    claim = _claim_of(store, event)
    chart: tuple[ChartBar, ...] = ()
    p = event.payload
    if isinstance(p, NewSource):
        lines = _new_source(store, p)
    elif isinstance(p, VerificationStarted):
        lines = _verification_started(claim, p)
    elif isinstance(p, VerdictRecorded):
        lines, chart = _verdict(claim, p)
    elif isinstance(p, WeightsChanged):
        lines = _weights_changed(p)
    elif isinstance(p, EndpointChanged):
        lines = _endpoint_changed(p)
    elif isinstance(p, SignificanceAssessed):
        lines = _significance(p)
    else:
        return None
    launch = store.get_launch(event.launch_id)
    return Message(
        kind=str(event.kind),
        title=clean_line(launch.name, 100),
        lines=tuple(lines),
        launch_id=event.launch_id,
        event_id=event.id,
        chart=chart,
    )
