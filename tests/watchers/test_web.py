"""The web source: an Atom and an RSS feed served on 127.0.0.1, read by the real feedparser
through the guarded session, stored by `poll_once` with cursors, then extracted as `web`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hypewatch.bot.watchers import build_watcher, poll_once
from hypewatch.clock import SimulatedClock
from hypewatch.config import parse_settings
from hypewatch.extractors.extractor import Extractor
from hypewatch.standins.http import Standin, StandinHandler, serve
from hypewatch.storage import Store

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Orca Labs blog</title><id>urn:orca:blog</id><updated>2026-12-02T10:00:00Z</updated>
  {entries}
</feed>"""
ENTRY = """<entry><id>urn:orca:{n}</id><title>{title}</title>
  <link href="https://orca.example/blog/{n}"/><updated>2026-12-0{n}T09:00:00Z</updated>
  <content type="html">{body}</content></entry>"""
LAUNCH = (
    "&lt;p&gt;Today we release Orca-9B, our new open model.&lt;/p&gt;&lt;table&gt;&lt;tr&gt;"
    "&lt;th&gt;Benchmark&lt;/th&gt;&lt;th&gt;Orca-9B&lt;/th&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;MMLU"
    "&lt;/td&gt;&lt;td&gt;71.3&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;"
)


class FeedHandler(StandinHandler):
    def do_GET(self) -> None:
        body = self.server.state["feeds"].get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/atom+xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def feeds() -> Iterator[tuple[Standin, dict[str, str]]]:
    state: dict[str, str] = {}
    with serve(FeedHandler, feeds=state) as standin:
        yield standin, state


def _watcher(url: str, allow_private: bool = True):  # type: ignore[no-untyped-def]
    settings = parse_settings({"sources": {"web": {"enabled": True, "feeds": [url]}}})
    return build_watcher(settings, "web", allow_private=allow_private)


def test_new_entries_are_stored_once_oldest_first(
    tmp_path: Path, feeds: tuple[Standin, dict[str, str]]
) -> None:
    standin, state = feeds
    entries = [ENTRY.format(n=1, title="Hiring", body="We are hiring.")]
    state["/blog.atom"] = ATOM.format(entries="".join(entries))
    store = Store.open(tmp_path / "hw.db")
    watcher = _watcher(f"{standin.url}/blog.atom")
    first = poll_once(store, watcher)
    assert first.stored == 1 and not first.error
    entries.append(ENTRY.format(n=2, title="Orca-9B is here", body=LAUNCH))
    state["/blog.atom"] = ATOM.format(entries="".join(reversed(entries)))
    second = poll_once(store, watcher)
    assert second.stored == 1, second.to_json()
    assert poll_once(store, watcher).stored == 0  # the cursor holds
    post = store.get_post("web:urn:orca:2")
    assert post.url == "https://orca.example/blog/2"
    extraction = Extractor().extract(post.text, post.source, post.native_id)
    assert extraction.is_claim
    assert [(s.benchmark, s.value) for s in extraction.scores] == [("mmlu", 71.3)]


def test_not_a_feed_is_a_malformed_source_error(
    tmp_path: Path, feeds: tuple[Standin, dict[str, str]]
) -> None:
    standin, state = feeds
    state["/page"] = "<html><body>not a feed"
    report = poll_once(Store.open(tmp_path / "hw.db"), _watcher(f"{standin.url}/page"))
    assert report.error_kind == "malformed" and report.stored == 0


def test_loopback_feeds_are_refused_unless_allowed(
    tmp_path: Path, feeds: tuple[Standin, dict[str, str]]
) -> None:
    standin, state = feeds
    state["/blog.atom"] = ATOM.format(entries="")
    report = poll_once(
        Store.open(tmp_path / "hw.db"), _watcher(f"{standin.url}/blog.atom", allow_private=False)
    )
    assert report.error and report.stored == 0
    assert all(r.path != "/blog.atom" for r in standin.requests)


def test_an_undated_entry_is_dated_by_the_poll_clock(
    tmp_path: Path, feeds: tuple[Standin, dict[str, str]]
) -> None:
    """RSS lets an item go without a date: the post is dated by the store's clock (the one
    clock the poll reads), not the wall clock."""
    standin, state = feeds
    state["/blog.rss"] = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Orca</title>'
        "<item><guid>urn:orca:9</guid><title>Orca-9B is here</title></item></channel></rss>"
    )
    at = datetime(2031, 6, 1, 12, tzinfo=UTC)
    with Store.open(tmp_path / "hw.db", clock=SimulatedClock(at)) as store:
        assert poll_once(store, _watcher(f"{standin.url}/blog.rss")).stored == 1
        assert store.get_post("web:urn:orca:9").created_at == at
