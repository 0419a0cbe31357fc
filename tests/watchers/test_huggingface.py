"""The Hub watcher: a real huggingface_hub.HfApi against the Hub stand-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hypewatch.bot.watchers.base import poll_once
from hypewatch.standins.http import Fault
from hypewatch.standins.hub import HubRepo, hub_standin, model_card
from hypewatch.storage import Store
from hypewatch.storage.health import get_health
from hypewatch.storage.revisions import revisions
from tests.watchers.conftest import SHORT_NET, Clock, hub_watcher

#: When the stand-in's repos were created; the polls run a day later (`clock`), so every
#: repo is a launch still young enough (`max_age_hours`) to be stored.
BASE = datetime(2024, 9, 5, tzinfo=UTC)
CARD = {
    "base_model": "meta-llama/Meta-Llama-3-70B",
    "base_model_relation": "finetune",
    "license": "llama3.1",
    "model-index": [
        {
            "name": "Reflection-70B",
            "results": [
                {
                    "task": {"type": "text-generation"},
                    "dataset": {"name": "MMLU", "type": "cais/mmlu"},
                    "metrics": [{"type": "acc", "value": 89.9}],
                }
            ],
        }
    ],
}


@pytest.fixture
def clock() -> Clock:
    return Clock(BASE + timedelta(days=1))


def _repos(count: int, start: int = 0, author: str = "org") -> list[HubRepo]:
    return [
        HubRepo(
            f"{author}{i % 3}/model-{i}",
            {"README.md": model_card(CARD, f"# Model {i}\nMMLU 89.9"), "config.json": b"{}"},
            created_at=BASE + timedelta(minutes=i),
            downloads=10 * i,
            likes=i,
            trending_score=float(i % 5),
        )
        for i in range(start, start + count)
    ]


def _ids(store: Store) -> set[str]:
    rows = store.db.query("SELECT native_id FROM posts WHERE source = 'huggingface'")
    return {r["native_id"] for r in rows}


def test_new_repos_are_paged_stored_with_card_and_revision(
    store: Store, clock: Clock, hub_http: Any
) -> None:
    repos = _repos(130)
    with hub_standin(repos, max_page=50) as standin:
        hub_http(standin)
        first = poll_once(store, hub_watcher(standin), clock=clock)
        assert (first.stored, first.error) == (130, "")
        pages = [r for r in standin.requests if r.path.startswith("/api/models?")]
        assert len(pages) == 3  # followed the Link: rel="next" header
        requests_before = len(standin.requests)
        second = poll_once(store, hub_watcher(standin), clock=clock)
        assert (second.stored, second.fetched) == (0, 0)
        assert len(standin.requests) - requests_before == 1  # one listing page, nothing else
    post = store.get_post("huggingface:org1/model-7")
    # the card's front matter stays in the text for the extractor, then repo id and body
    assert post.text.startswith("---\n")
    assert "base_model: " in post.text.split("\n---\n", 1)[0]
    assert "\n---\norg1/model-7\n\n# Model 7" in post.text
    assert post.raw["base_model"] == "meta-llama/Meta-Llama-3-70B"
    assert post.raw["base_model_relation"] == "finetune"
    assert post.raw["model-index"][0]["results"][0]["metrics"][0]["value"] == 89.9
    assert post.engagement == {"downloads": 70, "likes": 7, "trending_score": 2.0}
    assert post.raw["sha"] == repos[7].sha
    # revisions are the revision check's alone to record (with sha256 and size per file)
    assert revisions(store, "org1/model-7") == []


def test_cursor_survives_restart_and_authors_are_watched(
    tmp_path: Path, clock: Clock, hub_http: Any
) -> None:
    path = tmp_path / "db.sqlite"
    repos = [
        *_repos(6),
        HubRepo("watched/base-model", pipeline_tag="feature-extraction", created_at=BASE),
    ]
    with hub_standin(repos) as standin:
        hub_http(standin)
        store = Store.open(path)
        watcher = hub_watcher(standin, watch_authors=["watched"])
        assert poll_once(store, watcher, clock=clock).stored == 7
        store.close()
        standin.server.state["repos"].update({r.id: r for r in _repos(2, start=6)})
        reopened = Store.open(path)
        report = poll_once(reopened, hub_watcher(standin, watch_authors=["watched"]), clock=clock)
        assert report.stored_keys == ["huggingface:org0/model-6", "huggingface:org1/model-7"]
        assert reopened.get_cursor("huggingface", "author:watched") is not None
        reopened.close()


def test_trending_skips_known_repos_even_at_a_new_revision(
    store: Store, clock: Clock, hub_http: Any
) -> None:
    repos = _repos(5)
    with hub_standin(repos) as standin:
        hub_http(standin)
        watcher = hub_watcher(standin, trending=True)
        assert poll_once(store, watcher, clock=clock).stored == 5
        before = len(standin.requests)
        assert poll_once(store, watcher, clock=clock).stored == 0
        assert len(standin.requests) - before == 2  # the two listings only
        repos[3].push({"README.md": b"# re-uploaded"})
        before = len(standin.requests)
        report = poll_once(store, watcher, clock=clock)
        assert len(standin.requests) - before == 2  # a new revision is not the watcher's
    assert report.stored == 0
    assert report.error == ""
    assert revisions(store, repos[3].id) == []


def test_rate_limit_backs_off_for_retry_after_without_library_sleeps(
    store: Store, clock: Clock, hub_http: Any
) -> None:
    with hub_standin(_repos(3)) as standin:
        hub_http(standin)
        standin.server.state["faults"].append(
            Fault("/api/models", 429, headers={"Retry-After": "600"})
        )
        report = poll_once(store, hub_watcher(standin), clock=clock)
        assert report.error_kind == "rate_limited"
        assert report.backoff_until is not None
        assert len(standin.requests) == 1  # huggingface_hub did not retry it
        clock.advance(700)
        report = poll_once(store, hub_watcher(standin), clock=clock)
    assert report.stored == 3
    assert report.backoff_until is None


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (Fault("/api/models/", 502), "server"),
        (Fault("/api/models", 200, b'[{"id": "org0/model-0", "createdAt": '), "malformed"),
        (Fault("/api/models/", 200, delay=1.0), "timeout"),
    ],
)
def test_failures_are_health_and_the_next_pass_catches_up(
    store: Store, clock: Clock, hub_http: Any, fault: Fault, kind: str
) -> None:
    with hub_standin(_repos(4)) as standin:
        hub_http(standin, SHORT_NET)
        standin.server.state["faults"].append(fault)
        failed = poll_once(store, hub_watcher(standin), clock=clock)
        assert failed.error_kind == kind
        assert get_health(store, "huggingface").last_error
        assert store.get_cursor("huggingface", "new") is None
        clock.advance(3600)
        ok = poll_once(store, hub_watcher(standin), clock=clock)
    assert (ok.stored, ok.error) == (4, "")
    assert _ids(store) == {r.id for r in _repos(4)}


def test_empty_listing_missing_card_oversized_and_non_utf8(
    store: Store, clock: Clock, hub_http: Any
) -> None:
    with hub_standin([]) as standin:
        hub_http(standin)
        empty = poll_once(store, hub_watcher(standin), clock=clock)
        assert (empty.stored, empty.error) == (0, "")
        standin.server.state["repos"].update(
            {
                "a/no-card": HubRepo("a/no-card", {"config.json": b"{}"}, created_at=BASE),
                "b/huge": HubRepo(
                    "b/huge",
                    {"README.md": b"# Huge\n" + b"z" * 50_000},
                    created_at=BASE + timedelta(hours=1),
                ),
                "c/latin1": HubRepo(
                    "c/latin1",
                    {"README.md": b"---\nlicense: mit\n---\nCaf\xe9 \xff model"},
                    created_at=BASE + timedelta(hours=2),
                ),
            }
        )
        report = poll_once(store, hub_watcher(standin, max_text_chars=1000), clock=clock)
    assert (report.stored, report.error) == (3, "")
    assert store.get_post("huggingface:a/no-card").text == "a/no-card"
    assert len(store.get_post("huggingface:b/huge").text) == 1000
    latin = store.get_post("huggingface:c/latin1")
    assert "Caf\ufffd" in latin.text
    assert latin.raw["license"] == "mit"


def test_guarded_hub_client_keeps_head_sizes_for_downloads(tmp_path: Path, hub_http: Any) -> None:
    """Downloads through the process-wide client: HEAD's Content-Length is the file size."""
    from huggingface_hub import hf_hub_download

    payload = b'{"model": {"type": "BPE"}}' * 50
    repo = HubRepo("org/tok", {"tokenizer.json": payload, "README.md": b"# tok\n"})
    with hub_standin([repo]) as standin:
        hub_http(standin)
        path = hf_hub_download(
            "org/tok", "tokenizer.json", endpoint=standin.url, cache_dir=tmp_path
        )
    assert Path(path).read_bytes() == payload
