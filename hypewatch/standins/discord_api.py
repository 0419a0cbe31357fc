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

Files: a message may come as `multipart/form-data` (`payload_json` plus
`files[n]`), as clients send attachments; the stored message gets Discord's
`attachments` (snowflake `id`, `filename`, `size`, `url`, `proxy_url`,
`content_type`, `width`/`height` for PNGs, `description` from the payload's
`attachments`), an embed image `attachment://NAME` is resolved to that URL,
and `GET /attachments/{channel}/{id}/{filename}` serves the bytes (the CDN's
part). More than 10 MiB of files is 413 code 40005.

State: `fail_next` is a list of (status, json body, headers) answered before
anything else; `webhook_gone=True` answers every webhook call 404 10015.
`messages` maps message id -> stored message; `threads` thread id -> name.
"""

from __future__ import annotations

import itertools
import json
import re
import struct
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hypewatch.standins.http import StandinHandler

_ids = itertools.count(1_200_000_000_000_000_000)
WEBHOOK = re.compile(r"^/api(?:/v\d+)?/webhooks/(\d+)/([^/]+)(?:/messages/(\d+))?$")
CHANNEL = re.compile(r"^/api(?:/v\d+)?/channels/(\d+)/messages(?:/(\d+))?(/threads)?$")
CHANNEL_INFO = re.compile(r"^/api(?:/v\d+)?/channels/(\d+)$")
FORUM_POST = re.compile(r"^/api(?:/v\d+)?/channels/(\d+)/threads$")
FORUM_TYPES = (15, 16)
ATTACHMENT = re.compile(r"^/attachments/(\d+)/(\d+)/([^/]+)$")
FILE_FIELD = re.compile(r"^files\[(\d+)\]$")
MAX_UPLOAD = 10 * 1024 * 1024


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
        "uploads": {},
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

    def _attachments(self, channel_id: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
        described = {
            str(a.get("id")): a for a in payload.get("attachments") or [] if isinstance(a, dict)
        }
        host, port = self.server.server_address[:2]
        found: list[dict[str, Any]] = []
        for index, filename, content_type, data in getattr(self, "_files", []):
            att_id = str(next(_ids))
            url = f"http://{host!s}:{port}/attachments/{channel_id}/{att_id}/{filename}"
            attachment: dict[str, Any] = {
                "id": att_id,
                "filename": filename,
                "size": len(data),
                "url": url,
                "proxy_url": url,
                "content_type": content_type,
            }
            if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
                attachment["width"], attachment["height"] = struct.unpack(">II", data[16:24])
            if described.get(str(index), {}).get("description"):
                attachment["description"] = described[str(index)]["description"]
            with self.server.lock:
                self.state["uploads"][att_id] = (content_type, data)
            found.append(attachment)
        return found

    @staticmethod
    def _resolve_images(
        embeds: list[dict[str, Any]], attachments: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        by_name = {f"attachment://{a['filename']}": a for a in attachments}
        resolved = []
        for embed in embeds:
            image = (embed.get("image") or {}).get("url") if isinstance(embed, dict) else None
            if image in by_name:
                a = by_name[image]
                shown = {"url": a["url"], "proxy_url": a["proxy_url"]}
                shown |= {k: a[k] for k in ("width", "height") if k in a}
                embed = {**embed, "image": shown}
            resolved.append(embed)
        return resolved

    def _store(self, channel_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        attachments = self._attachments(channel_id, payload)
        message = {
            "id": str(next(_ids)),
            "channel_id": channel_id,
            "content": payload.get("content", ""),
            "embeds": self._resolve_images(payload.get("embeds", []), attachments),
            "attachments": attachments,
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
        self._files: list[tuple[int, str, str, bytes]] = []
        ctype = self.headers.get("Content-Type", "")
        if ctype.startswith("multipart/form-data"):
            return self._multipart(raw, ctype)
        return json.loads(raw) if raw else {}

    def _multipart(self, raw: bytes, ctype: str) -> dict[str, Any]:
        """`payload_json` is the message; each `files[n]` part is an attachment."""
        head = f"Content-Type: {ctype}\r\n\r\n".encode()
        form = BytesParser(policy=HTTP).parsebytes(head + raw)
        payload: dict[str, Any] = {}
        for part in form.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True)
            data = data if isinstance(data, bytes) else b""
            if name == "payload_json":
                payload = json.loads(data)
            elif isinstance(name, str) and (m := FILE_FIELD.match(name)):
                filename = part.get_filename() or f"file{m.group(1)}"
                self._files.append((int(m.group(1)), filename, part.get_content_type(), data))
        return payload

    def _too_large(self) -> bool:
        if sum(len(f[3]) for f in getattr(self, "_files", [])) <= MAX_UPLOAD:
            return False
        self._reply(413, {"message": "Request entity too large", "code": 40005})
        return True

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
        if m := ATTACHMENT.match(parts.path):
            found = self.state["uploads"].get(m.group(2))
            if found is None:
                self.send_bytes(404, b"Not Found", "text/plain")
            else:
                self.send_bytes(200, found[1], found[0])
            return
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
        if self._failure() or self._too_large():
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
