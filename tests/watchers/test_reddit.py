"""The Reddit watcher: a real read-only praw client against the Reddit stand-in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypewatch.bot.watchers.base import poll_once
from hypewatch.standins.reddit_api import make_comment, make_submission, reddit_standin
from hypewatch.standins.watchers_faults import Fault
from hypewatch.storage import Store
from hypewatch.storage.health import get_health
from tests.watchers.conftest import SHORT_NET, Clock, reddit_watcher


def _subs(count: int, start: int = 1, subreddit: str = "LocalLLaMA") -> list[dict[str, Any]]:
    return [
        make_submission(i, f"weekly thread {i}", subreddit=subreddit, selftext=f"body {i}")
        for i in range(start, start + count)
    ]


def _keys(store: Store) -> set[str]:
    return {r["key"] for r in store.db.query("SELECT key FROM posts WHERE source = 'reddit'")}


def test_pages_through_new_and_stores_oldest_first(store: Store, clock: Clock) -> None:
    subs = _subs(230)
    with reddit_standin(subs) as standin:
        watcher = reddit_watcher(standin)
        first = poll_once(store, watcher, clock=clock)
        assert (first.stored, first.batches, first.error) == (230, 3, "")
        assert first.stored_keys[0] == f"reddit:{subs[0]['name']}"
        listings = standin.server.state["listing_requests"]
        assert listings == 3  # 100 + 100 + 30, following `after`
        second = poll_once(store, watcher, clock=clock)
        assert (second.stored, second.fetched) == (0, 0)
        assert standin.server.state["listing_requests"] == listings + 1
    cursor = json.loads(store.get_cursor("reddit", "localllama") or "{}")
    assert cursor["name"] == subs[-1]["name"]


def test_cursor_survives_a_restart_and_subreddits_are_separate(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "db.sqlite"
    subs = _subs(5) + _subs(4, start=100, subreddit="MachineLearning")
    with reddit_standin(subs) as standin:
        store = Store.open(path)
        watcher = reddit_watcher(standin, subreddits=["LocalLLaMA", "MachineLearning"])
        assert poll_once(store, watcher, clock=clock).stored == 9
        store.close()
        standin.server.state["submissions"] += _subs(2, start=6)
        reopened = Store.open(path)
        again = reddit_watcher(standin, subreddits=["LocalLLaMA", "MachineLearning"])
        report = poll_once(reopened, again, clock=clock)
        assert report.stored == 2
        assert reopened.count_posts() == 11
        reopened.close()


def test_claims_get_top_comments_and_removed_posts_keep_their_title(
    store: Store, clock: Clock
) -> None:
    claim = make_submission(1, "Introducing Reflection 70B: MMLU 89.9", selftext="weights soon")
    chat = make_submission(2, "what GPU do you use?")
    gone = make_submission(
        3,
        "Reflection 70B API is Claude?",
        selftext="[removed]",
        author="[deleted]",
        removed_by_category="moderator",
    )
    link = make_submission(4, "Paper", url="https://arxiv.org/abs/2409.00001")
    comments = {
        claim["id"]: [make_comment(1, "doubt it", score=5), make_comment(2, "it is 3.0", score=50)],
        chat["id"]: [make_comment(3, "a 4090", score=3)],
    }
    with reddit_standin([claim, chat, gone, link], comments) as standin:
        poll_once(store, reddit_watcher(standin, top_comments=2), clock=clock)
        fetched = [r.path for r in standin.requests if r.path.startswith("/comments/")]
    assert len(fetched) == 1
    assert f"/comments/{claim['id']}" in fetched[0]
    post = store.get_post(f"reddit:{claim['name']}")
    assert [c["body"] for c in post.raw["top_comments"]] == ["it is 3.0", "doubt it"]
    assert post.text == "Introducing Reflection 70B: MMLU 89.9\n\nweights soon"
    removed = store.get_post(f"reddit:{gone['name']}")
    assert removed.text == "Reflection 70B API is Claude?"
    assert (removed.author, removed.raw["removed"]) == ("[deleted]", "moderator")
    assert store.get_post(f"reddit:{link['name']}").text.endswith(
        "https://arxiv.org/abs/2409.00001"
    )


def test_5xx_then_success_is_retried_by_prawcore(store: Store, clock: Clock) -> None:
    with reddit_standin(_subs(3)) as standin:
        standin.server.state["faults"].append(Fault("/r/", 503))
        report = poll_once(store, reddit_watcher(standin), clock=clock)
    assert (report.stored, report.error) == (3, "")


def test_persistent_server_error_and_rate_limit_become_health(store: Store, clock: Clock) -> None:
    with reddit_standin(_subs(3)) as standin:
        watcher = reddit_watcher(standin)
        poll_once(store, watcher, clock=clock)
        standin.server.state["submissions"] += _subs(2, start=4)
        standin.server.state["faults"].append(Fault("/r/", 429, headers={"Retry-After": "120"}))
        limited = poll_once(store, watcher, clock=clock)
        assert limited.error_kind == "rate_limited"
        assert limited.backoff_until is not None
        assert store.count_posts() == 3
        clock.advance(200)
        standin.server.state["faults"].append(Fault("/r/", 404))
        failed = poll_once(store, watcher, clock=clock)
        assert failed.error_kind == "client"
        assert get_health(store, "reddit").consecutive_failures == 2
        clock.advance(7200)
        ok = poll_once(store, watcher, clock=clock)
    assert (ok.stored, ok.error) == (2, "")
    assert get_health(store, "reddit").consecutive_failures == 0


def test_malformed_json_and_timeout_lose_nothing(store: Store, clock: Clock) -> None:
    with reddit_standin(_subs(3)) as standin:
        watcher = reddit_watcher(standin, net=SHORT_NET)
        poll_once(store, watcher, clock=clock)
        standin.server.state["submissions"] += _subs(2, start=4)
        standin.server.state["faults"].append(Fault("/r/", 200, b'{"kind": "Listing", "data": {'))
        bad = poll_once(store, watcher, clock=clock)
        assert bad.error_kind == "malformed"
        # Three slow answers: the first try and prawcore's two retries all time out.
        standin.server.state["faults"].append(Fault("/r/", 200, delay=0.6, times=3))
        slow = poll_once(store, watcher, clock=clock, ignore_backoff=True)
        assert slow.error_kind == "timeout"
    assert _keys(store) == {f"reddit:{s['name']}" for s in _subs(3)}


def test_bad_credentials_are_an_auth_error(store: Store, clock: Clock) -> None:
    with reddit_standin(_subs(2), client_secret="the-real-one") as standin:
        report = poll_once(store, reddit_watcher(standin), clock=clock)
    assert report.error_kind == "auth"
    assert "the-real-one" not in report.error
    assert "standin-secret" not in report.error


def test_empty_subreddit_oversized_and_non_utf8_text(store: Store, clock: Clock) -> None:
    big = make_submission(1, "Reflection", selftext="MMLU " + "y" * 10_000)
    broken = make_submission(2, "caf\u00e9", selftext=b"bad \xff\xfe bytes")
    with reddit_standin([big, broken]) as standin:
        watcher = reddit_watcher(
            standin, subreddits=["LocalLLaMA", "empty"], max_text_chars=300, top_comments=0
        )
        report = poll_once(store, watcher, clock=clock)
    assert (report.stored, report.error) == (2, "")
    assert len(store.get_post(f"reddit:{big['name']}").text) == 300
    text = store.get_post(f"reddit:{broken['name']}").text
    assert text.startswith("café\n\nbad ")
    assert "\ufffd" in text


def test_hostile_json_is_malformed_not_a_crash(store: Store, clock: Clock) -> None:
    deep = b'{"kind": "Listing", "data": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    with reddit_standin(_subs(3)) as standin:
        standin.server.state["faults"].append(Fault("/r/", 200, deep))
        report = poll_once(store, reddit_watcher(standin), clock=clock)
    assert report.error_kind == "malformed", report.error
    assert "deeper than 64 levels" in report.error
