"""Score an extractor against hand-labeled real texts (the `expect` format of
`shared/realworld/launch-texts-dev.jsonl`), with the misses sorted by kind.

Matching, as the labels' README states it: benchmark names compared after
lower-casing and keeping only letters and digits; values within 0.05 of the
label, where a label of 0.629 also matches 62.9 (and 62.9 matches 0.629). A
text labeled not-a-claim must yield no scores.

Names: the launched model (and the base model) is named right when, after the
organisation prefix of a repo id is dropped and the noise words of `names.NOISE`
are removed, the tokens of the name found and of the label are the same, or one
holds the other plus at most one more token (`Meta-Llama-3-8B-Instruct` for
`Llama 3 8B Instruct`; `Mistral 7B` for `Mistral NeMo` is wrong).

`triples_canonical` counts the same triples with benchmark names compared after the
extractor's own naming (a label written `ARC-C` matches `arc-challenge`): labels spelled as
the text writes them then stop counting as misses, which separates spelling from extraction
errors.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from hypewatch.extractors import names, registry

_NOT_ALNUM = re.compile(r"[^a-z0-9]")
TOLERANCE = 0.05


class _Extracts(Protocol):
    def extract(self, text: str, source: str, post_id: str = "") -> Any: ...


def bench_key(name: str) -> str:
    return _NOT_ALNUM.sub("", name.lower())


def value_matches(got: float, want: float) -> bool:
    return any(abs(got * f - want) <= TOLERANCE for f in (1.0, 0.01, 100.0))


def name_tokens(name: str) -> set[str]:
    bare = name.split("/", 1)[1] if re.match(r"^[\w.\-]+/[\w.\-]+$", name.strip()) else name
    return {t for t in names.tokens(bare) if t not in names.NOISE}


def name_matches(got: str | None, want: str | None) -> bool:
    if not got or not want:
        return False
    g, w = name_tokens(got), name_tokens(want)
    if not g or not w:
        return bench_key(got) == bench_key(want)
    return g == w or (w < g and len(g - w) <= 1) or (g < w and len(w - g) <= 1)


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        total = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / total if total else 1.0

    def to_json(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


@dataclass
class Report:
    triples: Tally = field(default_factory=Tally)
    triples_canonical: Tally = field(default_factory=Tally)
    claims: Tally = field(default_factory=Tally)
    model_right: int = 0
    model_total: int = 0
    base_right: int = 0
    base_total: int = 0
    base_spurious: int = 0
    true_negatives: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "texts": self.claims.tp + self.claims.fp + self.claims.fn + self.true_negatives,
            "triples": self.triples.to_json(),
            "triples_canonical": self.triples_canonical.to_json(),
            "claims": self.claims.to_json(),
            "model_right": round(self.model_right / self.model_total, 4)
            if self.model_total
            else 1.0,
            "model_counts": [self.model_right, self.model_total],
            "base_right": round(self.base_right / self.base_total, 4) if self.base_total else 1.0,
            "base_counts": [self.base_right, self.base_total],
            "base_spurious": self.base_spurious,
            "miss_kinds": dict(sorted(self.kinds.items())),
        }


def canonical_key(name: str) -> str:
    """A label's key after the extractor's own naming (`ARC-C` -> `arc-challenge`,
    `AIME 24` -> `aime-2024`): for reading label spelling apart from extraction errors."""
    return bench_key(registry.benchmark_id(name))


def _score_pairs(
    got: list[dict[str, Any]], want: dict[str, float], key: Callable[[str], str] = bench_key
) -> tuple[int, list[str], list[str]]:
    """(true positives, extra 'bench=value' strings, missing ones)."""
    wanted = {key(b): (b, float(v)) for b, v in want.items()}
    hit: set[str] = set()
    extra: list[str] = []
    for score in got:
        name = key(str(score["benchmark"]))
        label = wanted.get(name)
        if label and name not in hit and value_matches(float(score["value"]), label[1]):
            hit.add(name)
        else:
            extra.append(f"{score['benchmark']}={score['value']}")
    missing = [f"{b}={v}" for k, (b, v) in wanted.items() if k not in hit]
    return len(hit), extra, missing


def score_text(report: Report, post: dict[str, Any], got: dict[str, Any]) -> None:
    """Add one text's extraction to the report."""
    want = post["expect"]
    pid = post["id"]
    labels = want.get("scores") or {}
    tp, extra, missing = _score_pairs(got["scores"], labels)
    report.triples.tp += tp
    report.triples.fp += len(extra)
    report.triples.fn += len(missing)
    c_tp, c_extra, c_missing = _score_pairs(got["scores"], labels, canonical_key)
    report.triples_canonical.tp += c_tp
    report.triples_canonical.fp += len(c_extra)
    report.triples_canonical.fn += len(c_missing)
    is_claim, want_claim = bool(got["is_claim"]), bool(want.get("is_claim"))
    report.claims.tp += is_claim and want_claim
    report.claims.fp += is_claim and not want_claim
    report.claims.fn += want_claim and not is_claim
    report.true_negatives += not is_claim and not want_claim
    notes: list[str] = []
    if is_claim != want_claim:
        kind = "claim_false_positive" if is_claim else "claim_missed"
        report.kinds[kind] += 1
        notes.append(f"{kind} {got['flags']}")
    if extra:
        report.kinds["score_extra"] += len(extra)
        notes.append(f"extra {extra}")
    if missing:
        report.kinds["score_missing"] += len(missing)
        notes.append(f"missing {missing}")
    if want.get("model"):
        report.model_total += 1
        if name_matches(got["model"], want["model"]):
            report.model_right += 1
        else:
            report.kinds["model_wrong"] += 1
            notes.append(f"model {got['model']!r} (want {want['model']!r})")
    if want.get("base_model"):
        report.base_total += 1
        if name_matches(got["base_model"], want["base_model"]):
            report.base_right += 1
        else:
            report.kinds["base_wrong"] += 1
            notes.append(f"base {got['base_model']!r} (want {want['base_model']!r})")
    elif got["base_model"] and want_claim:
        report.base_spurious += 1
        report.kinds["base_spurious"] += 1
        notes.append(f"base {got['base_model']!r} (want none)")
    if notes:
        report.misses.append(f"- {pid}: " + "; ".join(notes))


def evaluate(extractor: _Extracts, posts: list[dict[str, Any]]) -> Report:
    report = Report()
    for post in posts:
        got = extractor.extract(post["text"], post["source"], post["id"]).to_json()
        score_text(report, post, got)
    return report
