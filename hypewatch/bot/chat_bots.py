"""The chat bots the daemon runs beside its scheduler: the Discord gateway client and
the Slack app in Socket Mode (`hypewatch.bot.slack_app`).

They run on the daemon's own event loop, not in a thread: discord.py is
asyncio-native, a slash command does a few short SQLite calls (the heavy
work — polls, verifications — already runs in the scheduler's worker
threads), and one loop means one signal handler (`Daemon.
install_signal_handlers`) stops everything in order: the scheduler finishes
its in-flight work, then each bot closes its gateway session and its task
ends (`ChatBots.stop`; anything still running after the grace period is
cancelled and awaited, so no task is left behind).

Reconnecting: within a session discord.py itself resumes a dropped socket
(RESUME) or re-identifies, with exponential backoff. A failure outside that
(the login request fails: network down, Discord 5xx) ends `Client.start`;
the supervisor here then starts a fresh client after an exponential backoff
capped at `reconnect_max_seconds`. A refused token is not retried: it is
logged with the setting to fix.

Endpoints: discord.py reads its REST base from `discord.http.Route.BASE` and
a plain client's gateway from `DiscordWebSocket.DEFAULT_GATEWAY`; both are
set from `[notifiers.discord_bot]` (`api_base`, `gateway_url`) before the
client starts, after `hypewatch.net.check_url` has accepted them (discord.py
connects with its own aiohttp session, so the network policy is checked up
front rather than per request).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import aiohttp
import discord
import yarl
from discord.backoff import ExponentialBackoff
from discord.gateway import DiscordWebSocket

from hypewatch.bot.notifiers.discord_bot import HypewatchBot
from hypewatch.bot.scheduler import Daemon
from hypewatch.config import DiscordBotSettings, Secret, Settings, read_secret
from hypewatch.net import NetConfig, check_url
from hypewatch.storage import Store

log = logging.getLogger(__name__)


class ChatBot(Protocol):
    name: str

    async def run(self) -> None:
        """Connect and serve commands until `close` (reconnecting on failures)."""

    async def close(self) -> None:
        """End the session; `run` returns soon after."""


def configure_discord_endpoints(bot: DiscordBotSettings, net: NetConfig) -> None:
    """Point discord.py at the configured REST base and gateway (checked by the network
    policy first: BlockedDestinationError names a refused one)."""
    check_url(bot.api_base, net)
    gateway = yarl.URL(bot.gateway_url)
    if gateway.scheme not in ("ws", "wss"):
        raise discord.DiscordException(
            f"notifiers.discord_bot.gateway_url must be a ws:// or wss:// URL, not {gateway}"
        )
    check_url(str(gateway.with_scheme("https" if gateway.scheme == "wss" else "http")), net)
    discord.http.Route.BASE = bot.api_base.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = gateway


class DiscordBotService:
    """One `HypewatchBot` at a time, started again with backoff when a session ends badly."""

    name = "discord"

    def __init__(self, settings: Settings, open_store: Callable[[], Store], token: Secret) -> None:
        self.settings = settings
        self.open_store = open_store
        self.token = token
        self.client: HypewatchBot | None = None
        self.sessions = 0
        self._closing = asyncio.Event()

    async def run(self) -> None:
        backoff = ExponentialBackoff()
        cap = self.settings.notifiers.discord_bot.reconnect_max_seconds
        while not self._closing.is_set():
            self.client = HypewatchBot(self.open_store, self.settings)
            self.sessions += 1
            try:
                await self.client.start(self.token.reveal(), reconnect=True)
            except discord.LoginFailure:
                log.error(
                    "Discord refused the bot token; set %s to the bot's token (Developer "
                    "Portal -> Bot -> Reset Token)",
                    self.settings.notifiers.discord_bot.token_env,
                )
                return
            except (OSError, TimeoutError, aiohttp.ClientError, discord.DiscordException) as error:
                log.warning("Discord session ended: %s: %s", type(error).__name__, error)
            finally:
                await self.client.close()
            if self._closing.is_set():
                return
            delay = min(backoff.delay(), cap)
            log.info("starting the Discord client again in %.1f s", delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), delay)

    async def close(self) -> None:
        self._closing.set()
        if self.client is not None:
            await self.client.close()


class SlackBotService:
    """The Slack app over Socket Mode (slack_bolt's aiohttp handler reconnects by itself:
    on a dropped socket or a `disconnect` message it opens a new one)."""

    name = "slack"

    def __init__(
        self, settings: Settings, open_store: Callable[[], Store], token: Secret, app_token: Secret
    ) -> None:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        from hypewatch.bot.slack_app import build_slack_app

        self.app = build_slack_app(settings, open_store, token)
        self.handler = AsyncSocketModeHandler(
            self.app,
            app_token.reveal(),
            ping_interval=settings.notifiers.slack_bot.ping_interval_seconds,
        )
        self._closing = asyncio.Event()

    async def run(self) -> None:
        # connect_async() keeps trying by itself (every ping_interval) until it has a
        # socket, logging "Failed to connect" for each failure, a refused app token included;
        # after that the handler replaces a dropped socket on its own.
        await self.handler.connect_async()  # type: ignore[no-untyped-call]
        await self._closing.wait()

    async def close(self) -> None:
        self._closing.set()
        await self.handler.close_async()  # type: ignore[no-untyped-call]


class ChatBots:
    """The enabled bots as tasks on the running loop."""

    def __init__(self, services: list[ChatBot]) -> None:
        self.services = services
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        for service in self.services:
            self.tasks.append(asyncio.create_task(service.run(), name=f"chat-bot-{service.name}"))

    async def stop(self, grace: float) -> None:
        """Close every session, wait up to `grace` seconds, cancel what is left."""
        for service in self.services:
            try:
                await asyncio.wait_for(service.close(), grace)
            except Exception:
                log.exception("closing the %s bot failed", service.name)
        if not self.tasks:
            return
        _, late = await asyncio.wait(self.tasks, timeout=grace)
        for task in late:
            task.cancel()
        results = await asyncio.gather(*self.tasks, return_exceptions=True)
        for service, result in zip(self.services, results, strict=True):
            if isinstance(result, Exception):
                log.error("the %s bot stopped with %r", service.name, result)


def build_chat_bots(settings: Settings, database: Path, net: NetConfig) -> ChatBots:
    """The bots `[notifiers.*]` enables (secrets read now: ConfigError names a missing one)."""
    services: list[ChatBot] = []
    bot = settings.notifiers.discord_bot
    if bot.enabled:
        token = read_secret(bot.token_env, "notifiers.discord_bot.token_env")
        configure_discord_endpoints(bot, net)
        services.append(DiscordBotService(settings, lambda: Store.open(database), token))
    slack = settings.notifiers.slack_bot
    if slack.enabled:
        token = read_secret(slack.token_env, "notifiers.slack_bot.token_env")
        app_token = read_secret(slack.app_token_env, "notifiers.slack_bot.app_token_env")
        check_url(slack.base_url, net)
        services.append(SlackBotService(settings, lambda: Store.open(database), token, app_token))
    return ChatBots(services)


async def serve(daemon: Daemon, bots: ChatBots) -> None:
    """Start the bots, run the daemon until it stops (SIGTERM), then stop the bots within
    the daemon's shutdown grace period."""
    bots.start()
    try:
        await daemon.run()
    finally:
        await bots.stop(daemon.shutdown_grace)
