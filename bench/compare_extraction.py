"""Is the extractor's output unchanged? Every field, every text, this tree against a revision.

A speed change must not change an answer. This runs the extractor over the project's labeled
sets, the shared real texts (`../shared/realworld/*.jsonl`, when present) and any `--data`
files, each text under every source, and dumps every field of each `Extraction` (not only
the `hypewatch extract` contract: warnings, score flags, licence, active parameters, claim
specs too). With `--against REV` the same dump is made from REV's `hypewatch/` (exported
with `git archive` to a temporary folder, run in a fresh interpreter) and the two are diffed.

    python bench/compare_extraction.py --against main [--data FILE ...]
    python bench/compare_extraction.py --dump out.json       # this tree's dump only

Exit status 0 when identical, 1 with the first differences printed otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("x", "reddit", "huggingface", "web")


def default_files() -> list[Path]:
    files = sorted((ROOT / "tests" / "data").glob("extraction_*.jsonl"))
    shared = ROOT.parent / "shared" / "realworld"
    return files + sorted(shared.glob("*.jsonl"))


def read_posts(files: list[Path]) -> list[dict[str, Any]]:
    posts = []
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if line.strip():
                row = json.loads(line)
                posts.append({"key": f"{path.name}:{n + 1}", **row})
    return posts


def dump(files: list[Path]) -> dict[str, Any]:
    """Every field of every extraction, keyed `file:line:source`."""
    import hypewatch
    from hypewatch.extractors.extractor import Extractor

    print(f"dumping with {Path(hypewatch.__file__).parent}", file=sys.stderr)

    extractor = Extractor()
    out: dict[str, Any] = {}
    for post in read_posts(files):
        for source in SOURCES:
            found = extractor.extract(post["text"], source, str(post.get("id", "")))
            fields = dataclasses.asdict(found)
            fields["claim_specs"] = [dataclasses.asdict(s) for s in found.claim_specs()]
            fields["json"] = found.to_json()
            out[f"{post['key']}:{source}"] = fields
    return out


def dump_at(rev: str, files: list[Path]) -> dict[str, Any]:
    """The dump made by REV's `hypewatch/` package in a fresh interpreter."""
    with tempfile.TemporaryDirectory(prefix="compare-extraction-") as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev, "hypewatch"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        result = Path(tmp) / "dump.json"
        script = Path(tmp) / "compare_extraction.py"
        script.write_text(Path(__file__).read_text(encoding="utf-8"), encoding="utf-8")
        subprocess.run(
            [sys.executable, str(script), "--dump", str(result)]
            + [arg for f in files for arg in ("--data", str(f))]
            + ["--no-defaults"],
            check=True,
            cwd=tmp,
            env={**os.environ, "PYTHONPATH": tmp},
        )
        loaded: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
        return loaded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="REV", help="git revision to compare with")
    parser.add_argument("--dump", type=Path, help="write this tree's dump to a file and stop")
    parser.add_argument("--data", type=Path, action="append", default=[], help="another JSONL")
    parser.add_argument("--no-defaults", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    files = ([] if args.no_defaults else default_files()) + args.data
    if args.dump:
        args.dump.write_text(json.dumps(dump(files), sort_keys=True), encoding="utf-8")
        return 0
    if not args.against:
        parser.error("give --against REV or --dump FILE")
    sys.path.insert(0, str(ROOT))
    mine = json.loads(json.dumps(dump(files), sort_keys=True))
    theirs = dump_at(args.against, files)
    differing = sorted(k for k in mine.keys() | theirs.keys() if mine.get(k) != theirs.get(k))
    print(
        f"{len(mine)} extractions ({len(read_posts(files))} texts x {len(SOURCES)} sources) "
        f"from {len(files)} files; {len(differing)} differ from {args.against}"
    )
    for key in differing[:10]:
        a, b = mine.get(key, {}), theirs.get(key, {})
        fields = sorted(f for f in a.keys() | b.keys() if a.get(f) != b.get(f))
        for f in fields:
            print(f"- {key} {f}:\n    {args.against}: {b.get(f)!r}\n    here: {a.get(f)!r}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
