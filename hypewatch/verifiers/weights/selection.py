"""From the candidates found to the few sampled in full, cheapest test first.

1. the Hub's metadata (architecture, parameter count): no file read;
2. config.json and the safetensors headers of the first `max_candidates`;
3. a probe (a few tensors) of every shape-compatible candidate when there are
   more than `sampled_candidates` of them; the closest by the probe are kept;
4. the full sample (`max_tensors`) of the claimed base and the kept ones.

The claimed base is never dropped: whatever its shape it is compared (and an
incomparable claimed base makes the verdict inconclusive, not a pass). Every
candidate ends `dropped` or `compared` with the reason, for the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypewatch.storage import NotFoundError
from hypewatch.verifiers.weights import shapes
from hypewatch.verifiers.weights.attribution import CandidateStats
from hypewatch.verifiers.weights.discovery import CLAIMED, Candidate, Discovery
from hypewatch.verifiers.weights.hub import HubError
from hypewatch.verifiers.weights.inspector import RepoWeights, WeightsInspector, comparable

#: Tensors a probe samples (of `max_tensors` in a full comparison).
PROBE_SHARE = 6
MIN_PROBE_TENSORS = 3


@dataclass
class Selection:
    stats: list[CandidateStats] = field(default_factory=list)  # sampled in full
    probes: list[CandidateStats] = field(default_factory=list)  # probed, not kept
    loaded: dict[str, RepoWeights] = field(default_factory=dict)

    @property
    def compared(self) -> int:
        """Candidates whose tensors were compared (the N of "closest of N")."""
        both = [*self.stats, *self.probes]
        return sum(1 for s in both if s.tensors_compared or s.all_files_identical)


def _describe(stats: CandidateStats) -> str:
    if stats.all_files_identical:
        return "every weight file identical"
    similarity = "-" if stats.similarity is None else f"{stats.similarity:.4f}"
    return (
        f"similarity {similarity}, permutation p={stats.p_value:.3g} over "
        f"{stats.tensors_compared} tensors"
    )


def metadata_filter(
    found: Discovery, target: RepoWeights, max_candidates: int, tolerance: float
) -> list[Candidate]:
    """Candidates left after the Hub's metadata, claimed base first, at most `max_candidates`
    besides it."""
    kept: list[Candidate] = []
    for candidate in found.ordered():
        if candidate.status != "found":
            continue
        if candidate.rank != CLAIMED:
            why = shapes.meta_mismatch(target.shape, target.parameters, candidate.meta, tolerance)
            if why:
                candidate.drop(f"shape (Hub metadata): {why}")
                continue
            if sum(1 for k in kept if k.rank != CLAIMED) >= max_candidates:
                candidate.drop(f"beyond the first {max_candidates} compatible candidates")
                continue
        kept.append(candidate)
    return kept


async def _load(
    inspector: WeightsInspector, target: RepoWeights, candidate: Candidate
) -> RepoWeights | CandidateStats | None:
    """The candidate's files and headers; its failure as stats (claimed) or a drop (others)."""
    try:
        weights = await inspector.load(candidate.repo, tokenizer=False)
    except (NotFoundError, HubError, ValueError) as error:
        if candidate.rank == CLAIMED:
            candidate.status, candidate.reason = "compared", f"cannot be read: {error}"
            return CandidateStats(candidate.repo, error=str(error))
        candidate.drop(f"cannot be read: {error}")
        return None
    if candidate.rank == CLAIMED:
        return weights
    if not weights.tensors:
        unread = next(iter(weights.not_inspected.values()), "no safetensors weights")
        candidate.drop(f"no safetensors header could be read ({unread})")
        return None
    eligible = len(comparable(target, target))
    mismatch = shapes.config_mismatch(target.shape, weights.shape) or shapes.header_mismatch(
        len(comparable(target, weights)), eligible
    )
    if mismatch:
        candidate.drop(f"shape: {mismatch}")
        return None
    return weights


async def select(
    inspector: WeightsInspector,
    target: RepoWeights,
    found: Discovery,
    *,
    max_candidates: int,
    sampled: int,
    tolerance: float,
) -> Selection:
    """Filter, probe and compare the discovered candidates (see the module doc)."""
    selection = Selection()
    kept = metadata_filter(found, target, max_candidates, tolerance)
    ready: list[tuple[Candidate, RepoWeights]] = []
    for candidate in kept:
        # One at a time, in rank order: concurrent loads would race for the byte budget, and
        # which candidate a tight budget drops would depend on which reply came first.
        result = await _load(inspector, target, candidate)
        if isinstance(result, CandidateStats):
            selection.stats.append(result)
        elif result is not None:
            selection.loaded[result.repo] = result
            ready.append((candidate, result))
    claimed = [(c, w) for c, w in ready if c.rank == CLAIMED]
    others = [(c, w) for c, w in ready if c.rank != CLAIMED]
    if len(others) > sampled:
        others = await _probe(inspector, target, others, sampled, selection)
    finalists = claimed + others
    for _, weights in finalists:
        await inspector.load_tokenizer(weights)
    for index, (candidate, weights) in enumerate(finalists):
        allowance = inspector.reader.remaining // (len(finalists) - index)
        stats = await inspector.compare(target, weights, allowance)
        selection.stats.append(stats)
        candidate.status, candidate.reason = "compared", f"sampled: {_describe(stats)}"
    return selection


async def _probe(
    inspector: WeightsInspector,
    target: RepoWeights,
    others: list[tuple[Candidate, RepoWeights]],
    sampled: int,
    selection: Selection,
) -> list[tuple[Candidate, RepoWeights]]:
    """A few tensors of each; the `sampled` closest related ones go on to the full sample."""
    options = inspector.options
    tensors = max(MIN_PROBE_TENSORS, options.max_tensors // PROBE_SHARE)
    allowance = inspector.reader.remaining // (2 * len(others) + sampled + 1)
    probed = []
    for candidate, weights in others:
        probed.append((await inspector.compare(target, weights, allowance, tensors), candidate))
    order = sorted(
        range(len(others)),
        key=lambda i: (probed[i][0].related(options.alpha), probed[i][0].similarity or -1.0),
        reverse=True,
    )
    keep = set(order[:sampled])
    for i, (stats, candidate) in enumerate(probed):
        if i not in keep:
            selection.probes.append(stats)
            candidate.status = "compared"
            candidate.reason = f"probe: {_describe(stats)}; not among the {sampled} closest"
    return [others[i] for i in sorted(keep)]
