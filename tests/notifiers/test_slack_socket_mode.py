"""The Slack app in the daemon, end to end, through slack_bolt's Socket Mode handler.

The daemon (the application `hypewatch run` builds, real APScheduler jobs with short
intervals) runs the bolt app on its loop; slack_bolt opens its socket through
`apps.connections.open` on the Web API stand-in (tests/support/slack_socket.py),
`/hypewatch` arrives as `slash_commands` envelopes and is answered in the ack.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hypewatch.bot.app import build_application, net_config
from hypewatch.bot.chat_bots import build_chat_bots, serve
from hypewatch.bot.slack_app import CommandError, parse_subscribe_options
from hypewatch.config import Settings, parse_settings
from hypewatch.standins.http import Standin
from hypewatch.standins.http import serve as serve_http
from hypewatch.standins.x_api import make_user, x_standin
from hypewatch.storage import Store
from hypewatch.storage import delivery as db
from tests.notifiers.test_discord_gateway import _launch, _launch_ids, until
from tests.support.slack_socket import SocketModeServer, SocketWebApiHandler, socket_state

CHANNEL = "C0SUB"


def _settings(tmp: Path, x: Standin, web_api: Standin) -> Settings:
    return parse_settings(
        {
            "general": {"database": str(tmp / "hw.db"), "log_format": "text"},
            "network": {"allowlist": ["127.0.0.1/32"], "retries": 0},
            # known labs: their single-post launches clear the default min_significance
            "significance": {"known_orgs": ["lab-1", "lab-2", "lab-3"]},
            "sources": {
                "x": {
                    "enabled": True,
                    "api_url": x.url,
                    "bearer_token_env": "T_X_TOKEN",
                    "queries": ["model"],
                    "accounts": [],
                    "interval_minutes": 0.004,
                },
                "reddit": {"enabled": False},
                "huggingface": {"enabled": False},
            },
            "extraction": {"use_embeddings": False},
            "verifiers": {
                "weights": {"enabled": False},
                "fingerprint": {"enabled": False},
                "benchmark": {"enabled": False},
            },
            "notifiers": {
                "console": {"enabled": False},
                "slack_bot": {
                    "enabled": True,
                    "token_env": "T_SLACK_BOT",
                    "app_token_env": "T_SLACK_APP",
                    "base_url": f"{web_api.url}/api/",
                    "admin_usergroup_id": "S0ADMINS",
                    "ping_interval_seconds": 0.5,
                    "verify_per_channel": 1,
                },
            },
            "digest": {"enabled": False},
            "daemon": {
                "outbox_interval_seconds": 0.1,
                "queue_interval_seconds": 0.1,
                "jitter_seconds": 0,
                "shutdown_grace_seconds": 2,
            },
        }
    )


@dataclass
class Stack:
    x: Standin
    web_api: Standin
    socket: SocketModeServer
    settings: Settings
    database: Path
    task: asyncio.Task[None]

    def roots_in(self, channel: str) -> list[dict[str, Any]]:
        return [
            m
            for m in self.web_api.server.state["messages"]
            if m["channel"] == channel and not m["thread_ts"]
        ]


@asynccontextmanager
async def running_daemon(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Stack]:
    monkeypatch.setenv("T_X_TOKEN", "x-token")
    monkeypatch.setenv("T_SLACK_BOT", "xoxb-test")
    monkeypatch.setenv("T_SLACK_APP", "xapp-1-test")
    state = socket_state(
        channels={CHANNEL, "C0OTHER"}, admins={"U0ADMIN"}, usergroups={"S0ADMINS": ["U0LEAD"]}
    )
    socket = await SocketModeServer().start()
    state["socket_url"] = socket.url
    with (
        x_standin(users=[make_user("100", "lab")], token="x-token") as x,
        serve_http(SocketWebApiHandler, **state) as web_api,
    ):
        x.server.state["tweets"].append(_launch(1, "Quill 14B"))
        settings = _settings(tmp, x, web_api)
        database = tmp / "hw.db"
        store = Store.open(database)
        try:
            daemon = build_application(settings, store).daemon()
            daemon.install_signal_handlers()
            bots = build_chat_bots(settings, database, net_config(settings))
            task = asyncio.create_task(serve(daemon, bots))
            try:
                await asyncio.wait_for(socket.connected.wait(), 15)
                yield Stack(x, web_api, socket, settings, database, task)
            finally:
                if not task.done():
                    daemon.request_stop()
                await asyncio.wait_for(task, 10)
                await socket.stop()
        finally:
            store.close()
            for sig in (signal.SIGINT, signal.SIGTERM):
                asyncio.get_running_loop().remove_signal_handler(sig)


async def test_slash_commands_over_socket_mode_subscribe_then_unsubscribe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_daemon(tmp_path, monkeypatch) as stack:
        assert stack.web_api.server.state["connections_opened"] == 1
        await until(lambda: _launch_ids(stack.database) == 1, "the first launch")

        refused = await stack.socket.slash_command("subscribe", user_id="U0MEMBER")
        assert "workspace admin" in refused["text"]
        bad = await stack.socket.slash_command("subscribe min_hype=lots")
        assert "min_hype" in bad["text"] and "Usage" in bad["text"]
        high = await stack.socket.slash_command("subscribe min_significance=150")
        assert "must be a number from 0 to 100 (got '150')" in high["text"]
        with Store.open(stack.database) as store:
            assert db.subscriptions(store) == []

        # a member of the configured user group may subscribe
        reply = await stack.socket.slash_command(
            "subscribe benchmarks=MMLU min_significance=0", user_id="U0LEAD"
        )
        assert "Subscribed this channel" in reply["text"]
        assert "response_type" not in reply  # ephemeral: only the caller sees it
        with Store.open(stack.database) as store:
            [sub] = db.subscriptions(store)
        assert (sub.destination, sub.created_by) == (f"slack:{CHANNEL}", "slack-user:U0LEAD")
        assert sub.filters["benchmarks"] == ["MMLU"]
        assert sub.filters["min_significance"] == 0.0

        # the next launch gets its thread in the subscribed channel
        stack.x.server.state["tweets"].append(_launch(2, "Falcon 9B"))
        roots = await until(lambda: stack.roots_in(CHANNEL), "the new launch's thread")
        assert len(roots) == 1 and "Falcon" in roots[0]["text"]
        assert roots[0]["unfurl_links"] is False

        status = await stack.socket.slash_command("status Falcon 9B", user_id="U0MEMBER")
        assert status["response_type"] == "in_channel"
        assert "Falcon 9B" in json_text(status)

        first = await stack.socket.slash_command("verify Falcon 9B")
        assert "Queued" in first["text"]
        second = await stack.socket.slash_command("verify Falcon 9B")
        assert "used its verifications" in second["text"]

        # the socket drops: the handler opens a new one (apps.connections.open again)
        stack.socket.drop()
        await until(
            lambda: stack.socket.hellos >= 2 and stack.socket.open_sockets, "a new socket", 20
        )
        assert stack.web_api.server.state["connections_opened"] >= 2

        bye = await stack.socket.slash_command("unsubscribe")
        assert bye["text"] == "Unsubscribed."
        stack.x.server.state["tweets"].append(_launch(3, "Heron 7B"))
        await until(lambda: _launch_ids(stack.database) == 3, "the third launch")
        await asyncio.sleep(0.5)  # several outbox passes
        assert len(stack.roots_in(CHANNEL)) == 1

        started = time.monotonic()
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(stack.task, 5)
        assert time.monotonic() - started < stack.settings.daemon.shutdown_grace_seconds + 1
        await until(lambda: not stack.socket.open_sockets, "the socket closed")


def json_text(payload: dict[str, Any]) -> str:
    import json

    return json.dumps(payload, ensure_ascii=False)


@pytest.mark.parametrize("value", ["150", "-1", "lots", "nan"])
def test_subscribe_min_significance_out_of_range_says_what_to_give(value: str) -> None:
    with pytest.raises(CommandError) as refused:
        parse_subscribe_options([f"min_significance={value}"])
    message = str(refused.value)
    assert f"min_significance must be a number from 0 to 100 (got '{value}')" in message
    assert "Usage" in message


def test_subscribe_min_significance_option_is_parsed() -> None:
    filters, backfill = parse_subscribe_options(["min_significance=55", "backfill"])
    assert (filters.min_significance, backfill) == (55.0, True)
    assert parse_subscribe_options([])[0].min_significance == 40.0
