"""A Slack Web API stand-in for `WebClient(base_url=".../api/")`.

Methods: chat.postMessage (root or `thread_ts` reply; like Slack, an unknown
`thread_ts` is accepted), chat.update, conversations.history and
conversations.replies (with message metadata when `include_all_metadata`).
Bearer token checked (`invalid_auth`), `channel_not_found` for unknown
channels, `fail_next` = list of (status, json body, headers) answered first
(429 + Retry-After for rate limits).
"""

from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hypewatch.standins.http import StandinHandler

_ts = itertools.count(1)


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

    def do_POST(self) -> None:
        method = urlsplit(self.path).path.rsplit("/", 1)[-1]
        args = self._args()
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
        self.send_json(200, handler(args))

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
        return {"ok": True, "channel": args["channel"], "ts": message["ts"], "message": message}

    def _find(self, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.state["messages"] if m["ts"] == ts), None)

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self._find(str(args.get("ts")))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        with self.server.lock:
            message.update(text=args.get("text", ""), blocks=args.get("blocks", []))
            message["edits"] += 1
        return {"ok": True, "channel": args["channel"], "ts": message["ts"]}

    def _view(self, message: dict[str, Any], with_meta: bool) -> dict[str, Any]:
        shown = {k: v for k, v in message.items() if k != "metadata"}
        if with_meta and message.get("metadata"):
            shown["metadata"] = message["metadata"]
        return shown

    def _history(self, args: dict[str, Any]) -> dict[str, Any]:
        meta = bool(args.get("include_all_metadata"))
        roots = [
            self._view(m, meta)
            for m in self.state["messages"]
            if m["channel"] == args["channel"] and not m["thread_ts"]
        ]
        return {"ok": True, "messages": list(reversed(roots)), "has_more": False}

    def _replies(self, args: dict[str, Any]) -> dict[str, Any]:
        meta = bool(args.get("include_all_metadata"))
        ts = str(args.get("ts"))
        found = [
            self._view(m, meta)
            for m in self.state["messages"]
            if m["channel"] == args["channel"] and (m["ts"] == ts or m["thread_ts"] == ts)
        ]
        if not found:
            return {"ok": False, "error": "thread_not_found"}
        return {"ok": True, "messages": found, "has_more": False}
