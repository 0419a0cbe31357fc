"""A realistic day on the Hub, replayed: what deserves a thread.

`tests.support.day_replay.replay_day` serves a generated day (`tests/support/hub_day.py`:
1,500 new text-generation repos by default -- quantisations and adapters of recent launches
with copied cards, merges, personal fine-tunes, empty cards, a handful of real launches
announced on X and Reddit, and old repos brought back by the trending list) hour by hour
through the Hub, X and Reddit stand-ins; the real watchers poll, the pipeline processes,
routing decides threads for two destinations with default filters. Prints wall time, peak
RSS (the stand-ins run in this process too), threads per destination, the share of true
launches that got a thread and of the other repos that did.

    python bench/bench_significance.py [--repos 1500] [--seed 19]
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.day_replay import replay_day


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # huggingface_hub's "metadata block not found" per card
    with tempfile.TemporaryDirectory() as workdir:
        started = time.perf_counter()
        result = replay_day(Path(workdir), n=args.repos, seed=args.seed)
        elapsed = time.perf_counter() - started
    kinds: dict[str, int] = {}
    for label in result.day.labels.values():
        kinds[label.kind] = kinds.get(label.kind, 0) + 1
    report = {
        **result.to_json(),
        "kinds": kinds,
        "wall_seconds": round(elapsed, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "queue_head": result.queue_head[:3],
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
