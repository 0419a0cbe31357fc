"""The domain model: posts, launches, claims, verdicts (events: `hypewatch.events`).

Plain frozen dataclasses with no I/O. Storage maps them to rows
(`hypewatch.storage`), the lifecycle rules live in `hypewatch.lifecycle`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (the only kind stored)."""
    return datetime.now(UTC)


class Source(enum.StrEnum):
    X = "x"
    REDDIT = "reddit"
    HUGGINGFACE = "huggingface"
    WEB = "web"
    DEMO = "demo"


class ClaimKind(enum.StrEnum):
    SCORE = "score"
    BASE_MODEL = "base_model"
    COMPARISON = "comparison"
    OPEN_WEIGHTS = "open_weights"
    ENDPOINT = "endpoint"


class ClaimStatus(enum.StrEnum):
    CLAIMED = "claimed"
    VERIFYING = "verifying"
    REPLICATED = "replicated"
    FAILED = "failed"
    INCONCLUSIVE = "inconclusive"
    UNVERIFIABLE = "unverifiable"


class VerdictStatus(enum.StrEnum):
    """The outcomes a verifier may report; each is also a terminal claim status."""

    REPLICATED = "replicated"
    FAILED = "failed"
    INCONCLUSIVE = "inconclusive"
    UNVERIFIABLE = "unverifiable"


#: The label of a verdict on a target that does not exist yet (a repo 404, an endpoint that
#: does not answer, no repo named so far): `unverifiable` for now, looked at again later and
#: as soon as the launch gains a source, a Hub card or a revision. Never a failure.
NOT_FOUND_YET = "not found yet"

#: Verdict statuses that decide a claim; a later verdict without one does not undo them.
CONCLUSIVE = frozenset({VerdictStatus.REPLICATED, VerdictStatus.FAILED})


class LaunchStatus(enum.StrEnum):
    FAILED = "failed"
    REPLICATED = "replicated"
    UNDER_REVIEW = "under review"
    MIXED = "mixed"


class EventKind(enum.StrEnum):
    FIRST_SEEN = "first_seen"
    NEW_SOURCE = "new_source"
    CLAIM_ADDED = "claim_added"
    STATUS_CHANGED = "status_changed"
    VERIFICATION_STARTED = "verification_started"
    VERDICT = "verdict"
    WEIGHTS_CHANGED = "weights_changed"
    ENDPOINT_CHANGED = "endpoint_changed"
    SIGNIFICANCE = "significance"
    ARTIFACT = "artifact"


@dataclass(frozen=True)
class Post:
    """What a source gave us. `key` (`source:native_id`) is its identity."""

    source: str
    native_id: str
    text: str
    author: str = ""
    url: str = ""
    created_at: datetime = field(default_factory=utcnow)
    engagement: JSON = field(default_factory=dict)
    raw: JSON = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.source}:{self.native_id}"


@dataclass(frozen=True)
class Launch:
    """One model release, seen across sources."""

    id: int
    slug: str
    name: str
    org: str = ""
    params_b: float | None = None
    base_model: str = ""
    hf_repo: str = ""
    endpoint: str = ""
    first_seen: datetime = field(default_factory=utcnow)
    hype: float = 0.0
    #: None: never assessed (made by hand); 0 until the pipeline has assessed it.
    significance: float | None = None
    significance_reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Claim:
    """One checkable statement of a launch.

    `key` identifies the statement within its launch (for example
    `score:gsm8k:0-shot`) so the same claim seen in two posts is stored once.
    For scores, `benchmark`, `setting` and `value` are set; for base models,
    comparisons and endpoints, `subject` holds the repo, rival or URL.
    """

    id: int
    launch_id: int
    kind: ClaimKind
    key: str
    status: ClaimStatus = ClaimStatus.CLAIMED
    benchmark: str = ""
    setting: str = ""
    value: float | None = None
    subject: str = ""
    post_key: str = ""
    flags: tuple[str, ...] = ()
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class Cost:
    requests: int = 0
    bytes: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class EndpointProbe:
    """One probe of an endpoint that a verifier made, returned with its verdict: the
    pipeline stores it (`endpoint_probes`, `storage/fingerprint.py`) and, when `changes`
    is not empty, appends `endpoint_changed` comparing it with the endpoint's previous
    probe (`previous_id`, whose stored result was `previous_result`)."""

    endpoint: str
    model: str
    verdict: str
    result: JSON
    tokenizer_match: str | None = None
    signature: list[list[float]] | None = None
    embedder: str | None = None
    changes: tuple[str, ...] = ()
    previous_id: int | None = None
    previous_result: JSON = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """What a verifier returns.

    `status` moves the claim through the lifecycle; `label` is the verifier's
    own finer word for it (`consistent`, `identical`, `unrelated`, ...).
    `evidence` must explain itself to a reader; `artifacts` are per-item records.
    `probes` are the endpoint probes the verifier made (the fingerprint verifier): the
    pipeline stores them with the verdict; they are not part of the verdict's JSON.
    """

    status: VerdictStatus
    summary: str
    label: str = ""
    measured: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    sample_size: int | None = None
    evidence: JSON = field(default_factory=dict)
    artifacts: list[JSON] = field(default_factory=list)
    cost: Cost = field(default_factory=Cost)
    probes: tuple[EndpointProbe, ...] = ()

    def to_json(self) -> JSON:
        return {
            "status": str(self.status),
            "label": self.label,
            "summary": self.summary,
            "measured": self.measured,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "sample_size": self.sample_size,
            "evidence": self.evidence,
            "cost": {
                "requests": self.cost.requests,
                "bytes": self.cost.bytes,
                "seconds": self.cost.seconds,
            },
        }

    @classmethod
    def from_json(cls, data: JSON, artifacts: list[JSON] | None = None) -> Verdict:
        cost = data.get("cost") or {}
        return cls(
            status=VerdictStatus(data["status"]),
            summary=str(data.get("summary", "")),
            label=str(data.get("label", "")),
            measured=data.get("measured"),
            ci_low=data.get("ci_low"),
            ci_high=data.get("ci_high"),
            sample_size=data.get("sample_size"),
            evidence=dict(data.get("evidence") or {}),
            artifacts=list(artifacts or []),
            cost=Cost(
                requests=int(cost.get("requests", 0)),
                bytes=int(cost.get("bytes", 0)),
                seconds=float(cost.get("seconds", 0.0)),
            ),
        )
