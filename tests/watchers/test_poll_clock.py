"""A poll reads the time only from the one clock passed down (the store's, by default):
polled under a clock years away from the wall clock, every time the poll stores — when a
post was stored, the health's error time, the backoff a rate limit sets — is that clock's
time. A wall-clock read creeping back into a watcher fails here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hypewatch.bot.watchers.base import poll_once
from hypewatch.bot.watchers.x import XWatcher
from hypewatch.clock import SimulatedClock
from hypewatch.standins.hub import HubRepo, hub_standin
from hypewatch.standins.reddit_api import make_submission, reddit_standin
from hypewatch.standins.watchers_faults import Fault
from hypewatch.standins.x_api import make_tweet, make_user, x_standin
from hypewatch.storage import Store
from hypewatch.storage.health import get_health
from tests.watchers.conftest import hub_watcher, reddit_watcher, x_client

#: The story's time: far from the wall clock, so a wall-clock read cannot pass for it.
FIXED = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def fixed_store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "hw.db", clock=SimulatedClock(FIXED)) as store:
        yield store


def _stored_at(store: Store, key: str) -> datetime:
    [row] = store.db.query("SELECT stored_at FROM posts WHERE key = ?", (key,))
    return datetime.fromisoformat(row["stored_at"])


def _failed_at(store: Store, source: str, after: timedelta) -> None:
    health = get_health(store, source)
    assert (health.last_error_at, health.backoff_until) == (FIXED, FIXED + after)


def test_x_rate_limit_without_a_reset_time_backs_off_from_the_poll_clock(
    fixed_store: Store,
) -> None:
    slept: list[float] = []
    tweets = [make_tweet(i, f"Orca {i}: MMLU 71.3", "1") for i in range(1, 13)]
    with x_standin(tweets, [make_user("1", "orca")]) as standin:
        # page 1 is served; page 2 answers 429 with no x-rate-limit-reset: wait a minute
        standin.server.state["faults"].append(
            Fault("/2/tweets/search/recent", 429, b"{}", contains="next_token=")
        )
        watcher = XWatcher(
            x_client(standin),
            queries=["*"],
            per_page=10,
            rate_limit_max_wait=30,
            sleep=slept.append,
        )
        report = poll_once(fixed_store, watcher)
    assert (report.stored, report.error_kind, slept) == (10, "rate_limited", [])
    assert report.backoff_until == FIXED + timedelta(seconds=60)
    assert _stored_at(fixed_store, "x:12") == FIXED
    _failed_at(fixed_store, "x", timedelta(seconds=60))


def test_reddit_retry_after_counts_from_the_poll_clock(fixed_store: Store) -> None:
    submission = make_submission(1, "Orca-9B released", selftext="MMLU 71.3")
    with reddit_standin([submission]) as r:
        assert poll_once(fixed_store, reddit_watcher(r)).stored == 1
        r.server.state["faults"].append(Fault("/r/", 429, headers={"Retry-After": "120"}))
        limited = poll_once(fixed_store, reddit_watcher(r))
    assert limited.error_kind == "rate_limited"
    assert _stored_at(fixed_store, f"reddit:{submission['name']}") == FIXED
    _failed_at(fixed_store, "reddit", timedelta(seconds=120))


def test_hub_retry_after_counts_from_the_poll_clock(fixed_store: Store, hub_http: Any) -> None:
    with hub_standin([HubRepo("orca/Orca-9B", {"README.md": b"# Orca"}, FIXED)]) as hub:
        hub_http(hub)
        assert poll_once(fixed_store, hub_watcher(hub)).stored == 1
        hub.server.state["faults"].append(Fault("/api/models", 429, headers={"Retry-After": "600"}))
        limited = poll_once(fixed_store, hub_watcher(hub, trending=True))
    assert limited.error_kind == "rate_limited"
    assert _stored_at(fixed_store, "huggingface:orca/Orca-9B") == FIXED
    _failed_at(fixed_store, "huggingface", timedelta(seconds=600))
