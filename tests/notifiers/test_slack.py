from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypewatch.bot.notifiers.slack import SlackNotifier
from hypewatch.bot.outbox import Destination, OutboxSender, install_outbox
from hypewatch.config import Secret
from hypewatch.events import EndpointChanged, WeightsChanged
from hypewatch.models import utcnow
from hypewatch.net import NetConfig
from hypewatch.standins.http import Standin
from hypewatch.storage import Store
from hypewatch.storage import delivery as db
from tests.notifiers.conftest import SLACK_CHANNEL
from tests.support import slack_api

DEST = "slack:ml-news"


def _notifier(server: Standin, net: NetConfig, channel: str = SLACK_CHANNEL) -> SlackNotifier:
    return SlackNotifier(
        "ml-news", channel, Secret("SLACK_BOT_TOKEN", "xoxb-test"), net,
        base_url=f"{server.url}/api/", max_retry_after=60, timeout=5,
    )  # fmt: skip


def _sender(store: Store, server: Standin, net: NetConfig, **kw: Any) -> OutboxSender:
    install_outbox(store, [Destination(DEST)])
    return OutboxSender(store, [_notifier(server, net, **kw)], max_retry_after=60)


def _messages(server: Standin) -> list[dict[str, Any]]:
    return list(server.server.state["messages"])


async def test_thread_replies_and_root_update(
    store: Store, reflection, slack_server: Standin, net: NetConfig
) -> None:
    sender = _sender(store, slack_server, net)
    launch = reflection(store)
    report = await sender.deliver_pending()
    assert report.sent == len(store.events(launch.id))
    assert not report.errors
    root, *replies = _messages(slack_server)
    assert "thread_ts" not in root
    assert root["blocks"][0]["type"] == "header"
    assert replies
    assert all(m["thread_ts"] == root["ts"] for m in replies)
    posted = slack_api.calls(slack_server.requests, "chat.postMessage")
    assert len(posted) == 1 + len(replies)
    assert all(m["unfurl_links"] is False and m["unfurl_media"] is False for m in posted)
    change = EndpointChanged(
        endpoint="https://api.example/v1",
        changes=("tokenizer match changed: llama -> claude",),
        before={"tokenizer_match": "llama"},
        after={"tokenizer_match": "claude"},
    )
    store.append_event(launch.id, change)
    store.update_launch(launch.id, org="glaive")
    report = await sender.deliver_pending()
    assert report.sent == 1
    assert report.root_edits == 1
    assert len(slack_api.calls(slack_server.requests, "chat.update")) == 1
    assert _messages(slack_server)[0]["edited"]["user"] == slack_api.BOT_USER
    assert "glaive" in str(_messages(slack_server)[0]["blocks"])
    assert "Endpoint changed" in _messages(slack_server)[-1]["blocks"][0]["text"]["text"]


async def test_broadcasts_and_links_from_posts_are_escaped(
    store: Store, reflection, slack_server: Standin, net: NetConfig
) -> None:
    sender = _sender(store, slack_server, net)
    reflection(store)
    await sender.deliver_pending()
    quote = next(m for m in _messages(slack_server) if "announce" in str(m["blocks"]))
    text = "\n".join(b["text"]["text"] for b in quote["blocks"] if b["type"] == "section")
    assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in text
    assert "<https://evil.example|docs>" not in text
    assert "&lt;https://evil.example|docs&gt;" in text
    assert "&lt;script&gt;" in text
    assert "<script>" not in text
    assert "&amp; more" in text
    # our own link is a real Slack link
    assert "<https://x.com/mattshumer_/status/1831767014341538166|" in text
    assert "<!channel>" not in quote["text"]


async def test_long_sections_stay_under_3000(
    store: Store, slack_server: Standin, net: NetConfig
) -> None:
    sender = _sender(store, slack_server, net)
    launch = store.create_launch("x", "X", hype=1.0)
    for i in range(12):
        store.add_claim(launch.id, __import__("hypewatch.models").models.ClaimKind.SCORE,
                        f"score:b{i}", benchmark=f"<b{i}>" * 60, value=float(i))  # fmt: skip
    report = await sender.deliver_pending()
    assert not report.errors
    root = _messages(slack_server)[0]
    sections = [b["text"]["text"] for b in root["blocks"] if b["type"] == "section"]
    assert len(sections) > 1
    assert all(len(s) <= 3000 for s in sections)


async def test_429_short_retry_after_is_waited_long_one_rescheduled(
    store: Store, reflection, slack_server: Standin, net: NetConfig
) -> None:
    sender = _sender(store, slack_server, net)
    reflection(store, verdicts=False)
    limited = {"ok": False, "error": "ratelimited"}
    slack_server.server.state["fail_next"] = [(429, limited, {"Retry-After": "0"})]
    report = await sender.deliver_pending()
    assert report.retrying == 0
    assert not report.errors
    rows_before = len(_messages(slack_server))
    launch = store.launches()[0]
    slack_server.server.state["fail_next"] = [(429, limited, {"Retry-After": "7200"})]
    change = WeightsChanged(repo="a/b", revision="2" * 40, previous_revision="1" * 40)
    store.append_event(launch.id, change)
    report = await sender.deliver_pending()
    assert report.retrying == 1
    assert "rate limited" in report.errors[0]
    assert "60.0 s" in report.errors[0]  # capped by max_retry_after
    assert len(_messages(slack_server)) == rows_before
    report = await sender.deliver_pending(now=utcnow() + timedelta(seconds=61))
    assert report.sent == 1


async def test_unknown_channel_disables_destination(
    store: Store, reflection, slack_server: Standin, net: NetConfig
) -> None:
    sender = _sender(store, slack_server, net, channel="C_GONE")
    reflection(store, verdicts=False)
    report = await sender.deliver_pending()
    assert report.disabled == [DEST]
    assert "channel_not_found" in db.destination_states(store)[DEST][1]
    assert "xoxb" not in " ".join(report.errors)
