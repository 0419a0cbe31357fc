"""Build the notifiers and destinations the daemon delivers to, from the settings."""

from __future__ import annotations

from rich.console import Console

from hypewatch.bot.notifiers.base import Notifier
from hypewatch.bot.notifiers.console import DESTINATION as CONSOLE
from hypewatch.bot.notifiers.console import ConsoleNotifier
from hypewatch.bot.notifiers.discord import DiscordChannelNotifier, DiscordWebhookNotifier
from hypewatch.bot.notifiers.slack import SlackChannelNotifier, SlackNotifier
from hypewatch.bot.outbox import Destination, OutboxSender, install_outbox
from hypewatch.config import Settings, read_secret
from hypewatch.net import NetConfig
from hypewatch.storage import Store


def configured_destinations(settings: Settings) -> list[Destination]:
    """Every destination in the config, with its filters (subscriptions come from the DB)."""
    n = settings.notifiers
    found = [Destination(f"discord:{h.name}", h.filters) for h in n.discord]
    found += [Destination(f"slack:{c.name}", c.filters) for c in n.slack]
    if n.console.enabled:
        found.append(Destination(CONSOLE))
    return found


def build_notifiers(
    settings: Settings,
    store: Store,
    *,
    net: NetConfig | None = None,
    console: Console | None = None,
    discord_api_base: str | None = None,
) -> list[Notifier]:
    """One notifier per configured destination (secrets read now: ConfigError if missing),
    plus the bot's channel notifier when the Discord bot is enabled."""
    net = net or NetConfig.from_settings(settings.network)
    n = settings.notifiers
    notifiers: list[Notifier] = []
    for i, hook in enumerate(n.discord):
        url = read_secret(hook.webhook_url_env, f"notifiers.discord[{i}].webhook_url_env")
        bot_token = (
            read_secret(hook.bot_token_env, f"notifiers.discord[{i}].bot_token_env")
            if hook.bot_token_env
            else None
        )
        notifiers.append(
            DiscordWebhookNotifier(
                hook.name, url, net, forum=hook.forum, charts=n.charts, bot_token=bot_token
            )
        )
    for i, channel in enumerate(n.slack):
        token = read_secret(channel.token_env, f"notifiers.slack[{i}].token_env")
        notifiers.append(
            SlackNotifier(
                channel.name,
                channel.channel,
                token,
                net,
                base_url=channel.base_url,
                max_retry_after=n.max_retry_after_seconds,
                charts=n.charts,
            )
        )
    if n.discord_bot.enabled:
        token = read_secret(n.discord_bot.token_env, "notifiers.discord_bot.token_env")
        base = discord_api_base or n.discord_bot.api_base
        notifiers.append(DiscordChannelNotifier(token, net, api_base=base, charts=n.charts))
    if n.slack_bot.enabled:
        token = read_secret(n.slack_bot.token_env, "notifiers.slack_bot.token_env")
        notifiers.append(
            SlackChannelNotifier(
                token,
                net,
                base_url=n.slack_bot.base_url,
                max_retry_after=n.max_retry_after_seconds,
                charts=n.charts,
            )
        )
    if n.console.enabled:
        notifiers.append(ConsoleNotifier(console))
    return notifiers


def subscription_platforms(settings: Settings) -> list[str]:
    """The platforms whose bot is on (their slash-command subscriptions get deliveries)."""
    n = settings.notifiers
    return [
        p for p, on in (("discord", n.discord_bot.enabled), ("slack", n.slack_bot.enabled)) if on
    ]


def register_destinations(settings: Settings, store: Store) -> None:
    """Record the configured destinations (and whether slash-command subscriptions count)
    in the database, so any process that appends an event queues its delivery. Every
    command that can append events calls this; it reads no secret."""
    install_outbox(
        store,
        configured_destinations(settings),
        subscriptions=subscription_platforms(settings),
    )


def start_delivery(settings: Settings, store: Store, notifiers: list[Notifier]) -> OutboxSender:
    """Register the configured destinations and return the sender that delivers to them."""
    register_destinations(settings, store)
    return OutboxSender(
        store, notifiers, max_retry_after=settings.notifiers.max_retry_after_seconds
    )
