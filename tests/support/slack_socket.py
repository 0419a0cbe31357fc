"""A Slack Socket Mode stand-in that slack_bolt's own Socket Mode handler connects to.

Web API (`SocketWebApiHandler`, on the threaded stand-in of
tests.support.slack_api, so chat.postMessage/chat.update are the same):
`apps.connections.open` (app-level token, answers a ws:// URL of `SocketModeServer`),
`auth.test`, `users.info` (`is_admin` for ids in `admins`), `usergroups.users.list`
(members from `usergroups`). Bearer tokens are checked (`invalid_auth`,
`not_allowed_token_type` for the wrong kind).

Socket (`SocketModeServer`, aiohttp on the test's event loop): a `hello` message on
connect; `slash_command()` sends a `slash_commands` envelope and returns the
acknowledgement (matched by `envelope_id`) with its response payload; `drop()` aborts
the TCP connection the way a network failure does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import WSMsgType, web

from tests.support.slack_api import SlackHandler, new_state

APP_ID = "A0HYPEWATCH"
TEAM_ID = "T0HYPEWATCH"
_tickets = itertools.count(1)


def socket_state(**extra: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "app_token": "xapp-1-test",
        "socket_url": "",
        "admins": set(),
        "usergroups": {},
        "connections_opened": 0,
    }
    return new_state(**(defaults | extra))


_METHODS = {"apps.connections.open", "auth.test", "users.info", "usergroups.users.list"}


class SocketWebApiHandler(SlackHandler):
    def do_GET(self) -> None:
        """slack_sdk sends users.info and usergroups.users.list as GET with a query."""
        parts = urlsplit(self.path)
        method = parts.path.rsplit("/", 1)[-1]
        if method not in _METHODS:
            self.send_json(200, {"ok": False, "error": "unknown_method"})
            return
        self._answer(method, {k: v[0] for k, v in parse_qs(parts.query).items()})

    def do_POST(self) -> None:
        method = urlsplit(self.path).path.rsplit("/", 1)[-1]
        if method not in _METHODS:
            super().do_POST()
            return
        self._answer(method, self._args())

    def _answer(self, method: str, args: dict[str, Any]) -> None:
        auth = self.headers.get("Authorization", "")
        wanted = (
            self.state["app_token"] if method == "apps.connections.open" else self.state["token"]
        )
        if auth != f"Bearer {wanted}":
            error = "not_allowed_token_type" if auth.startswith("Bearer x") else "invalid_auth"
            self.send_json(200, {"ok": False, "error": error})
            return
        if method == "apps.connections.open":
            with self.server.lock:
                self.state["connections_opened"] += 1
            ticket = f"{next(_tickets):08d}-{uuid.uuid4()}"
            url = f"{self.state['socket_url']}?ticket={ticket}&app_id={APP_ID}"
            self.send_json(200, {"ok": True, "url": url})
        elif method == "auth.test":
            self.send_json(
                200,
                {
                    "ok": True,
                    "url": "https://hypewatch-test.slack.com/",
                    "team": "hypewatch-test",
                    "user": "hypewatch",
                    "team_id": TEAM_ID,
                    "user_id": "U0BOT",
                    "bot_id": "B0BOT",
                    "is_enterprise_install": False,
                },
            )
        elif method == "users.info":
            user = str(args.get("user", ""))
            admin = user in self.state["admins"]
            self.send_json(
                200,
                {
                    "ok": True,
                    "user": {
                        "id": user,
                        "team_id": TEAM_ID,
                        "name": f"user-{user.lower()}",
                        "deleted": False,
                        "is_admin": admin,
                        "is_owner": False,
                        "is_primary_owner": False,
                        "is_restricted": False,
                        "is_ultra_restricted": False,
                        "is_bot": False,
                    },
                },
            )
        else:
            group = str(args.get("usergroup", ""))
            if group not in self.state["usergroups"]:
                self.send_json(200, {"ok": False, "error": "no_such_subteam"})
                return
            self.send_json(200, {"ok": True, "users": list(self.state["usergroups"][group])})


@dataclass
class SocketModeServer:
    url: str = ""
    sockets: list[tuple[web.WebSocketResponse, web.Request]] = field(default_factory=list)
    acks: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    hellos: int = 0
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None

    async def start(self) -> SocketModeServer:
        app = web.Application()
        app.router.add_get("/link/", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"ws://127.0.0.1:{port}/link/"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def open_sockets(self) -> list[web.WebSocketResponse]:
        return [ws for ws, _ in self.sockets if not ws.closed]

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        if not request.query.get("ticket"):
            await ws.close(code=1008, message=b"missing ticket")
            return ws
        self.sockets.append((ws, request))
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": len(self.open_sockets),
                    "debug_info": {
                        "host": "applink-standin",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": APP_ID},
                }
            )
        )
        self.hellos += 1
        self.connected.set()
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            message = json.loads(frame.data)
            future = self.acks.pop(str(message.get("envelope_id")), None)
            if future is not None and not future.done():
                future.set_result(message)
        return ws

    async def slash_command(
        self, text: str, *, user_id: str = "U0ADMIN", channel_id: str = "C0SUB"
    ) -> dict[str, Any]:
        """Send `/hypewatch TEXT` and return the acknowledgement's payload."""
        live = self.open_sockets
        assert live, "no Socket Mode client connected"
        envelope_id = str(uuid.uuid4())
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.acks[envelope_id] = future
        envelope = {
            "envelope_id": envelope_id,
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": {
                "token": "verification-token-unused-in-socket-mode",
                "team_id": TEAM_ID,
                "team_domain": "hypewatch-test",
                "channel_id": channel_id,
                "channel_name": "launches",
                "user_id": user_id,
                "user_name": f"user-{user_id.lower()}",
                "command": "/hypewatch",
                "text": text,
                "api_app_id": APP_ID,
                "is_enterprise_install": "false",
                "response_url": "https://hooks.slack.com/commands/T0HYPEWATCH/1/x",
                "trigger_id": f"{uuid.uuid4()}",
            },
        }
        await live[-1].send_str(json.dumps(envelope))
        ack = await asyncio.wait_for(future, 10)
        return dict(ack.get("payload") or {})

    def drop(self) -> None:
        for ws, request in self.sockets:
            if not ws.closed and request.transport is not None:
                request.transport.abort()
        self.connected.clear()
