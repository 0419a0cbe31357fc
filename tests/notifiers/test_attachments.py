"""The chart attached to verdict replies: Discord (webhook and bot, multipart with
`payload_json` + `files[0]`) and Slack (`files_upload_v2` into the launch's thread), against
the stand-ins with the real clients; retries make no second file."""

from __future__ import annotations

import json
import struct
from datetime import timedelta
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import httpx

from hypewatch.bot.notifiers.attachments import chart_filename
from hypewatch.bot.notifiers.discord import DiscordChannelNotifier, DiscordWebhookNotifier
from hypewatch.bot.notifiers.slack import SlackNotifier
from hypewatch.bot.outbox import Destination, OutboxSender, install_outbox
from hypewatch.config import ChartAttachmentSettings, Secret
from hypewatch.models import EventKind, utcnow
from hypewatch.net import NetConfig
from hypewatch.standins.http import Standin
from hypewatch.storage import Store
from tests.notifiers.conftest import SLACK_CHANNEL
from tests.support import discord_api

CHARTS = ChartAttachmentSettings()
VERDICT = str(EventKind.VERDICT)


def _form(request_body: bytes, content_type: str) -> dict[str, Any]:
    parsed = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + request_body
    )
    return {
        str(part.get_param("name", header="content-disposition")): part
        for part in parsed.iter_parts()
    }


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_discord_webhook_verdict_carries_the_chart(
    store: Store, reflection, discord_server: Standin, webhook_url: Secret, net: NetConfig
) -> None:
    install_outbox(store, [Destination("discord:launches")])
    notifier = DiscordWebhookNotifier("launches", webhook_url, net, forum=True, charts=CHARTS)
    reflection(store)
    report = await OutboxSender(store, [notifier]).deliver_pending()
    assert report.sent and not report.errors
    posts = discord_server.server.state["posts"]
    with_files = [p for p in posts if p["attachments"]]
    assert len(with_files) == 1  # only the verdict with a measured number
    verdict = with_files[0]
    assert "measured 61" in verdict["content"]
    (attachment,) = verdict["attachments"]
    assert attachment["filename"] == "chart.png" and attachment["content_type"] == "image/png"
    assert "MMLU" in attachment["description"] and "61.2" in attachment["description"]
    # link previews stay suppressed: the chart is an attachment, which the flag does not hide
    assert verdict["flags"] & discord_api.SUPPRESS_EMBEDS
    async with httpx.AsyncClient(timeout=5) as client:
        read = await client.get(
            f"{discord_server.url}/api/v10/channels/{verdict['channel_id']}/messages/{verdict['id']}",
            headers={"Authorization": "Bot bot-token"},
        )
        shown = read.json()
        assert shown["embeds"] == [] and shown["attachments"] == [attachment]
        image = await client.get(attachment["url"])
    assert _png_size(image.content) == (attachment["width"], attachment["height"])
    assert attachment["width"] >= 600
    # the request itself: multipart, payload_json + files[0]
    request = next(r for r in discord_server.requests if b"payload_json" in r.body)
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    form = _form(request.body, request.headers["Content-Type"])
    assert set(form) == {"payload_json", "files[0]"}
    payload = json.loads(form["payload_json"].get_content())
    assert payload["attachments"][0]["filename"] == "chart.png"
    assert "attachment://" not in json.dumps(payload)  # not an embed image: that would hide
    assert payload["allowed_mentions"] == {"parse": []}
    assert form["files[0]"].get_filename() == "chart.png"
    assert all(not p["attachments"] for p in posts if p is not verdict)


async def test_discord_off_or_too_large_posts_without_the_chart(
    store: Store, reflection, discord_server: Standin, webhook_url: Secret, net: NetConfig
) -> None:
    install_outbox(store, [Destination("discord:a"), Destination("discord:b")])
    off = ChartAttachmentSettings(enabled=False)
    small = ChartAttachmentSettings(max_bytes=10_000)  # the chart is larger than this
    notifiers = [
        DiscordWebhookNotifier("a", webhook_url, net, forum=True, charts=off),
        DiscordWebhookNotifier("b", webhook_url, net, forum=True, charts=small),
    ]
    reflection(store)
    report = await OutboxSender(store, notifiers).deliver_pending()
    assert report.sent and not report.errors
    posts = discord_server.server.state["posts"]
    assert sum("measured 61" in p["content"] for p in posts) == 2
    assert not any(p["attachments"] for p in posts)


async def test_discord_bot_chart_reply_resent_after_a_crash_is_one_message(
    store: Store, reflection, discord_server: Standin, net: NetConfig
) -> None:
    notifier = DiscordChannelNotifier(
        Secret("DISCORD_BOT_TOKEN", "bot-token"), net,
        api_base=f"{discord_server.url}/api/v10", charts=CHARTS,
    )  # fmt: skip
    destination = "discord-channel:2000"
    install_outbox(store, [Destination(destination)])
    launch = reflection(store)
    from hypewatch.bot.threads import render_event

    verdict = next(e for e in store.events(launch.id) if e.kind is EventKind.VERDICT)
    message = render_event(store, verdict)
    assert message is not None and message.chart
    from hypewatch.bot.notifiers.base import ThreadRef

    thread = ThreadRef("1", "2000")
    first = await notifier.reply(destination, thread, message, f"ev-{verdict.id}")
    again = await notifier.reply(destination, thread, message, f"ev-{verdict.id}")  # re-send
    assert first == again
    stored = discord_server.server.state["messages"][first]
    assert [a["filename"] for a in stored["attachments"]] == ["chart.png"]
    assert len(discord_server.server.state["posts"]) == 1
    await notifier.aclose()


def _slack(server: Standin, net: NetConfig, charts: ChartAttachmentSettings) -> SlackNotifier:
    return SlackNotifier(
        "ml-news", SLACK_CHANNEL, Secret("SLACK_BOT_TOKEN", "xoxb-test"), net,
        base_url=f"{server.url}/api/", max_retry_after=60, timeout=5, charts=charts,
    )  # fmt: skip


async def test_slack_uploads_the_chart_into_the_thread(
    store: Store, reflection, slack_server: Standin, net: NetConfig
) -> None:
    install_outbox(store, [Destination("slack:ml-news")])
    launch = reflection(store)
    report = await OutboxSender(store, [_slack(slack_server, net, CHARTS)]).deliver_pending()
    assert report.sent and not report.errors
    messages = slack_server.server.state["messages"]
    root = messages[0]
    uploads = [m for m in messages if m.get("files")]
    assert len(uploads) == 1
    (upload,) = uploads
    verdict = next(e for e in store.events(launch.id) if e.kind is EventKind.VERDICT)
    (file,) = upload["files"]
    assert file["name"] == chart_filename(f"ev-{verdict.id}")
    assert file["mimetype"] == "image/png" and file["title"] == "Claimed vs measured"
    assert upload["thread_ts"] == root["ts"] and upload["upload"] is True
    # the chart comes just before its verdict's text, in the same thread
    following = messages[messages.index(upload) + 1]
    assert following["thread_ts"] == root["ts"] and "61.2" in str(following["blocks"])
    stored = slack_server.server.state["files"][file["id"]]
    assert stored["shared"] and _png_size(stored["data"])[0] >= 600
    assert "MMLU" in stored["alt_txt"]
    # files_upload_v2's three steps: the URL Slack gave (this server), the bytes, completion
    paths = [r.path for r in slack_server.requests]
    assert [p for p in paths if "files." in p or "/upload/" in p] == [
        "/api/files.getUploadURLExternal",
        f"/upload/v1/{file['id']}",
        "/api/files.completeUploadExternal",
    ]
    complete = next(r for r in slack_server.requests if "completeUpload" in r.path).body.decode()
    assert f"channel_id={SLACK_CHANNEL}" in complete and "thread_ts=" in complete


async def test_slack_retry_after_a_failed_post_makes_no_second_file(
    store: Store, reflection, slack_server: Standin, net: NetConfig
) -> None:
    install_outbox(store, [Destination("slack:ml-news")])
    reflection(store, verdicts=False)
    sender = OutboxSender(store, [_slack(slack_server, net, CHARTS)], max_retry_after=1)
    await sender.deliver_pending()
    from hypewatch.models import Verdict, VerdictStatus
    from tests.notifiers.conftest import add_verdict

    mmlu = store.claims(launch_id=store.launches()[0].id)[0]
    add_verdict(
        store, mmlu.id, "benchmark",
        Verdict(status=VerdictStatus.FAILED, summary="far below", measured=61.2,
                ci_low=58.1, ci_high=64.0, sample_size=500),
    )  # fmt: skip
    # the chart goes up, then Slack answers the verdict's text with a 500: the row is retried
    state = slack_server.server.state
    posted = len(state["messages"])
    original = sender.notifiers[0]
    assert isinstance(original, SlackNotifier)
    upload = original.client.files_upload_v2

    def upload_then_fail_next_post(**kwargs: Any) -> Any:
        answer = upload(**kwargs)
        state["fail_next"].append((500, {"ok": False, "error": "internal_error"}, {}))
        return answer

    original.client.files_upload_v2 = upload_then_fail_next_post  # type: ignore[method-assign]
    first = await sender.deliver_pending()
    assert first.retrying == 1
    # a fresh notifier, as after a restart: it finds the chart in the thread
    sender.notifiers = [_slack(slack_server, net, CHARTS)]
    second = await sender.deliver_pending(utcnow() + timedelta(minutes=5))
    assert second.sent >= 1 and not second.errors
    files = [m for m in state["messages"][posted:] if m.get("files")]
    assert len(files) == 1 and len(state["files"]) == 1
    texts = [m for m in state["messages"][posted:] if "far below" in str(m.get("blocks"))]
    assert len(texts) == 1


async def test_slack_without_files_write_posts_the_reply_anyway(
    store: Store, reflection, slack_server: Standin, net: NetConfig
) -> None:
    slack_server.server.state["scopes"] = {"chat:write", "channels:history"}
    install_outbox(store, [Destination("slack:ml-news")])
    reflection(store)
    report = await OutboxSender(store, [_slack(slack_server, net, CHARTS)]).deliver_pending()
    assert report.sent and not report.errors and not report.disabled
    messages = slack_server.server.state["messages"]
    assert not any(m.get("files") for m in messages)
    assert any("61.2" in str(m.get("blocks")) for m in messages)
