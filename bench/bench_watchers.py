"""One poll pass per source over stand-ins holding 10,000 posts each.

Measures posts stored per second and the poller's peak memory. Each source
runs in its own process (so peaks do not add up); the stand-in server runs
in a child process of that, so its memory is not counted. Real clients:
tweepy, praw, huggingface_hub, through the same seams the tests use.

    python bench/bench_watchers.py [--posts 10000] [--source x|reddit|hf]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def _serve(kind: str, posts: int, queue: Any) -> None:
    """Child process: build the stand-in data, serve it, report the URL, wait."""
    if kind == "x":
        from hypewatch.standins.x_api import make_tweet, make_user, x_standin

        tweets = [
            make_tweet(i, f"Model {i}: MMLU {50 + i % 40}.{i % 10} https://t.co/x{i}", str(i % 50))
            for i in range(1, posts + 1)
        ]
        users = [make_user(str(u), f"user{u}") for u in range(50)]
        context = x_standin(tweets, users)
    elif kind == "reddit":
        from hypewatch.standins.reddit_api import make_submission, reddit_standin

        subs = [
            make_submission(i, f"thread {i}", subreddit=f"sub{i % 10}", selftext="text " * 40)
            for i in range(1, posts + 1)
        ]
        context = reddit_standin(subs)
    else:
        from hypewatch.standins.hub import HubRepo, hub_standin, model_card

        # created within the last day (the poll runs on the wall clock): launches, not
        # history the age rule (`max_age_hours`, 72 h) leaves out
        base = datetime.now(UTC) - timedelta(days=1)
        card = {"base_model": "meta-llama/Meta-Llama-3-70B", "base_model_relation": "finetune"}
        repos = [
            HubRepo(
                f"org{i % 100}/model-{i}",
                {"README.md": model_card(card, f"# Model {i}\n" + "card text " * 100)},
                created_at=base + timedelta(seconds=i),
            )
            for i in range(posts)
        ]
        context = hub_standin(repos)
    with context as standin:
        queue.put(standin.url)
        time.sleep(3600)


def _watcher(kind: str, url: str, posts: int) -> Any:
    from hypewatch.net import NetConfig

    net = NetConfig(allow_private=True, max_response_bytes=200_000_000)
    if kind == "x":
        import tweepy

        from hypewatch.bot.watchers.session import WatcherSession
        from hypewatch.bot.watchers.x import X_API, XWatcher

        client = tweepy.Client(bearer_token="test-bearer", return_type=dict)
        client.session = WatcherSession(net, rewrite=(X_API, url))
        pages = -(-posts // 100)
        return XWatcher(client, queries=["*"], max_pages=pages, monthly_budget=posts * 2)
    if kind == "reddit":
        from hypewatch.bot.watchers.reddit import RedditWatcher, reddit_client

        reddit = reddit_client(
            client_id="standin-id",
            client_secret="standin-secret",
            user_agent="hypewatch-bench/0.1",
            net=net,
            oauth_url=url,
            reddit_url=url,
        )
        subs = [f"sub{i}" for i in range(10)]
        return RedditWatcher(reddit, subreddits=subs, limit=-(-posts // 10), top_comments=0)
    from huggingface_hub import HfApi

    from hypewatch.bot.watchers.hub_http import configure_hub_http
    from hypewatch.bot.watchers.huggingface import HuggingFaceWatcher

    configure_hub_http(net.with_(trusted_origins=(url,)))
    return HuggingFaceWatcher(HfApi(endpoint=url, token=False), limit=posts, trending=False)


def run_one(kind: str, posts: int) -> dict[str, Any]:
    queue: Any = mp.get_context("fork").Queue()
    server = mp.get_context("fork").Process(target=_serve, args=(kind, posts, queue), daemon=True)
    server.start()
    url = queue.get(timeout=300)
    try:
        from hypewatch.bot.watchers.base import poll_once
        from hypewatch.storage import Store

        watcher = _watcher(kind, url, posts)
        with tempfile.TemporaryDirectory() as tmp:
            store = Store.open(Path(tmp) / "bench.db")
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started = time.perf_counter()
            report = poll_once(store, watcher)
            seconds = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            second = poll_once(store, watcher)
            store.close()
    finally:
        server.kill()
    return {
        "source": kind,
        "stored": report.stored,
        "error": report.error,
        "seconds": round(seconds, 2),
        "posts_per_second": round(report.stored / seconds, 1),
        "rss_before_mb": round(before / 1024, 1),
        "rss_peak_mb": round(peak / 1024, 1),
        "second_pass_stored": second.stored,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--source", choices=["x", "reddit", "hf"])
    args = parser.parse_args()
    if args.source:
        print(json.dumps(run_one(args.source, args.posts)))
        return
    for kind in ("x", "reddit", "hf"):
        out = subprocess.run(
            [sys.executable, __file__, "--source", kind, "--posts", str(args.posts)],
            check=True,
            capture_output=True,
            text=True,
        )
        print(out.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
