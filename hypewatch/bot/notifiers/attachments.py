"""The claimed-vs-measured chart attached to Discord and Slack verdict replies.

`chart_attachment(message, settings)` is the one rule for when a reply carries
the chart: a `verdict` reply whose chart has a measured number, when
`[notifiers.charts] enabled` is on, drawn as PNG by `bot/chart.png_chart`
(matplotlib) and left off when larger than `max_bytes`. The reply goes out
either way.

How each platform carries it (the real APIs' shapes):

- Discord (webhook and bot): one `multipart/form-data` request, `payload_json`
  (the message, with `attachments: [{"id": 0, "filename": "chart.png",
  "description": <alt text>}]`) and the file as `files[0]`; `discord_multipart`
  builds it. Discord shows an image attachment inline by itself, so the reply
  keeps its SUPPRESS_EMBEDS flag (no previews of links taken from posts): the
  flag hides embeds -- which an `attachment://` embed image would be -- not
  attachments. The message and its chart are one post, so a re-send after a
  crash behaves as a post without a chart does.
- Slack: the chart is uploaded into the launch's thread with slack_sdk's
  `files_upload_v2` (files.getUploadURLExternal, the bytes to the returned
  URL, files.completeUploadExternal with `channel_id` and `thread_ts`) before
  the text reply is posted; its file name carries the delivery key
  (`chart_filename`), so a retry finds a chart already in the thread instead
  of uploading a second one.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web.file_upload_v2_result import FileUploadV2Result

from hypewatch.bot.chart import png_chart
from hypewatch.bot.threads import Message
from hypewatch.config import ChartAttachmentSettings
from hypewatch.models import EventKind
from hypewatch.net import NetConfig, NetError, check_url

log = logging.getLogger(__name__)

DISCORD_FILENAME = "chart.png"
PNG = "image/png"
_KEY = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class ChartAttachment:
    """A rendered chart: PNG bytes and a short alt text (the bars in words)."""

    data: bytes
    alt: str


def chart_attachment(
    message: Message, settings: ChartAttachmentSettings | None
) -> ChartAttachment | None:
    """The chart this reply carries, or None: only verdict replies with a measured number,
    only when enabled, only up to `max_bytes`."""
    if settings is None or not settings.enabled or message.kind != str(EventKind.VERDICT):
        return None
    bars = tuple(b for b in message.chart if b.measured is not None)
    if not bars:
        return None
    data = png_chart(bars)
    if len(data) > settings.max_bytes:
        log.warning(
            "chart for event %s left off: %d bytes > notifiers.charts.max_bytes %d",
            message.event_id, len(data), settings.max_bytes,
        )  # fmt: skip
        return None
    alt = "; ".join(f"{b.label}: claimed {b.claimed:g}, measured {b.measured:g}" for b in bars)
    return ChartAttachment(data, f"Claimed vs measured — {alt}"[:1000])


def chart_filename(key: str) -> str:
    """The Slack file name of a reply's chart: carries the delivery key, to find it again."""
    return f"hypewatch-chart-{_KEY.sub('_', key)[:60]}.png"


def discord_multipart(
    payload: dict[str, Any], chart: ChartAttachment
) -> tuple[dict[str, str], dict[str, tuple[str, bytes, str]]]:
    """(form fields, files) of a Discord message with the chart: the message as
    `payload_json`, the file `files[0]`, described (alt text) in `attachments`. Shown as
    an image attachment, not an embed image, so the message's flags (SUPPRESS_EMBEDS: no
    link previews) stay as they are."""
    body = dict(payload)
    body["attachments"] = [{"id": 0, "filename": DISCORD_FILENAME, "description": chart.alt[:1024]}]
    fields = {"payload_json": json.dumps(body, ensure_ascii=False)}
    return fields, {"files[0]": (DISCORD_FILENAME, chart.data, PNG)}


# -- Slack -----------------------------------------------------------------------

#: Slack answers to an upload that mean "no chart here", not "this destination is gone":
#: the reply goes out without it (a token without files:write, uploads turned off).
SLACK_CHART_SKIP_CODES = frozenset(
    {"missing_scope", "not_allowed_token_type", "file_uploads_disabled", "file_upload_disabled"}
)


class ChartSkippedError(Exception):
    """The chart cannot be attached here (said why); the reply goes out without it.
    `lasting`: nothing changes until the configuration does (a scope), so stop trying."""

    def __init__(self, message: str, *, lasting: bool = False) -> None:
        super().__init__(message)
        self.lasting = lasting


class GuardedUploadWebClient(WebClient):
    """slack_sdk's WebClient whose file upload (step 2 of `files_upload_v2`, a POST to the
    URL files.getUploadURLExternal returned) is checked by the network guard first: that
    URL's host is Slack's answer, not the configured base URL."""

    def __init__(self, *, net: NetConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._net = net

    def _upload_file(self, *, url: str, **kwargs: Any) -> FileUploadV2Result:
        try:
            check_url(url, self._net)
        except NetError as error:
            raise ChartSkippedError(f"the upload URL Slack gave is refused: {error}") from None
        return super()._upload_file(url=url, **kwargs)


class SlackCharts:
    """Reply charts uploaded into Slack threads, one file per delivery key.

    `attach` runs before the reply's text is posted, so a reply found after a crash (by
    its message metadata) already has its chart. Before uploading it reads the thread
    (conversations.replies, the history scope the crash recovery already needs) for a file
    of the reply's name (`chart_filename(key)`): a chart uploaded by an attempt that failed
    or crashed afterwards is found there and not made twice. Where the thread cannot be
    read, it uploads (a possible second file, like a re-sent post on a platform that cannot
    tell)."""

    def __init__(self, settings: ChartAttachmentSettings | None) -> None:
        self.settings = settings
        self._skip = ""

    async def attach(
        self,
        message: Message,
        key: str,
        upload: Callable[[str, ChartAttachment], Awaitable[None]],
        thread_files: Callable[[], Awaitable[list[dict[str, Any]] | None]],
    ) -> None:
        """Upload the reply's chart (if it has one and the thread lacks it) with
        `upload(filename, chart)`; `thread_files()` is the thread's messages, None when
        they cannot be read."""
        chart = chart_attachment(message, self.settings)
        if chart is None or self._skip:
            return
        name = chart_filename(key)
        if name in _file_names(await thread_files() or []):
            return
        try:
            await upload(name, chart)
        except ChartSkippedError as error:
            if error.lasting:
                self._skip = str(error)
            log.warning("Slack chart left off: %s", error)


def _file_names(messages: list[dict[str, Any]]) -> set[str]:
    return {
        str(file.get("name"))
        for item in messages
        for file in item.get("files") or []
        if isinstance(file, dict)
    }
