"""Claim extraction on real launch texts: triples, claims, model and base names.

Reads the hand-labeled texts in ../shared/realworld/launch-texts-dev.jsonl (not
part of the project; see that folder's README) and prints precision / recall /
F1 of claimed-score triples and of claim detection, how often the launched
model and its base are named right, and the misses counted by kind.

The texts are split in two: a "held-out" part (the 15 whose sha256(id) sorts
first) that was not looked at while the extractor was tuned, and the rest.

    python bench/bench_realworld.py [--data FILE] [--verbose] [--part all|tuned|held-out]
    python bench/bench_realworld.py --file PATH [--verbose]

`--file PATH` scores any other file in the same schema (for example a fresh held-out set
kept outside the project) with the same evaluation code, as one part ("all").
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypewatch.extractors.evaluate import evaluate
from hypewatch.extractors.extractor import Extractor

DEFAULT_DATA = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "realworld" / "launch-texts-dev.jsonl"
)
HELD_OUT = 15


def load_posts(path: Path) -> list[dict[str, Any]]:
    """The labelled texts of one JSONL file (exits naming the file when it is missing)."""
    if not path.exists():
        sys.exit(f"{path} not found: the real texts live in shared/realworld/ beside the repo")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def held_out_ids(posts: list[dict[str, Any]]) -> set[str]:
    order = sorted(posts, key=lambda p: hashlib.sha256(p["id"].encode()).hexdigest())
    return {p["id"] for p in order[:HELD_OUT]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--verbose", action="store_true", help="print each text's misses")
    parser.add_argument("--part", choices=["all", "tuned", "held-out"], default="all")
    parser.add_argument(
        "--file", type=Path, help="score this file (same schema) as a whole, with no split"
    )
    args = parser.parse_args()
    if args.file is not None:
        args.data = args.file
    posts = load_posts(args.data)
    held = held_out_ids(posts)
    extractor = Extractor()
    out: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "data": str(args.data.resolve())}
    parts = {"all": posts}
    if args.file is None:
        parts["tuned"] = [p for p in posts if p["id"] not in held]
        parts["held-out"] = [p for p in posts if p["id"] in held]
    for name, part in parts.items():
        report = evaluate(extractor, part)
        out[name] = report.to_json()  # `triples_canonical`: names after the extractor's
        if args.verbose and (args.part == name or args.file is not None):
            print("\n".join(report.misses), file=sys.stderr)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
