"""Discord: status threads through a webhook, or through the bot in subscribed channels.

Both speak Discord's REST API with the guarded httpx client of hypewatch.net
(retries off: the outbox retries, so a dropped connection never re-posts
behind our back).

Webhook (`DiscordWebhookNotifier`): a forum webhook gets one forum post per
launch (`thread_name`); replies go to it with `?thread_id=`; the root is
edited with `PATCH /webhooks/{id}/{token}/messages/{id}?thread_id=` (without
it Discord answers 404 10008). A plain channel webhook posts the root and the
replies in the channel. Every post uses `?wait=true` (else 204 and no id)
and `allowed_mentions: {"parse": []}`.

Bot channels (`DiscordChannelNotifier`, for `/hypewatch subscribe`): in a text
channel the root is a channel message with a thread started from it; posts
carry a nonce with `enforce_nonce`, so a re-send after a crash returns the
message already made. In a forum (or media) channel each launch is a forum
post (`POST /channels/{id}/threads` with the root as its first message; the
root is edited inside the post). The channel's type is read once per channel
(`GET /channels/{id}`).

Status codes: 429 -> wait (Retry-After / `retry_after`), 401/403/404 -> the
destination is gone (disabled, never retried: Discord bans IPs that keep
hammering with 401/403/429), other 4xx -> this message is rejected, 5xx and
network errors -> retry later.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from hypewatch import jsonlimits
from hypewatch.bot.markup import (
    DISCORD_CONTENT_LIMIT,
    DISCORD_THREAD_NAME_LIMIT,
    discord_escape,
    discord_root_payload,
    discord_title,
    fit,
    to_discord,
)
from hypewatch.bot.notifiers.attachments import (
    ChartAttachment,
    chart_attachment,
    discord_multipart,
)
from hypewatch.bot.notifiers.base import (
    DeliveryError,
    DestinationGoneError,
    MessageRejectedError,
    RateLimitedError,
    ThreadRef,
)
from hypewatch.bot.threads import Message
from hypewatch.config import ChartAttachmentSettings, ConfigError, Secret
from hypewatch.net import NET_ERRORS, NetConfig, async_client, retry_after_seconds

API_BASE = "https://discord.com/api/v10"
SUPPRESS_EMBEDS = 1 << 2
NO_MENTIONS: dict[str, Any] = {"parse": []}
_WEBHOOK_PATH = re.compile(r"^(?P<base>.*)/webhooks/(?P<id>\d+)/(?P<token>[^/?#]+)/?$")
_THREAD_ALREADY_CREATED = 160004
#: Channel types whose messages are forum posts (GUILD_FORUM, GUILD_MEDIA).
FORUM_TYPES = frozenset({15, 16})


def parse_webhook_url(url: str) -> tuple[str, str, str]:
    """(API base, webhook id, token) of a webhook URL, or ConfigError saying what is wrong."""
    match = _WEBHOOK_PATH.match(url.strip())
    if not match or not url.startswith(("https://", "http://")):
        raise ConfigError(
            "the Discord webhook URL is not of the form https://discord.com/api/webhooks/ID/TOKEN; "
            "copy it again from Channel settings > Integrations > Webhooks"
        )
    return match["base"], match["id"], match["token"]


def _error_text(response: httpx.Response) -> str:
    try:
        body = jsonlimits.loads(response.content, what="Discord's reply")
    except (ValueError, jsonlimits.JsonLimitError):
        body = {}
    if isinstance(body, dict) and ("message" in body or "code" in body):
        return f"HTTP {response.status_code} (code {body.get('code')}: {body.get('message')})"
    return f"HTTP {response.status_code}"


def _retry_after(response: httpx.Response) -> float | None:
    try:
        body = jsonlimits.loads(response.content, what="Discord's reply")
        if isinstance(body, dict) and isinstance(body.get("retry_after"), int | float):
            return float(body["retry_after"])
    except (ValueError, jsonlimits.JsonLimitError):
        pass
    return retry_after_seconds(response.headers.get("retry-after"))


def check_response(response: httpx.Response) -> dict[str, Any]:
    """The JSON body of a success, or the exception that tells the outbox what to do."""
    status = response.status_code
    if status == 429:
        raise RateLimitedError(f"rate limited ({_error_text(response)})", _retry_after(response))
    if status in (401, 403, 404):
        raise DestinationGoneError(_error_text(response))
    if status >= 500:
        raise DeliveryError(f"server error {_error_text(response)}")
    if status >= 400:
        raise MessageRejectedError(_error_text(response))
    if status == 204 or not response.content:
        raise DeliveryError("Discord answered without a message (was wait=true dropped?)")
    try:
        body = jsonlimits.loads(response.content, what="Discord's reply")
    except (ValueError, jsonlimits.JsonLimitError) as error:
        raise DeliveryError(
            f"Discord answered with a body that is not usable JSON: {error}"
        ) from None
    if not isinstance(body, dict) or "id" not in body:
        raise DeliveryError("Discord answered without a message id")
    return body


class _Rest:
    """One guarded client per notifier; network failures become DeliveryError."""

    def __init__(self, net: NetConfig, headers: dict[str, str] | None = None) -> None:
        self._net = net.with_(retries=0)
        self._headers = headers or {}
        self._client: httpx.AsyncClient | None = None

    async def call(
        self,
        method: str,
        url: str,
        body: dict[str, Any] | None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        return await self._request(method, url, params, json=body)

    async def post(
        self,
        url: str,
        body: dict[str, Any],
        params: dict[str, str] | None = None,
        chart: ChartAttachment | None = None,
    ) -> httpx.Response:
        """POST a message: JSON, or multipart/form-data with the chart as `files[0]`."""
        if chart is None:
            return await self.call("POST", url, body, params)
        fields, files = discord_multipart(body, chart)
        return await self._request("POST", url, params, data=fields, files=files)

    async def _request(
        self, method: str, url: str, params: dict[str, str] | None, **content: Any
    ) -> httpx.Response:
        if self._client is None:
            self._client = async_client(self._net, headers=self._headers)
        try:
            return await self._client.request(method, url, params=params, **content)
        except NET_ERRORS as error:
            # the message may hold the URL, and a webhook URL holds its token: name the type only
            raise DeliveryError(
                f"network error talking to Discord: {type(error).__name__}"
            ) from None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def reply_payload(message: Message, prefix: str = "") -> dict[str, Any]:
    content = to_discord(message, DISCORD_CONTENT_LIMIT - len(prefix))
    return {
        "content": prefix + content,
        "allowed_mentions": NO_MENTIONS,
        "flags": SUPPRESS_EMBEDS,  # no previews of links taken from posts
    }


class DiscordWebhookNotifier:
    """One configured webhook (`[[notifiers.discord]]`), destination `discord:<name>`."""

    def __init__(
        self,
        name: str,
        webhook_url: Secret,
        net: NetConfig,
        *,
        forum: bool,
        charts: ChartAttachmentSettings | None = None,
    ) -> None:
        self.destination = f"discord:{name}"
        self._charts = charts
        base, hook_id, token = parse_webhook_url(webhook_url.reveal())
        self._url = f"{base}/webhooks/{hook_id}/{token}"
        self.forum = forum
        self._rest = _Rest(net)

    def handles(self, destination: str) -> bool:
        return destination == self.destination

    def destinations(self) -> list[str]:
        return [self.destination]

    async def create_thread(self, destination: str, root: Message, key: str) -> ThreadRef:
        body = discord_root_payload(root)
        if self.forum:
            body["thread_name"] = discord_title(root.title, DISCORD_THREAD_NAME_LIMIT)
        response = await self._rest.call("POST", self._url, body, {"wait": "true"})
        message = check_response(response)
        thread_id = str(message.get("channel_id", "")) if self.forum else ""
        return ThreadRef(str(message["id"]), thread_id)

    async def reply(self, destination: str, thread: ThreadRef, message: Message, key: str) -> str:
        params = {"wait": "true"}
        prefix = ""
        if thread.thread_id:
            params["thread_id"] = thread.thread_id
        else:  # a plain channel: say which launch the line is about
            prefix = fit(f"**{discord_escape(message.title)}** · ", 200)
        chart = chart_attachment(message, self._charts)
        body = reply_payload(message, prefix)
        response = await self._rest.post(self._url, body, params, chart)
        return str(check_response(response)["id"])

    async def edit_root(self, destination: str, thread: ThreadRef, root: Message) -> None:
        body = discord_root_payload(root)
        params = {"thread_id": thread.thread_id} if thread.thread_id else {}
        url = f"{self._url}/messages/{thread.root_message_id}"
        check_response(await self._rest.call("PATCH", url, body, params))

    async def find_delivered(self, destination: str, thread: ThreadRef | None, key: str) -> None:
        return None  # webhooks cannot list messages: a crash here may cost one duplicate

    async def aclose(self) -> None:
        await self._rest.aclose()


class DiscordChannelNotifier:
    """Channels subscribed with `/hypewatch subscribe`: destinations `discord-channel:<id>`."""

    PREFIX = "discord-channel:"

    def __init__(
        self,
        token: Secret,
        net: NetConfig,
        *,
        api_base: str = API_BASE,
        charts: ChartAttachmentSettings | None = None,
    ) -> None:
        self._base = api_base.rstrip("/")
        self._charts = charts
        self._rest = _Rest(net, {"Authorization": f"Bot {token.reveal()}"})
        self._forum: dict[str, bool] = {}

    def handles(self, destination: str) -> bool:
        return destination.startswith(self.PREFIX)

    def destinations(self) -> list[str]:
        return []  # they live in the subscriptions table

    def _channel(self, destination: str) -> str:
        channel = destination.removeprefix(self.PREFIX)
        if not channel.isdigit():
            raise DestinationGoneError(f"channel id {channel!r} is not a Discord snowflake")
        return channel

    @staticmethod
    def _nonce(destination: str, key: str) -> dict[str, Any]:
        # Discord returns the existing message for a repeated nonce (a few minutes' window)
        return {"nonce": f"hw{key}"[:25], "enforce_nonce": True}

    async def _is_forum(self, channel: str) -> bool:
        if channel not in self._forum:
            url = f"{self._base}/channels/{channel}"
            info = check_response(await self._rest.call("GET", url, None))
            self._forum[channel] = info.get("type") in FORUM_TYPES
        return self._forum[channel]

    async def create_thread(self, destination: str, root: Message, key: str) -> ThreadRef:
        channel = self._channel(destination)
        if await self._is_forum(channel):
            name = discord_title(root.title, DISCORD_THREAD_NAME_LIMIT)
            url = f"{self._base}/channels/{channel}/threads"
            body = {"name": name, "message": discord_root_payload(root)}
            post = check_response(await self._rest.call("POST", url, body))
            thread_id = str(post["id"])
            return ThreadRef(str(post.get("message", {}).get("id", thread_id)), thread_id)
        body = discord_root_payload(root) | self._nonce(destination, key)
        url = f"{self._base}/channels/{channel}/messages"
        message = check_response(await self._rest.call("POST", url, body))
        message_id = str(message["id"])
        name = discord_title(root.title, DISCORD_THREAD_NAME_LIMIT)
        thread_url = f"{self._base}/channels/{channel}/messages/{message_id}/threads"
        response = await self._rest.call("POST", thread_url, {"name": name})
        if response.status_code == 400 and f"{_THREAD_ALREADY_CREATED}" in response.text:
            return ThreadRef(message_id, message_id)  # made before a crash; same id
        return ThreadRef(message_id, str(check_response(response)["id"]))

    async def reply(self, destination: str, thread: ThreadRef, message: Message, key: str) -> str:
        target = thread.thread_id or self._channel(destination)
        body = reply_payload(message) | self._nonce(destination, key)
        url = f"{self._base}/channels/{target}/messages"
        chart = chart_attachment(message, self._charts)
        return str(check_response(await self._rest.post(url, body, None, chart))["id"])

    async def edit_root(self, destination: str, thread: ThreadRef, root: Message) -> None:
        channel = self._channel(destination)
        if thread.thread_id and await self._is_forum(channel):
            channel = thread.thread_id  # a forum post's first message lives in the post
        url = f"{self._base}/channels/{channel}/messages/{thread.root_message_id}"
        check_response(await self._rest.call("PATCH", url, discord_root_payload(root)))

    async def find_delivered(self, destination: str, thread: ThreadRef | None, key: str) -> None:
        return None  # the enforced nonce makes the re-send itself idempotent

    async def aclose(self) -> None:
        await self._rest.aclose()
