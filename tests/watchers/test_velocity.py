"""Velocity over the first hours: the Hub watcher snapshots a young repo's likes and
downloads at each poll, and a launch that takes off after an hour gets its thread then."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hypewatch.bot.app import build_pipeline
from hypewatch.bot.notifiers.factory import register_destinations
from hypewatch.bot.watchers.base import poll_once
from hypewatch.config import Settings, parse_settings
from hypewatch.extractors.extractor import Extractor
from hypewatch.standins.hub import HubRepo, hub_standin, model_card
from hypewatch.storage import Store, delivery
from hypewatch.storage.hub_snapshots import snapshots
from tests.watchers.conftest import Clock, hub_watcher

REPO = "kestrel-research/Vela-9B"
CARD = """# Vela-9B

kestrel-research releases Vela-9B, a 9B parameter language model.

| Benchmark | Vela-9B | Llama-3.1-8B |
|---|---|---|
| MMLU | 71.2 | 66.7 |
| GSM8K | 84.1 | 80.2 |
| HumanEval | 62.3 | 60.1 |
| MATH | 51.0 | 48.2 |
"""
DESTINATION = "slack:news"


def _settings(follow_hours: float) -> Settings:
    return parse_settings(
        {
            "extraction": {"use_embeddings": False},
            "significance": {"velocity_follow_hours": follow_hours},
            "notifiers": {
                "console": {"enabled": False},
                "slack": [  # a channel that takes launches from 30 up
                    {
                        "name": "news",
                        "channel": "C1",
                        "token_env": "SLACK_X",
                        "filters": {"min_significance": 30},
                    }
                ],
            },
        }
    )


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(_settings(6).extraction)


def _day(clock: Clock, store: Store, standin: Any, extractor: Extractor, follow: float) -> Any:
    settings = _settings(follow)
    register_destinations(settings, store)
    pipeline = build_pipeline(settings, store, registry={}, extractor=extractor)
    watcher = hub_watcher(standin, trending=True, follow_hours=follow)

    def poll(after: timedelta, **counts: float) -> Any:
        clock.now += after
        for key, value in counts.items():
            setattr(standin.server.state["repos"][REPO], key, value)
        poll_once(store, watcher, clock=clock)
        pipeline.process_pending()
        return store.find_launch(REPO)

    return poll


def _repo(clock: Clock) -> HubRepo:
    front = {"license": "apache-2.0", "library_name": "transformers"}
    return HubRepo(REPO, {"README.md": model_card(front, CARD)}, clock.now, likes=1, downloads=10)


def test_a_launch_that_takes_off_after_an_hour_gets_its_thread_then(
    store: Store, clock: Clock, hub_http: Any, extractor: Extractor
) -> None:
    with hub_standin([_repo(clock)]) as standin:
        hub_http(standin)
        poll = _day(clock, store, standin, extractor, follow=6)
        quiet = poll(timedelta(minutes=10))
        assert quiet.significance is not None and quiet.significance < 30
        assert not delivery.has_launch_rows(store, DESTINATION, quiet.id)
        still = poll(timedelta(minutes=30), likes=3)
        assert still.significance is not None and still.significance < 30
        assert not delivery.has_launch_rows(store, DESTINATION, still.id)
        # an hour in, the likes arrive: re-scored from the growth in the window
        hot = poll(timedelta(minutes=40), likes=300, downloads=4000, trending_score=40.0)
    assert [s.likes for s in snapshots(store, REPO)] == [1, 3, 300]
    assert hot.significance is not None and hot.significance >= 30
    velocity = next(r for r in hot.significance_reasons if r.startswith("velocity"))
    assert "+297 likes and +3990 downloads in the last 40 min" in velocity
    assert delivery.has_launch_rows(store, DESTINATION, hot.id)


def test_following_stops_after_the_first_hours(
    store: Store, clock: Clock, hub_http: Any, extractor: Extractor
) -> None:
    with hub_standin([_repo(clock)]) as standin:
        hub_http(standin)
        poll = _day(clock, store, standin, extractor, follow=1)
        first = poll(timedelta(minutes=10))
        late = poll(timedelta(hours=3), likes=900, downloads=9000, trending_score=80.0)
    assert [s.likes for s in snapshots(store, REPO)] == [1]  # none after the first hour
    assert late.significance == first.significance
    assert not delivery.has_launch_rows(store, DESTINATION, late.id)
