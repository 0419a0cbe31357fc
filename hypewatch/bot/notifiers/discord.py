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

import logging
import re
from collections.abc import Callable
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
from hypewatch.net import NET_ERRORS, NetConfig, NetError, async_client, retry_after_seconds

log = logging.getLogger(__name__)

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


_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, NetError)


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
                f"network error talking to Discord: {type(error).__name__}",
                # a request never sent (no connection, refused by the guard) was not stored
                ambiguous=not isinstance(error, _NEVER_SENT),
            ) from None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def reply_payload(message: Message, prefix: str = "", marker: str = "") -> dict[str, Any]:
    """A reply; `marker` (a delivery key, where it can be looked up) ends it as a subtext line."""
    tail = f"\n-# {marker}" if marker else ""
    content = to_discord(message, DISCORD_CONTENT_LIMIT - len(prefix) - len(tail))
    return {
        "content": prefix + content + tail,
        "allowed_mentions": NO_MENTIONS,
        "flags": SUPPRESS_EMBEDS,  # no previews of links taken from posts
    }


def marker(key: str) -> str:
    """What a message carries so that it can be found again: `hypewatch root-12`."""
    return f"hypewatch {key}"


def marked_root(root: Message, key: str) -> dict[str, Any]:
    """The root payload with its delivery key in the embed's footer."""
    body = discord_root_payload(root)
    body["embeds"][0]["footer"] = {"text": marker(key)}
    return body


def _root_marked(message: dict[str, Any], key: str) -> bool:
    return any(
        isinstance(embed, dict) and (embed.get("footer") or {}).get("text") == marker(key)
        for embed in message.get("embeds") or []
    )


def _reply_marked(message: dict[str, Any], key: str) -> bool:
    return str(message.get("content", "")).endswith(f"\n-# {marker(key)}")


class DiscordLookup:
    """Reads with a bot token what an unconfirmed post may have left (a dropped answer):
    the latest messages of a channel or thread (`GET /channels/{id}/messages`), the active
    forum posts of a guild (`GET /guilds/{id}/threads/active`) and a post's first message;
    and renames threads (`PATCH /channels/{id}`). A failed read is "cannot tell" (None):
    the sender posts again."""

    RECENT = 50
    FORUM_POSTS = 25

    def __init__(self, token: Secret, net: NetConfig, api_base: str) -> None:
        self.base = api_base.rstrip("/")
        self.rest = _Rest(net, {"Authorization": f"Bot {token.reveal()}"})

    async def _get(self, path: str, params: dict[str, str] | None = None) -> Any:
        response = await self.rest.call("GET", f"{self.base}{path}", None, params)
        if response.status_code != 200:
            return None
        try:
            return jsonlimits.loads(response.content, what="Discord's reply")
        except (ValueError, jsonlimits.JsonLimitError):
            return None

    async def recent(self, channel_id: str, match: Callable[[dict[str, Any]], bool]) -> str | None:
        """The id of the newest of the channel's latest messages that `match`es."""
        try:
            messages = await self._get(
                f"/channels/{channel_id}/messages", {"limit": str(self.RECENT)}
            )
        except DeliveryError:
            return None
        for message in messages if isinstance(messages, list) else []:
            if isinstance(message, dict) and match(message):
                return str(message["id"])
        return None

    async def forum_post(
        self, guild_id: str, forum_id: str, match: Callable[[dict[str, Any]], bool]
    ) -> tuple[str, str] | None:
        """(thread id, name) of the newest active post in the forum whose first message
        `match`es (a forum post's first message has the post's id)."""
        try:
            active = await self._get(f"/guilds/{guild_id}/threads/active")
            threads = active.get("threads") if isinstance(active, dict) else None
            posts = sorted(
                (
                    t
                    for t in threads or []
                    if isinstance(t, dict) and t.get("parent_id") == forum_id
                ),
                key=lambda t: int(t.get("id", 0)),
                reverse=True,
            )[: self.FORUM_POSTS]
            for post in posts:
                first = await self._get(f"/channels/{post['id']}/messages/{post['id']}")
                if isinstance(first, dict) and match(first):
                    return str(post["id"]), str(post.get("name", ""))
        except DeliveryError:
            return None
        return None

    async def rename(self, thread_id: str, name: str) -> bool:
        """Give the thread a new name; False when Discord refused (no Manage Threads, ...)."""
        try:
            response = await self.rest.call(
                "PATCH", f"{self.base}/channels/{thread_id}", {"name": name}
            )
        except DeliveryError:
            return False
        if response.status_code != 200:
            log.warning("Discord refused to rename thread %s: %s", thread_id, _error_text(response))
            return False
        return True

    async def aclose(self) -> None:
        await self.rest.aclose()


def versioned(api_base: str) -> str:
    """A webhook URL's API base (`https://discord.com/api`) with the version the bot uses."""
    return api_base if re.search(r"/v\d+/?$", api_base) else f"{api_base.rstrip('/')}/v10"


class DiscordWebhookNotifier:
    """One configured webhook (`[[notifiers.discord]]`), destination `discord:<name>`.

    With a bot token (`bot_token_env`, the bot a member of the webhook's server with Read
    Message History, and Manage Threads for renames), every post carries its delivery key
    (root: the embed's footer; reply: a subtext line), so after an unconfirmed post the
    sender finds it among the channel's (or forum's) latest messages instead of posting
    it again; and a forum post is renamed when the launch's status changes its title.
    Without one, webhooks cannot read anything back: see docs/notifications.md."""

    def __init__(
        self,
        name: str,
        webhook_url: Secret,
        net: NetConfig,
        *,
        forum: bool,
        charts: ChartAttachmentSettings | None = None,
        bot_token: Secret | None = None,
    ) -> None:
        self.destination = f"discord:{name}"
        self._charts = charts
        base, hook_id, token = parse_webhook_url(webhook_url.reveal())
        self._url = f"{base}/webhooks/{hook_id}/{token}"
        self._hook_id = hook_id
        self.forum = forum
        self._rest = _Rest(net)
        self._lookup = DiscordLookup(bot_token, net, versioned(base)) if bot_token else None
        self._home: tuple[str, str] | None = None

    def handles(self, destination: str) -> bool:
        return destination == self.destination

    def destinations(self) -> list[str]:
        return [self.destination]

    def _root_body(self, root: Message, key: str) -> dict[str, Any]:
        return marked_root(root, key) if self._lookup else discord_root_payload(root)

    async def create_thread(self, destination: str, root: Message, key: str) -> ThreadRef:
        body = self._root_body(root, key)
        name = ""
        if self.forum:
            name = body["thread_name"] = discord_title(root.title, DISCORD_THREAD_NAME_LIMIT)
        response = await self._rest.call("POST", self._url, body, {"wait": "true"})
        message = check_response(response)
        thread_id = str(message.get("channel_id", "")) if self.forum else ""
        return ThreadRef(str(message["id"]), thread_id, name)

    async def reply(self, destination: str, thread: ThreadRef, message: Message, key: str) -> str:
        params = {"wait": "true"}
        prefix = ""
        if thread.thread_id:
            params["thread_id"] = thread.thread_id
        else:  # a plain channel: say which launch the line is about
            prefix = fit(f"**{discord_escape(message.title)}** · ", 200)
        chart = chart_attachment(message, self._charts)
        body = reply_payload(message, prefix, marker(key) if self._lookup else "")
        response = await self._rest.post(self._url, body, params, chart)
        return str(check_response(response)["id"])

    async def edit_root(self, destination: str, thread: ThreadRef, root: Message) -> str | None:
        body = self._root_body(root, f"root-{root.launch_id}")
        params = {"thread_id": thread.thread_id} if thread.thread_id else {}
        url = f"{self._url}/messages/{thread.root_message_id}"
        check_response(await self._rest.call("PATCH", url, body, params))
        if not (self.forum and thread.thread_id):
            return None
        name = discord_title(root.title, DISCORD_THREAD_NAME_LIMIT)
        if name == thread.name or self._lookup is None:
            return thread.name  # a webhook cannot rename its post; the bot token can
        return name if await self._lookup.rename(thread.thread_id, name) else thread.name

    async def _webhook_home(self) -> tuple[str, str] | None:
        """(guild id, channel id) of the webhook (`GET /webhooks/{id}/{token}`), read once."""
        if self._home is None:
            try:
                info = check_response(await self._rest.call("GET", self._url, None))
            except (DeliveryError, DestinationGoneError, MessageRejectedError):
                return None
            self._home = (str(info.get("guild_id", "")), str(info.get("channel_id", "")))
        return self._home

    async def find_thread(self, destination: str, key: str) -> ThreadRef | None:
        home = await self._webhook_home() if self._lookup else None
        if self._lookup is None or home is None:
            return None  # without a bot token a webhook cannot look: one duplicate possible
        hook = self._hook_id

        def ours(message: dict[str, Any]) -> bool:
            return str(message.get("webhook_id")) == hook and _root_marked(message, key)

        if self.forum:
            found = await self._lookup.forum_post(home[0], home[1], ours)
            return ThreadRef(found[0], found[0], found[1]) if found else None
        message_id = await self._lookup.recent(home[1], ours)
        return ThreadRef(message_id) if message_id else None

    async def find_delivered(self, destination: str, thread: ThreadRef, key: str) -> str | None:
        home = await self._webhook_home() if self._lookup else None
        if self._lookup is None or home is None:
            return None  # without a bot token a webhook cannot look: one duplicate possible
        hook = self._hook_id
        return await self._lookup.recent(
            thread.thread_id or home[1],
            lambda m: str(m.get("webhook_id")) == hook and _reply_marked(m, key),
        )

    async def aclose(self) -> None:
        await self._rest.aclose()
        if self._lookup is not None:
            await self._lookup.aclose()


class DiscordChannelNotifier:
    """Channels subscribed with `/hypewatch subscribe`: destinations `discord-channel:<id>`.

    Posts carry a nonce with `enforce_nonce` (a re-send within Discord's window returns the
    message already made) and roots their delivery key in the embed's footer, so a root
    whose answer was lost is found again (a forum post has no nonce: it is looked up among
    the guild's active posts). The thread's name follows the root's title: renamed
    (`PATCH /channels/{thread}`) when the launch's status changes it."""

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
        self._lookup = DiscordLookup(token, net, self._base)
        self._rest = self._lookup.rest
        self._channels: dict[str, dict[str, Any]] = {}

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

    async def _info(self, channel: str) -> dict[str, Any]:
        """The channel object (`GET /channels/{id}`: its type, its guild), read once."""
        if channel not in self._channels:
            url = f"{self._base}/channels/{channel}"
            self._channels[channel] = check_response(await self._rest.call("GET", url, None))
        return self._channels[channel]

    async def _is_forum(self, channel: str) -> bool:
        return (await self._info(channel)).get("type") in FORUM_TYPES

    async def create_thread(self, destination: str, root: Message, key: str) -> ThreadRef:
        channel = self._channel(destination)
        name = discord_title(root.title, DISCORD_THREAD_NAME_LIMIT)
        if await self._is_forum(channel):
            url = f"{self._base}/channels/{channel}/threads"
            body = {"name": name, "message": marked_root(root, key)}
            post = check_response(await self._rest.call("POST", url, body))
            thread_id = str(post["id"])
            return ThreadRef(str(post.get("message", {}).get("id", thread_id)), thread_id, name)
        body = marked_root(root, key) | self._nonce(destination, key)
        url = f"{self._base}/channels/{channel}/messages"
        message = check_response(await self._rest.call("POST", url, body))
        return await self._start_thread(channel, str(message["id"]), name)

    async def _start_thread(self, channel: str, message_id: str, name: str) -> ThreadRef:
        thread_url = f"{self._base}/channels/{channel}/messages/{message_id}/threads"
        response = await self._rest.call("POST", thread_url, {"name": name})
        if response.status_code == 400 and f"{_THREAD_ALREADY_CREATED}" in response.text:
            return ThreadRef(message_id, message_id, name)  # made before a crash; same id
        return ThreadRef(message_id, str(check_response(response)["id"]), name)

    async def reply(self, destination: str, thread: ThreadRef, message: Message, key: str) -> str:
        target = thread.thread_id or self._channel(destination)
        body = reply_payload(message) | self._nonce(destination, key)
        url = f"{self._base}/channels/{target}/messages"
        chart = chart_attachment(message, self._charts)
        return str(check_response(await self._rest.post(url, body, None, chart))["id"])

    async def edit_root(self, destination: str, thread: ThreadRef, root: Message) -> str | None:
        channel = self._channel(destination)
        if thread.thread_id and await self._is_forum(channel):
            channel = thread.thread_id  # a forum post's first message lives in the post
        url = f"{self._base}/channels/{channel}/messages/{thread.root_message_id}"
        body = marked_root(root, f"root-{root.launch_id}")
        check_response(await self._rest.call("PATCH", url, body))
        if not thread.thread_id:
            return None
        name = discord_title(root.title, DISCORD_THREAD_NAME_LIMIT)
        if name == thread.name:
            return name
        return name if await self._lookup.rename(thread.thread_id, name) else thread.name

    async def find_thread(self, destination: str, key: str) -> ThreadRef | None:
        """A forum post whose answer was lost, among the guild's active posts. In a text
        channel the re-sent root carries the same nonce (Discord answers with the message it
        has) and starting its thread again answers 160004: nothing to look up."""
        channel = self._channel(destination)
        try:
            info = await self._info(channel)
        except (DeliveryError, DestinationGoneError, MessageRejectedError):
            return None
        if info.get("type") not in FORUM_TYPES:
            return None
        found = await self._lookup.forum_post(
            str(info.get("guild_id", "")), channel, lambda m: _root_marked(m, key)
        )
        return ThreadRef(found[0], found[0], found[1]) if found else None

    async def find_delivered(self, destination: str, thread: ThreadRef, key: str) -> None:
        return None  # the enforced nonce makes the re-send itself idempotent

    async def aclose(self) -> None:
        await self._lookup.aclose()
