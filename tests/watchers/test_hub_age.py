"""The Hub watcher's age rule (`sources.huggingface.max_age_hours`): a repo the Hub created
long before the poll is history, not a launch -- whichever list (`new`, a watched author's,
trending) shows it. A real huggingface_hub.HfApi against the Hub stand-in, whose repos are
dated against the poll's clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hypewatch.bot.app import build_pipeline
from hypewatch.bot.watchers.base import poll_once
from hypewatch.bot.watchers.huggingface import LIST_EXPAND
from hypewatch.cli import app
from hypewatch.config import parse_settings
from hypewatch.errors import EXIT_CONFIG
from hypewatch.standins.http import Fault, Standin
from hypewatch.standins.hub import HubRepo, hub_standin, model_card
from hypewatch.storage import Store
from tests.watchers.conftest import Clock, hub_watcher

#: The poll's time: every repo below is dated against it.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


def _repo(repo: str, age: timedelta, **listing: Any) -> HubRepo:
    card = model_card({"license": "apache-2.0"}, f"# {repo}\n\nOpen weights. MMLU 80.1")
    return HubRepo(repo, {"README.md": card, "config.json": b"{}"}, NOW - age, **listing)


def _read(standin: Standin) -> list[str]:
    """The repos whose `model_info` the watcher asked for, in order."""
    paths = [r.path.split("?")[0] for r in standin.requests]
    return [p.removeprefix("/api/models/") for p in paths if p.startswith("/api/models/")]


def test_old_repos_in_the_new_list_are_not_launches(
    store: Store, clock: Clock, hub_http: Any
) -> None:
    """The `new` list is newest first: it stops at the first repo past the age limit, so
    nothing older is read, stored, extracted or posted; the cursor stays on the fresh one."""
    repos = [
        _repo("lab/fresh-8b", 2 * HOUR, likes=3),
        _repo("lab/last-week-8b", 7 * 24 * HOUR),
        _repo("meta-llama/Meta-Llama-3-70B", 600 * 24 * HOUR, likes=900),
    ]
    with hub_standin(repos) as standin:
        hub_http(standin)
        report = poll_once(store, hub_watcher(standin), clock=clock)
        assert report.stored_keys == ["huggingface:lab/fresh-8b"]
        assert _read(standin) == ["lab/fresh-8b"]
        again = poll_once(store, hub_watcher(standin), clock=clock)
    assert (again.stored, again.error) == (0, "")
    assert json.loads(store.get_cursor("huggingface", "new") or "")["id"] == "lab/fresh-8b"
    settings = parse_settings(
        {"hub": {"endpoint": standin.url}, "extraction": {"use_embeddings": False}}
    )
    build_pipeline(settings, store, allow_private=True).process_pending()
    assert [launch.hf_repo for launch in store.launches()] == ["lab/fresh-8b"]


def test_a_watched_authors_back_catalogue_is_not_launches(
    store: Store, clock: Clock, hub_http: Any
) -> None:
    """A watched org's first pass lists its whole catalogue: only its new repo is stored."""
    repos = [
        _repo("meta-llama/Llama-5-8B", HOUR, pipeline_tag="image-text-to-text"),
        *(
            _repo(f"meta-llama/Llama-3.{i}-8B", (400 + i) * 24 * HOUR, pipeline_tag=None)
            for i in range(5)
        ),
    ]
    with hub_standin(repos) as standin:
        hub_http(standin)
        watcher = hub_watcher(standin, watch_authors=["meta-llama"])
        report = poll_once(store, watcher, clock=clock)
        assert _read(standin) == ["meta-llama/Llama-5-8B"]
    assert report.stored_keys == ["huggingface:meta-llama/Llama-5-8B"]
    assert store.get_cursor("huggingface", "new") is None  # nothing of its pipeline tag
    cursor = json.loads(store.get_cursor("huggingface", "author:meta-llama") or "")
    assert cursor["id"] == "meta-llama/Llama-5-8B"


def test_an_old_model_back_on_the_trending_list_is_not_a_launch(
    store: Store, clock: Clock, hub_http: Any
) -> None:
    """Trending has no order by age: the old repo is left out wherever it ranks, with a
    note; the fresh one behind it is stored."""
    repos = [
        _repo("meta-llama/Meta-Llama-3-70B", 600 * 24 * HOUR, trending_score=99.0),
        _repo("lab/fresh-8b", 3 * HOUR, trending_score=12.0),
    ]
    with hub_standin(repos) as standin:
        hub_http(standin)
        watcher = hub_watcher(standin, trending=True, watch_authors=[])
        # the `new` list would stop at the old repo by itself: only trending shows it here
        standin.server.state["faults"].append(
            Fault("/api/models", 200, b"[]", contains="sort=createdAt")
        )
        report = poll_once(store, watcher, clock=clock)
        assert any("sort=trendingScore" in r.path for r in standin.requests)
        assert _read(standin) == ["lab/fresh-8b"]
        clock.advance(4 * 24 * 3600)  # the repo stored as a launch is past the limit now
        later = poll_once(store, watcher, clock=clock)
    assert report.stored_keys == ["huggingface:lab/fresh-8b"]
    note = "trending: 1 repo(s) created more than 72 h ago left out (history, not launches)"
    assert report.notes == [note]
    assert (later.stored, later.notes) == (0, [note])  # stored already: not "left out"


@pytest.mark.parametrize(
    ("max_age", "follow", "kept", "dropped"),
    [
        (2.0, 0.0, 2 * HOUR, 2 * HOUR + timedelta(seconds=1)),
        # a repo still followed for velocity (significance.velocity_follow_hours) is kept
        (1.0, 6.0, 6 * HOUR, 6 * HOUR + timedelta(seconds=1)),
    ],
)
def test_the_age_limit_is_inclusive(
    store: Store,
    clock: Clock,
    hub_http: Any,
    max_age: float,
    follow: float,
    kept: timedelta,
    dropped: timedelta,
) -> None:
    repos = [_repo("lab/at-the-limit", kept), _repo("lab/a-second-older", dropped)]
    with hub_standin(repos) as standin:
        hub_http(standin)
        watcher = hub_watcher(standin, trending=True, max_age_hours=max_age, follow_hours=follow)
        report = poll_once(store, watcher, clock=clock)
    assert report.stored_keys == ["huggingface:lab/at-the-limit"]


def test_a_listing_without_created_at_keeps_the_repo(
    store: Store, clock: Clock, hub_http: Any
) -> None:
    """No `createdAt` in a listing entry is no evidence of age: the repo is kept (read and
    stored), not dropped on missing data."""
    repo = _repo("lab/undated-8b", 900 * 24 * HOUR)
    item = repo.listed(LIST_EXPAND)
    del item["createdAt"]
    with hub_standin([repo]) as standin:
        hub_http(standin)
        standin.server.state["faults"].append(
            Fault("/api/models", 200, json.dumps([item]).encode(), contains="sort=createdAt")
        )
        report = poll_once(store, hub_watcher(standin), clock=clock)
    assert report.stored_keys == ["huggingface:lab/undated-8b"]


@pytest.mark.parametrize(
    ("value", "says"), [(0, "greater than or equal to 1"), (8761, "less than or equal to 8760")]
)
def test_config_check_rejects_an_age_limit_out_of_bounds(
    tmp_path: Path, value: int, says: str
) -> None:
    config = tmp_path / "hypewatch.toml"
    config.write_text(f"[sources.huggingface]\nmax_age_hours = {value}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["--config", str(config), "config", "check"])
    assert result.exit_code == EXIT_CONFIG
    message = " ".join(result.output.split())
    assert f"sources.huggingface.max_age_hours: Input should be {says} (got {value})" in message
