from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands

from hypewatch.bot.notifiers.discord_bot import HypewatchBot, HypewatchCommands
from hypewatch.bot.outbox import install_outbox
from hypewatch.config import Settings
from hypewatch.events import WeightsChanged
from hypewatch.storage import Store
from hypewatch.storage import delivery as db
from hypewatch.verifiers.base import discover


@dataclass
class FakeResponse:
    sent: list[dict[str, Any]] = field(default_factory=list)

    async def send_message(self, content: str, **kwargs: Any) -> None:
        self.sent.append({"content": content, **kwargs})


@dataclass
class FakeUser:
    id: int = 42


@dataclass
class FakeInteraction:
    """What the commands and checks read from a discord.Interaction."""

    permissions: discord.Permissions
    channel_id: int = 987654321098765432
    user: FakeUser = field(default_factory=FakeUser)
    response: FakeResponse = field(default_factory=FakeResponse)
    command: Any = None


ADMIN = discord.Permissions(manage_channels=True)
MEMBER = discord.Permissions(send_messages=True)


@pytest.fixture
def group(tmp_path: Path) -> HypewatchCommands:
    path = tmp_path / "bot.db"
    Store.open(path).close()
    return HypewatchCommands(lambda: Store.open(path), Settings())


def _command(group: HypewatchCommands, name: str) -> app_commands.Command[Any, ..., Any]:
    command = group.get_command(name)
    assert isinstance(command, app_commands.Command)
    return command


async def _run(
    group: HypewatchCommands, name: str, interaction: FakeInteraction, **kw: Any
) -> None:
    """Run the local checks, then the callback, the way the command tree does."""
    command = _command(group, name)
    try:
        for check in command.checks:
            assert check(interaction)  # type: ignore[arg-type]
    except app_commands.MissingPermissions as error:
        await group.on_error(interaction, error)  # type: ignore[arg-type]
        return
    await command.callback(group, interaction, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["subscribe", "unsubscribe", "verify"])
async def test_admin_commands_need_manage_channels(group: HypewatchCommands, name: str) -> None:
    interaction = FakeInteraction(MEMBER)
    kwargs = {"model": "x"} if name == "verify" else {}
    await _run(group, name, interaction, **kwargs)
    [reply] = interaction.response.sent
    assert "Manage Channels" in reply["content"]
    assert reply["ephemeral"] is True
    store = group.open_store()
    assert db.subscriptions(store) == []
    store.close()
    assert _command(group, name).default_permissions == ADMIN


async def test_subscribe_stores_filters_and_feeds_the_outbox(
    group: HypewatchCommands, reflection
) -> None:
    interaction = FakeInteraction(ADMIN)
    await _run(group, "subscribe", interaction, min_hype=0.5, statuses="failed, Replicated",
               benchmarks="MMLU", orgs="@everyone")  # fmt: skip
    reply = interaction.response.sent[0]
    assert reply["allowed_mentions"].everyone is False
    assert "@everyone" not in reply["content"]
    store = group.open_store()
    [sub] = db.subscriptions(store, "discord")
    assert sub.channel == str(interaction.channel_id)
    assert sub.created_by == "user:42"
    assert sub.filters["statuses"] == ["failed", "replicated"]
    assert sub.filters["min_hype"] == 0.5
    install_outbox(store, [])
    reflection(store)
    rows = db.outbox_rows(store, f"discord-channel:{interaction.channel_id}")
    assert rows == []  # orgs filter "@everyone" matches no launch
    store.close()

    await _run(group, "subscribe", interaction, statuses="failed", benchmarks="mmlu")
    store = group.open_store()
    install_outbox(store, [])
    launch = store.launches()[0]
    change = WeightsChanged(repo="a/b", revision="2" * 40, previous_revision="1" * 40)
    store.append_event(launch.id, change)
    assert len(db.outbox_rows(store, f"discord-channel:{interaction.channel_id}")) == 1
    store.close()
    await _run(group, "unsubscribe", interaction)
    assert interaction.response.sent[-1]["content"] == "Unsubscribed."


async def test_status_and_verify(group: HypewatchCommands, reflection) -> None:
    store = group.open_store()
    reflection(store, verdicts=False)
    store.close()
    interaction = FakeInteraction(MEMBER)
    await _run(group, "status", interaction, model="reflection-70b")
    reply = interaction.response.sent[0]
    assert "UNDER REVIEW" in reply["content"]
    assert reply["ephemeral"] is False
    assert len(reply["content"]) <= 2000
    await _run(group, "status", interaction, model="<@&1> nothing")
    assert "No launch matches \\<@" in interaction.response.sent[-1]["content"]
    admin = FakeInteraction(ADMIN)
    await _run(group, "verify", admin, model="Reflection-70B")
    store = group.open_store()
    queued = len(store.queued_verifications())
    store.close()
    enabled = [v for v in discover(Settings()).values() if v.enabled]
    claims = 2
    assert queued == sum(1 for v in enabled for _ in range(claims) if "score" in v.kinds)
    assert (
        admin.response.sent[-1]["content"] == f"Queued {queued} verification(s) for Reflection-70B."
    )


def test_bot_registers_the_command_group(tmp_path: Path) -> None:
    bot = HypewatchBot(lambda: Store.open(tmp_path / "b.db"), Settings())
    [group] = bot.tree.get_commands()
    assert group.name == "hypewatch"
    assert {c.name for c in group.commands} == {"subscribe", "unsubscribe", "status", "verify"}


async def test_subscribe_min_significance_is_stored_and_routes_only_what_clears_it(
    group: HypewatchCommands,
) -> None:
    interaction = FakeInteraction(ADMIN)
    await _run(group, "subscribe", interaction, min_significance=150.0)
    [refused] = interaction.response.sent
    assert "min_significance must be a number from 0 to 100 (got '150.0')" in refused["content"]
    store = group.open_store()
    assert db.subscriptions(store) == []
    store.close()

    await _run(group, "subscribe", interaction, min_significance=60.0)
    assert r"min\_significance=60.0" in interaction.response.sent[-1]["content"]  # escaped
    store = group.open_store()
    [sub] = db.subscriptions(store, "discord")
    assert sub.filters["min_significance"] == 60.0
    quiet = store.create_launch("quiet-7b", "Quiet-7B", significance=45.0)
    loud = store.create_launch("loud-7b", "Loud-7B", significance=72.0)
    change = WeightsChanged(repo="a/b", revision="2" * 40, previous_revision="1" * 40)
    for launch in (quiet, loud):
        store.append_event(launch.id, change)
    destination = f"discord-channel:{interaction.channel_id}"
    assert delivery_launches(store, destination) == {loud.id}
    store.close()

    await _run(group, "subscribe", interaction)  # left out: the default threshold, 40
    store = group.open_store()
    [sub] = db.subscriptions(store, "discord")
    assert sub.filters["min_significance"] == 40.0
    store.close()


def delivery_launches(store: Store, destination: str) -> set[int]:
    return {
        launch.id
        for launch in store.launches()
        if db.has_launch_rows(store, destination, launch.id)
    }
