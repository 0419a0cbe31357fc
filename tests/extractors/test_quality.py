"""Quality regression: the extractor keeps F1 >= 0.95 on the dev and both held-out sets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hypewatch.extractors.extractor import Extractor

DATA = Path(__file__).resolve().parents[1] / "data"


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0


def _scores(extractor: Extractor, posts: list[dict[str, Any]]) -> tuple[float, float]:
    tp = fp = fn = ctp = cfp = cfn = 0
    for post in posts:
        got = extractor.extract(post["text"], post["source"], post["id"]).to_json()
        want = post["expected"]
        g = {(s["benchmark"], round(float(s["value"]), 2)) for s in got["scores"]}
        w = {(s["benchmark"], round(float(s["value"]), 2)) for s in want["scores"]}
        tp, fp, fn = tp + len(g & w), fp + len(g - w), fn + len(w - g)
        ctp += got["is_claim"] and want["is_claim"]
        cfp += got["is_claim"] and not want["is_claim"]
        cfn += want["is_claim"] and not got["is_claim"]
    return _f1(tp, fp, fn), _f1(ctp, cfp, cfn)


@pytest.mark.parametrize(
    "name", ["extraction_dev.jsonl", "extraction_heldout.jsonl", "extraction_heldout2.jsonl"]
)
def test_f1_at_least_095(extractor: Extractor, name: str) -> None:
    lines = (DATA / name).read_text().splitlines()
    posts = [json.loads(line) for line in lines if line.strip()]
    assert len(posts) >= 60
    triple_f1, claim_f1 = _scores(extractor, posts)
    assert triple_f1 >= 0.95, f"{name}: (post, benchmark, value) F1 {triple_f1:.3f}"
    assert claim_f1 >= 0.95, f"{name}: claim detection F1 {claim_f1:.3f}"
