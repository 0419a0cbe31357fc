from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from hypewatch.bot.notifiers.discord import DiscordChannelNotifier, DiscordWebhookNotifier
from hypewatch.bot.outbox import Destination, OutboxSender, install_outbox, pending_count
from hypewatch.config import Secret
from hypewatch.events import EndpointChanged
from hypewatch.models import utcnow
from hypewatch.net import NetConfig
from hypewatch.standins.http import Standin
from hypewatch.storage import Store
from hypewatch.storage import delivery as db

DEST = "discord:launches"


def _sender(store: Store, url: Secret, net: NetConfig, *, forum: bool = True) -> OutboxSender:
    install_outbox(store, [Destination(DEST)])
    return OutboxSender(store, [DiscordWebhookNotifier("launches", url, net, forum=forum)])


def _posts(server: Standin) -> list[dict[str, Any]]:
    return list(server.server.state["posts"])


async def test_forum_thread_created_replies_in_it_and_root_edited(
    store: Store, reflection, discord_server: Standin, webhook_url: Secret, net: NetConfig
) -> None:
    sender = _sender(store, webhook_url, net)
    launch = reflection(store, verdicts=False)
    report = await sender.deliver_pending()
    assert report.sent == len(store.events(launch.id))
    assert not report.errors
    posts = _posts(discord_server)
    root, replies = posts[0], posts[1:]
    threads = discord_server.server.state["threads"]
    assert threads == {root["channel_id"]: "Reflection-70B — UNDER REVIEW"}
    assert all(p["channel_id"] == root["channel_id"] for p in replies)
    post_requests = [r for r in discord_server.requests if r.method == "POST"]
    assert all(json.loads(r.body)["allowed_mentions"] == {"parse": []} for r in post_requests)
    assert all("wait=true" in r.path for r in post_requests)
    assert all(f"thread_id={root['channel_id']}" in r.path for r in post_requests[1:])

    # a verdict arrives later: one reply, and the root is edited in place (inside the thread)
    from hypewatch.models import Verdict, VerdictStatus
    from tests.notifiers.conftest import add_verdict

    mmlu = store.claims(launch_id=launch.id)[0]
    add_verdict(
        store, mmlu.id, "benchmark",
        Verdict(status=VerdictStatus.FAILED, summary="far below", measured=61.2,
                ci_low=58.1, ci_high=64.0, sample_size=500),
    )  # fmt: skip
    report = await sender.deliver_pending()
    assert report.root_edits == 1
    edited = discord_server.server.state["messages"][root["id"]]
    assert edited["edited_timestamp"] is not None
    assert [r.path.split("?")[0] for r in discord_server.requests if r.method == "PATCH"] == [
        f"/api/webhooks/111/tok-en/messages/{root['id']}"
    ]
    assert "FAILED" in edited["embeds"][0]["title"]
    assert (
        "61\\.2" in edited["embeds"][0]["description"]
        or "61.2" in edited["embeds"][0]["description"]
    )
    patch = next(r for r in discord_server.requests if r.method == "PATCH")
    assert f"thread_id={root['channel_id']}" in patch.path
    verdict_post = _posts(discord_server)[-1]
    assert "measured 61" in verdict_post["content"]
    assert "500 items" in verdict_post["content"]
    # a pass with nothing new edits nothing
    report = await sender.deliver_pending()
    assert report.sent == 0
    assert report.root_edits == 0


async def test_mentions_and_markdown_from_posts_are_inert(
    store: Store, reflection, discord_server: Standin, webhook_url: Secret, net: NetConfig
) -> None:
    sender = _sender(store, webhook_url, net)
    launch = reflection(store)
    await sender.deliver_pending()
    quote = next(p for p in _posts(discord_server) if "announce" in p["content"])["content"]
    assert "@everyone" not in quote
    assert "@\u200beveryone" in quote
    assert "＠everyone" not in quote
    assert "＠\u200beveryone" in quote
    assert re.search(r"(?<!\\)<[@#]", quote) is None
    assert "\\<@\u200b&123456789012345678\\>" in quote
    assert "[click](https://evil.example)" not in quote
    assert "\\[click\\]\\(https\\://evil.example\\)" in quote
    assert "\r" not in quote
    assert launch.id


async def test_plain_channel_webhook_posts_without_threads(
    store: Store, reflection, discord_server: Standin, webhook_url: Secret, net: NetConfig
) -> None:
    sender = _sender(store, webhook_url, net, forum=False)
    reflection(store)
    await sender.deliver_pending()
    posts = _posts(discord_server)
    assert not discord_server.server.state["threads"]
    assert all("thread_name" not in r.body.decode() for r in discord_server.requests)
    assert all(p["content"].startswith("**Reflection-70B** · ") for p in posts[1:])


async def test_429_waits_retry_after_capped_then_delivers_in_order(
    store: Store, reflection, discord_server: Standin, webhook_url: Secret, net: NetConfig
) -> None:
    install_outbox(store, [Destination(DEST)])
    notifier = DiscordWebhookNotifier("launches", webhook_url, net, forum=True)
    sender = OutboxSender(store, [notifier], max_retry_after=30)
    reflection(store, verdicts=False)
    discord_server.server.state["fail_next"] = [
        (429, {"message": "You are being rate limited.", "retry_after": 3600, "global": False},
         {"Retry-After": "3600", "Via": "1.1 google"}),
    ]  # fmt: skip
    before = utcnow()
    report = await sender.deliver_pending()
    after = utcnow()  # the wait counts from the 429's answer, somewhere in between
    assert report.sent == 0
    assert report.retrying == 1
    assert "rate limited" in report.errors[0]
    rows = db.outbox_rows(store, DEST)
    assert all(r.state == "pending" for r in rows)
    # nothing goes out before the (capped) wait; then everything, oldest first
    report = await sender.deliver_pending(now=before + timedelta(seconds=29))
    assert report.sent == 0
    report = await sender.deliver_pending(now=after + timedelta(seconds=31))
    assert report.sent == len(rows)
    assert _posts(discord_server)[0]["embeds"]  # the root came first


async def test_404_webhook_disables_destination_without_retrying(
    store: Store, reflection, discord_server: Standin, webhook_url: Secret, net: NetConfig
) -> None:
    sender = _sender(store, webhook_url, net)
    discord_server.server.state["webhook_gone"] = True
    launch = reflection(store, verdicts=False)
    report = await sender.deliver_pending()
    assert report.disabled == [DEST]
    assert "10015" in report.errors[0]
    assert "Unknown Webhook" in report.errors[0]
    assert "tok-en" not in report.errors[0]
    state, reason = db.destination_states(store)[DEST]
    assert state == "disabled"
    assert "re-enable" in reason
    calls = len(discord_server.requests)
    assert calls == 1
    report = await sender.deliver_pending(now=utcnow() + timedelta(days=1))
    assert len(discord_server.requests) == calls  # never hammered again
    assert pending_count(store) == 0
    # new events for a disabled destination wait, nothing is lost
    store.append_event(launch.id, EndpointChanged(endpoint="https://api.x", changes=("swap",)))
    assert {r.state for r in db.outbox_rows(store, DEST)} == {"disabled"}
    discord_server.server.state["webhook_gone"] = False
    # every event waited, the one appended while it was disabled too
    assert db.reactivate_destination(store, DEST) == len(store.events(launch.id))
    report = await sender.deliver_pending()
    assert report.sent == len(store.events(launch.id))


async def test_too_long_text_is_cut_with_a_visible_mark(
    store: Store, discord_server: Standin, webhook_url: Secret, net: NetConfig
) -> None:
    sender = _sender(store, webhook_url, net)
    launch = store.create_launch("big", "B" * 300, org="o" * 150, hype=1.0)
    payload = EndpointChanged(
        endpoint="_" * 150,
        # escaping doubles the markdown characters
        changes=tuple("@everyone *" * 40 + f"{i}" for i in range(30)),
    )
    store.append_event(launch.id, payload)
    report = await sender.deliver_pending()
    assert report.sent == 2
    assert not report.errors
    root, reply = _posts(discord_server)
    name = discord_server.server.state["threads"][root["channel_id"]]
    assert len(name) <= 100
    assert name.endswith("…")
    assert len(reply["content"]) <= 2000
    assert "@everyone" not in reply["content"]
    assert "[cut:" in reply["content"]
    assert reply["content"].rstrip().endswith("more characters]")


async def test_bot_channel_notifier_threads_and_nonce_dedupe(
    store: Store, reflection, discord_server: Standin, net: NetConfig
) -> None:
    from hypewatch.storage.delivery import subscribe

    subscribe(store, "discord", "4242", {"min_hype": 0.5}, "user:1")
    install_outbox(store, [])
    notifier = DiscordChannelNotifier(
        Secret("T", "bot-token"), net, api_base=f"{discord_server.url}/api/v10"
    )
    sender = OutboxSender(store, [notifier])
    reflection(store)
    report = await sender.deliver_pending()
    assert report.sent > 0
    assert not report.errors
    state = discord_server.server.state
    root = state["posts"][0]
    assert root["channel_id"] == "4242"
    assert root["id"] in state["threads"]
    assert all(p["channel_id"] == root["id"] for p in state["posts"][1:])
    # the nonce makes a repeated post return the message already made
    first = [r for r in discord_server.requests if r.method == "POST"][-1]
    import json

    import httpx

    async with httpx.AsyncClient() as client:
        again = await client.post(
            f"{discord_server.url}{first.path}", json=json.loads(first.body),
            headers={"Authorization": "Bot bot-token"},
        )  # fmt: skip
    assert again.json()["id"] == state["posts"][-1]["id"]
