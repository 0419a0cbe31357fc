"""A stand-in for Reddit's OAuth API (read-only), on 127.0.0.1.

Routes: POST /api/v1/access_token (client-credentials grant, HTTP basic
auth), GET /r/{a+b}/new (Listing JSON, `limit`, `after`), GET
/comments/{id}/ (submission listing + comment listing, `limit`, `sort=top`).
Use one server as both `oauth_url` and `reddit_url`.

State: `submissions` (t3 data dicts, see `make_submission`), `comments`
(submission id -> t1 data dicts), `client_id`/`client_secret`, `faults`
(see watchers_faults), `listing_requests`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hypewatch.standins.http import Standin, StandinHandler, serve
from hypewatch.standins.watchers_faults import dump_json, take_fault

TOKEN = "standin-reddit-token"


def make_submission(
    number: int,
    title: str,
    *,
    subreddit: str = "LocalLLaMA",
    selftext: str | bytes = "",
    url: str = "",
    author: str = "someone",
    created_utc: float | None = None,
    score: int = 1,
    num_comments: int = 0,
    removed_by_category: str | None = None,
) -> dict[str, Any]:
    """A t3 (submission) data dict; a link post when `url` is given."""
    sid = _base36(number + 36**4)
    permalink = f"/r/{subreddit}/comments/{sid}/post_{number}/"
    return {
        "id": sid,
        "name": f"t3_{sid}",
        "title": title,
        "selftext": selftext,
        "url": url or f"https://www.reddit.com{permalink}",
        "is_self": not url,
        "permalink": permalink,
        "author": author,
        "subreddit": subreddit,
        "subreddit_name_prefixed": f"r/{subreddit}",
        "created_utc": created_utc if created_utc is not None else 1_725_500_000.0 + number,
        "score": score,
        "num_comments": num_comments,
        "upvote_ratio": 0.9,
        "over_18": False,
        "removed_by_category": removed_by_category,
    }


def make_comment(
    number: int, body: str, *, score: int = 1, author: str = "commenter"
) -> dict[str, Any]:
    cid = _base36(number + 36**5)
    return {
        "id": cid,
        "name": f"t1_{cid}",
        "body": body,
        "score": score,
        "author": author,
        "created_utc": 1_725_600_000.0 + number,
        "replies": "",
    }


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while value:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
    return out or "0"


def _listing(children: list[dict[str, Any]], kind: str, after: str | None) -> dict[str, Any]:
    return {
        "kind": "Listing",
        "data": {
            "after": after,
            "before": None,
            "dist": len(children),
            "children": [{"kind": kind, "data": c} for c in children],
        },
    }


class RedditHandler(StandinHandler):
    def do_POST(self) -> None:
        body = self.read_body()
        if take_fault(self):
            return
        if self.path.split("?")[0] != "/api/v1/access_token":
            self.send_json(404, {"message": "Not Found", "error": 404})
            return
        expected = f"{self.state['client_id']}:{self.state['client_secret']}".encode()
        given = self.headers.get("Authorization", "")
        if (
            given != "Basic " + base64.b64encode(expected).decode()
            or b"client_credentials" not in body
        ):
            self.send_json(401, {"message": "Unauthorized", "error": 401})
            return
        self.send_json(
            200, {"access_token": TOKEN, "token_type": "bearer", "expires_in": 86400, "scope": "*"}
        )

    def do_GET(self) -> None:
        self.read_body()
        if take_fault(self):
            return
        if self.headers.get("Authorization") != f"bearer {TOKEN}":
            self.send_json(401, {"message": "Unauthorized", "error": 401})
            return
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if m := re.fullmatch(r"/r/([\w+]+)/new/?", parts.path):
            self._new(m.group(1).lower().split("+"), query)
        elif m := re.fullmatch(r"/comments/(\w+)/?", parts.path):
            self._comments(m.group(1), query)
        else:
            self.send_json(404, {"message": "Not Found", "error": 404})

    def _new(self, subreddits: list[str], query: dict[str, str]) -> None:
        limit = min(int(query.get("limit", "25")), 100)
        with self.server.lock:
            self.state["listing_requests"] = self.state.get("listing_requests", 0) + 1
            items = sorted(
                (s for s in self.state["submissions"] if s["subreddit"].lower() in subreddits),
                key=lambda s: (s["created_utc"], int(s["id"], 36)),
                reverse=True,
            )
        if after := query.get("after"):
            names = [s["name"] for s in items]
            items = items[names.index(after) + 1 :] if after in names else []
        page = items[:limit]
        more = len(items) > limit
        doc = _listing(page, "t3", page[-1]["name"] if more and page else None)
        self.send_bytes(200, dump_json(doc), "application/json; charset=UTF-8")

    def _comments(self, sid: str, query: dict[str, str]) -> None:
        found = [s for s in self.state["submissions"] if s["id"] == sid]
        if not found:
            self.send_json(404, {"message": "Not Found", "error": 404})
            return
        limit = int(query.get("limit", "200"))
        comments = self.state.get("comments", {}).get(sid, [])
        if query.get("sort") == "top":
            comments = sorted(comments, key=lambda c: c["score"], reverse=True)
        doc = [_listing(found, "t3", None), _listing(comments[:limit], "t1", None)]
        self.send_bytes(200, dump_json(doc), "application/json; charset=UTF-8")


@contextmanager
def reddit_standin(
    submissions: Sequence[dict[str, Any]] = (),
    comments: dict[str, list[dict[str, Any]]] | None = None,
    client_id: str = "standin-id",
    client_secret: str = "standin-secret",
) -> Iterator[Standin]:
    with serve(
        RedditHandler,
        submissions=list(submissions),
        comments=dict(comments or {}),
        client_id=client_id,
        client_secret=client_secret,
        faults=[],
    ) as standin:
        yield standin
