"""What the ledger's pages show, read from the store: plain data, also served as JSON.

`launch_list` is the launches page (badges, filters, search), `launch_page`
one launch (claims table, chart bars, timeline in words, each verdict's
evidence), `status_feed` the Atom feed's entries. Each returns dataclasses
whose `to_json()` is what the `.json` twin of the page serves, so a page and
its JSON are the same data. All untrusted text is cleaned and capped here
(`threads.clean`); the templates escape it on the way out.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from hypewatch.bot.threads import (
    ChartBar,
    Line,
    chart_bars,
    claim_label,
    clean,
    clean_line,
    fmt_num,
    measured_as,
    safe_url,
)
from hypewatch.bot.timeline import TimelineEntry, launch_timeline, plain
from hypewatch.events import Event, StatusChanged
from hypewatch.lifecycle import headline_verdict, standing
from hypewatch.models import Claim, ClaimKind, ClaimStatus, EventKind, Launch, LaunchStatus
from hypewatch.storage import NotFoundError, Store
from hypewatch.storage import ledger as db

#: The badges of the launches page (a launch's headline, `lifecycle.headline_status`), in
#: the order the filter offers them.
BADGES = tuple(
    str(s)
    for s in (
        LaunchStatus.UNDER_REVIEW,
        LaunchStatus.FAILED,
        LaunchStatus.REPLICATED,
        LaunchStatus.MIXED,
    )
)
PAGE_SIZE = 100
MAX_QUERY = 120
MAX_EVIDENCE_JSON = 200_000

_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,150}$")


def launch_key(launch: Launch) -> str:
    """The launch's name in URLs and file names: its slug when that is a safe file name
    (and not all digits), else its id."""
    slug = launch.slug
    if _SLUG.match(slug) and not slug.isdigit() and ".." not in slug:
        return slug
    return str(launch.id)


def find_by_key(store: Store, key: str) -> Launch:
    """The launch a URL names (`launch_key`); NotFoundError when none."""
    if key.isdigit():
        return store.get_launch(int(key))
    found = db.launch_by_slug(store, key) if _SLUG.match(key) else None
    if found is None or launch_key(found) != key:
        raise NotFoundError(f"no launch {key!r} in the ledger")
    return found


def spans_json(line: Line) -> list[dict[str, str]]:
    return [{"text": s.text, "style": s.style, "url": s.url} for s in line]


# -- the launches page -------------------------------------------------------------


@dataclass(frozen=True)
class LaunchSummary:
    id: int
    key: str
    name: str
    org: str
    status: str
    first_seen: datetime
    benchmarks: tuple[str, ...]
    claims: int
    failed: int
    replicated: int
    hf_repo: str

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["first_seen"] = self.first_seen.isoformat()
        data["benchmarks"] = list(self.benchmarks)
        data["href"] = f"launches/{self.key}.html"
        return data


@dataclass(frozen=True)
class Filters:
    """The launches page's query: each empty when not given."""

    status: str = ""
    org: str = ""
    benchmark: str = ""
    q: str = ""
    page: int = 1

    @classmethod
    def parse(cls, query: dict[str, str]) -> Filters:
        """From a query string; ValueError (said for the reader) for a value that cannot be."""
        status = query.get("status", "").strip()
        if status and status not in BADGES:
            raise ValueError(f"status must be one of: {', '.join(BADGES)} (got {status[:40]!r})")
        page_text = query.get("page", "1").strip() or "1"
        if not page_text.isdigit() or not 1 <= int(page_text) <= 100_000:
            raise ValueError(f"page must be a whole number from 1 (got {page_text[:20]!r})")
        return cls(
            status=status,
            org=clean_line(query.get("org", ""), MAX_QUERY),
            benchmark=clean_line(query.get("benchmark", ""), MAX_QUERY).lower(),
            q=clean_line(query.get("q", ""), MAX_QUERY),
            page=int(page_text),
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def query(self, **change: Any) -> str:
        """This query with `change` applied, as a query string ('' when empty)."""
        from urllib.parse import urlencode

        values = {**asdict(self), **change}
        kept = {k: v for k, v in values.items() if v and not (k == "page" and v == 1)}
        return urlencode(kept)


@dataclass(frozen=True)
class LaunchList:
    filters: Filters
    launches: list[LaunchSummary]
    total: int
    pages: int
    orgs: tuple[str, ...]
    benchmarks: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "filters": self.filters.to_json(),
            "total": self.total,
            "pages": self.pages,
            "counts": self.counts,
            "orgs": list(self.orgs),
            "benchmarks": list(self.benchmarks),
            "launches": [s.to_json() for s in self.launches],
        }


def launch_list(store: Store, filters: Filters, *, page_size: int | None = PAGE_SIZE) -> LaunchList:
    """The launches, newest first, filtered; `page_size=None` lists them all (static export).
    Filters, order and paging run in SQL (`storage.ledger.index_page`): only the launches
    shown are read, with their claims."""
    query = db.IndexQuery(
        status=filters.status,
        org=filters.org,
        benchmark=filters.benchmark,
        q=filters.q,
        offset=0 if page_size is None else (filters.page - 1) * page_size,
        limit=page_size,
    )
    found = db.index_page(store, query)
    by_launch: dict[int, list[Claim]] = defaultdict(list)
    for claim in db.claims_of_launches(store, (launch.id for launch, _ in found.launches)):
        by_launch[claim.launch_id].append(claim)
    shown = [
        _summary_of(launch, by_launch.get(launch.id, []), status)
        for launch, status in found.launches
    ]
    counts = {str(status): n for status, n in db.status_counts(store).items()}
    counts = {name: counts.get(name, 0) for name in BADGES}
    # Case-insensitive order, ties broken by the exact text: a set's order varies per process.
    orgs = tuple(
        sorted({clean_line(o, 80) for o in db.launch_orgs(store)}, key=lambda o: (o.lower(), o))
    )
    benchmarks = tuple(sorted({clean_line(b, 40) for b in db.claim_benchmarks(store)}))
    pages = 1 if page_size is None else max(1, -(-found.total // page_size))
    return LaunchList(filters, shown, found.total, pages, orgs, benchmarks, counts)


# -- a launch's page ---------------------------------------------------------------


@dataclass(frozen=True)
class ClaimRow:
    id: int
    kind: str
    claim: str
    claimed: str
    measured: str
    interval: str
    items: str
    status: str
    verdict: str
    verifier: str
    when: str
    flags: tuple[str, ...]
    #: What `measured` is and what `items` counts, by claim kind (threads.measured_as).
    quantity: str = "measured"
    unit: str = "items"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["flags"] = list(self.flags)
        return data


@dataclass(frozen=True)
class VerdictView:
    """One verdict with its evidence, for reading; `raw` is the evidence as JSON text."""

    claim_id: int
    claim: str
    verifier: str
    at: datetime
    status: str
    label: str
    summary: str
    measured: str
    interval: str
    items: str
    standing: bool
    evidence: dict[str, Any]
    raw: str
    quantity: str = "measured"
    unit: str = "items"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        del data["raw"]
        return data


@dataclass(frozen=True)
class Source:
    source: str
    author: str
    url: str
    at: datetime
    excerpt: str

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "at": self.at.isoformat()}


@dataclass(frozen=True)
class LaunchPage:
    summary: LaunchSummary
    base_model: str
    params_b: str
    hf_repo_url: str
    endpoint: str
    sources: list[Source]
    claims: list[ClaimRow]
    chart: tuple[ChartBar, ...]
    timeline: list[TimelineEntry]
    verdicts: list[VerdictView]

    def to_json(self) -> dict[str, Any]:
        return {
            "launch": {
                **self.summary.to_json(),
                "base_model": self.base_model,
                "params_b": self.params_b,
                "hf_repo_url": self.hf_repo_url,
                "endpoint": self.endpoint,
            },
            "sources": [s.to_json() for s in self.sources],
            "claims": [c.to_json() for c in self.claims],
            "chart": [asdict(b) for b in self.chart],
            "timeline": [
                {
                    "id": e.event_id,
                    "kind": e.kind,
                    "at": e.at.isoformat(),
                    "claim_id": e.claim_id,
                    "text": e.text,
                    "lines": [spans_json(line) for line in e.lines],
                }
                for e in self.timeline
            ],
            "verdicts": [v.to_json() for v in self.verdicts],
        }


def _interval(low: float | None, high: float | None) -> str:
    return f"{fmt_num(low)}–{fmt_num(high)}" if low is not None and high is not None else ""


def _claimed(claim: Claim) -> str:
    if claim.value is not None:
        return fmt_num(claim.value)
    return clean_line(claim.subject, 120)


def _evidence(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    raw = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    if len(raw) > MAX_EVIDENCE_JSON:
        raw = raw[:MAX_EVIDENCE_JSON] + "\n… (cut; `hypewatch show LAUNCH --json` has it all)"
    return data, raw


def launch_page(store: Store, launch: Launch) -> LaunchPage:
    claims = store.claims(launch_id=launch.id)
    rows: list[ClaimRow] = []
    verdicts: list[VerdictView] = []
    shown = {}
    for claim in claims:
        history = store.verdict_history(claim.id)
        pairs = [(r.verifier, r.verdict) for r in history]
        kept = {id(v) for _, v in standing(pairs)}
        head = headline_verdict(pairs)
        head_record = next((r for r in history if head and r.verdict is head[1]), None)
        if head is not None:
            shown[claim.id] = head
        verdict = head[1] if head else None
        measured = verdict.measured if verdict else None
        items = verdict.sample_size if verdict else None
        quantity, unit = measured_as(claim.kind)
        rows.append(
            ClaimRow(
                id=claim.id,
                kind=str(claim.kind),
                claim=claim_label(claim),
                claimed=_claimed(claim),
                measured=fmt_num(measured) if measured is not None else "",
                interval=_interval(verdict.ci_low, verdict.ci_high) if verdict else "",
                items=str(items) if items is not None else "",
                status=str(claim.status),
                verdict=clean_line(verdict.label or verdict.status, 60) if verdict else "",
                verifier=clean_line(head[0], 60) if head else "",
                when=head_record.finished_at.strftime("%Y-%m-%d %H:%M") if head_record else "",
                flags=tuple(clean_line(f, 80) for f in claim.flags),
                quantity=quantity,
                unit=unit,
            )
        )
        for record in history:
            v = record.verdict
            evidence, raw = _evidence(v.evidence)
            verdicts.append(
                VerdictView(
                    claim_id=claim.id,
                    claim=claim_label(claim),
                    verifier=clean_line(record.verifier, 60),
                    at=record.finished_at,
                    status=str(v.status),
                    label=clean_line(v.label, 60),
                    summary=clean(v.summary, 2000),
                    measured=fmt_num(v.measured) if v.measured is not None else "",
                    interval=_interval(v.ci_low, v.ci_high),
                    items=str(v.sample_size) if v.sample_size is not None else "",
                    standing=id(v) in kept,
                    evidence=evidence,
                    raw=raw,
                    quantity=quantity,
                    unit=unit,
                )
            )
    posts = store.posts_for_launch(launch.id)
    repo = clean_line(launch.hf_repo, 120)
    return LaunchPage(
        summary=_summary_of(launch, claims, store.headline_status(launch.id)),
        base_model=clean_line(launch.base_model, 120),
        params_b=fmt_num(launch.params_b) if launch.params_b else "",
        hf_repo_url=safe_url(f"https://huggingface.co/{repo}") if repo else "",
        endpoint=clean_line(launch.endpoint, 200),
        sources=[
            Source(
                source=clean_line(p.source, 40),
                author=clean_line(p.author, 80),
                url=safe_url(p.url),
                at=p.created_at,
                excerpt=clean(p.text, 280),
            )
            for p in posts
        ],
        claims=rows,
        chart=chart_bars(tuple(claims), shown),
        timeline=launch_timeline(store, launch.id),
        verdicts=verdicts,
    )


def _summary_of(launch: Launch, claims: list[Claim], status: LaunchStatus) -> LaunchSummary:
    return LaunchSummary(
        id=launch.id,
        key=launch_key(launch),
        name=clean_line(launch.name, 120),
        org=clean_line(launch.org, 80),
        status=str(status),
        first_seen=launch.first_seen,
        benchmarks=tuple(sorted({clean_line(c.benchmark, 40) for c in claims if c.benchmark})),
        claims=len(claims),
        failed=sum(1 for c in claims if c.status is ClaimStatus.FAILED),
        replicated=sum(1 for c in claims if c.status is ClaimStatus.REPLICATED),
        hf_repo=clean_line(launch.hf_repo, 120),
    )


# -- the feed --------------------------------------------------------------------


@dataclass(frozen=True)
class FeedEntry:
    """A claim's status change (to an outcome, not to `verifying`)."""

    event_id: int
    launch_key: str
    launch: str
    title: str
    text: str
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "at": self.at.isoformat()}


FEED_SIZE = 50


def status_feed(
    store: Store, launch: Launch | None = None, limit: int = FEED_SIZE
) -> list[FeedEntry]:
    """The newest status changes (whole ledger, or one launch), newest first."""
    events = db.latest_events(
        store,
        [EventKind.STATUS_CHANGED],
        launch_id=launch.id if launch else None,
        limit=limit * 3,
    )
    launches: dict[int, Launch] = {launch.id: launch} if launch else {}
    entries: list[FeedEntry] = []
    for event in events:
        p = event.payload
        if not isinstance(p, StatusChanged) or p.to_status is ClaimStatus.VERIFYING:
            continue
        owner = launches.get(event.launch_id)
        if owner is None:
            try:
                owner = launches[event.launch_id] = store.get_launch(event.launch_id)
            except NotFoundError:
                continue
        entries.append(_feed_entry(store, event, owner, p))
        if len(entries) >= limit:
            break
    return entries


def _feed_entry(store: Store, event: Event, launch: Launch, p: StatusChanged) -> FeedEntry:
    from hypewatch.bot.timeline import describe_event

    try:
        claim = store.get_claim(event.claim_id) if event.claim_id is not None else None
    except NotFoundError:
        claim = None
    what = claim_label(claim) if claim else "a claim"
    name = clean_line(launch.name, 120)
    title = f"{name}: {what} is {p.to_status}"
    if claim is not None and claim.kind is ClaimKind.SCORE:
        title = f"{name}: {what} — {p.to_status}"
    entry = describe_event(store, event)
    return FeedEntry(
        event_id=event.id,
        launch_key=launch_key(launch),
        launch=name,
        title=clean_line(title, 200),
        text="\n".join(plain(line) for line in entry.lines),
        at=event.created_at,
    )
