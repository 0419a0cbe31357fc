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

Reading back with the bot token (as a bot in the guild): `GET /webhooks/{id}/{token}`
(the webhook object: its guild and channel), `GET /channels/{id}/messages?limit=`
(newest first), `GET /channels/{id}/messages/{id}`, `GET /guilds/{id}/threads/active`
(`{"threads", "members"}`), and `PATCH /channels/{thread}` to rename a thread (the bot
needs Manage Threads for a webhook's post: `manage_threads=False` answers 403 50013).

Files: a message may come as `multipart/form-data` (`payload_json` plus
`files[n]`), as clients send attachments; the stored message gets Discord's
`attachments` (snowflake `id`, `filename`, `size`, `url`, `proxy_url`,
`content_type`, `width`/`height` for PNGs, `description` from the payload's
`attachments`), an embed image `attachment://NAME` is resolved to that URL,
and `GET /attachments/{channel}/{id}/{filename}` serves the bytes (the CDN's
part). More than 10 MiB of files is 413 code 40005.

State: `fail_next` is a list of (status, json body, headers) answered before
anything else; `webhook_gone=True` answers every webhook call 404 10015;
`drop_writes_every = N`: every Nth message post of each webhook (and of the bot) is
stored and its connection then closed without an answer (`dropped` counts them).
`messages` maps message id -> the stored message (Discord's message object fields only;
what a request carried beyond them, e.g. `allowed_mentions`, is in the request log
`Standin.requests`); `posts` lists them in the order they were made; `threads` maps
thread id -> name (a forum post's first message has the thread's id).
On the wire a message is what Discord's message object carries (`public`): with the
SUPPRESS_EMBEDS flag (1 << 2) its `embeds` are left out, as Discord documents ("do not
include any embeds when serializing this message"); its `attachments` still are.
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

from hypewatch.standins.http import StandinHandler, drop_after_write

_ids = itertools.count(1_200_000_000_000_000_000)
GUILD_ID = "1100"
WEBHOOK_CHANNEL = "1000"
BOT_USER_ID = "1300000000000000001"
WEBHOOK = re.compile(r"^/api(?:/v\d+)?/webhooks/(\d+)/([^/]+)(?:/messages/(\d+))?$")
CHANNEL = re.compile(r"^/api(?:/v\d+)?/channels/(\d+)/messages(?:/(\d+))?(/threads)?$")
CHANNEL_INFO = re.compile(r"^/api(?:/v\d+)?/channels/(\d+)$")
FORUM_POST = re.compile(r"^/api(?:/v\d+)?/channels/(\d+)/threads$")
FORUM_TYPES = (15, 16)
ATTACHMENT = re.compile(r"^/attachments/(\d+)/(\d+)/([^/]+)$")
FILE_FIELD = re.compile(r"^files\[(\d+)\]$")
MAX_UPLOAD = 10 * 1024 * 1024
MESSAGES = re.compile(r"^/api(?:/v\d+)?/channels/(\d+)/messages(?:/(\d+))?$")
ACTIVE_THREADS = re.compile(r"^/api(?:/v\d+)?/guilds/(\d+)/threads/active$")
#: The fields of a message object this stand-in fills (Discord's names).
PUBLIC = ("id", "type", "channel_id", "content", "embeds", "flags", "author", "timestamp",
          "edited_timestamp", "webhook_id", "nonce", "attachments", "mentions", "pinned",
          "mention_everyone", "mention_roles", "tts", "components")  # fmt: skip


SUPPRESS_EMBEDS = 1 << 2


def public(message: dict[str, Any]) -> dict[str, Any]:
    """A stored message as Discord's API shows it: SUPPRESS_EMBEDS hides its embeds (link
    previews and rich embeds alike), not its attachments."""
    shown = {k: message[k] for k in PUBLIC if k in message}
    if int(message.get("flags") or 0) & SUPPRESS_EMBEDS:
        shown["embeds"] = []
    return shown


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
        "manage_threads": True,
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

    def _store(
        self, channel_id: str, payload: dict[str, Any], webhook_id: str | None = None
    ) -> dict[str, Any]:
        attachments = self._attachments(channel_id, payload)
        message = {
            "id": str(next(_ids)),
            "channel_id": channel_id,
            "content": payload.get("content", ""),
            "embeds": self._resolve_images(payload.get("embeds", []), attachments),
            "attachments": attachments,
            "flags": payload.get("flags", 0),
            "type": 0,
            "timestamp": "2026-01-01T00:00:00.000000+00:00",
            "edited_timestamp": None,
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "components": [],
        }
        if webhook_id is not None:
            message["webhook_id"] = webhook_id
            message["author"] = {"id": webhook_id, "username": "hypewatch", "bot": True}
        else:
            message["author"] = {"id": BOT_USER_ID, "username": "hypewatch", "bot": True}
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
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.read_body()  # records the request
        if m := ATTACHMENT.match(parts.path):
            found = self.state["uploads"].get(m.group(2))
            if found is None:
                self.send_bytes(404, b"Not Found", "text/plain")
            else:
                self.send_bytes(200, found[1], found[0])
            return
        if self._failure():
            return
        if m := WEBHOOK.match(parts.path):
            if m.group(3) or self.state["webhook_gone"]:
                self._reply(404, {"message": "Unknown Webhook", "code": 10015})
                return
            hook = {"id": m.group(1), "type": 1, "guild_id": GUILD_ID, "name": "hypewatch"}
            self._reply(200, hook | {"channel_id": WEBHOOK_CHANNEL, "token": m.group(2)})
            return
        if not self._authorized():
            return
        if m := CHANNEL_INFO.match(parts.path):
            self._reply(200, self._channel_object(m.group(1)))
        elif m := MESSAGES.match(parts.path):
            self._read_messages(m.group(1), m.group(2), query)
        elif m := ACTIVE_THREADS.match(parts.path):
            with self.server.lock:
                threads = [self._thread_object(t) for t in self.state["threads"]]
            self._reply(200, {"threads": threads, "members": []})
        else:
            self._reply(404, {"message": "404: Not Found", "code": 0})

    def _thread_object(self, thread_id: str) -> dict[str, Any]:
        parent = self.state.get("thread_parents", {}).get(thread_id, WEBHOOK_CHANNEL)
        return {"id": thread_id, "type": 11, "guild_id": GUILD_ID, "parent_id": parent,
                "name": self.state["threads"][thread_id]}  # fmt: skip

    def _read_messages(self, channel: str, message_id: str | None, query: dict[str, str]) -> None:
        with self.server.lock:
            here = [m for m in self.state["posts"] if m["channel_id"] == channel]
        if message_id is not None:
            found = next((m for m in here if m["id"] == message_id), None)
            if found is None:
                self._reply(404, {"message": "Unknown Message", "code": 10008})
            else:
                self._reply(200, public(found))
            return
        try:
            limit = max(1, min(int(query.get("limit", "50")), 100))
        except ValueError:
            self._reply(400, {"message": "Invalid Form Body", "code": 50035})
            return
        newest_first = sorted(here, key=lambda m: int(m["id"]), reverse=True)[:limit]
        self._reply(200, [public(m) for m in newest_first])

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
            self.state.setdefault("thread_parents", {})[thread_id] = channel
        message = self._store(thread_id, first)
        with self.server.lock:  # a forum post's first message has the post's id
            del self.state["messages"][message["id"]]
            message["id"] = thread_id
            self.state["messages"][thread_id] = message
        if drop_after_write(self, "bot"):
            return
        post = self._thread_object(thread_id)
        self._reply(201, post | {"message": public(message)})

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

    def _rename(self, thread_id: str, payload: dict[str, Any]) -> None:
        """PATCH /channels/{thread}: a thread's name (1-100 characters)."""
        if not self._authorized():
            return
        name = payload.get("name")
        if thread_id not in self.state["threads"]:
            self._reply(404, {"message": "Unknown Channel", "code": 10003})
        elif not isinstance(name, str) or not 1 <= len(name) <= 100:
            self._reply(400, {"message": "Invalid Form Body", "code": 50035})
        elif not self.state["manage_threads"]:
            self._reply(403, {"message": "Missing Permissions", "code": 50013})
        else:
            with self.server.lock:
                self.state["threads"][thread_id] = name
                self.state.setdefault("renames", []).append((thread_id, name))
            self._reply(200, self._thread_object(thread_id))

    def do_PATCH(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        payload = self._body()
        if self._failure():
            return
        if info := CHANNEL_INFO.match(parts.path):
            self._rename(info.group(1), payload)
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
            message["edited_timestamp"] = "2026-01-01T00:00:01.000000+00:00"
        self._reply(200, public(message))

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
                self.state.setdefault("thread_parents", {})[channel] = WEBHOOK_CHANNEL
        message = self._store(channel, payload, webhook_id=m.group(1))
        if payload.get("thread_name"):
            with self.server.lock:  # a forum post's first message has the post's id
                del self.state["messages"][message["id"]]
                message["id"] = channel
                self.state["messages"][channel] = message
        if drop_after_write(self, f"webhook:{m.group(1)}"):
            return
        if query.get("wait") != "true":
            self._reply(204)
            return
        self._reply(200, public(message))

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
                self.state.setdefault("thread_parents", {})[message_id] = channel
            self._reply(201, self._thread_object(message_id))
            return
        nonce = payload.get("nonce")
        if payload.get("enforce_nonce") and nonce in self.state["nonces"]:
            self._reply(200, public(self.state["messages"][self.state["nonces"][nonce]]))
            return
        message = self._store(channel, payload)
        if nonce:
            message["nonce"] = nonce
            with self.server.lock:
                self.state["nonces"][nonce] = message["id"]
        if drop_after_write(self, "bot"):
            return
        self._reply(200, public(message))
