"""A Slack Web API stand-in for `WebClient(base_url=".../api/")`.

Methods: chat.postMessage (root or `thread_ts` reply; like Slack, an unknown
`thread_ts` is accepted), chat.update, conversations.history and
conversations.replies (read methods: a form POST, as slack_sdk's
`conversations_history()` sends them, or GET with query parameters; message metadata
only with `include_all_metadata`; newest first for history, parent then
replies oldest first for replies, `limit` honoured).
Bearer token checked (`invalid_auth`), `channel_not_found` for unknown
channels, `fail_next` = list of (status, json body, headers) answered first
(429 + Retry-After for rate limits). `drop_writes_every = N`: every Nth
`chat.postMessage` is stored and then its connection is closed without an
answer (a connection lost after Slack took the message; `dropped` counts them).

`state["messages"]` is the stand-in's own record of what it received (with
the request's flags, for tests); what goes on the wire is only what Slack's
message objects carry (`_public`).
"""

from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hypewatch.standins.http import StandinHandler, drop_after_write

_ts = itertools.count(1)
BOT_USER = "U0HYPEWATCH"
BOT_ID = "B0HYPEWATCH"
APP_ID = "A0HYPEWATCH"


def new_state(**extra: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        "token": "xoxb-test",
        "channels": {"C0123456789"},
        "messages": [],
        "fail_next": [],
    }
    state.update(extra)
    return state


class SlackHandler(StandinHandler):
    def _args(self) -> dict[str, Any]:
        raw = self.read_body()
        ctype = self.headers.get("Content-Type", "")
        if ctype.startswith("application/json"):
            return dict(json.loads(raw or b"{}"))
        return {k: v[0] for k, v in parse_qs(raw.decode()).items()}

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.read_body()  # records the request
        args = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self._dispatch(parts.path.rsplit("/", 1)[-1], args)

    def do_POST(self) -> None:
        method = urlsplit(self.path).path.rsplit("/", 1)[-1]
        args = self._args()
        self._dispatch(method, args)

    def _dispatch(self, method: str, args: dict[str, Any]) -> None:
        with self.server.lock:
            failure = self.state["fail_next"].pop(0) if self.state["fail_next"] else None
        if failure:
            status, body, headers = failure
            self.send_json(status, body, headers)
            return
        if self.headers.get("Authorization") != f"Bearer {self.state['token']}":
            self.send_json(200, {"ok": False, "error": "invalid_auth"})
            return
        if args.get("channel") not in self.state["channels"]:
            self.send_json(200, {"ok": False, "error": "channel_not_found"})
            return
        handler = {
            "chat.postMessage": self._post,
            "chat.update": self._update,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
        }.get(method)
        if handler is None:
            self.send_json(200, {"ok": False, "error": "unknown_method"})
            return
        answer = handler(args)
        if method == "chat.postMessage" and answer.get("ok") and drop_after_write(self):
            return  # stored, and the answer is lost with the connection
        self.send_json(200, answer)

    def _post(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        for block in args.get("blocks") or []:
            if block.get("type") == "section" and len(block["text"]["text"]) > 3000:
                return {"ok": False, "error": "invalid_blocks"}
        message = {
            "ts": f"1700000000.{next(_ts):06d}",
            "channel": args["channel"],
            "text": args.get("text", ""),
            "blocks": args.get("blocks", []),
            "thread_ts": args.get("thread_ts"),
            "metadata": args.get("metadata"),
            "unfurl_links": args.get("unfurl_links"),
            "unfurl_media": args.get("unfurl_media"),
            "edits": 0,
        }
        with self.server.lock:
            self.state["messages"].append(message)
        shown = self._public(message, with_meta=True)
        return {"ok": True, "channel": args["channel"], "ts": message["ts"], "message": shown}

    def _public(self, message: dict[str, Any], with_meta: bool) -> dict[str, Any]:
        """A message object as Slack's API shows it (a bot's message)."""
        shown: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "text": message["text"],
            "ts": message["ts"],
            "blocks": message["blocks"],
        }
        replies = [m for m in self.state["messages"] if m["thread_ts"] == message["ts"]]
        if message["thread_ts"]:
            shown["thread_ts"] = message["thread_ts"]
            shown["parent_user_id"] = BOT_USER
        elif replies:
            shown |= {
                "thread_ts": message["ts"],
                "reply_count": len(replies),
                "reply_users": [BOT_USER],
                "reply_users_count": 1,
                "latest_reply": replies[-1]["ts"],
            }
        if message["edits"]:
            shown["edited"] = {"user": BOT_USER, "ts": message["edited_ts"]}
        if with_meta and message.get("metadata"):
            shown["metadata"] = message["metadata"]
        return shown

    def _find(self, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.state["messages"] if m["ts"] == ts), None)

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self._find(str(args.get("ts")))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        with self.server.lock:
            message.update(text=args.get("text", ""), blocks=args.get("blocks", []))
            message["edits"] += 1
            message["edited_ts"] = f"1700000000.{next(_ts):06d}"
        shown = self._public(message, with_meta=False)
        return {"ok": True, "channel": args["channel"], "ts": message["ts"], "message": shown}

    @staticmethod
    def _flag(value: Any) -> bool:
        return str(value).lower() in ("1", "true")

    @staticmethod
    def _limit(args: dict[str, Any]) -> int:
        try:
            return max(1, min(int(args.get("limit") or 100), 999))
        except ValueError:
            return 100

    def _page(self, found: list[dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
        limit = self._limit(args)
        meta = self._flag(args.get("include_all_metadata"))
        page = {"ok": True, "messages": [self._public(m, meta) for m in found[:limit]]}
        page["has_more"] = len(found) > limit
        if len(found) > limit:  # cursors are opaque to clients; an offset will do here
            page["response_metadata"] = {"next_cursor": f"offset:{limit}"}
        return page

    def _history(self, args: dict[str, Any]) -> dict[str, Any]:
        with self.server.lock:
            roots = [
                m
                for m in self.state["messages"]
                if m["channel"] == args["channel"] and not m["thread_ts"]
            ]
        return self._page(list(reversed(roots)), args)

    def _replies(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = str(args.get("ts"))
        with self.server.lock:
            found = [
                m
                for m in self.state["messages"]
                if m["channel"] == args["channel"] and (m["ts"] == ts or m["thread_ts"] == ts)
            ]
        if not found:
            return {"ok": False, "error": "thread_not_found"}
        return self._page(found, args)
