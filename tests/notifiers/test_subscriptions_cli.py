from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hypewatch.cli import app
from hypewatch.errors import EXIT_NOT_FOUND, EXIT_USAGE
from hypewatch.storage import Store, delivery

runner = CliRunner()


def _db(tmp_path: Path) -> Path:
    path = tmp_path / "subs.db"
    store = Store.open(path)
    delivery.subscribe(store, "discord", "123456789", {"min_hype": 2.0}, "user:42")
    delivery.subscribe(store, "slack", "C0123", {}, "slack-user:U1")
    store.close()
    return path


def test_subscriptions_lists_every_row_with_its_maker(tmp_path: Path) -> None:
    db = _db(tmp_path)
    result = runner.invoke(app, ["--db", str(db), "subscriptions", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["subscriptions"]
    assert [r["destination"] for r in rows] == ["discord:123456789", "slack:C0123"]
    assert rows[0]["filters"]["min_hype"] == 2.0
    assert rows[0]["created_by"] == "user:42"
    assert rows[0]["created_at"].startswith("20")
    text = runner.invoke(app, ["--db", str(db), "subscriptions"]).output
    assert "discord:123456789" in text and "min_hype=2.0" in text and "by user:42" in text


def test_unsubscribe_removes_the_row_and_retires_the_destination(tmp_path: Path) -> None:
    db = _db(tmp_path)
    result = runner.invoke(app, ["--db", str(db), "unsubscribe", "discord-channel:123456789"])
    assert result.exit_code == 0, result.output
    store = Store.open(db)
    try:
        assert [s.destination for s in delivery.subscriptions(store)] == ["slack:C0123"]
        live = {d.name for d in delivery.live_destinations(store)}
        assert "discord-channel:123456789" not in live
    finally:
        store.close()
    again = runner.invoke(app, ["--db", str(db), "unsubscribe", "discord:123456789"])
    assert again.exit_code == EXIT_NOT_FOUND
    assert "hypewatch subscriptions" in again.output


def test_unsubscribe_rejects_an_unknown_destination_form(tmp_path: Path) -> None:
    db = _db(tmp_path)
    result = runner.invoke(app, ["--db", str(db), "unsubscribe", "email:someone"])
    assert result.exit_code == EXIT_USAGE
    assert "discord:CHANNEL_ID" in result.output


def test_registering_keeps_subscriptions_of_enabled_bots_and_not_removed_ones(
    tmp_path: Path,
) -> None:
    store = Store.open(_db(tmp_path))
    try:

        def live() -> set[str]:
            return {d.name for d in delivery.live_destinations(store)}

        delivery.register_destinations(store, {"console": {}}, subscriptions=["discord"])
        assert live() == {"console", "discord-channel:123456789"}  # the Slack app is off
        delivery.register_destinations(store, {}, subscriptions=["discord", "slack"])
        assert live() == {"discord-channel:123456789", "slack-channel:C0123"}
        delivery.unsubscribe(store, "discord", "123456789")
        delivery.register_destinations(store, {}, subscriptions=["discord", "slack"])
        assert live() == {"slack-channel:C0123"}  # an unsubscribed channel stays retired
    finally:
        store.close()
