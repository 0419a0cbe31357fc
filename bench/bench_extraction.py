"""Claim extraction: quality on the labeled dev set and throughput.

Quality: precision / recall / F1 of (post, benchmark, value) triples and of
claim detection, against tests/data/extraction_dev.jsonl (or --data FILE).
Throughput: posts per second on one core without embeddings (extraction
only), and extraction + batched MiniLM embeddings when the ml extra is present.

    python bench/bench_extraction.py [--data FILE] [--verbose] [--repeat N] [--no-embeddings]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypewatch.extractors.extractor import Extractor

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "extraction_dev.jsonl"


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def triples(post_id: str, scores: list[dict[str, Any]]) -> set[tuple[str, str, float]]:
    return {(post_id, s["benchmark"], round(float(s["value"]), 2)) for s in scores}


def quality(extractor: Extractor, posts: list[dict[str, Any]], verbose: bool) -> dict[str, Any]:
    tp = fp = fn = ctp = cfp = cfn = 0
    for post in posts:
        got = extractor.extract(post["text"], post["source"], post["id"]).to_json()
        want = post["expected"]
        g, w = triples(post["id"], got["scores"]), triples(post["id"], want["scores"])
        tp, fp, fn = tp + len(g & w), fp + len(g - w), fn + len(w - g)
        ctp += got["is_claim"] and want["is_claim"]
        cfp += got["is_claim"] and not want["is_claim"]
        cfn += want["is_claim"] and not got["is_claim"]
        if verbose and (g != w or got["is_claim"] != want["is_claim"]):
            print(
                f"- {post['id']}: claim {got['is_claim']} (want {want['is_claim']}) {got['flags']}"
            )
            for t in sorted(g - w):
                print(f"    extra   {t[1:]}")
            for t in sorted(w - g):
                print(f"    missing {t[1:]}")
    return {"triples": prf(tp, fp, fn), "claims": prf(ctp, cfp, cfn), "posts": len(posts)}


def throughput(extractor: Extractor, posts: list[dict[str, Any]], repeat: int) -> dict[str, Any]:
    batch = [(p["text"], p["source"], p["id"]) for p in posts] * repeat
    start, cpu_start = time.perf_counter(), time.process_time()
    for text, source, post_id in batch:
        extractor.extract(text, source, post_id)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    chars = sum(len(t) for t, _, _ in batch)
    return {
        "posts": len(batch),
        "seconds": round(seconds, 3),
        "posts_per_s": round(len(batch) / seconds, 1),
        # CPU time of this process: the fair figure on a machine other jobs share
        "cpu_seconds": round(cpu, 3),
        "posts_per_cpu_s": round(len(batch) / cpu, 1) if cpu else None,
        "mean_chars": round(chars / len(batch)),
    }


def with_embeddings(
    extractor: Extractor, posts: list[dict[str, Any]], repeat: int
) -> dict[str, Any]:
    from hypewatch.extractors.resolve import CONTEXT_CHARS, load_embedder

    start = time.perf_counter()
    embedder, reason = load_embedder()
    if embedder is None:
        return {"skipped": reason}
    load = time.perf_counter() - start
    import torch

    torch.set_num_threads(1)  # one core, like the extraction figure
    batch = [(p["text"], p["source"], p["id"]) for p in posts] * repeat
    start = time.perf_counter()
    texts = []
    for text, source, post_id in batch:
        found = extractor.extract(text, source, post_id)
        texts.append(f"{found.model}. {' '.join(text.split())[:CONTEXT_CHARS]}")
    embedder.encode(texts, normalize_embeddings=True, batch_size=64)
    seconds = time.perf_counter() - start
    return {
        "posts": len(batch),
        "seconds": round(seconds, 3),
        "posts_per_s": round(len(batch) / seconds, 1),
        "model_load_s": round(load, 2),
        "batch_size": 64,
    }


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(x.split()[1])
            for x in Path("/proc/meminfo").read_text().splitlines()
            if x.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem_kb = 0
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(mem_kb / 1e6, 1),
        "python": platform.python_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--no-embeddings", action="store_true")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    posts = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    extractor = Extractor()
    report: dict[str, Any] = {"machine": machine(), "date": time.strftime("%Y-%m-%d")}
    report["quality"] = quality(extractor, posts, args.verbose)
    report["throughput_no_embeddings"] = throughput(extractor, posts, args.repeat)
    if not args.no_embeddings:
        report["throughput_with_embeddings"] = with_embeddings(
            extractor, posts, max(1, args.repeat // 4)
        )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
