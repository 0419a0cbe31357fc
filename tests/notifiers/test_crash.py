"""A crash at each step of a delivery: nothing is lost, and nothing that went out goes twice
(except in the one documented window on a platform that cannot be asked: Discord webhooks)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hypewatch.bot.notifiers.base import Notifier
from hypewatch.bot.notifiers.discord import DiscordChannelNotifier, DiscordWebhookNotifier
from hypewatch.bot.notifiers.slack import SlackNotifier
from hypewatch.bot.outbox import Destination, OutboxSender, install_outbox, pending_count
from hypewatch.config import Secret
from hypewatch.net import NetConfig
from hypewatch.standins.http import Standin
from hypewatch.storage import Store
from hypewatch.storage import delivery as db
from hypewatch.storage.delivery import subscribe
from tests.notifiers.conftest import SLACK_CHANNEL


class Crash(BaseException):
    """The process dies here: no except clause of ours sees it."""


def crash_at(step: str, after: int = 1) -> Callable[[str], None]:
    seen = {"n": 0}

    def hook(name: str) -> None:
        if name == step:
            seen["n"] += 1
            if seen["n"] == after:
                raise Crash(step)

    return hook


Factory = Callable[[], tuple[str, Notifier, Callable[[], list[str]]]]


@pytest.fixture
def platforms(
    discord_server: Standin, slack_server: Standin, webhook_url: Secret, net: NetConfig
) -> dict[str, Factory]:
    def webhook() -> tuple[str, Notifier, Callable[[], list[str]]]:
        notifier = DiscordWebhookNotifier("hooks", webhook_url, net, forum=True)
        return (
            "discord:hooks",
            notifier,
            lambda: [p["content"] for p in discord_server.server.state["posts"]],
        )

    def channel() -> tuple[str, Notifier, Callable[[], list[str]]]:
        notifier = DiscordChannelNotifier(
            Secret("T", "bot-token"), net, api_base=f"{discord_server.url}/api"
        )
        return (
            "discord-channel:777",
            notifier,
            lambda: [p["content"] for p in discord_server.server.state["posts"]],
        )

    def slack() -> tuple[str, Notifier, Callable[[], list[str]]]:
        notifier = SlackNotifier(
            "s", SLACK_CHANNEL, Secret("S", "xoxb-test"), net, base_url=f"{slack_server.url}/api/"
        )
        return (
            "slack:s",
            notifier,
            lambda: [m["text"] for m in slack_server.server.state["messages"]],
        )

    return {"webhook": webhook, "channel": channel, "slack": slack}  # fmt: skip


def _install(store: Store, destination: str) -> None:
    if destination.startswith("discord-channel:"):
        subscribe(store, "discord", destination.split(":", 1)[1], {}, "test")
        install_outbox(store, [])
    else:
        install_outbox(store, [Destination(destination)])


# rows: 1 first_seen (creates the thread), 2 new_source (a reply), ..., 8 verdict (a reply)
CASES = [("marked", 1), ("root-accepted", 1), ("recorded", 1), ("marked", 2), ("accepted", 2),
         ("recorded", 2), ("accepted", 8)]  # fmt: skip


@pytest.mark.parametrize("platform", ["webhook", "channel", "slack"])
@pytest.mark.parametrize(("step", "nth"), CASES)
async def test_crash_then_restart(
    tmp_path: Path, reflection, platforms: dict[str, Factory], platform: str, step: str, nth: int
) -> None:
    path = tmp_path / "crash.db"
    store = Store.open(path)
    destination, notifier, posted = platforms[platform]()
    _install(store, destination)
    launch = reflection(store)
    expected = len(store.events(launch.id))
    sender = OutboxSender(store, [notifier], crash_hook=crash_at(step, nth))
    with pytest.raises(Crash):
        await sender.deliver_pending()
    store.close()  # the process is gone; a new one opens the database

    store = Store.open(path)
    _install(store, destination)
    _, notifier, _ = platforms[platform]()
    report = await OutboxSender(store, [notifier]).deliver_pending()
    assert not report.errors
    rows = db.outbox_rows(store, destination)
    assert len(rows) == expected
    assert {r.state for r in rows} == {"sent"}
    assert pending_count(store) == 0
    root_id = db.get_thread(store, destination, launch.id).root_message_id  # type: ignore[union-attr]
    kinds = {r.id: store.get_event(r.event_id).kind for r in rows}
    replies = [r.message_id for r in rows if kinds[r.id] not in _ROOT_ONLY]
    assert {r.message_id for r in rows if kinds[r.id] in _ROOT_ONLY} == {root_id}
    assert len(set(replies)) == len(replies)
    assert root_id not in replies
    texts = posted()
    duplicates = len(texts) - len(set(texts))
    if platform == "webhook" and step in ("accepted", "root-accepted"):
        assert duplicates == 1  # the documented window: accepted, not yet recorded
    else:
        assert duplicates == 0
    store.close()


_ROOT_ONLY = {"first_seen", "claim_added", "status_changed"}


SCRIPT = textwrap.dedent(
    """
    import asyncio, os, sys
    from hypewatch.bot.notifiers.slack import SlackNotifier
    from hypewatch.bot.outbox import Destination, OutboxSender, install_outbox
    from hypewatch.config import Secret
    from hypewatch.net import NetConfig
    from hypewatch.storage import Store

    path, base, step = sys.argv[1:4]
    store = Store.open(path)
    install_outbox(store, [Destination("slack:s")])
    notifier = SlackNotifier("s", "C0123456789", Secret("S", "xoxb-test"),
                             NetConfig(allow_private=True), base_url=base)
    def hook(name):
        if name == step:
            os._exit(9)   # killed: no cleanup, no rollback handler, no flush
    asyncio.run(OutboxSender(store, [notifier], crash_hook=hook).deliver_pending())
    """
)


def test_killed_process_loses_nothing_and_posts_nothing_twice(
    tmp_path: Path, reflection, slack_server: Standin
) -> None:
    path = tmp_path / "killed.db"
    store = Store.open(path)
    install_outbox(store, [Destination("slack:s")])
    launch = reflection(store)
    expected = len(store.events(launch.id))
    store.close()
    base = f"{slack_server.url}/api/"
    root = Path(__file__).resolve().parents[2]
    for _ in range(3):  # killed three times at the worst moment, then a clean run
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(path), base, "accepted"],
            cwd=root, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 9, done.stderr
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path), base, "never"],
        cwd=root, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    store = Store.open(path)
    rows = db.outbox_rows(store, "slack:s")
    assert len(rows) == expected
    assert {r.state for r in rows} == {"sent"}
    texts: list[Any] = [m["text"] for m in slack_server.server.state["messages"]]
    assert len(texts) == len(set(texts))
    store.close()
