from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import huggingface_hub
import praw
import pytest
import tweepy
from huggingface_hub import HfApi
from huggingface_hub.utils._http import default_client_factory

from hypewatch.bot.watchers.hub_http import configure_hub_http
from hypewatch.bot.watchers.huggingface import HuggingFaceWatcher
from hypewatch.bot.watchers.reddit import RedditWatcher, reddit_client
from hypewatch.bot.watchers.session import WatcherSession
from hypewatch.bot.watchers.x import X_API, XWatcher
from hypewatch.net import NetConfig
from hypewatch.standins.http import Standin

NET = NetConfig(
    allow_private=True, read_timeout=2.0, connect_timeout=2.0, max_response_bytes=5_000_000
)
#: For timeout tests: a stand-in delay of 1 s is a timeout.
SHORT_NET = NET.with_(read_timeout=0.3)


class Clock:
    """A settable clock: `__call__` for poll_once (datetime; the watchers read the poll's
    clock), `sleep` (the X watcher's) records waits and moves time instead of waiting.
    It starts at `start` (the wall clock's time by default)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def epoch(self) -> float:
        return self.now.timestamp()

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def x_client(standin: Standin, token: str = "test-bearer", net: NetConfig = NET) -> tweepy.Client:
    client = tweepy.Client(bearer_token=token, return_type=dict)
    client.session = WatcherSession(net, rewrite=(X_API, standin.url))
    return client


def x_watcher(standin: Standin, clock: Clock, net: NetConfig = NET, **options: Any) -> XWatcher:
    values: dict[str, Any] = {"queries": ["*"], "per_page": 10, "max_pages": 5}
    values.update(options)
    return XWatcher(x_client(standin, net=net), sleep=clock.sleep, **values)


def reddit(standin: Standin, net: NetConfig = NET, secret: str = "standin-secret") -> praw.Reddit:
    return reddit_client(
        client_id="standin-id",
        client_secret=secret,
        user_agent="hypewatch-tests/0.1 (stand-in)",
        net=net,
        oauth_url=standin.url,
        reddit_url=standin.url,
    )


def reddit_watcher(standin: Standin, net: NetConfig = NET, **options: Any) -> RedditWatcher:
    values: dict[str, Any] = {"subreddits": ["LocalLLaMA"], "limit": 1000, "top_comments": 3}
    values.update(options)
    return RedditWatcher(reddit(standin, net), **values)


@pytest.fixture
def hub_http() -> Iterator[Any]:
    """Install the bot's Hub client for a stand-in; restore the library default after."""

    def install(standin: Standin, net: NetConfig = NET) -> None:
        configure_hub_http(net.with_(trusted_origins=(standin.url,)))

    yield install
    huggingface_hub.set_client_factory(default_client_factory)


def hub_watcher(standin: Standin, **options: Any) -> HuggingFaceWatcher:
    values: dict[str, Any] = {"limit": 1000, "trending": False}
    values.update(options)
    return HuggingFaceWatcher(HfApi(endpoint=standin.url, token=False), **values)
