"""A stand-in for the X API v2 (the parts hypewatch reads), on 127.0.0.1.

Routes: GET /2/tweets/search/recent, GET /2/users/{id}/tweets,
GET /2/users/by. Replies carry `data`, `includes.users` (for
`expansions=author_id`), `meta` (`newest_id`, `oldest_id`, `result_count`,
`next_token`) and the `x-rate-limit-*` headers. Posts are served newest
first; `since_id` filters, `next_token`/`pagination_token` continue below the
last id served (stable while posts are added). A query matches a post when
any word of the query that is not an operator (`-x`, `x:y`, OR, quotes,
parentheses) appears in its text, case-insensitively; `*` matches all.

State: `tweets` (list of v2 tweet dicts, see `make_tweet`), `users` (id ->
user dict), `token` (expected bearer), `faults` (see watchers_faults),
`served` (posts served so far), `rate_remaining`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hypewatch.standins.http import Standin, StandinHandler, serve
from hypewatch.standins.watchers_faults import dump_json, take_fault

_OPERATOR = re.compile(r"^(-|\w+:|OR$|AND$)")


def make_tweet(
    tweet_id: int,
    text: str | bytes,
    author_id: str,
    *,
    created_at: datetime | None = None,
    links: Sequence[tuple[str, str]] = (),
    likes: int = 0,
    retweets: int = 0,
) -> dict[str, Any]:
    """A v2 tweet; `links` are (t.co url, expanded url) pairs appended to the text."""
    body = text if isinstance(text, bytes) else text.encode()
    urls = []
    for short, expanded in links:
        start = len(body.decode("utf-8", "replace")) + 1
        body += b" " + short.encode()
        urls.append(
            {
                "start": start,
                "end": start + len(short),
                "url": short,
                "expanded_url": expanded,
                "display_url": expanded.split("://", 1)[-1][:30],
            }
        )
    when = created_at or datetime(2024, 9, 5, tzinfo=UTC) + timedelta(seconds=tweet_id)
    tweet: dict[str, Any] = {
        "id": str(tweet_id),
        "text": body if isinstance(text, bytes) else body.decode(),
        "author_id": author_id,
        "created_at": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "lang": "en",
        "edit_history_tweet_ids": [str(tweet_id)],
        "public_metrics": {
            "retweet_count": retweets,
            "reply_count": 0,
            "like_count": likes,
            "quote_count": 0,
            "bookmark_count": 0,
            "impression_count": likes * 10,
        },
    }
    if urls:
        tweet["entities"] = {"urls": urls}
    return tweet


def _matches(query: str, tweet: dict[str, Any]) -> bool:
    words = [w.strip('()"').lower() for w in query.split()]
    words = [w for w in words if w and not _OPERATOR.match(w) and w != "or"]
    if not words or words == ["*"]:
        return True
    text = tweet["text"]
    haystack = (text.decode("utf-8", "replace") if isinstance(text, bytes) else text).lower()
    return any(w in haystack for w in words)


class XHandler(StandinHandler):
    def do_GET(self) -> None:
        self.read_body()
        if take_fault(self):
            return
        if self.headers.get("Authorization") != f"Bearer {self.state['token']}":
            self.send_json(401, {"title": "Unauthorized", "status": 401, "detail": "bad token"})
            return
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        path = parts.path
        if path == "/2/tweets/search/recent":
            q = query.get("query", "")
            self._page(query, lambda t: _matches(q, t), "next_token", 10)
        elif path == "/2/users/by":
            self._users_by(query.get("usernames", "").split(","))
        elif m := re.fullmatch(r"/2/users/(\d+)/tweets", path):
            author = m.group(1)
            self._page(query, lambda t: t["author_id"] == author, "pagination_token", 5)
        else:
            self.send_json(404, {"title": "Not Found Error", "status": 404})

    def _limits(self) -> dict[str, str]:
        with self.server.lock:
            self.state["rate_remaining"] = max(0, self.state.get("rate_remaining", 450) - 1)
            remaining = self.state["rate_remaining"]
        return {
            "x-rate-limit-limit": "450",
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(int(time.time()) + 900),
        }

    def _page(self, query: dict[str, str], keep: Any, token_param: str, smallest: int) -> None:
        size = int(query.get("max_results", "10"))
        if not smallest <= size <= 100:
            self.send_json(400, {"title": "Invalid Request", "detail": "max_results out of range"})
            return
        since = int(query.get("since_id") or 0)
        below = int(query[token_param][1:]) if query.get(token_param) else None
        with self.server.lock:
            chosen = sorted(
                (t for t in self.state["tweets"] if int(t["id"]) > since and keep(t)),
                key=lambda t: int(t["id"]),
                reverse=True,
            )
        if below is not None:
            chosen = [t for t in chosen if int(t["id"]) < below]
        page, more = chosen[:size], len(chosen) > size
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
        if more:
            meta["next_token"] = f"b{page[-1]['id']}"
        doc: dict[str, Any] = {"meta": meta}
        if page:
            doc["data"] = page
            authors = {t["author_id"] for t in page}
            users = self.state.get("users", {})
            doc["includes"] = {"users": [users[a] for a in sorted(authors) if a in users]}
        with self.server.lock:
            self.state["served"] = self.state.get("served", 0) + len(page)
        self.send_bytes(200, dump_json(doc), "application/json; charset=utf-8", self._limits())

    def _users_by(self, names: list[str]) -> None:
        users = self.state.get("users", {})
        wanted = {n.lower() for n in names if n}
        found = [u for u in users.values() if u["username"].lower() in wanted]
        doc: dict[str, Any] = {"data": found} if found else {}
        missing = wanted - {u["username"].lower() for u in found}
        if missing:
            doc["errors"] = [
                {
                    "value": n,
                    "detail": f"Could not find user with usernames: [{n}].",
                    "title": "Not Found Error",
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
                for n in sorted(missing)
            ]
        self.send_json(200, doc, self._limits())


def make_user(user_id: str, username: str) -> dict[str, Any]:
    return {"id": user_id, "username": username, "name": username.title(), "verified": False}


@contextmanager
def x_standin(
    tweets: Sequence[dict[str, Any]] = (),
    users: Sequence[dict[str, Any]] = (),
    token: str = "test-bearer",
) -> Iterator[Standin]:
    with serve(
        XHandler,
        tweets=list(tweets),
        users={u["id"]: u for u in users},
        token=token,
        faults=[],
        served=0,
    ) as standin:
        yield standin
