"""The X watcher: a real tweepy.Client against the X API v2 stand-in."""

from __future__ import annotations

import time
from pathlib import Path

from hypewatch.bot.watchers.base import poll_once
from hypewatch.standins.watchers_faults import Fault
from hypewatch.standins.x_api import make_tweet, make_user, x_standin
from hypewatch.storage import Store
from hypewatch.storage.health import get_health
from tests.watchers.conftest import SHORT_NET, Clock, x_watcher

USERS = [make_user("1", "mattshumer"), make_user("2", "skeptic")]


def _tweets(count: int, start: int = 1) -> list[dict[str, object]]:
    return [
        make_tweet(i, f"Reflection {i}: MMLU 89.9, open weights", "1" if i % 2 else "2")
        for i in range(start, start + count)
    ]


def _keys(store: Store) -> set[str]:
    return {r["key"] for r in store.db.query("SELECT key FROM posts WHERE source = 'x'")}


def test_pagination_stores_every_page_and_a_second_pass_stores_nothing(
    store: Store, clock: Clock
) -> None:
    with x_standin(_tweets(35), USERS) as standin:
        watcher = x_watcher(standin, clock)
        first = poll_once(store, watcher, clock=clock)
        assert (first.stored, first.batches, first.error) == (35, 4, "")
        assert _keys(store) == {f"x:{i}" for i in range(1, 36)}
        assert store.get_cursor("x", "search:*") == "35"
        assert store.get_cursor("x", "search:*#resume") is None
        served = standin.server.state["served"]
        second = poll_once(store, watcher, clock=clock)
        assert (second.stored, second.fetched) == (0, 0)
        assert standin.server.state["served"] == served
    post = store.get_post("x:35")
    assert post.author == "mattshumer"
    assert post.url == "https://x.com/mattshumer/status/35"
    assert post.engagement["like_count"] == 0


def test_cursor_survives_a_restart(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "db.sqlite"
    with x_standin(_tweets(12), USERS) as standin:
        store = Store.open(path)
        assert poll_once(store, x_watcher(standin, clock), clock=clock).stored == 12
        store.close()
        standin.server.state["tweets"].extend(_tweets(3, start=13))
        reopened = Store.open(path)
        report = poll_once(reopened, x_watcher(standin, clock), clock=clock)
        assert report.stored == 3
        assert report.stored_keys == ["x:15", "x:14", "x:13"]
        assert reopened.count_posts() == 15
        since = [r.path for r in standin.requests if "since_id=12" in r.path]
        assert since, "the second process must ask only for posts after the stored cursor"
        reopened.close()


def test_tco_links_are_expanded_in_text_and_kept_as_links(store: Store, clock: Clock) -> None:
    tweet = make_tweet(
        7,
        "Weights are up:",
        "1",
        links=[("https://t.co/AbC123", "https://huggingface.co/mattshumer/Reflection-70B")],
    )
    with x_standin([tweet], USERS) as standin:
        poll_once(store, x_watcher(standin, clock), clock=clock)
    post = store.get_post("x:7")
    assert "https://huggingface.co/mattshumer/Reflection-70B" in post.text
    assert "t.co" not in post.text
    assert post.raw["links"] == ["https://huggingface.co/mattshumer/Reflection-70B"]


def test_rate_limit_waits_for_the_reset_then_continues(store: Store, clock: Clock) -> None:
    reset = int(clock.epoch()) + 30
    with x_standin(_tweets(15), USERS) as standin:
        standin.server.state["faults"].append(
            Fault(
                "/2/tweets/search/recent",
                429,
                b'{"title":"Too Many Requests"}',
                {"x-rate-limit-reset": str(reset), "x-rate-limit-remaining": "0"},
            )
        )
        report = poll_once(store, x_watcher(standin, clock), clock=clock)
    assert report.error == ""
    assert report.stored == 15
    assert len(clock.slept) == 1
    assert 29 <= clock.slept[0] <= 31


def test_rate_limit_beyond_the_cap_backs_off_and_loses_nothing(store: Store, clock: Clock) -> None:
    reset = int(clock.epoch()) + 3600
    with x_standin(_tweets(25), USERS) as standin:
        watcher = x_watcher(standin, clock, rate_limit_max_wait=60)
        # Page 1 is served, page 2 is rate limited for an hour.
        standin.server.state["faults"].append(
            Fault(
                "/2/tweets/search/recent",
                429,
                b"{}",
                {"x-rate-limit-reset": str(reset)},
                contains="next_token=",
            )
        )
        limited = poll_once(store, watcher, clock=clock)
        assert limited.error_kind == "rate_limited"
        assert (limited.stored, clock.slept) == (10, [])
        assert limited.backoff_until is not None
        assert abs(limited.backoff_until.timestamp() - reset) < 2
        assert store.get_cursor("x", "search:*") is None  # not past the unread pages
        assert poll_once(store, watcher, clock=clock).skipped.startswith("backing off")
        clock.advance(3601)
        resumed = poll_once(store, watcher, clock=clock)
        assert (resumed.stored, resumed.error) == (15, "")
    assert _keys(store) == {f"x:{i}" for i in range(1, 26)}
    assert store.get_cursor("x", "search:*") == "25"


def test_server_error_mid_pagination_keeps_page_one_and_resumes(store: Store, clock: Clock) -> None:
    with x_standin(_tweets(25), USERS) as standin:
        watcher = x_watcher(standin, clock)
        standin.server.state["faults"].append(
            Fault("/2/tweets/search/recent", 503, contains="next_token=")
        )
        failed = poll_once(store, watcher, clock=clock)
        assert (failed.error_kind, failed.stored) == ("server", 10)
        assert get_health(store, "x").consecutive_failures == 1
        assert store.get_cursor("x", "search:*") is None
        assert store.get_cursor("x", "search:*#resume") is not None
        clock.advance(3600)
        second = poll_once(store, watcher, clock=clock)
        assert (second.error, second.stored) == ("", 15)
        resumed = [r.path for r in standin.requests if "next_token=" in r.path]
    assert len(resumed) == 3  # the failed page 2, then pages 2 and 3 from the resume token
    assert _keys(store) == {f"x:{i}" for i in range(1, 26)}
    assert get_health(store, "x").consecutive_failures == 0


def test_5xx_then_success(store: Store, clock: Clock) -> None:
    with x_standin(_tweets(10), USERS) as standin:
        watcher = x_watcher(standin, clock)
        standin.server.state["faults"].append(Fault("/2/tweets", 500))
        failed = poll_once(store, watcher, clock=clock)
        assert failed.error_kind == "server"
        assert store.count_posts() == 0
        assert store.get_cursor("x", "search:*") is None
        clock.advance(120)
        ok = poll_once(store, watcher, clock=clock)
        assert (ok.stored, ok.error) == (10, "")


def test_timeout_is_recorded_and_nothing_is_lost(store: Store, clock: Clock) -> None:
    with x_standin(_tweets(10), USERS) as standin:
        watcher = x_watcher(standin, clock, net=SHORT_NET)
        poll_once(store, watcher, clock=clock)
        standin.server.state["tweets"].extend(_tweets(3, start=11))
        standin.server.state["faults"].append(Fault("/2/tweets", 200, delay=1.0))
        started = time.monotonic()
        report = poll_once(store, watcher, clock=clock)
        assert time.monotonic() - started < 1.0
        assert report.error_kind == "timeout"
        assert store.count_posts() == 10
        assert store.get_cursor("x", "search:*") == "10"


def test_malformed_json_is_recorded(store: Store, clock: Clock) -> None:
    with x_standin(_tweets(10), USERS) as standin:
        standin.server.state["faults"].append(Fault("/2/tweets", 200, b'{"data": [{"id": '))
        report = poll_once(store, x_watcher(standin, clock), clock=clock)
    assert report.error_kind == "malformed"
    assert "malformed" in get_health(store, "x").last_error


def test_empty_results_store_nothing_and_succeed(store: Store, clock: Clock) -> None:
    with x_standin([], USERS) as standin:
        report = poll_once(store, x_watcher(standin, clock), clock=clock)
    assert (report.stored, report.error, report.batches) == (0, "", 1)
    assert get_health(store, "x").last_success is not None
    assert store.get_cursor("x", "search:*") is None


def test_oversized_and_non_utf8_text_is_capped_and_decoded(store: Store, clock: Clock) -> None:
    big = make_tweet(1, "MMLU 89.9 " + "x" * 5000, "1")
    broken = make_tweet(2, b"Reflection caf\xe9 \xff\xfe 70B", "1")
    with x_standin([big, broken], USERS) as standin:
        report = poll_once(store, x_watcher(standin, clock, max_text_chars=200), clock=clock)
    assert report.stored == 2
    assert len(store.get_post("x:1").text) == 200
    assert store.get_post("x:1").raw["truncated_from_chars"] > 200
    text = store.get_post("x:2").text
    assert text.startswith("Reflection caf")
    assert "\ufffd" in text
    assert text.endswith("70B")


def test_monthly_budget_is_respected_and_reported(store: Store, clock: Clock) -> None:
    with x_standin(_tweets(50), USERS) as standin:
        # Pages of 10 with 25 reads left: 10 + 10, then 5 is below the smallest page.
        watcher = x_watcher(standin, clock, monthly_budget=25)
        first = poll_once(store, watcher, clock=clock)
        assert (first.stored, first.budget_used, first.budget_limit) == (20, 20, 25)
        assert any("budget" in n for n in first.notes)
        assert standin.server.state["served"] == 20
        second = poll_once(store, watcher, clock=clock)
        assert second.stored == 0
        assert standin.server.state["served"] == 20
        bigger = x_watcher(standin, clock, monthly_budget=45, per_page=100)
        third = poll_once(store, bigger, clock=clock)
        assert third.stored == 25
        assert standin.server.state["served"] == 45
    assert get_health(store, "x").budget_used == 45


def test_max_pages_leaves_a_resume_token_and_the_next_pass_finishes(
    store: Store, clock: Clock
) -> None:
    with x_standin(_tweets(45), USERS) as standin:
        watcher = x_watcher(standin, clock, max_pages=2)
        first = poll_once(store, watcher, clock=clock)
        assert first.stored == 20
        assert store.get_cursor("x", "search:*") is None
        assert store.get_cursor("x", "search:*#resume") is not None
        standin.server.state["tweets"].extend(_tweets(5, start=46))
        second = poll_once(store, watcher, clock=clock)
        third = poll_once(store, watcher, clock=clock)
        fourth = poll_once(store, watcher, clock=clock)
    assert first.stored + second.stored + third.stored + fourth.stored == 50
    assert _keys(store) == {f"x:{i}" for i in range(1, 51)}
    assert store.get_cursor("x", "search:*") == "50"


def test_account_timelines_resolve_usernames_once(store: Store, clock: Clock) -> None:
    with x_standin(_tweets(12), USERS) as standin:
        watcher = x_watcher(standin, clock, queries=[], accounts=["@mattshumer", "nobody"])
        report = poll_once(store, watcher, clock=clock)
        assert report.stored == 6
        assert all(store.get_post(k).author == "mattshumer" for k in report.stored_keys)
        assert any("nobody" in n for n in report.notes)
        poll_once(store, watcher, clock=clock)
        lookups = [r for r in standin.requests if r.path.startswith("/2/users/by")]
    assert len(lookups) == 2  # "nobody" is asked again; mattshumer's id is cached
    assert store.get_cursor("x", "user_id:mattshumer") == "1"


def test_hostile_json_is_malformed_not_a_crash(store: Store, clock: Clock) -> None:
    deep = b'{"data": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    huge = b'{"meta": {"result_count": ' + b"9" * 5000 + b"}}"
    for body, says in ((deep, "deeper than 64 levels"), (huge, "longer than 64 digits")):
        with x_standin(_tweets(3), USERS) as standin:
            standin.server.state["faults"].append(Fault("/2/tweets", 200, body))
            report = poll_once(store, x_watcher(standin, clock), clock=clock, ignore_backoff=True)
        assert report.error_kind == "malformed", report.error
        assert says in report.error
