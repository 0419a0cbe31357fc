"""The daemon with its chat bots on the test's own event loop: what the Discord gateway
and Slack Socket Mode end-to-end tests share (settings, the launch feed, the run itself)."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypewatch.bot.app import build_application, net_config
from hypewatch.bot.chat_bots import build_chat_bots, serve
from hypewatch.config import Settings, parse_settings
from hypewatch.standins.http import Standin
from hypewatch.standins.x_api import make_tweet
from hypewatch.storage import Store


def launch_tweet(n: int, name: str) -> dict[str, Any]:
    """A launch post from lab-`n` with two scores and its Hub link."""
    text = (
        f"Introducing {name}, our new open model. MMLU 8{n}.4 (5-shot), GSM8K 9{n}.1. "
        f"Weights: https://huggingface.co/lab-{n}/{name.replace(' ', '-')}"
    )
    created = datetime(2026, 12, 1, n, tzinfo=UTC)
    return make_tweet(1_860_000_000_000_000_000 + n, text, "100", created_at=created, likes=500)


def launch_count(database: Path) -> int:
    with Store.open(database) as store:
        return store.count_launches()


async def until(predicate: Callable[[], Any], what: str, within: float = 15.0) -> Any:
    """Poll `predicate` until it returns something truthy; fail naming `what`."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def chat_settings(tmp: Path, x: Standin, notifiers: dict[str, Any]) -> Settings:
    """The daemon on the X stand-in only, fast job intervals, and the given chat bot."""
    return parse_settings(
        {
            "general": {"database": str(tmp / "hw.db"), "log_format": "text"},
            "network": {"allowlist": ["127.0.0.1/32"], "retries": 0},
            # known labs: their single-post launches clear the default min_significance
            "significance": {"known_orgs": ["lab-1", "lab-2", "lab-3"]},
            "sources": {
                "x": {
                    "enabled": True,
                    "api_url": x.url,
                    "bearer_token_env": "T_X_TOKEN",
                    "queries": ["model"],
                    "accounts": [],
                    "interval_minutes": 0.004,
                },
                "reddit": {"enabled": False},
                "huggingface": {"enabled": False},
            },
            "extraction": {"use_embeddings": False},
            "verifiers": {
                "weights": {"enabled": False},
                "fingerprint": {"enabled": False},
                "benchmark": {"enabled": False},
            },
            "notifiers": {"console": {"enabled": False}, **notifiers},
            "digest": {"enabled": False},
            "daemon": {
                "outbox_interval_seconds": 0.1,
                "queue_interval_seconds": 0.1,
                "jitter_seconds": 0,
                "shutdown_grace_seconds": 2,
            },
        }
    )


@asynccontextmanager
async def daemon_with_bots(
    settings: Settings,
    connected: Callable[[], Awaitable[Any]],
    seed: Callable[[Store], Any] | None = None,
) -> AsyncIterator[asyncio.Task[None]]:
    """Run the application `hypewatch run` builds, with its chat bots, on this loop; yield
    its task once `connected()` returns, and stop it (if the test has not) on the way out."""
    store = Store.open(settings.general.database)
    if seed is not None:
        seed(store)
    try:
        daemon = build_application(settings, store).daemon()
        daemon.install_signal_handlers()
        bots = build_chat_bots(settings, Path(settings.general.database), net_config(settings))
        task = asyncio.create_task(serve(daemon, bots))
        try:
            await asyncio.wait_for(connected(), 15)
            yield task
        finally:
            if not task.done():
                daemon.request_stop()
            await asyncio.wait_for(task, 10)
    finally:
        store.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().remove_signal_handler(sig)
