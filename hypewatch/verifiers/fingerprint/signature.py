"""Behavioural signature: fixed prompts at temperature 0, replies embedded.

The embedding model (sentence-transformers, the `ml` extra) is imported
lazily and loaded once per process. A signature is one unit vector per
prompt; two signatures compare by their mean cosine similarity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from hypewatch import embeddings
from hypewatch.verifiers.fingerprint.probes import SELF_ID_PROMPT

#: The self-identification reply is reused as the first signature reply.
SIGNATURE_PROMPTS = (
    SELF_ID_PROMPT,
    "Write a four-line poem about the ocean.",
    "Explain what a hash table is to a ten-year-old, in three sentences.",
)
SIGNATURE_MAX_TOKENS = 96
EMBEDDER_NAME = "all-MiniLM-L6-v2"

Signature = list[list[float]]


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> Signature: ...


def ml_unavailable() -> str | None:
    """Why the behavioural signature cannot run here, or None (checked without importing)."""
    reason = embeddings.unavailable()
    return f"the behavioural signature cannot run: {reason}" if reason else None


def _model() -> Any:
    return embeddings.minilm()


@dataclass
class MiniLMEmbedder:
    name: str = EMBEDDER_NAME

    def embed(self, texts: list[str]) -> Signature:
        vectors = _model().encode(texts, normalize_embeddings=True, show_progress_bar=False)
        return [[float(x) for x in row] for row in vectors]


def default_embedder() -> Embedder | None:
    return None if ml_unavailable() else MiniLMEmbedder()


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def similarity(a: Signature, b: Signature) -> float:
    """Mean cosine similarity prompt by prompt (0 when the shapes differ)."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(_cosine(x, y) for x, y in zip(a, b, strict=True)) / len(a)


@dataclass(frozen=True)
class SignatureMatch:
    label: str | None
    similarities: dict[str, float]
    reason: str


def nearest(
    signature: Signature,
    enrolled: dict[str, Signature],
    *,
    margin: float,
    min_similarity: float,
) -> SignatureMatch:
    """The nearest enrolled reference, if it is close enough and clearly nearest."""
    sims = {label: round(similarity(signature, ref), 4) for label, ref in enrolled.items()}
    if not sims:
        return SignatureMatch(None, sims, "no enrolled references")
    ranked = sorted(sims.items(), key=lambda item: item[1], reverse=True)
    best_label, best = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else -1.0
    if best < min_similarity:
        return SignatureMatch(
            None, sims, f"unknown: nearest {best_label} at {best:.2f} < {min_similarity:.2f}"
        )
    if best - second < margin:
        return SignatureMatch(
            None,
            sims,
            f"unknown: {best_label} ({best:.2f}) and {ranked[1][0]} ({second:.2f}) are "
            f"within the margin {margin:.2f}",
        )
    return SignatureMatch(best_label, sims, f"nearest {best_label} at {best:.2f}")
