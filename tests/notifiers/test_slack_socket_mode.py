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

from hypewatch.bot.slack_app import CommandError, parse_subscribe_options
from hypewatch.config import Settings
from hypewatch.standins.http import Standin
from hypewatch.standins.http import serve as serve_http
from hypewatch.standins.x_api import make_user, x_standin
from hypewatch.storage import Store
from hypewatch.storage import delivery as db
from tests.support import slack_api
from tests.support.chat_daemon import (
    chat_settings,
    daemon_with_bots,
    launch_count,
    launch_tweet,
    until,
)
from tests.support.slack_socket import SocketModeServer, SocketWebApiHandler, socket_state

CHANNEL = "C0SUB"


def _slack_bot(web_api: Standin) -> dict[str, Any]:
    return {
        "enabled": True,
        "token_env": "T_SLACK_BOT",
        "app_token_env": "T_SLACK_APP",
        "base_url": f"{web_api.url}/api/",
        "admin_usergroup_id": "S0ADMINS",
        "ping_interval_seconds": 0.5,
        "verify_per_channel": 1,
    }


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
            if self.web_api.server.state["channel_of"][m["ts"]] == channel and "thread_ts" not in m
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
        x.server.state["tweets"].append(launch_tweet(1, "Quill 14B"))
        settings = chat_settings(tmp, x, {"slack_bot": _slack_bot(web_api)})
        try:
            async with daemon_with_bots(settings, socket.connected.wait) as task:
                yield Stack(x, web_api, socket, settings, settings.general.database, task)
        finally:
            await socket.stop()


async def test_slash_commands_over_socket_mode_subscribe_then_unsubscribe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_daemon(tmp_path, monkeypatch) as stack:
        assert stack.web_api.server.state["connections_opened"] == 1
        await until(lambda: launch_count(stack.database) == 1, "the first launch")

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
        stack.x.server.state["tweets"].append(launch_tweet(2, "Falcon 9B"))
        roots = await until(lambda: stack.roots_in(CHANNEL), "the new launch's thread")
        assert len(roots) == 1 and "Falcon" in roots[0]["text"]
        posts = slack_api.calls(stack.web_api.requests, "chat.postMessage")
        sent = [p for p in posts if p["channel"] == CHANNEL and not p.get("thread_ts")]
        assert [p["unfurl_links"] for p in sent] == [False]

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
        stack.x.server.state["tweets"].append(launch_tweet(3, "Heron 7B"))
        await until(lambda: launch_count(stack.database) == 3, "the third launch")
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
