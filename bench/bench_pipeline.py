"""Load test: 10,000 posts through the pipeline (extract -> resolve -> claims), memory bounded.

Posts are made from the labelled dev set's texts with the model names and numbers varied,
so a few hundred distinct launches appear across X, Reddit and the Hub, among chatter.
Prints posts/s, launches and claims created, and peak memory after each quarter, so growth
with the number of posts would show.

    python bench/bench_pipeline.py [--posts 10000] [--embeddings] [--trace-memory]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import resource
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypewatch.bot.app import build_pipeline
from hypewatch.config import parse_settings
from hypewatch.models import Post
from hypewatch.storage import Store

ROOT = Path(__file__).resolve().parents[1]
DEV_SET = ROOT / "tests" / "data" / "extraction_dev.jsonl"
NAMES = ["Vireo", "Tern", "Kestrel", "Osprey", "Marten", "Lynx", "Heron", "Ibis", "Puffin", "Wren"]
_NUMBER = re.compile(r"\b\d{2}\.\d\b")


def _vary(text: str, rng: random.Random, model: str) -> str:
    text = re.sub(r"\b(Reflection|Llama|Qwen|Mistral|DeepSeek|Gemma|Phi)\b", model, text)
    return _NUMBER.sub(lambda m: f"{float(m.group()) + rng.uniform(-3, 3):.1f}", text)


def make_posts(count: int, seed: int = 11) -> list[Post]:
    templates = [json.loads(line) for line in DEV_SET.read_text("utf-8").splitlines() if line]
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    posts = []
    for i in range(count):
        template = rng.choice(templates)
        family = f"{rng.choice(NAMES)}{rng.randint(1, 40)}"
        source = template["source"] if template["source"] in ("x", "reddit") else "huggingface"
        posts.append(
            Post(
                source=source,
                native_id=f"bench-{i}",
                text=_vary(template["text"], rng, family),
                author=f"user{rng.randint(1, 500)}",
                created_at=start + timedelta(minutes=i),
                engagement={"likes": rng.randint(0, 5000)},
            )
        )
    return posts


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(count: int, embeddings: bool, trace: bool) -> None:
    posts = make_posts(count)
    settings = parse_settings({"extraction": {"use_embeddings": embeddings}})
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "load.db")
        pipeline = build_pipeline(settings, store, registry={})
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        quarter = count // 4
        for q in range(4):
            for post in posts[q * quarter : (q + 1) * quarter]:
                store.upsert_post(post)
            pipeline.process_pending()
            traced = (
                f", traced peak {tracemalloc.get_traced_memory()[1] / 2**20:6.1f} MB"
                if trace
                else ""
            )
            print(
                f"after {(q + 1) * quarter:>6} posts: {time.perf_counter() - started:6.1f} s, "
                f"peak RSS {peak_rss_mb():6.0f} MB{traced}"
            )
        seconds = time.perf_counter() - started
        claims = len(store.claims())
        launches = len(store.launches())
        claim_posts = next(iter(store.db.query("SELECT sum(is_claim) AS n FROM posts")))["n"]
        store.close()
    print(
        f"{count} posts in {seconds:.1f} s = {count / seconds:.0f} posts/s (stored, extracted, "
        f"resolved); {claim_posts} launch claims -> {launches} launches, {claims} claims; "
        f"embeddings {'on' if embeddings else 'off'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--embeddings", action="store_true")
    parser.add_argument(
        "--trace-memory", action="store_true", help="also tracemalloc's peak (slows it ~3x)"
    )
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}")
    run(args.posts, args.embeddings, args.trace_memory)


if __name__ == "__main__":
    main()
