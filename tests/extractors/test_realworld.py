"""Quality on texts labs and communities really published (not part of the project).

The hand-labeled texts live in `shared/realworld/` beside the repository (see its
README for how scores are matched); this test is skipped, saying why, where that
folder is absent. It prints the misses counted by kind (run with `-s` to see them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hypewatch.extractors.evaluate import Report, evaluate, score_text
from hypewatch.extractors.extractor import Extractor

REAL = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "realworld" / "launch-texts-dev.jsonl"
)


@pytest.fixture(scope="module")
def posts() -> list[dict[str, object]]:
    if not REAL.exists():
        pytest.skip(f"real launch texts not found at {REAL.resolve()} (kept outside the project)")
    return [json.loads(line) for line in REAL.read_text().splitlines() if line.strip()]


def test_real_launch_texts(extractor: Extractor, posts: list[dict[str, object]]) -> None:
    report = evaluate(extractor, posts)
    summary = report.to_json()
    print(f"\nreal texts: {json.dumps(summary)}")
    print("\n".join(report.misses))
    triples, claims = report.triples, report.claims
    assert triples.precision >= 0.95, f"triple precision {triples.precision:.3f}"
    assert triples.f1 >= 0.95, f"triple F1 {triples.f1:.3f}; misses: {summary['miss_kinds']}"
    assert claims.f1 >= 0.95, f"claim F1 {claims.f1:.3f}"
    assert summary["model_right"] >= 0.90, f"model named right {summary['model_right']}"
    assert summary["base_right"] >= 0.80, f"base model right {summary['base_right']}"


def test_web_source_is_accepted(extractor: Extractor) -> None:
    text = (
        "Acme-7B: our first open model\n\nToday we release Acme-7B, a 7B model.\n\n"
        "It scores 71.2 on MMLU and 80.1% on GSM8K."
    )
    found = extractor.extract(text, "web", "blog-1")
    assert not [w for w in found.warnings if "unknown source" in w]
    assert found.is_claim and found.model == "Acme-7B"
    assert {(s.benchmark, s.value) for s in found.scores} == {("mmlu", 71.2), ("gsm8k", 80.1)}


def test_label_spelling_is_told_apart_from_extraction_errors() -> None:
    post = {"id": "t", "expect": {"is_claim": True, "scores": {"ARC-C": 60.0, "MMLU": 70.0}}}
    got = {
        "is_claim": True,
        "scores": [
            {"benchmark": "arc-challenge", "value": 60.0},
            {"benchmark": "mmlu", "value": 71.0},
        ],
        "model": "",
        "base_model": "",
        "flags": [],
    }
    report = Report()
    score_text(report, post, got)
    as_written, canonical = report.triples, report.triples_canonical
    assert (as_written.tp, as_written.fp, as_written.fn) == (0, 2, 2)
    assert (canonical.tp, canonical.fp, canonical.fn) == (1, 1, 1)  # MMLU is a real miss
