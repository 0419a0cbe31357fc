"""Combine the probes into one verdict with a stated confidence.

Tokenizer probes score every reference in [0, 1]; their weighted mean is the
reference's `tokenizer_scores` entry, and the best reference is the match when
it scores at least MATCH_SCORE and leads the next by MATCH_MARGIN. Each piece
of evidence then votes, signed (+ consistent with the claim, - not):

    tokenizer is the claimed one          +1.0
    tokenizer is another reference        -1.0
    claimed tokenizer ruled out           -0.8   (nothing else matched either)
    a vendor/model name scrubbed          -0.6
    behaves like the claimed (enrolled)   +0.5 / -0.5 when nearest another
    self-identification                   +-0.15 (weak: models misname themselves)

Sum >= +0.5 is `consistent`, <= -0.5 `inconsistent`, anything between
`inconclusive`; the confidence is min(1, |sum|).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypewatch.models import JSON
from hypewatch.verifiers.fingerprint.probes import ScrubResult, SelfIdResult, vendor_groups
from hypewatch.verifiers.fingerprint.signature import Signature, SignatureMatch

MATCH_SCORE = 0.9
MATCH_MARGIN = 0.1
DECIDE_AT = 0.5
W_TOKENIZER, W_RULED_OUT, W_SCRUB, W_SIGNATURE, W_SELF_ID = 1.0, 0.8, 0.6, 0.5, 0.15

CONSISTENT, INCONSISTENT, INCONCLUSIVE = "consistent", "inconsistent", "inconclusive"


@dataclass(frozen=True)
class TokenizerProbe:
    """One tokenizer probe's scores for every reference and how much it counts."""

    probe: str
    scores: dict[str, float]
    weight: float
    summary: str
    details: JSON = field(default_factory=dict)


@dataclass(frozen=True)
class Evidence:
    probe: str
    result: str
    weight: float
    supports: str = "neither"
    details: JSON = field(default_factory=dict)

    @property
    def signed(self) -> float:
        sign = {CONSISTENT: 1.0, INCONSISTENT: -1.0}.get(self.supports, 0.0)
        return sign * self.weight

    def to_json(self) -> JSON:
        return {
            "probe": self.probe,
            "result": self.result,
            "weight": self.weight,
            "supports": self.supports,
            "details": self.details,
        }


@dataclass
class Findings:
    """Everything a probing session gathered, before judgement."""

    endpoint: str
    claimed_model: str
    claimed_tokenizer: str | None
    labels: list[str]
    tokenizer_probes: list[TokenizerProbe] = field(default_factory=list)
    scrub: ScrubResult | None = None
    self_id: SelfIdResult | None = None
    signature: Signature | None = None
    signature_match: SignatureMatch | None = None
    errors: list[str] = field(default_factory=list)
    notes: list[Evidence] = field(default_factory=list)
    queries: int = 0
    seconds: float = 0.0
    descriptions: dict[str, str] = field(default_factory=dict)  # label -> "label (group, note)"
    default_groups: frozenset[str] = frozenset()  # labels of shipped default groups


@dataclass
class FingerprintResult:
    endpoint: str
    claimed_model: str
    claimed_tokenizer: str | None
    tokenizer_match: str | None
    tokenizer_scores: dict[str, float]
    verdict: str
    confidence: float
    reason: str
    queries: int
    seconds: float
    evidence: list[Evidence]
    scrubbed: list[str] = field(default_factory=list)
    signature_match: str | None = None
    signature: Signature | None = None
    errors: list[str] = field(default_factory=list)
    tokenizer_informative: bool = False

    def to_json(self) -> JSON:
        return {
            "endpoint": self.endpoint,
            "claimed_model": self.claimed_model,
            "claimed_tokenizer": self.claimed_tokenizer,
            "tokenizer_match": self.tokenizer_match,
            "tokenizer_scores": self.tokenizer_scores,
            "verdict": self.verdict,
            "confidence": self.confidence,
            "reason": self.reason,
            "queries": self.queries,
            "seconds": round(self.seconds, 3),
            "scrubbed": self.scrubbed,
            "signature_match": self.signature_match,
            "tokenizer_informative": self.tokenizer_informative,
            "errors": self.errors,
            "evidence": [e.to_json() for e in self.evidence],
        }


def _mean_score(label: str, used: list[TokenizerProbe]) -> float:
    """Weighted mean over the probes that scored `label` (an enrolled usage-count
    reference has no token boundaries, so stream and truncation skip it)."""
    scored = [p for p in used if label in p.scores]
    total = sum(p.weight for p in scored)
    return round(sum(p.weight * p.scores[label] for p in scored) / total, 4) if total else 0.0


def combine_tokenizer(
    probes: list[TokenizerProbe], labels: list[str], descriptions: dict[str, str] | None = None
) -> tuple[dict[str, float], str | None, str]:
    """Weighted mean score per reference, and the match (or why there is none)."""
    used = [p for p in probes if p.weight > 0]
    said = descriptions or {}
    if not labels:
        return {}, None, "no reference tokenizers given"
    if not used:
        return dict.fromkeys(labels, 0.0), None, "no tokenizer probe was informative"
    scores = {label: _mean_score(label, used) for label in labels}
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    best_label, best = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    if best < MATCH_SCORE:
        return scores, None, f"no reference fits (best {best_label} at {best:.2f})"
    if best - second < MATCH_MARGIN:
        return scores, None, f"{best_label} and {ranked[1][0]} fit equally well"
    name = said.get(best_label, best_label)
    return scores, best_label, f"{name} fits ({best:.2f}; next {second:.2f})"


def _tokenizer_vote(f: Findings, scores: dict[str, float], match: str | None, why: str) -> Evidence:
    claimed = f.claimed_tokenizer
    details: JSON = {"scores": scores}
    if match is not None and claimed is None:
        return Evidence("tokenizer", f"{why}; no tokenizer was claimed", 0.0, details=details)
    if claimed is not None and claimed not in f.labels:
        return _unloaded_claim_vote(f, claimed, match, why, details)
    if match is not None and match == claimed:
        return Evidence("tokenizer", f"claimed {claimed}: {why}", W_TOKENIZER, CONSISTENT, details)
    if match is not None:
        return Evidence(
            "tokenizer", f"claimed {claimed}, but {why}", W_TOKENIZER, INCONSISTENT, details
        )
    informative = any(p.weight > 0 for p in f.tokenizer_probes)
    if claimed is not None and informative and scores.get(claimed, 0.0) < 0.5:
        return Evidence(
            "tokenizer",
            f"claimed {claimed} is ruled out (score {scores.get(claimed, 0.0):.2f}); {why}",
            W_RULED_OUT,
            INCONSISTENT,
            details,
        )
    return Evidence("tokenizer", f"undecided: {why}", 0.0, details=details)


def _unloaded_claim_vote(
    f: Findings, claimed: str, match: str | None, why: str, details: JSON
) -> Evidence:
    """The claimed family is a default group with no reference here (a Hub-only one,
    offline). Default groups are distinct tokenizers: another one's fit contradicts it."""
    if match is not None and match in f.default_groups:
        result = f"claimed {claimed} (no reference here), but {why}"
        return Evidence("tokenizer", result, W_TOKENIZER, INCONSISTENT, details)
    result = f"undecided: {why}; claimed {claimed} has no reference here"
    return Evidence("tokenizer", result, 0.0, details=details)


def _scrub_vote(scrub: ScrubResult) -> Evidence:
    details: JSON = {
        "returned": scrub.returned,
        "missing": scrub.missing,
        "not_reached": scrub.not_reached,
    }
    if not scrub.informative:
        return Evidence(
            "scrubbed_words",
            f"endpoint did not repeat the list ({len(scrub.returned)} of "
            f"{len(scrub.returned) + len(scrub.missing)} names came back); no conclusion",
            0.0,
            details=details,
        )
    if scrub.missing:
        return Evidence(
            "scrubbed_words",
            f"never came back: {', '.join(scrub.missing)} (repeated everything else)",
            W_SCRUB,
            INCONSISTENT,
            details,
        )
    return Evidence("scrubbed_words", "every name came back", 0.0, details=details)


def _self_id_vote(f: Findings, self_id: SelfIdResult) -> Evidence:
    claimed = vendor_groups(f"{f.claimed_model} {f.claimed_tokenizer or ''}")
    said = set(self_id.groups)
    details: JSON = {"reply": self_id.reply[:300], "named": sorted(said)}
    if not said:
        return Evidence("self_identification", "named no known vendor (weak)", 0.0, details=details)
    if not claimed:
        result = f"says it is from {', '.join(sorted(said))} (weak; claim names no vendor)"
        return Evidence("self_identification", result, 0.0, details=details)
    if said & claimed:
        result = f"names {', '.join(sorted(said))}, as claimed (weak)"
        return Evidence("self_identification", result, W_SELF_ID, CONSISTENT, details)
    result = f"names {', '.join(sorted(said))}, not {', '.join(sorted(claimed))} (weak)"
    return Evidence("self_identification", result, W_SELF_ID, INCONSISTENT, details)


def _claimed_label(f: Findings, labels: list[str]) -> str | None:
    wanted = {x.casefold() for x in (f.claimed_model, f.claimed_tokenizer or "") if x}
    return next((label for label in labels if label.casefold() in wanted), None)


def _signature_vote(f: Findings, match: SignatureMatch) -> Evidence:
    details: JSON = {"similarities": match.similarities}
    claimed = _claimed_label(f, list(match.similarities))
    if match.label is None:
        return Evidence("signature", match.reason, 0.0, details=details)
    if claimed is None:
        result = f"behaves like {match.label} ({match.reason}); the claim is not enrolled"
        return Evidence("signature", result, 0.0, details=details)
    supports = CONSISTENT if match.label == claimed else INCONSISTENT
    result = f"behaves like {match.label}; claimed {claimed} ({match.reason})"
    return Evidence("signature", result, W_SIGNATURE, supports, details)


def decide(f: Findings) -> FingerprintResult:
    scores, match, why = combine_tokenizer(f.tokenizer_probes, f.labels, f.descriptions)
    evidence: list[Evidence] = [
        Evidence(p.probe, p.summary, round(p.weight, 3), details={"scores": p.scores, **p.details})
        for p in f.tokenizer_probes
    ]
    votes = [_tokenizer_vote(f, scores, match, why)] if f.labels else []
    if f.scrub is not None:
        votes.append(_scrub_vote(f.scrub))
    if f.self_id is not None:
        votes.append(_self_id_vote(f, f.self_id))
    if f.signature_match is not None:
        votes.append(_signature_vote(f, f.signature_match))
    evidence += votes + f.notes
    total = sum(v.signed for v in votes)
    verdict, reason = _verdict(total, votes, f)
    return FingerprintResult(
        endpoint=f.endpoint,
        claimed_model=f.claimed_model,
        claimed_tokenizer=f.claimed_tokenizer,
        tokenizer_match=match,
        tokenizer_scores=scores,
        verdict=verdict,
        confidence=round(min(1.0, abs(total)), 2) if verdict != INCONCLUSIVE else 0.0,
        reason=reason,
        queries=f.queries,
        seconds=f.seconds,
        evidence=evidence,
        scrubbed=list(f.scrub.missing) if f.scrub and f.scrub.informative else [],
        signature_match=f.signature_match.label if f.signature_match else None,
        signature=f.signature,
        errors=f.errors,
        tokenizer_informative=any(p.weight > 0 for p in f.tokenizer_probes),
    )


def _verdict(total: float, votes: list[Evidence], f: Findings) -> tuple[str, str]:
    decisive = [v for v in votes if v.signed != 0]
    if total >= DECIDE_AT:
        return CONSISTENT, "; ".join(v.result for v in decisive if v.signed > 0)
    if total <= -DECIDE_AT:
        return INCONSISTENT, "; ".join(v.result for v in decisive if v.signed < 0)
    if not decisive and f.errors and f.queries and len(f.errors) >= f.queries:
        return INCONCLUSIVE, f"every request failed: {_summarise_errors(f.errors)}"
    if decisive:
        return INCONCLUSIVE, "conflicting evidence: " + "; ".join(v.result for v in decisive)
    parts = [v.result for v in votes if v.probe == "tokenizer"] or ["no probe decided"]
    if f.claimed_tokenizer is None and f.labels:
        parts.append("pass --claimed-tokenizer to test the tokenizer against a claim")
    if f.errors:
        parts.append(f"errors: {_summarise_errors(f.errors)}")
    return INCONCLUSIVE, "; ".join(parts)


def _summarise_errors(errors: list[str]) -> str:
    unique: dict[str, int] = {}
    for error in errors:
        unique[error] = unique.get(error, 0) + 1
    return "; ".join(f"{e} (x{n})" if n > 1 else e for e, n in list(unique.items())[:3])
