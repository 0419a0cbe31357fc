"""Small helpers shared by the extractor tests."""

from __future__ import annotations

from hypewatch.extractors.extractor import Extraction


def scores_of(found: Extraction) -> dict[str, float]:
    """An extraction's scores as `{benchmark id: value}`."""
    return {s.benchmark: s.value for s in found.scores}
