"""A Discord REST stand-in: webhooks (forum threads, edits) and bot channel messages.

Speaks the wire format closely enough for httpx and discord.py clients:
JSON replies with `Content-Type: application/json` exactly, message objects
with snowflake `id` and `channel_id`, `?wait=true` (else 204), `thread_name`
for forum posts, `?thread_id=` for posts and edits inside a thread (an edit
of a thread message without it is 404 code 10008, as on Discord), 429 with
`retry_after` and `Via`, 404 Unknown Webhook, enforced nonces.

Bot channels: `GET /channels/{id}` answers the channel object (its `type`
from `channel_types`, default 0 = text; 15 = forum), `POST
/channels/{id}/threads` on a forum channel creates a forum post (a thread
whose first message has the thread's id).

State: `fail_next` is a list of (status, json body, headers) answered before
anything else; `webhook_gone=True` answers every webhook call 404 10015.
`messages` maps message id -> stored message; `threads` thread id -> name.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hypewatch.standins.http import StandinHandler

_ids = itertools.count(1_200_000_000_000_000_000)
WEBHOOK = re.compile(r"^/api(?:/v\d+)?/webhooks/(\d+)/([^/]+)(?:/messages/(\d+))?$")
CHANNEL = re.compile(r"^/api(?:/v\d+)?/channels/(\d+)/messages(?:/(\d+))?(/threads)?$")
CHANNEL_INFO = re.compile(r"^/api(?:/v\d+)?/channels/(\d+)$")
FORUM_POST = re.compile(r"^/api(?:/v\d+)?/channels/(\d+)/threads$")
FORUM_TYPES = (15, 16)


def new_state(**extra: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        "fail_next": [],
        "webhook_gone": False,
        "messages": {},
        "threads": {},
        "posts": [],
        "nonces": {},
        "bot_token": "bot-token",
        "channel_types": {},
    }
    state.update(extra)
    return state


class DiscordHandler(StandinHandler):
    def _reply(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        if body is None:
            self.send_bytes(status, b"", "application/json", headers)
        else:
            self.send_json(status, body, headers)

    def _failure(self) -> bool:
        with self.server.lock:
            if not self.state["fail_next"]:
                return False
            status, body, headers = self.state["fail_next"].pop(0)
        self._reply(status, body, headers)
        return True

    def _store(self, channel_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        message = {
            "id": str(next(_ids)),
            "channel_id": channel_id,
            "content": payload.get("content", ""),
            "embeds": payload.get("embeds", []),
            "flags": payload.get("flags", 0),
            "allowed_mentions": payload.get("allowed_mentions"),
            "type": 0,
        }
        with self.server.lock:
            self.state["messages"][message["id"]] = message
            self.state["posts"].append(message)
        return message

    def _body(self) -> dict[str, Any]:
        raw = self.read_body()
        return json.loads(raw) if raw else {}

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") == f"Bot {self.state['bot_token']}":
            return True
        self._reply(401, {"message": "401: Unauthorized", "code": 0})
        return False

    def _channel_object(self, channel_id: str) -> dict[str, Any]:
        kind = int(self.state["channel_types"].get(channel_id, 0))
        return {"id": channel_id, "type": kind, "guild_id": "1100", "name": f"channel-{channel_id}"}

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if self._failure():
            return
        if m := CHANNEL_INFO.match(parts.path):
            if self._authorized():
                self._reply(200, self._channel_object(m.group(1)))
            return
        self._reply(404, {"message": "404: Not Found", "code": 0})

    def _forum_post(self, m: re.Match[str], payload: dict[str, Any]) -> None:
        if not self._authorized():
            return
        channel = m.group(1)
        if int(self.state["channel_types"].get(channel, 0)) not in FORUM_TYPES:
            self._reply(400, {"message": "Invalid Form Body", "code": 50035})
            return
        first = payload.get("message") or {}
        name = payload.get("name", "")
        if not name or len(name) > 100 or not (first.get("content") or first.get("embeds")):
            self._reply(400, {"message": "Invalid Form Body", "code": 50035})
            return
        thread_id = str(next(_ids))
        with self.server.lock:
            self.state["threads"][thread_id] = name
        message = self._store(thread_id, first)
        with self.server.lock:  # a forum post's first message has the post's id
            del self.state["messages"][message["id"]]
            message["id"] = thread_id
            self.state["messages"][thread_id] = message
        post = {"id": thread_id, "type": 11, "parent_id": channel, "name": name}
        self._reply(201, post | {"message": message})

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        payload = self._body()
        if self._failure():
            return
        if m := WEBHOOK.match(parts.path):
            self._webhook_post(m, query, payload)
        elif m := CHANNEL.match(parts.path):
            self._channel_post(m, payload)
        elif m := FORUM_POST.match(parts.path):
            self._forum_post(m, payload)
        else:
            self._reply(404, {"message": "404: Not Found", "code": 0})

    def do_PATCH(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        payload = self._body()
        if self._failure():
            return
        m = WEBHOOK.match(parts.path) or CHANNEL.match(parts.path)
        if not m or not m.group(2 if m.re is CHANNEL else 3):
            self._reply(404, {"message": "404: Not Found", "code": 0})
            return
        if m.re is WEBHOOK and self.state["webhook_gone"]:
            self._reply(404, {"message": "Unknown Webhook", "code": 10015})
            return
        message_id = m.group(2 if m.re is CHANNEL else 3)
        message = self.state["messages"].get(message_id)
        in_thread = message is not None and message["channel_id"] in self.state["threads"]
        elsewhere = m.re is CHANNEL and message is not None and message["channel_id"] != m.group(1)
        if (
            message is None
            or elsewhere
            or (m.re is WEBHOOK and in_thread and "thread_id" not in query)
        ):
            self._reply(404, {"message": "Unknown Message", "code": 10008})
            return
        with self.server.lock:
            for key in ("content", "embeds"):
                if key in payload:
                    message[key] = payload[key]
            message["edits"] = message.get("edits", 0) + 1
        self._reply(200, message)

    def _webhook_post(
        self, m: re.Match[str], query: dict[str, str], payload: dict[str, Any]
    ) -> None:
        if self.state["webhook_gone"]:
            self._reply(404, {"message": "Unknown Webhook", "code": 10015})
            return
        if not payload.get("content") and not payload.get("embeds"):
            self._reply(400, {"message": "Cannot send an empty message", "code": 50006})
            return
        if len(payload.get("content", "")) > 2000:
            self._reply(400, {"message": "Invalid Form Body", "code": 50035})
            return
        channel = query.get("thread_id") or "1000"
        if payload.get("thread_name"):
            if len(payload["thread_name"]) > 100:
                self._reply(400, {"message": "Invalid Form Body", "code": 50035})
                return
            channel = str(next(_ids))
            with self.server.lock:
                self.state["threads"][channel] = payload["thread_name"]
        message = self._store(channel, payload)
        message["thread_name"] = payload.get("thread_name")
        if query.get("wait") != "true":
            self._reply(204)
            return
        self._reply(200, message)

    def _channel_post(self, m: re.Match[str], payload: dict[str, Any]) -> None:
        if not self._authorized():
            return
        if int(self.state["channel_types"].get(m.group(1), 0)) in FORUM_TYPES:
            self._reply(400, {"message": "Cannot send messages in a forum channel", "code": 220001})
            return
        channel, message_id, threads = m.group(1), m.group(2), m.group(3)
        if threads:
            with self.server.lock:
                if message_id in self.state["threads"]:
                    self._reply(400, {"message": "Thread already created", "code": 160004})
                    return
                self.state["threads"][message_id] = payload.get("name", "")
            self._reply(201, {"id": message_id, "name": payload.get("name"), "type": 11})
            return
        nonce = payload.get("nonce")
        if payload.get("enforce_nonce") and nonce in self.state["nonces"]:
            self._reply(200, self.state["messages"][self.state["nonces"][nonce]])
            return
        message = self._store(channel, payload)
        if nonce:
            with self.server.lock:
                self.state["nonces"][nonce] = message["id"]
        self._reply(200, message)
