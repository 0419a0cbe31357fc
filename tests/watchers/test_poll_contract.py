"""poll_once's guarantees, independent of any client library."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from hypewatch.bot.watchers.base import (
    Batch,
    PollContext,
    SourceError,
    clean_text,
    make_post,
    poll_once,
)
from hypewatch.storage import Store
from hypewatch.storage.health import get_health
from tests.watchers.conftest import Clock


class ScriptedSource:
    """A source whose pages are given up front; `fail_after` raises after that many."""

    source = "demo"
    monthly_budget: int | None = None

    def __init__(self, pages: list[Batch], fail_after: int | None = None) -> None:
        self.pages = pages
        self.fail_after = fail_after

    def fetch(self, ctx: PollContext) -> Iterator[Batch]:
        for i, page in enumerate(self.pages):
            if i == self.fail_after:
                raise SourceError("upstream went away", kind="network")
            yield page


#: When the scripted posts say they were posted.
POSTED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _page(n: int, cursor: str) -> Batch:
    posts = [
        make_post("demo", f"{n}-{i}", f"post {i}", limit=100, created_at=POSTED) for i in range(3)
    ]
    return Batch(posts, {"c": cursor})


def test_a_failed_write_rolls_back_posts_and_cursor_together(store: Store, clock: Clock) -> None:
    def broken(_: Store) -> None:
        raise RuntimeError("disk full")

    first = _page(1, "one")
    crashing = Batch(_page(2, "two").posts, {"c": "two"}, extra_writes=broken)
    with pytest.raises(RuntimeError):
        poll_once(store, ScriptedSource([first, crashing]), clock=clock)
    assert store.get_cursor("demo", "c") == "one"
    assert store.count_posts() == 3


def test_a_source_error_keeps_earlier_batches_and_backs_off(store: Store, clock: Clock) -> None:
    source = ScriptedSource([_page(1, "one"), _page(2, "two")], fail_after=1)
    report = poll_once(store, source, clock=clock)
    assert (report.stored, report.error_kind) == (3, "network")
    assert store.get_cursor("demo", "c") == "one"
    health = get_health(store, "demo")
    assert health.consecutive_failures == 1
    assert health.backoff_until is not None
    assert poll_once(store, source, clock=clock).skipped
    again = poll_once(store, source, clock=clock, ignore_backoff=True)
    assert get_health(store, "demo").consecutive_failures == 2
    assert again.backoff_until is not None
    assert health.backoff_until is not None
    assert again.backoff_until - clock() > health.backoff_until - clock()  # exponential


def test_clean_text_handles_bytes_surrogates_nul_and_caps() -> None:
    assert clean_text(b"caf\xe9", 10) == "caf\ufffd"
    assert clean_text("a\ud800b\x00c", 10) == "a?bc"
    assert clean_text("x" * 50, 7) == "x" * 7
    post = make_post(
        "demo", "1", "t", limit=5, created_at=POSTED, raw={"k": "\ud800" * 3, "n": [b"\xff"]}
    )
    assert post.raw == {"k": "???", "n": ["\ufffd"]}
