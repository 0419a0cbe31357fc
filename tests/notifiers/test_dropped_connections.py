"""Delivery through lost answers: every 11th Discord and Slack write is stored by the platform
and its connection then dropped before the answer, and the mail server answers the first
digest with 451. Everything is delivered; where the platform can be asked (Slack metadata,
a Discord webhook whose channel a bot token can read, the bot's nonce), nothing is posted
twice; a Discord webhook without a bot token posts at most one duplicate per lost answer
(docs/notifications.md, "The residual duplicate window"). Thread names follow the status.

Real clients (httpx through hypewatch.net, slack_sdk's WebClient, smtplib) against the
127.0.0.1 stand-ins."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from hypewatch.bot.digest_outbox import deliver_due_digests, send_due_digest, send_weekly_digest
from hypewatch.bot.notifiers.discord import DiscordChannelNotifier, DiscordWebhookNotifier
from hypewatch.bot.notifiers.slack import SlackNotifier
from hypewatch.bot.outbox import Destination, OutboxSender, install_outbox
from hypewatch.config import DigestSettings, Secret
from hypewatch.models import Verdict, VerdictStatus, utcnow
from hypewatch.net import NetConfig
from hypewatch.standins.http import Standin
from hypewatch.storage import Store
from hypewatch.storage import delivery as db
from tests.notifiers.conftest import SLACK_CHANNEL, add_verdict
from tests.support.smtp import smtp_server

LOOKED, BLIND, SLACK, BOT = "discord:looked", "discord:blind", "slack:news", "discord-channel:2000"
LAUNCHES = ("Mirage-7B", "Vela-13B", "Orca-70B")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MARKER = re.compile(r"hypewatch ((?:root|ev)-\d+)")


async def _drain(sender: OutboxSender, store: Store) -> None:
    """Outbox passes (the daemon's job) until nothing is left, stepping past each backoff."""
    later = utcnow()
    for _ in range(30):
        await sender.deliver_pending(now=later)
        left = [r for r in db.outbox_rows(store) if r.state in ("pending", "sending")]
        if not left:
            return
        later += timedelta(hours=1)
    raise AssertionError(f"still undelivered: {left}")


def _keys(posts: list[dict[str, object]]) -> list[str]:
    """The delivery keys of Discord posts (a root's embed footer, a reply's subtext line)."""
    found = []
    for post in posts:
        texts = [str(post.get("content", ""))] + [
            str((e.get("footer") or {}).get("text", "")) for e in post.get("embeds") or []
        ]
        found += [m.group(1) for t in texts for m in MARKER.finditer(t)][:1]
    return found


async def test_a_drop_every_11th_write_and_a_451_deliver_everything_once_where_one_can_look(
    store: Store, reflection, discord_server: Standin, slack_server: Standin, net: NetConfig
) -> None:
    base = discord_server.url
    notifiers = [
        DiscordWebhookNotifier(
            "looked", Secret("W1", f"{base}/api/webhooks/111/tok-one"), net, forum=True,
            bot_token=Secret("B", "bot-token"),
        ),
        DiscordWebhookNotifier("blind", Secret("W2", f"{base}/api/webhooks/222/tok-two"), net,
                               forum=True),
        DiscordChannelNotifier(Secret("B", "bot-token"), net, api_base=f"{base}/api/v10"),
        SlackNotifier("news", SLACK_CHANNEL, Secret("S", "xoxb-test"), net,
                      base_url=f"{slack_server.url}/api/"),
    ]  # fmt: skip
    db.subscribe(store, "discord", "2000", {}, "user:1")
    install_outbox(store, [Destination(d) for d in (LOOKED, BLIND, SLACK)])
    sender = OutboxSender(store, notifiers)
    discord_state, slack_state = discord_server.server.state, slack_server.server.state
    discord_state["drop_writes_every"] = slack_state["drop_writes_every"] = 11
    # each writer's count starts at 10 (mid-run): its 1st write (a root) and its 12th (a reply)
    # are the ones dropped, so both kinds of lookup are exercised
    discord_state["writes_seen"] = dict.fromkeys(("webhook:111", "webhook:222", "bot"), 10)
    slack_state["writes_seen"] = {"": 10}

    launches = [reflection(store, name=name, verdicts=False) for name in LAUNCHES]
    await _drain(sender, store)
    names = dict(discord_state["threads"])
    assert names and all(n.endswith("UNDER REVIEW") for n in names.values())
    # the verdicts arrive later: the threads' names follow the status
    for launch in launches:
        mmlu = next(c for c in store.claims(launch_id=launch.id) if c.benchmark == "MMLU")
        add_verdict(store, mmlu.id, "benchmark", Verdict(
            status=VerdictStatus.FAILED, summary="Measured far below the claim.",
            measured=61.2, ci_low=58.1, ci_high=64.0, sample_size=500,
        ))  # fmt: skip
    await _drain(sender, store)

    with smtp_server("none") as inbox:
        inbox.temporary_failures = 1
        digest = DigestSettings(
            enabled=True, recipients=["team@example.org"], sender="hw@example.org",
            smtp_host="127.0.0.1", smtp_port=inbox.port, smtp_security="none",
            smtp_timeout_seconds=5, day_of_week=DAYS[utcnow().weekday()], hour=0,
        )  # fmt: skip
        first = send_due_digest(store, digest)  # the daemon's digest job: 451
        assert first is not None and (first.sent, first.waiting) == (False, 1)
        # the row waits for its retry time, then the outbox pass sends it
        assert deliver_due_digests(store, digest, retries=0).sent == 0
        retried = deliver_due_digests(store, digest, retries=0, now=utcnow() + timedelta(hours=1))
        assert retried.sent == 1
        assert send_weekly_digest(store, digest).already_sent
        assert (inbox.refused, len(inbox.messages)) == (1, 1)

    # every row sent, and the drops did happen on both platforms
    assert {r.state for r in db.outbox_rows(store)} == {db.OutboxState.SENT}
    dropped = discord_state["dropped"]
    assert dropped == {"webhook:111": 2, "webhook:222": 2, "bot": 2}
    assert slack_state["dropped"] == {"": 2}
    posts = discord_state["posts"]

    def by(webhook: str) -> list[dict[str, object]]:
        return [p for p in posts if p.get("webhook_id") == webhook]

    # the lost answers were looked up, not re-sent blindly
    lookups = {r.path.split("?")[0] for r in discord_server.requests if r.method == "GET"}
    assert any(p.endswith("/messages") for p in lookups), lookups
    assert any(p.endswith("/threads/active") for p in lookups), lookups
    reads = {r.path for r in slack_server.requests if "conversations." in r.path}
    assert reads == {"/api/conversations.history", "/api/conversations.replies"}
    # Slack: metadata found with conversations.history/replies -> no duplicate
    slack_keys = Counter(m["metadata"]["event_payload"]["key"] for m in slack_state["messages"])
    assert slack_keys and max(slack_keys.values()) == 1
    assert len(slack_keys) == len({r.message_id for r in db.outbox_rows(store, SLACK)})
    # Discord webhook with a bot token: the marker found among the latest messages
    looked = Counter(_keys(by("111")))
    assert looked and max(looked.values()) == 1
    assert len(by("111")) == len({r.message_id for r in db.outbox_rows(store, LOOKED)})
    # Discord bot channel: the nonce answers with the message already made
    bot_posts = [p for p in posts if "webhook_id" not in p]
    assert max(Counter(p["nonce"] for p in bot_posts if "nonce" in p).values()) == 1
    assert len(bot_posts) == len({r.message_id for r in db.outbox_rows(store, BOT)})
    # Discord webhook without a bot token: at most one duplicate per lost answer
    blind_extra = len(by("222")) - len({r.message_id for r in db.outbox_rows(store, BLIND)})
    assert 0 < blind_extra <= dropped["webhook:222"]

    # thread names: renamed with the bot token (the bot's own threads, the looked webhook's
    # forum posts); the blind webhook cannot rename its posts
    for destination, expected in ((LOOKED, "FAILED"), (BOT, "FAILED"), (BLIND, "UNDER REVIEW")):
        for launch in launches:
            thread = db.get_thread(store, destination, launch.id)
            assert thread is not None
            assert discord_state["threads"][thread.thread_id].endswith(expected), destination
