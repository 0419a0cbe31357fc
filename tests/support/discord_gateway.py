"""A Discord gateway and bot REST stand-in that discord.py's own client connects to.

REST (`BotRestHandler`, on the threaded stand-in of tests.support.discord_api,
so the channel/thread routes the notifier uses are the same): `GET /users/@me`,
`GET /oauth2/applications/@me`, `PUT /applications/{app}/commands` and
`PUT /applications/{app}/guilds/{guild}/commands` (command sync; each command is
echoed with an id), `POST /interactions/{id}/{token}/callback?with_response=1`
(answered with the interaction callback object and the message, as Discord does).
Replies are `application/json` exactly.

Gateway (`DiscordGateway`, an aiohttp websocket server on the test's event loop):
HELLO (op 10) with the heartbeat interval, IDENTIFY (op 2) checked against the
token and answered with READY (its `resume_gateway_url` is this server),
heartbeats (op 1) answered with HEARTBEAT_ACK (op 11), RESUME (op 6) replays the
dispatches after the client's sequence then sends RESUMED, and `dispatch()` sends
an event (INTERACTION_CREATE) to the open session. Frames are zlib-stream
compressed when the client asks for `compress=zlib-stream` (discord.py does when
the `zstandard` package is missing; this stand-in refuses `zstd-stream` with close
code 4000, so install no zstandard where these tests run). `drop()` aborts the TCP
connection the way a network failure does (no close frame).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from tests.support.discord_api import DiscordHandler

APPLICATION_ID = "1300000000000000001"
BOT_USER_ID = "1300000000000000002"
GUILD_ID = "1100"
_ids = itertools.count(1_400_000_000_000_000_000)

USERS_ME = re.compile(r"^/api/v\d+/users/@me$")
APP_ME = re.compile(r"^/api/v\d+/oauth2/applications/@me$")
COMMANDS = re.compile(r"^/api/v\d+/applications/(\d+)(?:/guilds/(\d+))?/commands$")
CALLBACK = re.compile(r"^/api/v\d+/interactions/(\d+)/([^/]+)/callback$")


def bot_user() -> dict[str, Any]:
    return {
        "id": BOT_USER_ID,
        "username": "hypewatch",
        "discriminator": "0000",
        "global_name": None,
        "avatar": None,
        "bot": True,
        "flags": 0,
    }


def message_object(channel_id: str, content: str, flags: int = 0) -> dict[str, Any]:
    return {
        "id": str(next(_ids)),
        "channel_id": channel_id,
        "type": 20,
        "content": content,
        "author": bot_user(),
        "attachments": [],
        "embeds": [],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "timestamp": "2026-12-05T06:00:00.000000+00:00",
        "edited_timestamp": None,
        "flags": flags,
        "components": [],
    }


class BotRestHandler(DiscordHandler):
    """The notifier's channel routes plus what a bot client calls."""

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if USERS_ME.match(path):
            if self._authorized():
                self._reply(200, bot_user())
            return
        if APP_ME.match(path):
            if self._authorized():
                self._reply(200, self._application())
            return
        super().do_GET()

    def _application(self) -> dict[str, Any]:
        return {
            "id": APPLICATION_ID,
            "name": "hypewatch",
            "description": "",
            "icon": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": {**bot_user(), "id": "1300000000000000003", "bot": False},
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "summary": "",
        }

    def do_PUT(self) -> None:
        path = urlsplit(self.path).path
        m = COMMANDS.match(path)
        if not m or not self._authorized():
            if not m:
                self._reply(404, {"message": "404: Not Found", "code": 0})
            return
        if m.group(1) != APPLICATION_ID:
            self._reply(403, {"message": "Missing Access", "code": 50001})
            return
        commands = self._body()
        if not isinstance(commands, list):
            self._reply(400, {"message": "Invalid Form Body", "code": 50035})
            return
        synced = [
            {**c, "id": str(next(_ids)), "application_id": APPLICATION_ID, "version": "1"}
            | ({"guild_id": m.group(2)} if m.group(2) else {})
            for c in commands
        ]
        with self.server.lock:
            self.state["command_syncs"].append({"guild_id": m.group(2), "commands": synced})
        self._reply(200, synced)

    def _body(self) -> Any:
        raw = self.read_body()
        return json.loads(raw) if raw else {}

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        m = CALLBACK.match(parts.path)
        if not m:
            super().do_POST()
            return
        payload = self._body()
        interaction = self.state["interactions"].get(m.group(1))
        if interaction is None or interaction["token"] != m.group(2):
            self._reply(404, {"message": "Unknown interaction", "code": 10062})
            return
        data = payload.get("data") or {}
        flags = int(data.get("flags", 0))
        message = message_object(interaction["channel_id"], data.get("content", ""), flags)
        with self.server.lock:
            self.state["callbacks"].append({"interaction_id": m.group(1), **payload})
        self._reply(
            200,
            {
                "interaction": {
                    "id": m.group(1),
                    "type": interaction["type"],
                    "response_message_id": message["id"],
                    "response_message_loading": False,
                    "response_message_ephemeral": bool(flags & 64),
                },
                "resource": {"type": payload.get("type", 4), "message": message},
            },
        )


def bot_rest_state(**extra: Any) -> dict[str, Any]:
    from tests.support.discord_api import new_state

    return new_state(command_syncs=[], callbacks=[], interactions={}, **extra)


@dataclass
class Session:
    ws: web.WebSocketResponse
    request: web.Request
    compress: Any = None


@dataclass
class DiscordGateway:
    """The websocket side; `rest_state` is the REST stand-in's state (interactions are
    registered there so their callbacks can be answered)."""

    token: str
    rest_state: dict[str, Any]
    heartbeat_interval_ms: int = 250
    url: str = ""
    session_id: str = "session-1"
    seq: int = 0
    sent: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    identified: asyncio.Event = field(default_factory=asyncio.Event)
    resumed: asyncio.Event = field(default_factory=asyncio.Event)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    close_codes: list[int | None] = field(default_factory=list)
    heartbeats: int = 0
    session: Session | None = None
    _runner: web.AppRunner | None = None

    async def start(self) -> DiscordGateway:
        app = web.Application()
        app.router.add_get("/", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"ws://127.0.0.1:{port}/"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _send(self, session: Session, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        if session.compress is None:
            await session.ws.send_str(data.decode())
        else:
            await session.ws.send_bytes(
                session.compress.compress(data) + session.compress.flush(zlib.Z_SYNC_FLUSH)
            )

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = Session(ws, request)
        kind = request.query.get("compress")
        if kind == "zlib-stream":
            session.compress = zlib.compressobj()
        elif kind is not None:
            await ws.close(code=4000, message=b"unsupported compression")
            return ws
        if request.query.get("encoding", "json") != "json":
            await ws.close(code=4002, message=b"decode error")
            return ws
        self.session = session
        await self._send(
            session, {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
        )
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            await self._on_frame(session, json.loads(frame.data))
        self.close_codes.append(ws.close_code)
        if self.session is session:
            self.session = None
            self.closed.set()
        return ws

    async def _on_frame(self, session: Session, frame: dict[str, Any]) -> None:
        self.received.append(frame)
        op, d = frame.get("op"), frame.get("d")
        if op == 1:
            self.heartbeats += 1
            await self._send(session, {"op": 11})
        elif op == 2:
            if d.get("token") != self.token:
                await session.ws.close(code=4004, message=b"Authentication failed.")
                return
            self.seq = 0
            self.sent.clear()
            ready = {
                "v": 10,
                "user": bot_user(),
                "guilds": [],
                "session_id": self.session_id,
                "resume_gateway_url": self.url,
                "application": {"id": APPLICATION_ID, "flags": 0},
                "private_channels": [],
                "relationships": [],
            }
            await self._dispatch_to(session, "READY", ready)
            self.identified.set()
        elif op == 6:
            if d.get("token") != self.token or d.get("session_id") != self.session_id:
                await self._send(session, {"op": 9, "d": False})
                return
            for seq, payload in list(self.sent):
                if seq > int(d.get("seq") or 0):
                    await self._send(session, payload)
            await self._dispatch_to(session, "RESUMED", {})
            self.resumed.set()

    async def _dispatch_to(self, session: Session, event: str, data: dict[str, Any]) -> None:
        self.seq += 1
        payload = {"op": 0, "t": event, "s": self.seq, "d": data}
        self.sent.append((self.seq, payload))
        await self._send(session, payload)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self.session is not None, "no client connected"
        await self._dispatch_to(self.session, event, data)

    def drop(self) -> None:
        """Cut the connection without a close frame (a network failure)."""
        assert self.session is not None and self.session.request.transport is not None
        self.resumed.clear()
        self.session.request.transport.abort()

    async def slash_command(
        self,
        sub: str,
        options: list[dict[str, Any]] | None = None,
        *,
        channel_id: str = "2200",
        channel_type: int = 0,
        permissions: int = 1 << 4,  # MANAGE_CHANNELS
        user_id: str = "3300",
        roles: list[str] | None = None,
    ) -> str:
        """Send INTERACTION_CREATE for `/hypewatch <sub>`; returns the interaction id."""
        interaction_id = str(next(_ids))
        token = f"itoken-{interaction_id}"
        self.rest_state["interactions"][interaction_id] = {
            "token": token,
            "type": 2,
            "channel_id": channel_id,
        }
        user = {
            "id": user_id,
            "username": "admin",
            "discriminator": "0",
            "global_name": "Admin",
            "avatar": None,
        }
        await self.dispatch(
            "INTERACTION_CREATE",
            {
                "id": interaction_id,
                "application_id": APPLICATION_ID,
                "type": 2,
                "token": token,
                "version": 1,
                "guild_id": GUILD_ID,
                "channel_id": channel_id,
                "channel": {
                    "id": channel_id,
                    "type": channel_type,
                    "guild_id": GUILD_ID,
                    "name": "launches",
                    "position": 0,
                    "permission_overwrites": [],
                    "nsfw": False,
                    "parent_id": None,
                    "flags": 0,
                },
                "member": {
                    "user": user,
                    "roles": roles or [],
                    "permissions": str(permissions),
                    "joined_at": "2026-01-01T00:00:00.000000+00:00",
                    "deaf": False,
                    "mute": False,
                    "flags": 0,
                },
                "app_permissions": str((1 << 11) | (1 << 38)),
                "locale": "en-US",
                "guild_locale": "en-US",
                "entitlements": [],
                "authorizing_integration_owners": {"0": GUILD_ID},
                "context": 0,
                "attachment_size_limit": 10_485_760,
                "data": {
                    "id": "1500000000000000001",
                    "name": "hypewatch",
                    "type": 1,
                    "guild_id": GUILD_ID,
                    "options": [{"name": sub, "type": 1, "options": options or []}],
                },
            },
        )
        return interaction_id
