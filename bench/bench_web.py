"""The ledger's speed: pages served per second over a ledger of 1,000 launches and 20,000
events, and the time of the first launch page (cold: templates and matplotlib not loaded).

    PYTHONPATH=. python bench/bench_web.py

Builds the ledger through Store's writers in a temp dir, serves it with the real aiohttp
server on 127.0.0.1 and fetches pages with httpx, one at a time.
"""

from __future__ import annotations

import asyncio
import platform
import tempfile
import threading
import time
from pathlib import Path

import httpx

from hypewatch.events import VerificationStarted
from hypewatch.models import ClaimKind, ClaimStatus
from hypewatch.storage import Store

LAUNCHES, EVENTS = 1_000, 20_000


def build(path: Path) -> None:
    with Store.open(path) as store, store.transaction():
        for i in range(LAUNCHES):
            launch = store.create_launch(f"model-{i}", f"Model {i}", org=f"org{i % 40}")
            for bench in ("gsm8k", "mmlu"):  # 2 first_seen-claim_added pairs + transitions
                claim, _ = store.add_claim(launch.id, ClaimKind.SCORE, f"score:{bench}:",
                                        benchmark=bench, value=80.0 + i % 20)  # fmt: skip
                store.transition_claim(claim.id, ClaimStatus.VERIFYING, reason="bench")
                store.transition_claim(claim.id, ClaimStatus.FAILED, reason="bench")
        while len(store.events()) < EVENTS:
            for launch in store.launches()[:200]:
                store.append_event(launch.id, VerificationStarted(verifier="benchmark"))


def main() -> None:
    from hypewatch.web.server import serve_forever

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "ledger.db"
        started = time.perf_counter()
        build(db)
        built = time.perf_counter() - started
        port = 8791
        thread = threading.Thread(
            target=lambda: asyncio.run(serve_forever(db, "127.0.0.1", port)), daemon=True
        )
        thread.start()
        time.sleep(1.5)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(timeout=60) as client:
            t = time.perf_counter()
            assert client.get(f"{base}/launches/model-1.html").status_code == 200
            first = time.perf_counter() - t
            results = {}
            for name, path, n in (("index (100 of 1,000)", "/index.html", 20),
                                  ("launch page", "/launches/model-{i}.html", 50),
                                  ("launch JSON", "/launches/model-{i}.json", 50),
                                  ("ledger Atom feed", "/feed.atom", 20)):  # fmt: skip
                t = time.perf_counter()
                for i in range(n):
                    assert client.get(base + path.format(i=i * 7)).status_code == 200
                results[name] = n / (time.perf_counter() - t)
    machine = f"{platform.machine()}, Python {platform.python_version()}"
    print(f"machine: {machine}; ledger built in {built:.1f} s")
    print(f"first launch page (cold): {first * 1000:.0f} ms")
    for name, rate in results.items():
        print(f"{name}: {rate:.1f} pages/s")


if __name__ == "__main__":
    main()
