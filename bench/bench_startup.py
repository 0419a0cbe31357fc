"""Start-up cost of the command line: wall time, CPU time and peak RSS of whole commands.

Each command runs in a fresh interpreter (`python -m hypewatch ...`), as a user runs it, with
`--tree` first on the path (default: this checkout), so an older revision exported with
`git worktree add` can be measured on the same machine in the same sitting:

    python bench/bench_startup.py [--tree PATH] [--runs 3]

Prints JSON: per command, each run's wall seconds, user+system CPU seconds and the peak RSS
of the child (`ru_maxrss`, so runs are measured one process at a time).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POST = {
    "id": "startup-1",
    "source": "x",
    "text": "Introducing Foo-7B: MMLU 71.2, GSM8K 80.1 (8-shot). Weights on the Hub.",
}


def measure(argv: list[str], tree: Path) -> dict[str, float]:
    """One run of `python -m hypewatch ARGV` in its own process (`wait4` gives its usage)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "hypewatch", *argv],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        error = child.stderr.read().decode(errors="replace") if child.stderr else ""
        raise SystemExit(f"{argv} exited {child.returncode}: {error[-500:]}")
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),  # kilobytes on Linux
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=ROOT, help="checkout to run (default: this)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        posts = Path(tmp) / "one.jsonl"
        posts.write_text(json.dumps(POST) + "\n", encoding="utf-8")
        commands = {"extract one post": ["extract", str(posts)], "--help": ["--help"]}
        out = {
            name: [measure(command, args.tree.resolve()) for _ in range(args.runs)]
            for name, command in commands.items()
        }
    out["load_average"] = [round(x, 2) for x in os.getloadavg()]
    out["tree"] = str(args.tree)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
