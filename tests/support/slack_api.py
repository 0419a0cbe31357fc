"""A Slack Web API stand-in for `WebClient(base_url=".../api/")`.

Methods: chat.postMessage (root or `thread_ts` reply; like Slack, an unknown
`thread_ts` is accepted), chat.update, conversations.history and
conversations.replies (with message metadata when `include_all_metadata`),
and the file upload `files_upload_v2` makes: files.getUploadURLExternal
(`filename`, `length`; answers `upload_url` on this server and `file_id`),
a POST of the bytes to that URL (`OK - <length>`, as files.slack.com says),
files.completeUploadExternal (`files` JSON of `{id, title}`, `channel_id`,
`thread_ts`) which shares the file in the thread as a message with `files`
and `upload: true`. Bearer token checked (`invalid_auth`), `channel_not_found`
for unknown channels, `fail_next` = list of (status, json body, headers)
answered first (429 + Retry-After for rate limits); `scopes` (default all)
without `files:write` answers uploads `missing_scope`. `files` maps file id ->
{name, title, alt_txt, length, data, shared}.

Read methods: a form POST, as slack_sdk's `conversations_history()` sends
them, or GET with query parameters; newest first for history, parent then
replies oldest first for replies, `limit` honoured. `drop_writes_every = N`:
every Nth `chat.postMessage` is stored and then its connection is closed
without an answer (a connection lost after Slack took the message; `dropped`
counts them).

`state["messages"]` holds the stored messages as Slack's message objects (only their
fields: `type`, `user`, `bot_id`, `app_id`, `text`, `ts`, `blocks` or `files` and
`upload`, `thread_ts` for a reply, `metadata` when posted with it, `edited` once
updated); `state["channel_of"]` maps a message's `ts` to its channel (Slack's
message objects do not carry it). What was sent (`unfurl_links`, ...) is in the
request log, `Standin.requests`. On the wire, `_public` adds the thread fields
(`reply_count`, ... on a parent, `parent_user_id` on a reply) and leaves the
metadata out unless `include_all_metadata` asked for it.
"""

from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hypewatch.standins.http import Recorded, StandinHandler, drop_after_write

_ts = itertools.count(1)
BOT_USER = "U0HYPEWATCH"
BOT_ID = "B0HYPEWATCH"
APP_ID = "A0HYPEWATCH"
_file_ids = itertools.count(1)
_NEEDS_CHANNEL = frozenset(
    {"chat.postMessage", "chat.update", "conversations.history", "conversations.replies"}
)


def new_state(**extra: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        "token": "xoxb-test",
        "channels": {"C0123456789"},
        "messages": [],
        "channel_of": {},
        "fail_next": [],
        "files": {},
        "scopes": {"chat:write", "channels:history", "files:write"},
    }
    state.update(extra)
    return state


def _decode(body: bytes, content_type: str) -> dict[str, Any]:
    """A Web API call's arguments: a JSON body or a form (as slack_sdk sends them)."""
    if content_type.startswith("application/json"):
        return dict(json.loads(body or b"{}"))
    return {k: v[0] for k, v in parse_qs(body.decode()).items()}


def calls(requests: list[Recorded], method: str) -> list[dict[str, Any]]:
    """The arguments of every `method` call the stand-in received (from its request log),
    in order: what the client sent, e.g. `unfurl_links`."""
    return [
        _decode(r.body, r.headers.get("Content-Type", ""))
        for r in requests
        if r.method == "POST" and urlsplit(r.path).path.endswith(f"/{method}")
    ]


class SlackHandler(StandinHandler):
    def _args(self) -> dict[str, Any]:
        return _decode(self.read_body(), self.headers.get("Content-Type", ""))

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.read_body()  # records the request
        args = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self._dispatch(parts.path.rsplit("/", 1)[-1], args)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/upload/v1/"):
            self._receive_file(path.removeprefix("/upload/v1/"))
            return
        method = path.rsplit("/", 1)[-1]
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
        if method in _NEEDS_CHANNEL and args.get("channel") not in self.state["channels"]:
            self.send_json(200, {"ok": False, "error": "channel_not_found"})
            return
        if method.startswith("files.") and "files:write" not in self.state["scopes"]:
            self.send_json(200, {"ok": False, "error": "missing_scope", "needed": "files:write"})
            return
        handler = {
            "chat.postMessage": self._post,
            "chat.update": self._update,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
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
        message = self._message(str(args.get("text") or ""), args.get("thread_ts"))
        message["blocks"] = args.get("blocks") or []
        if args.get("metadata"):
            message["metadata"] = args["metadata"]
        self._keep(message, str(args["channel"]))
        shown = self._public(message, with_meta=True)
        return {"ok": True, "channel": args["channel"], "ts": message["ts"], "message": shown}

    @staticmethod
    def _message(text: str, thread_ts: Any) -> dict[str, Any]:
        """A new message object of the bot's, as Slack stores it."""
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "text": text,
            "ts": f"1700000000.{next(_ts):06d}",
        }
        if thread_ts:
            message["thread_ts"] = str(thread_ts)
        return message

    def _keep(self, message: dict[str, Any], channel: str) -> None:
        with self.server.lock:
            self.state["messages"].append(message)
            self.state["channel_of"][message["ts"]] = channel

    def _in(self, message: dict[str, Any], channel: Any) -> bool:
        return bool(self.state["channel_of"].get(message["ts"]) == channel)

    def _public(self, message: dict[str, Any], with_meta: bool) -> dict[str, Any]:
        """A message object as Slack's API shows it (a bot's message): a parent with its
        thread's counts, a reply with `parent_user_id`; metadata only when asked for."""
        shown = {k: v for k, v in message.items() if k != "metadata" or with_meta}
        replies = [m for m in self.state["messages"] if m.get("thread_ts") == message["ts"]]
        if message.get("thread_ts"):
            shown["parent_user_id"] = BOT_USER
        elif replies:
            shown |= {
                "thread_ts": message["ts"],
                "reply_count": len(replies),
                "reply_users": [BOT_USER],
                "reply_users_count": 1,
                "latest_reply": replies[-1]["ts"],
            }
        return shown

    def _find(self, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.state["messages"] if m["ts"] == ts), None)

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self._find(str(args.get("ts")))
        if message is None or not self._in(message, args["channel"]):
            return {"ok": False, "error": "message_not_found"}
        with self.server.lock:
            message.update(text=args.get("text", ""), blocks=args.get("blocks", []))
            message["edited"] = {"user": BOT_USER, "ts": f"1700000000.{next(_ts):06d}"}
        shown = self._public(message, with_meta=False)
        answer = {"ok": True, "channel": args["channel"], "ts": message["ts"]}
        return answer | {"text": message["text"], "message": shown}

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
                if self._in(m, args["channel"]) and not m.get("thread_ts")
            ]
        return self._page(list(reversed(roots)), args)

    def _replies(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = str(args.get("ts"))
        with self.server.lock:
            found = [
                m
                for m in self.state["messages"]
                if self._in(m, args["channel"]) and ts in (m["ts"], m.get("thread_ts"))
            ]
        if not found:
            return {"ok": False, "error": "thread_not_found"}
        return self._page(found, args)

    # -- files_upload_v2 -----------------------------------------------------------

    def _upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        filename, length = str(args.get("filename") or ""), str(args.get("length") or "")
        if not filename or not length.isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(_file_ids):010d}"
        with self.server.lock:
            self.state["files"][file_id] = {
                "name": filename,
                "title": filename,
                "alt_txt": str(args.get("alt_txt") or ""),
                "length": int(length),
                "data": None,
                "shared": False,
            }
        host, port = self.server.server_address[:2]
        url = f"http://{host!s}:{port}/upload/v1/{file_id}"
        return {"ok": True, "upload_url": url, "file_id": file_id}

    def _receive_file(self, file_id: str) -> None:
        data = self.read_body()
        with self.server.lock:
            file = self.state["files"].get(file_id)
            if file is not None and file["data"] is None:
                file["data"] = data
        if file is None:
            self.send_bytes(404, b"Not Found", "text/plain")
            return
        self.send_bytes(200, f"OK - {len(data)}".encode(), "text/plain; charset=utf-8")

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        try:
            wanted = json.loads(str(args.get("files") or ""))
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        channel = args.get("channel_id")
        if channel is not None and channel not in self.state["channels"]:
            return {"ok": False, "error": "channel_not_found"}
        done: list[dict[str, Any]] = []
        with self.server.lock:
            for item in wanted if isinstance(wanted, list) else []:
                file = self.state["files"].get(str(item.get("id")))
                if file is None or file["data"] is None:
                    return {"ok": False, "error": "file_not_found"}
                file["title"] = str(item.get("title") or file["name"])
                done.append({"id": str(item["id"]), "title": file["title"]})
        if not done:
            return {"ok": False, "error": "invalid_arguments"}
        if channel:
            message = self._message(str(args.get("initial_comment") or ""), args.get("thread_ts"))
            message["files"] = [self._file_object(f["id"]) for f in done]
            message["upload"] = True
            with self.server.lock:
                for f in done:
                    self.state["files"][f["id"]]["shared"] = True
            self._keep(message, str(channel))
        return {"ok": True, "files": done}

    def _file_object(self, file_id: str) -> dict[str, Any]:
        file = self.state["files"][file_id]
        png = file["name"].endswith(".png")
        return {
            "id": file_id,
            "name": file["name"],
            "title": file["title"],
            "mimetype": "image/png" if png else "application/octet-stream",
            "filetype": "png" if png else "binary",
            "size": len(file["data"] or b""),
        }
