"""The Discord bot in the daemon, end to end, through discord.py's own gateway client.

The daemon (the application `hypewatch run` builds, its real APScheduler jobs with
short intervals) runs beside the bot on one loop. discord.py connects to the gateway
stand-in (tests/support/discord_gateway.py) and the REST stand-in; the X stand-in
feeds launches. `/hypewatch subscribe` arrives as INTERACTION_CREATE over the socket,
the next launch gets its thread in that channel, `/hypewatch unsubscribe` stops it, a
dropped socket is resumed, and SIGTERM stops everything within the grace period.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import huggingface_hub.constants
import pytest
from discord.gateway import DiscordWebSocket

from hypewatch.config import Settings
from hypewatch.standins.http import Standin
from hypewatch.standins.http import serve as serve_http
from hypewatch.standins.x_api import make_user, x_standin
from hypewatch.storage import Store
from hypewatch.storage import delivery as db
from hypewatch.storage.routing import OPEN_STATUSES
from tests.support.chat_daemon import (
    chat_settings,
    daemon_with_bots,
    launch_count,
    launch_tweet,
    until,
)
from tests.support.discord_gateway import BotRestHandler, DiscordGateway, bot_rest_state

TOKEN = "bot-token"
TEXT_CHANNEL = "2200"
FORUM_CHANNEL = "2300"


def _discord_bot(rest: Standin, gateway: DiscordGateway) -> dict[str, Any]:
    return {
        "enabled": True,
        "token_env": "T_DISCORD_BOT",
        "api_base": f"{rest.url}/api/v10",
        "gateway_url": gateway.url,
        "guild_id": 1100,
        "verify_per_channel": 1,
        "admin_role_id": 4400,
    }


@dataclass
class Stack:
    x: Standin
    rest: Standin
    gateway: DiscordGateway
    settings: Settings
    database: Path
    task: asyncio.Task[None]

    @property
    def state(self) -> dict[str, Any]:
        return self.rest.server.state

    async def command(
        self, sub: str, options: list[dict[str, Any]] | None = None, **kw: Any
    ) -> dict[str, Any]:
        interaction_id = await self.gateway.slash_command(sub, options, **kw)
        return await until(
            lambda: next(
                (c for c in self.state["callbacks"] if c["interaction_id"] == interaction_id), None
            ),
            f"the reply to /hypewatch {sub}",
        )

    def threads_in(self, channel: str) -> list[str]:
        """Names of the launch threads whose root message is in `channel` (or forum posts)."""
        roots = {m["id"] for m in self.state["posts"] if m["channel_id"] == channel}
        return sorted(name for tid, name in self.state["threads"].items() if tid in roots)

    def forum_posts(self) -> list[str]:
        return sorted(
            name
            for tid, name in self.state["threads"].items()
            if tid in self.state["messages"] and self.state["messages"][tid]["channel_id"] == tid
        )


@contextmanager
def _restored_discord_endpoints() -> Iterator[None]:
    base, gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    try:
        yield
    finally:
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


@asynccontextmanager
async def running_daemon(
    tmp: Path, monkeypatch: pytest.MonkeyPatch, seed: Callable[[Store], Any] | None = None
) -> AsyncIterator[Stack]:
    monkeypatch.setenv("T_X_TOKEN", "x-token")
    monkeypatch.setenv("T_DISCORD_BOT", TOKEN)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    state = bot_rest_state(bot_token=TOKEN, channel_types={FORUM_CHANNEL: 15})
    with (
        _restored_discord_endpoints(),
        x_standin(users=[make_user("100", "lab")], token="x-token") as x,
        serve_http(BotRestHandler, **state) as rest,
    ):
        x.server.state["tweets"].append(launch_tweet(1, "Quill 14B"))
        gateway = await DiscordGateway(TOKEN, rest.server.state).start()
        settings = chat_settings(tmp, x, {"discord_bot": _discord_bot(rest, gateway)})
        try:
            async with daemon_with_bots(settings, gateway.identified.wait, seed) as task:
                yield Stack(x, rest, gateway, settings, settings.general.database, task)
        finally:
            await gateway.stop()


async def test_subscribe_over_the_gateway_then_threads_until_unsubscribed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_daemon(tmp_path, monkeypatch) as stack:
        # the command tree was synced to the configured guild over REST
        [sync] = await until(lambda: stack.state["command_syncs"], "the command sync")
        assert sync["guild_id"] == "1100"
        [group] = sync["commands"]
        assert group["name"] == "hypewatch"
        assert {o["name"] for o in group["options"]} == {
            "subscribe",
            "unsubscribe",
            "status",
            "verify",
        }
        await until(lambda: launch_count(stack.database) == 1, "the first launch")

        # a member without Manage Channels is refused, ephemerally
        refused = await stack.command("subscribe", permissions=1 << 11)
        assert refused["data"]["flags"] & 64
        assert "Manage Channels" in refused["data"]["content"]
        with Store.open(stack.database) as store:
            assert not db.subscriptions(store)
        # the configured admin role is enough without the permission
        by_role = await stack.command("unsubscribe", permissions=1 << 11, roles=["4400"])
        assert by_role["data"]["content"] == "This channel was not subscribed."

        reply = await stack.command("subscribe")
        assert reply["type"] == 4 and reply["data"]["flags"] & 64  # ephemeral
        assert reply["data"]["allowed_mentions"] == {"parse": []}
        assert "Subscribed this channel" in reply["data"]["content"]
        with Store.open(stack.database) as store:
            [sub] = db.subscriptions(store)
        assert (sub.destination, sub.created_by) == (f"discord:{TEXT_CHANNEL}", "user:3300")

        # the launch polled before the subscription gets no thread; the next one does
        stack.x.server.state["tweets"].append(launch_tweet(2, "Falcon 9B"))
        names = await until(lambda: stack.threads_in(TEXT_CHANNEL), "the new launch's thread")
        assert len(names) == 1 and "Falcon" in names[0]

        # /status answers from the ledger (for the channel to see)
        status = await stack.command("status", [{"name": "model", "type": 3, "value": "Falcon 9B"}])
        assert not status["data"].get("flags", 0) & 64
        assert "Falcon 9B" in status["data"]["content"] and "gsm8k" in status["data"]["content"]

        # /verify is rate-limited per channel (1 per window here)
        verify = [{"name": "model", "type": 3, "value": "Falcon 9B"}]
        first = await stack.command("verify", verify)
        assert "Queued" in first["data"]["content"]
        second = await stack.command("verify", verify)
        assert "used its verifications" in second["data"]["content"]

        # the socket drops: discord.py resumes the same session and commands still work
        sessions_before = stack.gateway.heartbeats
        stack.gateway.drop()
        await asyncio.wait_for(stack.gateway.resumed.wait(), 15)
        assert any(f.get("op") == 6 for f in stack.gateway.received)
        assert sum(1 for f in stack.gateway.received if f.get("op") == 2) == 1  # no re-IDENTIFY
        await until(lambda: stack.gateway.heartbeats > sessions_before, "a heartbeat after resume")

        bye = await stack.command("unsubscribe")
        assert bye["data"]["content"] == "Unsubscribed." and bye["data"]["flags"] & 64
        stack.x.server.state["tweets"].append(launch_tweet(3, "Heron 7B"))
        await until(lambda: launch_count(stack.database) == 3, "the third launch")
        await asyncio.sleep(0.5)  # several outbox passes
        assert len(stack.threads_in(TEXT_CHANNEL)) == 1  # nothing more after unsubscribe

        # SIGTERM: the daemon and the bot stop within the grace period, nothing left behind
        started = time.monotonic()
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(stack.task, 5)
        assert time.monotonic() - started < stack.settings.daemon.shutdown_grace_seconds + 1
        await asyncio.wait_for(stack.gateway.closed.wait(), 5)
        assert stack.gateway.close_codes[-1] in (1000, 4000)
        alive = [
            t for t in threading.enumerate() if isinstance(t, discord.gateway.KeepAliveHandler)
        ]
        for thread in alive:
            thread.join(2)
        assert not any(t.is_alive() for t in alive)
        current = asyncio.current_task()
        leftover = [
            t
            for t in asyncio.all_tasks()
            if t is not current and "discord" in repr(t.get_coro()).lower()
        ]
        assert leftover == []


def _open_launches(database: Path) -> list[str]:
    with Store.open(database) as store:
        return [
            launch.name
            for launch in store.launches()
            if any(c.status in OPEN_STATUSES for c in store.claims(launch_id=launch.id))
        ]


async def test_forum_channel_subscription_with_backfill_gets_a_post_per_openlaunch_tweet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reflection: Any
) -> None:
    # Reflection-70B waits for verification (open); Quill 14B, polled at start, has
    # claims no enabled verifier accepts (unverifiable: settled, not back-filled)
    seed = lambda store: reflection(store, verdicts=False)  # noqa: E731
    async with running_daemon(tmp_path, monkeypatch, seed) as stack:
        await until(lambda: launch_count(stack.database) == 2, "the polled launch")
        await until(lambda: _open_launches(stack.database) == ["Reflection-70B"], "settled")
        options = [{"name": "backfill", "type": 5, "value": True}]
        reply = await stack.command("subscribe", options, channel_id=FORUM_CHANNEL, channel_type=15)
        assert "Posting 1 open launch" in reply["data"]["content"]
        posts = await until(stack.forum_posts, "the back-filled forum post")
        assert len(posts) == 1 and "Reflection" in posts[0]
        stack.x.server.state["tweets"].append(launch_tweet(2, "Falcon 9B"))
        posts = await until(lambda: len(stack.forum_posts()) == 2 and stack.forum_posts(), "post 2")
        assert any("Falcon" in p for p in posts)
        # nothing was posted into the forum channel itself (Discord refuses that)
        assert not [m for m in stack.state["posts"] if m["channel_id"] == FORUM_CHANNEL]
