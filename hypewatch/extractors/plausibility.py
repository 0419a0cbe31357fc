"""Extraordinary claims and hype: what the verification queue should look at first.

Flags: a score above its benchmark's label-noise ceiling, a score above the
best verified (replicated) score in the database for the model's size class,
superlative language. Hype comes from engagement. `priority()` combines them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from hypewatch.extractors import gates, registry
from hypewatch.storage import Store

ABOVE_CEILING = "above_noise_ceiling"
ABOVE_VERIFIED = "above_best_verified"
SUPERLATIVE = "superlative"

_SUPERLATIVE = gates.compile(
    r"\bbest\s+(?:open[- ]?(?:source|weights?)\s+)?(?:\w+\s+){0,2}(?:model|llm)s?\s+"
    r"in\s+the\s+world\b|"
    # `the best open model of its size`, `best-in-class`
    r"\bbest\s+(?:[\w-]+\s+){0,3}?(?:model|llm)s?\s+(?:of|in|for)\s+(?:its|their)\s+"
    r"(?:size|class|weight)\b|\bbest[- ]in[- ]class\b|"
    r"\bworld'?s\s+(?:best|top|most\s+powerful|smartest|strongest)\b|"
    r"\b(?:beats?|beating|outperform(?:s|ing)?|surpass(?:es|ing)?|crush(?:es|ing)?)\s+"
    r"(?:every|all|each)\b|\bstate[- ]of[- ]the[- ]art\b|\bsota\b|\bbest\b.{0,40}?\bever\b|"
    r"(?<!\w)#1\b|\bnumber\s+one\b|\bunbeatable\b|\bsmartest\b|\bmost\s+(?:powerful|capable|intelligent)\b|"
    r"\bstrongest\b|\bno\s+other\s+model\b|\bfrontier[- ]level\b",
    re.I | re.S,
)
_SIZE_CLASSES: tuple[tuple[float, str], ...] = (
    (4.0, "<4B"),
    (15.0, "4-15B"),
    (40.0, "15-40B"),
    (100.0, "40-100B"),
    (300.0, "100-300B"),
    (math.inf, ">300B"),
)
_ENGAGEMENT_WEIGHTS: dict[str, float] = {
    "like_count": 1.0,
    "likes": 1.0,
    "favorite_count": 1.0,
    "retweet_count": 2.0,
    "repost_count": 2.0,
    "quote_count": 2.0,
    "reply_count": 1.5,
    "score": 1.0,
    "ups": 1.0,
    "num_comments": 1.5,
    "downloads": 0.05,
    "impression_count": 0.01,
    "views": 0.01,
    "bookmark_count": 1.0,
}


_SUPERLATIVE_GATE = (
    "best",
    "world",
    "every",
    "all ",
    "each",
    "state",
    "sota",
    "#1",
    "number one",
    "unbeatable",
    "smartest",
    "most ",
    "strongest",
    "no other",
    "frontier",
)


def superlative(text: str) -> bool:
    low = text[:20000].lower()
    return any(w in low for w in _SUPERLATIVE_GATE) and _SUPERLATIVE.search(low) is not None


def ceiling_flags(benchmark: str, value: float) -> list[str]:
    """`above_noise_ceiling` when a score exceeds what the benchmark's label noise allows."""
    found = registry.BY_ID.get(benchmark)
    if found is not None and found.noise_ceiling is not None and value > found.noise_ceiling:
        return [ABOVE_CEILING]
    return []


def size_class(params_b: float | None) -> str:
    if params_b is None:
        return "unknown"
    return next(label for limit, label in _SIZE_CLASSES if params_b < limit)


def best_verified(store: Store, benchmark: str, params_b: float | None) -> float | None:
    """The best replicated score on a benchmark among models of the same size class
    (all sizes when the size is unknown)."""
    rows = store.replicated_scores(benchmark)
    wanted = size_class(params_b)
    values = [
        value for value, params in rows if wanted == "unknown" or size_class(params) == wanted
    ]
    return max(values) if values else None


def store_flags(
    store: Store, scores: Iterable[tuple[str, float]], params_b: float | None, margin: float = 1.0
) -> dict[str, list[str]]:
    """`above_best_verified` for each benchmark whose claimed value beats every replicated
    score of its size class by more than `margin` (benchmark units)."""
    flags: dict[str, list[str]] = {}
    for benchmark, value in scores:
        best = best_verified(store, benchmark, params_b)
        if best is not None and value > best + margin:
            flags.setdefault(benchmark, []).append(ABOVE_VERIFIED)
    return flags


def hype_score(engagement: Mapping[str, Any]) -> float:
    """log10(1 + weighted engagement): 0 for nothing, ~3 for a thousand likes, ~5 viral."""
    total = 0.0
    for key, weight in _ENGAGEMENT_WEIGHTS.items():
        raw = engagement.get(key)
        if isinstance(raw, int | float) and not isinstance(raw, bool) and raw > 0:
            total += weight * float(raw)
    metrics = engagement.get("public_metrics")
    if isinstance(metrics, Mapping):
        total += 10 ** hype_score(metrics) - 1
    return round(math.log10(1.0 + total), 4)


def extraordinariness(flags: Iterable[str]) -> float:
    """1 for an ordinary claim; more for each reason to doubt it."""
    weights = {ABOVE_CEILING: 3.0, ABOVE_VERIFIED: 2.0, SUPERLATIVE: 1.0}
    seen = {flag.split(":", 1)[0] for flag in flags}
    return 1.0 + sum(w for name, w in weights.items() if name in seen)


def priority(flags: Iterable[str], hype: float) -> float:
    """The verification queue's order: extraordinariness times (1 + hype)."""
    return round(extraordinariness(flags) * (1.0 + max(0.0, hype)), 4)
