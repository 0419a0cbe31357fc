from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import tweepy

from hypewatch.bot.watchers.session import WatcherSession
from hypewatch.bot.watchers.x import X_API, XWatcher
from hypewatch.net import NetConfig
from tests.standins.http import Standin

NET = NetConfig(allow_private=True, read_timeout=2.0, connect_timeout=2.0, max_response_bytes=5_000_000)


class Clock:
    """A settable clock for poll_once (datetime) and the X watcher (epoch seconds)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)
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


def x_watcher(standin: Standin, clock: Clock, **options: object) -> XWatcher:
    values: dict[str, object] = {"queries": ["*"], "per_page": 10, "max_pages": 5}
    values.update(options)
    return XWatcher(
        x_client(standin), sleep=clock.sleep, clock=clock.epoch, **values  # type: ignore[arg-type]
    )


@pytest.fixture
def standin_iter() -> Iterator[None]:
    yield None
