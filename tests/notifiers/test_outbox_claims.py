"""Two processes draining the same event outbox (the daemon and `hypewatch run --once`):
every row is claimed with its sender's PID and start time (`storage.claims`, the digest
outbox's rule), so each row reaches Discord and Slack exactly once; a claim held by a process
that died is taken over."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from hypewatch.bot.notifiers.base import Notifier
from hypewatch.bot.notifiers.discord import DiscordWebhookNotifier
from hypewatch.bot.notifiers.slack import SlackNotifier
from hypewatch.bot.outbox import Destination, OutboxSender, install_outbox, pending_count
from hypewatch.bot.process_owner import owner_alive, this_process
from hypewatch.config import Secret
from hypewatch.models import utcnow
from hypewatch.net import NetConfig
from hypewatch.standins.http import Standin
from hypewatch.storage import Store
from hypewatch.storage import delivery as db
from hypewatch.storage.claims import Claimant, Owner
from tests.notifiers.conftest import SLACK_CHANNEL

DESTINATIONS = ("discord:hooks", "slack:s")


@pytest.fixture
def other_process() -> Iterator[subprocess.Popen[bytes]]:
    """Another running process: its PID names the second sender's claims."""
    other = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        yield other
    finally:
        other.kill()
        other.wait()


def _claimant(process: subprocess.Popen[bytes]) -> Claimant:
    return Claimant(Owner(process.pid, psutil.Process(process.pid).create_time()), owner_alive)


@pytest.fixture
def notifiers(
    discord_server: Standin, slack_server: Standin, webhook_url: Secret, net: NetConfig
) -> Callable[[], list[Notifier]]:
    def make() -> list[Notifier]:
        slack_base = f"{slack_server.url}/api/"
        return [
            DiscordWebhookNotifier("hooks", webhook_url, net, forum=True),
            SlackNotifier("s", SLACK_CHANNEL, Secret("S", "xoxb-test"), net, base_url=slack_base),
        ]

    return make


def _posted(discord_server: Standin, slack_server: Standin) -> list[str]:
    return [p["content"] for p in discord_server.server.state["posts"]] + [
        m["text"] for m in slack_server.server.state["messages"]
    ]


def _drain(path: Path, notifiers: list[Notifier], claimant: Claimant, **kw: object) -> None:
    """One process's outbox pass, on its own connection and event loop."""

    async def run() -> None:
        try:
            await OutboxSender(store, notifiers, claimant=claimant, **kw).deliver_pending()  # type: ignore[arg-type]
        finally:
            for notifier in notifiers:
                await notifier.aclose()

    with Store.open(path) as store:
        asyncio.run(run())


def _setup(path: Path, reflection) -> int:
    with Store.open(path) as store:
        install_outbox(store, [Destination(d) for d in DESTINATIONS])
        launch = reflection(store)
        return len(store.events(launch.id))


def _assert_once(path: Path, events: int, posted: list[str]) -> None:
    with Store.open(path) as store:
        rows = db.outbox_rows(store)
        assert len(rows) == events * len(DESTINATIONS)
        assert {r.state for r in rows} == {db.OutboxState.SENT}
        assert {r.owner for r in rows} == {None}
        assert pending_count(store) == 0
        assert all(r.attempts == 1 for r in rows)  # nobody sent a row the other had
    assert posted and len(posted) == len(set(posted))


def test_a_second_process_leaves_the_rows_the_first_is_sending(
    tmp_path: Path, reflection, notifiers, other_process, discord_server, slack_server
) -> None:
    """The first sender claims Discord's first row and stops there until the second has
    made its whole pass: the second sends all of Slack's rows and none of Discord's (order
    per destination); the first then sends Discord's rows and skips Slack's."""
    path = tmp_path / "two.db"
    events = _setup(path, reflection)
    second_done = threading.Event()
    paused = threading.Event()

    def hold_first_row(step: str) -> None:
        if step == "marked" and not paused.is_set():
            paused.set()
            assert second_done.wait(10)

    first = threading.Thread(
        target=_drain, args=(path, notifiers()[:1], this_process()),
        kwargs={"crash_hook": hold_first_row},
    )  # fmt: skip
    first.start()
    assert paused.wait(10)
    with Store.open(path) as store:
        held = [r for r in db.outbox_rows(store) if r.owner is not None]
        assert [(r.destination, r.state) for r in held] == [("discord:hooks", "sending")]
    _drain(path, notifiers(), _claimant(other_process))
    with Store.open(path) as store:
        states = {(r.destination, r.state) for r in db.outbox_rows(store)}
    assert ("slack:s", "pending") not in states
    assert ("discord:hooks", "sent") not in states
    second_done.set()
    first.join(10)
    _drain(path, notifiers(), this_process())  # Slack's rows are sent: nothing left to do
    _assert_once(path, events, _posted(discord_server, slack_server))


def test_two_processes_at_once_deliver_each_row_once(
    tmp_path: Path, reflection, notifiers, other_process, discord_server, slack_server
) -> None:
    path = tmp_path / "race.db"
    events = _setup(path, reflection)
    start = threading.Barrier(2)

    def drain(claimant: Claimant) -> None:
        start.wait(10)
        _drain(path, notifiers(), claimant)

    threads = [
        threading.Thread(target=drain, args=(claimant,))
        for claimant in (this_process(), _claimant(other_process))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    _drain(path, notifiers(), this_process())  # whatever a blocked destination left
    _assert_once(path, events, _posted(discord_server, slack_server))


def test_a_claim_held_by_a_dead_process_is_taken_over(
    tmp_path: Path, reflection, notifiers, other_process, discord_server, slack_server
) -> None:
    path = tmp_path / "dead.db"
    events = _setup(path, reflection)
    other = _claimant(other_process)
    with Store.open(path) as store:
        first = db.outbox_rows(store, "slack:s")[0]
        assert db.claim_outbox_row(store, first.id, other, utcnow()) is not None
    _drain(path, notifiers(), this_process())  # the other still runs: its row is left
    with Store.open(path) as store:
        slack = db.outbox_rows(store, "slack:s")
        assert {r.state for r in slack} == {db.OutboxState.SENDING, db.OutboxState.PENDING}
        assert slack[0].owner == other.owner
        assert {r.state for r in db.outbox_rows(store, "discord:hooks")} == {"sent"}
    assert slack_server.server.state["messages"] == []
    other_process.communicate(b"", timeout=5)  # it dies holding the claim
    _drain(path, notifiers(), this_process())
    with Store.open(path) as store:
        rows = db.outbox_rows(store)
        assert {r.state for r in rows} == {db.OutboxState.SENT}
        assert len(rows) == events * len(DESTINATIONS)
        assert db.outbox_rows(store, "slack:s")[0].attempts == 2  # the dead one's, then ours
    posted = _posted(discord_server, slack_server)
    assert len(posted) == len(set(posted))
