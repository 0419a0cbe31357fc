"""What do the published weights contain? Files, headers, sampled tensors, attribution.

`check_weights()` is the whole check behind `hypewatch weights` and the
weights verifier: metadata through `HubClient`, everything else through
Range reads on the guarded client, within a byte budget. With `discovery`,
the candidate bases are searched for on the Hub first (discovery.py) and
narrowed by shape and a probe (selection.py); the verdict says how many
candidates the claimed base was the closest of.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

from hypewatch.models import JSON
from hypewatch.verifiers.weights import configdiff
from hypewatch.verifiers.weights.attribution import (
    LABEL_STATUS,
    CandidateStats,
    decide,
    match_fraction,
)
from hypewatch.verifiers.weights.discovery import (
    CARD,
    CLAIMED,
    GIVEN,
    Discovery,
    DiscoveryOptions,
    discover,
)
from hypewatch.verifiers.weights.hub import HubClient, check_repo_id
from hypewatch.verifiers.weights.inspector import CheckOptions as CheckOptions
from hypewatch.verifiers.weights.inspector import RepoWeights, WeightsInspector
from hypewatch.verifiers.weights.selection import Selection, select

#: Candidates compared when none are searched for (the claim, `--base`, the card).
MAX_CANDIDATES = 8
NO_ALTERNATIVE = "no alternative found on the Hub"


@dataclass
class WeightsReport:
    repo: str
    revision: str
    requested_revision: str | None
    files: list[JSON]
    claimed_base: str | None
    closest_base: str | None
    candidates: list[CandidateStats]
    label: str
    reason: str
    evidence: JSON
    bytes_fetched: int
    total_weight_bytes: int
    requests: int
    seconds: float
    api_requests: int = 0
    scope: str = ""

    def to_json(self) -> JSON:
        return {
            "repo": self.repo,
            "revision": self.revision,
            "requested_revision": self.requested_revision,
            "files": self.files,
            "claimed_base": self.claimed_base,
            "closest_base": self.closest_base,
            "candidates": [candidate_json(c) for c in self.candidates],
            "verdict": self.label,
            "status": str(LABEL_STATUS[self.label]),
            "reason": self.reason,
            "scope": self.scope,
            "evidence": self.evidence,
            "bytes_fetched": self.bytes_fetched,
            "total_weight_bytes": self.total_weight_bytes,
            "requests": self.requests,
            "api_requests": self.api_requests,
            "seconds": round(self.seconds, 3),
        }


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def candidate_json(stats: CandidateStats) -> JSON:
    return {
        "repo": stats.repo,
        "similarity": _round(stats.similarity),
        "identical_files": stats.identical_files,
        "tensors_compared": stats.tensors_compared,
        "rel_diff": _round(stats.rel_diff),
        "p_value": _round(stats.p_value),
        "error": stats.error or None,
    }


def candidate_evidence(
    stats: CandidateStats, target: RepoWeights, other: RepoWeights | None, probe: bool = False
) -> JSON:
    evidence: JSON = {
        "all_weight_files_identical": stats.all_files_identical,
        "values_identical": stats.values_identical,
        "similarity_median_cosine": _round(stats.similarity),
        "similarity_min_cosine": _round(min((c.cosine for c in stats.comparisons), default=None)),
        "rel_diff_median": _round(stats.rel_diff),
        "permutation_p_value": _round(stats.p_value),
        "aligned_row_cosine": _round(stats.aligned_row_cosine),
        "row_match_fraction": _round(match_fraction(stats.comparisons)),
        "rows_compared": stats.rows,
        "tensors": [c.name for c in stats.comparisons][:64],
    }
    if stats.error:
        evidence["error"] = stats.error
    if other is not None:
        evidence["config"] = configdiff.diff(target.config, other.config)
        if not probe:  # a probed candidate's tokenizer config is not read
            evidence["tokenizer"] = configdiff.diff(target.tokenizer, other.tokenizer)
        if other.not_inspected:
            evidence["not_inspected"] = other.not_inspected
    return evidence


def candidate_repos(
    repo: str, claimed: str | None, bases: list[str], card: tuple[str, ...]
) -> Discovery:
    """Without a search: the claimed base, then `bases` (or the card's base_model)."""
    found = Discovery(check_repo_id(repo))
    if claimed:
        found.add(claimed, "claimed base", CLAIMED)
    for name in bases:
        found.add(name, "given", GIVEN)
    for name in [] if bases else card:
        found.add(name, f"card of {repo}", CARD)
    return found


def scope(label: str, compared: int, searched: bool) -> str:
    """What the verdict was tested against, for the reason ("closest of N ...")."""
    if label not in ("consistent", "identical", "inconsistent"):
        return f"{compared} candidate(s) compared"
    if compared <= 1:
        return f"closest of 1: {NO_ALTERNATIVE if searched else 'no other candidate given'}"
    kind = "shape-compatible candidates found on the Hub" if searched else "candidates given"
    return f"closest of {compared} {kind}"


async def _candidates(
    hub: HubClient,
    target: RepoWeights,
    claimed: str | None,
    bases: list[str],
    discovery: DiscoveryOptions | None,
) -> Discovery:
    card = target.snapshot.base_models
    if discovery is None:
        return candidate_repos(target.repo, claimed, bases, card)
    return await asyncio.to_thread(discover, hub, target.repo, claimed, card, bases, discovery)


async def check_weights(
    hub: HubClient,
    client: httpx.AsyncClient,
    repo: str,
    *,
    revision: str | None = None,
    claimed_base: str | None = None,
    bases: list[str] | None = None,
    options: CheckOptions | None = None,
    discovery: DiscoveryOptions | None = None,
) -> WeightsReport:
    """The weights of `repo` at `revision`, attributed among the candidate bases.

    Candidates: the claimed base (`claimed_base`, else the card's base_model),
    then `bases` (else the card's base_model); with `discovery`, also every
    candidate found on the Hub (model tree, family, registry), filtered by shape.

    Raises NotFoundError when `repo` (or the revision) does not exist, HubError
    when the Hub API fails; a candidate that cannot be read is reported, not raised.
    """
    options = options or CheckOptions()
    started = time.monotonic()
    api_calls = hub.calls
    inspector = WeightsInspector(hub, client, options)
    target = await inspector.load(check_repo_id(repo), revision)
    card = target.snapshot.base_models
    claimed = claimed_base or (card[0] if card else None)
    found = await _candidates(hub, target, claimed, list(bases or []), discovery)
    selection = await select(
        inspector,
        target,
        found,
        max_candidates=discovery.max_candidates if discovery else MAX_CANDIDATES,
        sampled=discovery.sampled_candidates if discovery else MAX_CANDIDATES,
        tolerance=discovery.parameter_tolerance if discovery else 1.0,
    )
    stats = selection.stats
    claimed_stats = next((s for s in stats if claimed and s.repo.lower() == claimed.lower()), None)
    label, best, reason = decide(claimed_stats, stats, options.alpha)
    if not target.tensors and label == "inconclusive":
        reason = "no safetensors weights could be read from the repo"
    tested = scope(label, selection.compared, discovery is not None)
    return WeightsReport(
        repo=target.repo,
        revision=target.snapshot.revision,
        requested_revision=revision,
        files=[f.to_json() for f in target.snapshot.files],
        claimed_base=claimed,
        closest_base=best.repo if best else None,
        candidates=[*stats, *selection.probes],
        label=label,
        reason=f"{reason}; {tested}",
        scope=tested,
        evidence=_evidence(f"{reason}; {tested}", options, inspector, target, found, selection),
        bytes_fetched=inspector.bytes_fetched,
        total_weight_bytes=target.snapshot.total_weight_bytes,
        requests=inspector.reader.requests,
        api_requests=hub.calls - api_calls,
        seconds=time.monotonic() - started,
    )


def _evidence(
    reason: str,
    options: CheckOptions,
    inspector: WeightsInspector,
    target: RepoWeights,
    found: Discovery,
    selection: Selection,
) -> JSON:
    loaded = selection.loaded
    candidates = {
        s.repo: candidate_evidence(s, target, loaded.get(s.repo)) for s in selection.stats
    }
    for s in selection.probes:
        candidates[s.repo] = candidate_evidence(s, target, loaded.get(s.repo), probe=True)
    return {
        "reason": reason,
        "alpha": options.alpha,
        "seed": inspector.seed,
        "card_base_models": list(target.snapshot.base_models),
        "not_inspected": target.not_inspected,
        "tensors_in_repo": len(target.tensors),
        "config": target.config,
        "tokenizer": target.tokenizer,
        "closest_of": selection.compared,
        "discovery": found.to_json(),
        "discovery_notes": found.notes,
        "candidates": candidates,
    }
