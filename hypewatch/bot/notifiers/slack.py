"""Slack: a status thread per launch in a channel, with slack_sdk's `WebClient`.

Root with `chat.postMessage`, replies with `thread_ts`, the root edited with
`chat.update`; Block Kit sections of at most 3,000 characters; `&`, `<`, `>`
escaped; unfurling off; `link_names` off.

Retry handlers: only a rate-limit handler that waits for short Retry-After
values (capped); longer ones go back to the outbox, which reschedules. The
default ConnectionErrorRetryHandler is removed: it re-sends `chat.postMessage`
after a dropped connection and can post twice with no error.

Every post carries message metadata (`hypewatch_post`, its delivery key), so
after a crash the sender can look the message up (`conversations.history` /
`conversations.replies`) instead of posting it again.

slack_sdk uses urllib, not hypewatch.net: the base URL is checked against the
network guard once, before the first call.
"""

from __future__ import annotations

import asyncio
import socket
import urllib.error
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from hypewatch.bot.markup import to_slack_blocks, to_slack_text
from hypewatch.bot.notifiers.attachments import (
    SLACK_CHART_SKIP_CODES,
    ChartAttachment,
    ChartSkippedError,
    GuardedUploadWebClient,
    SlackCharts,
)
from hypewatch.bot.notifiers.base import (
    DeliveryError,
    DestinationGoneError,
    MessageRejectedError,
    RateLimitedError,
    ThreadRef,
)
from hypewatch.bot.threads import Message
from hypewatch.config import ChartAttachmentSettings, Secret
from hypewatch.net import NetConfig, NetError, check_url, retry_after_seconds

METADATA_TYPE = "hypewatch_post"
#: How many of the latest messages a lookup reads (one page; Slack allows up to 999).
LOOKUP_LIMIT = 200
INLINE_RETRY_AFTER_SECONDS = 10.0

_GONE = frozenset(
    {
        "channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "not_authed",
        "account_inactive", "token_revoked", "token_expired", "missing_scope", "no_permission",
        "team_access_not_granted", "restricted_action", "ekm_access_denied",
    }
)  # fmt: skip
_REJECTED = frozenset(
    {
        "msg_too_long", "invalid_blocks", "invalid_blocks_format", "no_text", "invalid_metadata",
        "message_not_found", "cant_update_message", "edit_window_closed", "invalid_arguments",
    }
)  # fmt: skip


class CappedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Retry a 429 inside the call only when Retry-After is short; otherwise let it surface."""

    def __init__(self, max_wait: float, max_retry_count: int = 2) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        values = {k.lower(): v for k, v in response.headers.items()}.get("retry-after") or ["1"]
        wait = retry_after_seconds(str(values[0]))
        return wait is not None and wait <= self.max_wait


def _never_connected(error: BaseException) -> bool:
    """Whether the request cannot have reached Slack (refused or unreachable connection)."""
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    return isinstance(reason, ConnectionRefusedError | socket.gaierror)


def _classify(error: SlackApiError) -> Exception:
    status = error.response.status_code
    code = str(error.response.get("error", "") or "")
    if status == 429 or code == "ratelimited":
        header = error.response.headers.get("Retry-After") or error.response.headers.get(
            "retry-after"
        )
        return RateLimitedError(
            f"Slack rate limited ({code or status})", retry_after_seconds(header)
        )
    if code in _GONE or status in (401, 403, 404, 410):
        return DestinationGoneError(f"Slack error {code or status}")
    if code in _REJECTED or (400 <= status < 500 and status != 408):
        return MessageRejectedError(f"Slack error {code or status}")
    return DeliveryError(f"Slack error {code or status}")


class SlackNotifier:
    """One configured channel (`[[notifiers.slack]]`), destination `slack:<name>`."""

    def __init__(
        self,
        name: str,
        channel: str,
        token: Secret,
        net: NetConfig,
        *,
        base_url: str = "https://slack.com/api/",
        max_retry_after: float = 300.0,
        timeout: int = 30,
        charts: ChartAttachmentSettings | None = None,
    ) -> None:
        self.destination = f"slack:{name}"
        self.channel = channel
        self._base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._net = net
        self._checked = False
        handler = CappedRateLimitRetryHandler(min(INLINE_RETRY_AFTER_SECONDS, max_retry_after))
        self._charts = SlackCharts(charts)
        self.client = GuardedUploadWebClient(
            net=net,
            token=token.reveal(),
            base_url=self._base_url,
            timeout=timeout,
            retry_handlers=[handler],  # replaces the default ConnectionErrorRetryHandler
        )

    def handles(self, destination: str) -> bool:
        return destination == self.destination

    def destinations(self) -> list[str]:
        return [self.destination]

    async def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        return await self._run(self.client.api_call, method, json=kwargs)

    async def _checked_base(self) -> None:
        if not self._checked:
            try:
                await asyncio.to_thread(check_url, self._base_url, self._net)
            except NetError as error:
                raise DestinationGoneError(str(error)) from None
            self._checked = True

    async def _run(self, call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        await self._checked_base()
        try:
            response = await asyncio.to_thread(call, *args, **kwargs)
        except SlackApiError as error:
            if call == self.client.files_upload_v2:
                code = str(error.response.get("error", "") or "")
                if code in SLACK_CHART_SKIP_CODES:
                    raise ChartSkippedError(f"Slack answered {code}", lasting=True) from None
            raise _classify(error) from None
        except (SlackClientError, urllib.error.URLError, OSError) as error:
            raise DeliveryError(
                f"network error talking to Slack: {type(error).__name__}",
                ambiguous=not _never_connected(error),
            ) from None
        return dict(response.data) if isinstance(response.data, dict) else {}

    def channel_of(self, destination: str) -> str:
        return self.channel

    def _post_args(
        self, destination: str, message: Message, key: str, *, header: bool
    ) -> dict[str, Any]:
        return {
            "channel": self.channel_of(destination),
            "text": to_slack_text(message),
            "blocks": to_slack_blocks(message, header=header),
            "unfurl_links": False,
            "unfurl_media": False,
            "link_names": False,
            "metadata": {"event_type": METADATA_TYPE, "event_payload": {"key": key}},
        }

    async def create_thread(self, destination: str, root: Message, key: str) -> ThreadRef:
        data = await self._call(
            "chat.postMessage", **self._post_args(destination, root, key, header=True)
        )
        return ThreadRef(str(data["ts"]))

    async def reply(self, destination: str, thread: ThreadRef, message: Message, key: str) -> str:
        channel, thread_ts = self.channel_of(destination), thread.root_message_id

        async def upload(filename: str, chart: ChartAttachment) -> None:
            await self._run(
                self.client.files_upload_v2, file=chart.data, filename=filename,
                title="Claimed vs measured", alt_txt=chart.alt, channel=channel,
                thread_ts=thread_ts,
            )  # fmt: skip

        async def thread_files() -> list[dict[str, Any]] | None:
            try:
                data = await self._call("conversations.replies", channel=channel, ts=thread_ts,
                                        limit=200)  # fmt: skip
            except (MessageRejectedError, DestinationGoneError):
                return None  # no history scope: cannot tell
            except DeliveryError as error:
                if "thread_not_found" in str(error):
                    return None  # the root was deleted by hand: nothing to find
                raise
            return list(data.get("messages") or [])

        await self._charts.attach(message, key, upload, thread_files)  # first: see SlackCharts
        args = self._post_args(destination, message, key, header=False)
        data = await self._call("chat.postMessage", thread_ts=thread.root_message_id, **args)
        return str(data["ts"])

    async def edit_root(self, destination: str, thread: ThreadRef, root: Message) -> None:
        """Slack threads have no name: the root's header (title and status) is what a reader
        sees in the channel, and `chat.update` changes it."""
        args = self._post_args(destination, root, f"root-{root.launch_id}", header=True)
        for unsupported in ("unfurl_links", "unfurl_media"):
            args.pop(unsupported)
        await self._call("chat.update", ts=thread.root_message_id, **args)

    async def _read(self, method: str, **params: Any) -> list[dict[str, Any]]:
        """A read method (`conversations.history` / `.replies`) through the WebClient's own
        method, which sends form parameters (read methods take no JSON body); the messages, or []
        when Slack cannot tell (no `channels:history` scope, a network error)."""
        call = getattr(self.client, method.replace(".", "_"))
        try:
            response = await asyncio.to_thread(call, **params)
        except (SlackApiError, SlackClientError, urllib.error.URLError, OSError):
            return []  # cannot tell: the sender posts again
        messages = response.get("messages") if isinstance(response.data, dict) else None
        return [m for m in messages or [] if isinstance(m, dict)]

    @staticmethod
    def _carrying(messages: list[dict[str, Any]], key: str) -> str | None:
        for item in messages:
            meta = item.get("metadata") or {}
            if (
                meta.get("event_type") == METADATA_TYPE
                and (meta.get("event_payload") or {}).get("key") == key
            ):
                return str(item.get("ts"))
        return None

    async def find_thread(self, destination: str, key: str) -> ThreadRef | None:
        """The root carrying our metadata key among the channel's latest messages."""
        await self._checked_base()
        messages = await self._read(
            "conversations.history", channel=self.channel_of(destination),
            include_all_metadata=True, limit=LOOKUP_LIMIT,
        )  # fmt: skip
        found = self._carrying(messages, key)
        return ThreadRef(found) if found else None

    async def find_delivered(self, destination: str, thread: ThreadRef, key: str) -> str | None:
        """The reply carrying our metadata key in the thread (needs channels:history)."""
        await self._checked_base()
        messages = await self._read(
            "conversations.replies", channel=self.channel_of(destination),
            ts=thread.root_message_id, include_all_metadata=True, limit=LOOKUP_LIMIT,
        )  # fmt: skip
        return self._carrying(messages, key)

    async def aclose(self) -> None:
        return None


class SlackChannelNotifier(SlackNotifier):
    """Channels subscribed with the Slack app's `/hypewatch subscribe`: destinations
    `slack-channel:<channel id>`, posted with the app's bot token."""

    PREFIX = "slack-channel:"

    def __init__(self, token: Secret, net: NetConfig, **kwargs: Any) -> None:
        super().__init__("subscriptions", "", token, net, **kwargs)

    def handles(self, destination: str) -> bool:
        return destination.startswith(self.PREFIX)

    def destinations(self) -> list[str]:
        return []  # they live in the subscriptions table

    def channel_of(self, destination: str) -> str:
        return destination.removeprefix(self.PREFIX)
