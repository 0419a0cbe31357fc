"""Task coverage on real texts: does each claimed benchmark map to a task that can run here?

A claimed score can only end `replicated` or `failed` if its benchmark label resolves to a
registered task (`verifiers/benchmark/registry.py`, the lookup the verifier uses) and that
task can run here (its scorer family installed, its dataset readable: not gated without a
token, no judge missing). For every labelled score (`expect.scores`) and every score the
extractor turns into a claim, this prints which of three it is:

* `runs`: a task, runnable with the configuration given (default: the built-in defaults);
* `needs setup`: a task, but it cannot run here yet (the reason, e.g. a judge or a Hub token);
* `no task`: no task definition for the benchmark id the label resolves to;

the shares per file and overall, and the labels that do not run, ranked by count.

    python bench/bench_coverage.py [--file PATH ...] [--config FILE] [--top N] [--json]

Default file: ../shared/realworld/launch-texts-dev.jsonl (as bench_realworld.py); give
`--file` several times to add other files in the same schema (e.g. /work/heldout/unseen*.jsonl).
The texts are read at run time and never copied into the project.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_realworld import DEFAULT_DATA, load_posts

from hypewatch.config import ConfigError, load_settings
from hypewatch.extractors.extractor import Extractor
from hypewatch.extractors.registry import benchmark_id
from hypewatch.models import ClaimKind
from hypewatch.verifiers.benchmark.families import Environment
from hypewatch.verifiers.benchmark.registry import TaskRegistry, default_registry

RUNS, SETUP, NO_TASK = "runs", "needs setup", "no task"


@dataclass
class Tally:
    """Scores by status, and the labels that do not run (by the id they resolve to)."""

    status: Counter[str] = field(default_factory=Counter)
    missing: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.status.values())

    def add(self, status: str, bench: str, reason: str) -> None:
        self.status[status] += 1
        if status != RUNS:
            self.missing[(bench, reason)] += 1

    def merge(self, other: Tally) -> None:
        self.status.update(other.status)
        self.missing.update(other.missing)

    def share(self, *statuses: str) -> float:
        return sum(self.status[s] for s in statuses) / self.total if self.total else 0.0

    def to_json(self, top: int) -> dict[str, Any]:
        return {
            "scores": self.total,
            **{s: self.status[s] for s in (RUNS, SETUP, NO_TASK)},
            "resolves": round(self.share(RUNS, SETUP), 4),
            "runs_here": round(self.share(RUNS), 4),
            "not_running": [
                {"benchmark": bench, "count": n, "reason": reason}
                for (bench, reason), n in self.missing.most_common(top)
            ],
        }


def classify(label: str, registry: TaskRegistry, env: Environment) -> tuple[str, str, str]:
    """(status, the benchmark id the label resolves to, why it does not run)."""
    spec = registry.get(label)
    if spec is None:
        return NO_TASK, benchmark_id(label), "no task definition"
    reason = registry.availability(spec, env)
    return (SETUP, spec.id, reason) if reason else (RUNS, spec.id, "")


def extracted_labels(extractor: Extractor, post: dict[str, Any]) -> list[str]:
    """The benchmark of every score claim the pipeline would store for this text."""
    got = extractor.extract(post["text"], post["source"], post["id"])
    return [s.benchmark for s in got.claim_specs() if s.kind is ClaimKind.SCORE and s.benchmark]


def short(reason: str) -> str:
    return reason.split(":", 1)[0] if reason else ""


def measure(
    path: Path, extractor: Extractor, registry: TaskRegistry, env: Environment
) -> dict[str, Tally]:
    labelled, extracted = Tally(), Tally()
    for post in load_posts(path):
        for label in post["expect"].get("scores") or {}:
            status, bench, reason = classify(label, registry, env)
            labelled.add(status, bench, short(reason))
        for label in extracted_labels(extractor, post):
            status, bench, reason = classify(label, registry, env)
            extracted.add(status, bench, short(reason))
    return {"labelled": labelled, "extracted": extracted}


def render(name: str, tallies: dict[str, Tally], top: int) -> list[str]:
    lines = [f"== {name}"]
    for kind, tally in tallies.items():
        lines.append(
            f"  {kind:9} {tally.total:4} scores: resolve to a task {tally.share(RUNS, SETUP):6.1%}"
            f"  run here {tally.share(RUNS):6.1%}  (runs {tally.status[RUNS]},"
            f" needs setup {tally.status[SETUP]}, no task {tally.status[NO_TASK]})"
        )
    lines.append("  not running (labelled scores), by count:")
    for (bench, reason), n in tallies["labelled"].missing.most_common(top):
        lines.append(f"    {n:3}  {bench:28} {reason}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--file",
        type=Path,
        action="append",
        help="a labelled JSONL file (repeatable); default: the dev set",
    )
    parser.add_argument("--config", type=Path, help="hypewatch.toml whose setup 'here' means")
    parser.add_argument("--top", type=int, default=25, help="how many missing labels to list")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args()
    files: list[Path] = args.file or [DEFAULT_DATA]
    try:
        settings = load_settings(args.config)
    except ConfigError as error:
        sys.exit(str(error))
    env = Environment.from_settings(settings)
    registry = default_registry()
    extractor = Extractor()
    per_file = {str(path): measure(path, extractor, registry, env) for path in files}
    overall = {"labelled": Tally(), "extracted": Tally()}
    for tallies in per_file.values():
        for kind, tally in tallies.items():
            overall[kind].merge(tally)
    if len(per_file) > 1:
        per_file["overall"] = overall
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()} {platform.processor() or platform.system()}",
        "python": platform.python_version(),
        "tasks": len(registry.specs()),
    }
    if args.json:
        out = {
            name: {kind: tally.to_json(args.top) for kind, tally in tallies.items()}
            for name, tallies in per_file.items()
        }
        print(json.dumps({**meta, "files": out}, indent=2))
        return
    print(", ".join(f"{k}: {v}" for k, v in meta.items()))
    for name, tallies in per_file.items():
        print("\n".join(render(name, tallies, args.top)))


if __name__ == "__main__":
    main()
