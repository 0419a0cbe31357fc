"""Statistics that attribute sampled weights to a base model, and the verdict label.

For each compared tensor both repos give the same sampled block: the same
rows (hidden units), the same column window, as a (rows x width) matrix.

* cosine of the flattened samples and the relative norm of the difference
  `|a - b| / |b|`: how close the weights are;
* a permutation test in the spirit of Zhu et al. 2025 ("Independence tests
  for language models"): if two models were trained independently, the
  order of one model's hidden units is exchangeable, so matching row i of
  one with row i of the other is no better than matching it with a random
  row. The statistic is the mean cosine of aligned rows; its null
  distribution comes from permuting the rows of each tensor independently.
  The p-value is exact under that exchangeability assumption;
* a paired sign test over rows: is candidate X closer than candidate Y on
  more rows than chance allows? That separates a base from its sibling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hypewatch.models import VerdictStatus

FloatArray = npt.NDArray[np.float32]
PERMUTATIONS = 999
#: Fewer aligned rows than this cannot show independence convincingly.
MIN_ROWS_FOR_UNRELATED = 16

LABEL_STATUS = {
    "consistent": VerdictStatus.REPLICATED,
    "identical": VerdictStatus.REPLICATED,
    "inconsistent": VerdictStatus.FAILED,
    "unrelated": VerdictStatus.FAILED,
    "inconclusive": VerdictStatus.INCONCLUSIVE,
}


def _unit_rows(m: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    unit: npt.NDArray[np.float64] = np.divide(m, norms, out=np.zeros_like(m), where=norms > 0)
    return unit


def cosine(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
    denom = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a.ravel(), b.ravel()) / denom) if denom > 0 else 0.0


@dataclass(frozen=True)
class TensorComparison:
    """One tensor of the checked repo against the same tensor of a candidate."""

    name: str
    cosine: float
    rel_diff: float
    row_cosines: npt.NDArray[np.float64]  # rows x rows: checked row i vs candidate row j
    row_rel_diff: npt.NDArray[np.float64]  # per aligned row
    exact: bool


def compare_tensor(name: str, a: FloatArray, b: FloatArray) -> TensorComparison:
    """Compare sample `a` (the checked repo) with sample `b` (a candidate) of one tensor."""
    x, y = a.astype(np.float64), b.astype(np.float64)
    if x.shape != y.shape:
        raise ValueError(f"{name}: samples differ in shape {x.shape} vs {y.shape}")
    y_norm = float(np.linalg.norm(y))
    diff = float(np.linalg.norm(x - y))
    rel = diff / y_norm if y_norm > 0 else (0.0 if diff == 0 else math.inf)
    row_norms = np.linalg.norm(y, axis=1)
    row_diffs = np.linalg.norm(x - y, axis=1)
    row_rel = np.divide(
        row_diffs, row_norms, out=np.full_like(row_diffs, np.inf), where=row_norms > 0
    )
    row_rel[(row_norms == 0) & (row_diffs == 0)] = 0.0
    sims = _unit_rows(x) @ _unit_rows(y).T
    return TensorComparison(name, cosine(x, y), rel, sims, row_rel, bool(np.array_equal(x, y)))


def permutation_pvalue(
    comparisons: list[TensorComparison], rng: np.random.Generator, permutations: int = PERMUTATIONS
) -> tuple[float, float, int]:
    """(p-value, mean aligned-row cosine, rows used) of the row-alignment permutation test."""
    usable = [c.row_cosines for c in comparisons if c.row_cosines.shape[0] >= 2]
    rows = sum(s.shape[0] for s in usable)
    if rows == 0:
        return 1.0, 0.0, 0
    observed = sum(float(np.trace(s)) for s in usable) / rows
    null = np.zeros(permutations)
    for sims in usable:
        n = sims.shape[0]
        perms = rng.permuted(np.tile(np.arange(n), (permutations, 1)), axis=1)
        null += sims[np.arange(n), perms].sum(axis=1)
    null /= rows
    exceed = int(np.count_nonzero(null >= observed - 1e-12))
    return (1 + exceed) / (1 + permutations), observed, rows


def match_fraction(comparisons: list[TensorComparison]) -> float:
    """Share of sampled rows whose most similar candidate row is the aligned one."""
    hits = total = 0
    for c in comparisons:
        n = c.row_cosines.shape[0]
        if n < 2:
            continue
        hits += int(np.count_nonzero(np.argmax(c.row_cosines, axis=1) == np.arange(n)))
        total += n
    return hits / total if total else 0.0


def sign_test(closer: npt.NDArray[np.float64], farther: npt.NDArray[np.float64]) -> float:
    """One-sided p-value that `closer` is smaller than `farther` on more rows than chance."""
    wins = int(np.count_nonzero(closer < farther))
    n = wins + int(np.count_nonzero(closer > farther))
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(wins, n + 1))
    return float(tail / 2**n)


@dataclass
class CandidateStats:
    """Everything measured about one candidate base."""

    repo: str
    identical_files: int = 0
    all_files_identical: bool = False
    comparisons: list[TensorComparison] = field(default_factory=list)
    p_value: float = 1.0
    aligned_row_cosine: float = 0.0
    rows: int = 0
    error: str = ""

    @property
    def tensors_compared(self) -> int:
        return len(self.comparisons)

    @property
    def similarity(self) -> float | None:
        if self.all_files_identical:
            return 1.0
        if not self.comparisons:
            return None
        return float(np.median([c.cosine for c in self.comparisons]))

    @property
    def rel_diff(self) -> float | None:
        if self.all_files_identical:
            return 0.0
        if not self.comparisons:
            return None
        return float(np.median([c.rel_diff for c in self.comparisons]))

    @property
    def values_identical(self) -> bool:
        return self.all_files_identical or (
            bool(self.comparisons) and all(c.exact for c in self.comparisons)
        )

    def related(self, alpha: float) -> bool:
        return self.all_files_identical or (self.tensors_compared > 0 and self.p_value < alpha)

    def row_diffs(self, names: set[str]) -> npt.NDArray[np.float64]:
        parts = [c.row_rel_diff for c in self.comparisons if c.name in names]
        return np.concatenate(parts) if parts else np.zeros(0)


def closest(stats: list[CandidateStats], alpha: float) -> CandidateStats | None:
    """The related candidate with the highest similarity (identical files first)."""
    related = [s for s in stats if s.related(alpha)]
    if not related:
        return None
    return max(related, key=lambda s: (s.all_files_identical, s.similarity or -1.0))


def closer_pvalue(best: CandidateStats, other: CandidateStats) -> float:
    """Sign test over rows of tensors both compared: is `best` closer than `other`?"""
    if best.all_files_identical and not other.all_files_identical:
        return 0.0
    shared = {c.name for c in best.comparisons} & {c.name for c in other.comparisons}
    return sign_test(best.row_diffs(shared), other.row_diffs(shared))


def decide(
    claimed: CandidateStats | None, stats: list[CandidateStats], alpha: float
) -> tuple[str, CandidateStats | None, str]:
    """(label, closest candidate, the reason in one sentence)."""
    best = closest(stats, alpha)
    if claimed is None:
        identical = next((s for s in stats if s.values_identical), None)
        if identical is not None:
            return "identical", best, f"weights are identical to {identical.repo}"
        return "inconclusive", best, "no base model is claimed, so there is nothing to check"
    if claimed.error:
        return "inconclusive", best, f"claimed base {claimed.repo}: {claimed.error}"
    if claimed.values_identical:
        return "identical", claimed, f"weights are identical to the claimed base {claimed.repo}"
    if claimed.tensors_compared == 0:
        return "inconclusive", best, f"no tensor of the same name and shape as {claimed.repo}"
    if not claimed.related(alpha):
        if claimed.rows < MIN_ROWS_FOR_UNRELATED:
            return "inconclusive", best, f"too few rows compared ({claimed.rows}) to decide"
        return (
            "unrelated",
            best,
            f"no sign of derivation from {claimed.repo} (permutation p={claimed.p_value:.3g})",
        )
    if best is not None and best.repo != claimed.repo:
        p = closer_pvalue(best, claimed)
        if p < alpha:
            return (
                "inconsistent",
                best,
                f"derived from {best.repo}, which is closer than the claimed {claimed.repo} "
                f"(sign test over rows p={p:.3g})",
            )
        return (
            "inconclusive",
            best,
            f"derived from the claimed {claimed.repo} or from {best.repo}: the samples cannot "
            f"tell which is closer (sign test over rows p={p:.3g})",
        )
    return "consistent", claimed, f"derived from the claimed base {claimed.repo}"
