"""Lab blogs and news through their RSS/Atom feeds (feedparser).

Labs announce on their own blogs first. Each configured feed is fetched through the guarded
`WatcherSession` (loopback/private refused unless allowed, byte cap, timeouts) and parsed with
feedparser, which reads RSS 0.9x/1.0/2.0 and Atom and sanitises entry HTML.

Cursors (source "web"): `feed:<url>` holds `{"updated", "id"}` of the newest entry stored
from that feed. A pass stores the entries newer than the cursor, oldest first, in one batch
per feed that moves the cursor with it. The post text is the entry's title, then its content
(HTML kept: cards and blogs put their benchmark tables in `<table>`s, which the extractor
parses), capped at `max_text_chars`.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import feedparser
import requests

from hypewatch.bot.watchers.base import Batch, PollContext, SourceError
from hypewatch.bot.watchers.session import WatcherSession
from hypewatch.config import Settings
from hypewatch.models import Post, Source
from hypewatch.net import NetConfig, NetError

__all__ = ["WebWatcher", "build_web_watcher"]


def _when(entry: Any) -> datetime | None:
    stamp = entry.get("updated_parsed") or entry.get("published_parsed")
    return datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None


def _iso(value: datetime | None) -> str:
    when = value or datetime(1970, 1, 1, tzinfo=UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(entry: Any, limit: int) -> str:
    parts = [str(entry.get("title") or "")]
    contents = entry.get("content") or []
    body = "\n\n".join(str(c.get("value") or "") for c in contents) or str(
        entry.get("summary") or ""
    )
    parts.append(body)
    return "\n\n".join(p.strip() for p in parts if p.strip())[:limit]


class WebWatcher:
    """RSS/Atom feeds of lab blogs and news sites."""

    source = str(Source.WEB)
    monthly_budget: int | None = None

    def __init__(
        self,
        session: requests.Session,
        feeds: Sequence[str],
        *,
        max_entries: int = 50,
        max_text_chars: int = 100_000,
        timeout: tuple[float, float] = (5.0, 30.0),
    ) -> None:
        self.session = session
        self.feeds = list(feeds)
        self.max_entries = max_entries
        self.max_text_chars = max_text_chars
        self.timeout = timeout

    def fetch(self, ctx: PollContext) -> Iterator[Batch]:
        for url in self.feeds:
            yield self._feed(ctx, url)

    def _download(self, url: str) -> bytes:
        try:
            response = self.session.get(url, timeout=self.timeout)
        except NetError as error:
            raise SourceError(f"{url}: {error}", kind="network") from None
        except requests.Timeout as error:
            raise SourceError(f"{url}: {error}", kind="timeout") from None
        except requests.RequestException as error:
            raise SourceError(f"{url}: {type(error).__name__}: {error}", kind="network") from None
        if response.status_code >= 500:
            raise SourceError(f"{url}: HTTP {response.status_code}", kind="server")
        if response.status_code >= 400:
            raise SourceError(f"{url}: HTTP {response.status_code}", kind="client")
        return response.content

    def _feed(self, ctx: PollContext, url: str) -> Batch:
        parsed = feedparser.parse(self._download(url))
        if parsed.get("bozo") and not parsed.entries:
            reason = parsed.get("bozo_exception")
            raise SourceError(f"{url}: not an RSS or Atom feed ({reason})", kind="malformed")
        key = f"feed:{url}"
        cursor = json.loads(ctx.cursor(key) or "{}")
        seen = (str(cursor.get("updated", "")), str(cursor.get("id", "")))
        feed_title = str(parsed.feed.get("title") or url)
        fresh: list[tuple[str, str, Any]] = []
        for entry in parsed.entries[: self.max_entries]:
            ident = str(entry.get("id") or entry.get("link") or "")
            if not ident:
                continue
            stamp = _iso(_when(entry))
            if (stamp, ident) > seen:
                fresh.append((stamp, ident, entry))
        fresh.sort(key=lambda item: (item[0], item[1]))
        now = ctx.clock()
        posts = [self._post(entry, ident, feed_title, now) for _, ident, entry in fresh]
        if not fresh:
            return Batch()
        newest = fresh[-1]
        return Batch(
            posts=posts, cursors={key: json.dumps({"updated": newest[0], "id": newest[1]})}
        )

    def _post(self, entry: Any, ident: str, feed_title: str, now: datetime) -> Post:
        """The entry as a post; `now` (the poll's time) dates an entry the feed left undated."""
        return Post(
            source=self.source,
            native_id=ident[:500],
            text=_text(entry, self.max_text_chars),
            author=str(entry.get("author") or feed_title)[:200],
            url=str(entry.get("link") or "")[:2000],
            created_at=_when(entry) or now,
            raw={"feed": feed_title[:200], "title": str(entry.get("title") or "")[:500]},
        )


def build_web_watcher(settings: Settings, *, allow_private: bool = False) -> WebWatcher:
    web = settings.sources.web
    net = NetConfig.from_settings(settings.network, allow_private=allow_private)
    return WebWatcher(
        WatcherSession(net),
        web.feeds,
        max_entries=web.max_entries_per_feed,
        max_text_chars=settings.extraction.max_text_chars,
        timeout=(net.connect_timeout, net.read_timeout),
    )
