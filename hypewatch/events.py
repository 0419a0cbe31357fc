"""The event contract: one typed payload per event kind, and one codec.

An event is written once (`Store.append_event`) and read by many: the thread
renderer (Discord, Slack, console), the weekly digest, `hypewatch show`, the
outbox routing. Producer and consumers import the same payload type from
here, so a field renamed on one side is a type error on the other, not an
empty status line. `encode` and `decode` are the only way between a payload
and the JSON stored in `events.payload`; `roundtrip` is their composition,
what every producer's output goes through when it is stored and read back.

Payloads are frozen pydantic models. Stored JSON keys are the field names
(or their alias where a name is a Python keyword: `status_changed` stores
`from`/`to`); keys a payload does not know are ignored on reading, so a
row written by a newer version still reads.

Adding an event kind: add its name to `EventKind` (models.py), a payload
class here decorated with `@register`, and its rendering in
`hypewatch/bot/threads.py` (and the digest if it belongs there). The test
`tests/core/test_event_contract.py` renders every producer's real output
through every renderer and fails for a kind it cannot produce.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, computed_field

from hypewatch.models import (
    JSON,
    ClaimKind,
    ClaimStatus,
    Cost,
    EventKind,
    Verdict,
    VerdictStatus,
    utcnow,
)

__all__ = [
    "ArtifactAttached",
    "ClaimAdded",
    "EndpointChanged",
    "Event",
    "EventDecodeError",
    "EventPayload",
    "FirstSeen",
    "NewSource",
    "SignificanceAssessed",
    "StatusChanged",
    "VerdictRecorded",
    "VerificationStarted",
    "WeightsChanged",
    "decode",
    "encode",
    "payload_types",
    "register",
    "roundtrip",
]


class EventDecodeError(ValueError):
    """A stored payload does not fit its kind's type (a corrupt or foreign row)."""


class EventPayload(BaseModel):
    """Base of every payload. `KIND` names the event kind the payload is for."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    KIND: ClassVar[EventKind]


_TYPES: dict[EventKind, type[EventPayload]] = {}

P = TypeVar("P", bound=type[EventPayload])


def register(kind: EventKind) -> Callable[[P], P]:
    """Class decorator: `cls` is the one payload type of `kind`."""

    def decorate(cls: P) -> P:
        if kind in _TYPES:
            raise TypeError(
                f"event kind {kind!r} already has payload {_TYPES[kind].__name__}; "
                f"{cls.__name__} cannot take it too"
            )
        cls.KIND = kind
        _TYPES[kind] = cls
        return cls

    return decorate


def payload_types() -> dict[EventKind, type[EventPayload]]:
    """Every registered kind and its payload type."""
    return dict(_TYPES)


def encode(payload: EventPayload) -> tuple[EventKind, JSON]:
    """A payload as (kind, the JSON object stored for it)."""
    return payload.KIND, payload.model_dump(mode="json", by_alias=True)


def decode(kind: EventKind | str, data: JSON) -> EventPayload:
    """The payload of a stored event. Raises `EventDecodeError` for one that does not fit."""
    try:
        cls = _TYPES[EventKind(kind)]
    except (KeyError, ValueError):
        raise EventDecodeError(f"unknown event kind {kind!r}") from None
    try:
        return cls.model_validate(data)
    except ValidationError as error:
        raise EventDecodeError(f"{kind} payload does not fit {cls.__name__}: {error}") from None


def roundtrip(payload: EventPayload) -> EventPayload:
    """Encode and decode again: what a consumer reads back of what a producer wrote."""
    return decode(*encode(payload))


# -- the payloads -----------------------------------------------------------------


@register(EventKind.FIRST_SEEN)
class FirstSeen(EventPayload):
    """A launch was seen for the first time."""

    name: str
    slug: str


@register(EventKind.NEW_SOURCE)
class NewSource(EventPayload):
    """Another source (platform) mentions a known launch; `post` is the post's key."""

    source: str
    post: str = ""
    author: str = ""
    url: str = ""


@register(EventKind.CLAIM_ADDED)
class ClaimAdded(EventPayload):
    kind: ClaimKind
    key: str
    benchmark: str = ""
    setting: str = ""
    value: float | None = None
    subject: str = ""
    flags: tuple[str, ...] = ()
    post: str = ""


@register(EventKind.STATUS_CHANGED)
class StatusChanged(EventPayload):
    """A claim moved along a lifecycle edge (stored keys `from`, `to`, `reason`)."""

    from_status: ClaimStatus = Field(alias="from")
    to_status: ClaimStatus = Field(alias="to")
    reason: str = ""


@register(EventKind.VERIFICATION_STARTED)
class VerificationStarted(EventPayload):
    verifier: str


@register(EventKind.VERDICT)
class VerdictRecorded(EventPayload):
    """A verifier's verdict on a claim (the verdict's fields, flat, plus who and which run).

    `standing` is set when this verdict did not decide (inconclusive or
    unverifiable) while an earlier conclusive verdict of the same verifier
    stands: the re-check is news, not a downgrade. `retry_at` is when a
    target that did not exist yet (repo 404, endpoint not answering) is
    looked at again."""

    verifier: str
    verification_id: int | None = None
    status: VerdictStatus
    label: str = ""
    summary: str = ""
    measured: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    sample_size: int | None = None
    evidence: JSON = Field(default_factory=dict)
    cost: JSON = Field(default_factory=dict)
    standing: VerdictStatus | None = None
    retry_at: datetime | None = None

    @classmethod
    def of(
        cls,
        verifier: str,
        verdict: Verdict,
        *,
        verification_id: int | None = None,
        standing: VerdictStatus | None = None,
        retry_at: datetime | None = None,
    ) -> VerdictRecorded:
        return cls.model_validate(
            {
                "verifier": verifier,
                "verification_id": verification_id,
                **verdict.to_json(),
                "standing": standing,
                "retry_at": retry_at,
            }
        )

    def verdict(self) -> Verdict:
        cost = self.cost
        return Verdict(
            status=self.status,
            summary=self.summary,
            label=self.label,
            measured=self.measured,
            ci_low=self.ci_low,
            ci_high=self.ci_high,
            sample_size=self.sample_size,
            evidence=dict(self.evidence),
            cost=Cost(
                requests=int(cost.get("requests", 0)),
                bytes=int(cost.get("bytes", 0)),
                seconds=float(cost.get("seconds", 0.0)),
            ),
        )


@register(EventKind.WEIGHTS_CHANGED)
class WeightsChanged(EventPayload):
    """The weight files of a launch's repo differ between two commits (by sha256/size)."""

    repo: str
    revision: str
    previous_revision: str
    committed_at: str | None = None
    title: str = ""
    changed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    found_on_first_check: bool = False

    @computed_field  # type: ignore[prop-decorator]
    @property
    def files(self) -> tuple[str, ...]:
        """Every weight file that changed, appeared or disappeared."""
        return tuple(sorted({*self.changed, *self.added, *self.removed}))


@register(EventKind.ENDPOINT_CHANGED)
class EndpointChanged(EventPayload):
    """A re-probe of an endpoint answers differently: `changes` says how, in words;
    `before` and `after` are the two probe results (with their `probe_id`)."""

    endpoint: str
    changes: tuple[str, ...]
    before: JSON = Field(default_factory=dict)
    after: JSON = Field(default_factory=dict)

    def fact(self, which: str, key: str) -> str:
        """One fact of the `before` or `after` probe, '' when it has none."""
        value: Any = (self.before if which == "before" else self.after).get(key)
        return "" if value in (None, "") else str(value)


@register(EventKind.SIGNIFICANCE)
class SignificanceAssessed(EventPayload):
    """The launch's significance (0-100) and the evidence for it (`hypewatch.significance`);
    appended by the pipeline when first assessed and when it moves by 10 points or more.
    `old_repo`: a repo created long before it was seen, recorded and not announced."""

    score: float
    reasons: tuple[str, ...] = ()
    old_repo: bool = False


@register(EventKind.ARTIFACT)
class ArtifactAttached(EventPayload):
    """A derivative of the launch's repo published on the Hub -- a quantisation, an adapter,
    a repo carrying a copy of its card (`relation`: quantized, adapter, finetune, merge) --
    attached to the base's timeline by the pipeline. It is never a launch, never a thread of
    its own and carries none of the base's scores: only what it is and the evidence
    (`extractors/derivatives.py`). `post` is the derivative's Hub post key."""

    repo: str
    relation: str
    base: str
    evidence: str = ""
    post: str = ""


# -- the stored event ----------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """An append-only timeline entry of a launch, with its typed payload."""

    id: int
    launch_id: int
    payload: EventPayload
    claim_id: int | None = None
    created_at: datetime = field(default_factory=utcnow)

    @property
    def kind(self) -> EventKind:
        return self.payload.KIND
