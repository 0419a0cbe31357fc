"""The Slack app: `/hypewatch subscribe|unsubscribe|status|verify` over Socket Mode.

slack_bolt's `AsyncApp` with `AsyncSocketModeHandler` (aiohttp): the daemon
opens the socket itself (`apps.connections.open` with the app-level token), so
a self-hosted install needs no public URL. Each command is answered in its
acknowledgement (the reply Slack shows only to the caller, except `status`,
sent `in_channel`).

Subscriptions are the same rows as Discord's (`subscriptions`, platform
"slack", the channel id), destination `slack-channel:<id>`, delivered by
`SlackChannelNotifier` (the existing Slack notifier, channel from the
destination). `subscribe`, `unsubscribe` and `verify` need a workspace admin
or owner (`users.info`) or a member of `admin_usergroup_id`
(`usergroups.users.list`), checked on every call; `verify` is rate-limited
per channel.

Options are `key=value` words after the subcommand: `/hypewatch subscribe
min_hype=0.5 min_significance=60 statuses=failed,replicated orgs=acme benchmarks=MMLU
min_plausibility_flags=1 backfill`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from hypewatch.bot.channel_commands import (
    SubscribeOptionError,
    min_significance_option,
    queue_verifications,
    subscribe_channel,
)
from hypewatch.bot.command_limits import ChannelRateLimiter
from hypewatch.bot.markup import slack_escape, to_slack_blocks
from hypewatch.bot.threads import clean_line, load_view, render_root
from hypewatch.config import Filters, Secret, Settings
from hypewatch.storage import NotFoundError, Store
from hypewatch.storage import delivery as db

log = logging.getLogger(__name__)

USAGE = (
    "Usage: `/hypewatch subscribe [min_hype=N] [min_significance=0-100] "
    "[min_plausibility_flags=N] "
    "[statuses=a,b] [orgs=a,b] [benchmarks=a,b] [backfill]`, `/hypewatch unsubscribe`, "
    "`/hypewatch status MODEL`, `/hypewatch verify MODEL`"
)
_LIST_OPTIONS = ("statuses", "orgs", "benchmarks")
_MAX_TEXT = 1000


class CommandError(ValueError):
    """Bad command text: the message says what was wrong and how to write it."""


def parse_subscribe_options(words: list[str]) -> tuple[Filters, bool]:
    """(filters, backfill) from `key=value` words; CommandError names a bad one."""
    raw: dict[str, Any] = {}
    backfill = False
    for word in words:
        if word.lower() == "backfill":
            backfill = True
            continue
        key, sep, value = word.partition("=")
        key = key.lower()
        if not sep or key not in Filters.model_fields:
            raise CommandError(f"unknown option {clean_line(word, 60)!r}. {USAGE}")
        if key == "min_significance":
            try:
                raw[key] = min_significance_option(value)
            except SubscribeOptionError as error:
                raise CommandError(f"{error}. {USAGE}") from None
        elif key in _LIST_OPTIONS:
            items = [clean_line(v, 60) for v in value.split(",") if v.strip()][:20]
            raw[key] = [i.lower() for i in items] if key == "statuses" else items
        else:
            raw[key] = value
    try:
        return Filters.model_validate(raw), backfill
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        raise CommandError(f"{where}: {problem['msg']}. {USAGE}") from None


class SlackCommands:
    """The `/hypewatch` handler; `open_store` gives a Store per command."""

    def __init__(self, open_store: Callable[[], Store], settings: Settings) -> None:
        self.open_store = open_store
        self.settings = settings
        bot = settings.notifiers.slack_bot
        self.verify_limit = ChannelRateLimiter(
            bot.verify_per_channel, bot.verify_window_minutes * 60
        )

    async def may_manage(self, client: AsyncWebClient, user_id: str) -> bool:
        """Workspace admins and owners, or members of the configured user group."""
        info = await client.users_info(user=user_id)
        user = info.get("user") or {}
        if user.get("is_admin") or user.get("is_owner"):
            return True
        group = self.settings.notifiers.slack_bot.admin_usergroup_id
        if group is None:
            return False
        members = await client.usergroups_users_list(usergroup=group)
        return user_id in (members.get("users") or [])

    async def handle(self, ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        words = str(command.get("text", ""))[:_MAX_TEXT].split()
        sub = words[0].lower() if words else ""
        channel = str(command.get("channel_id", ""))
        user_id = str(command.get("user_id", ""))
        try:
            if sub in ("subscribe", "unsubscribe", "verify"):
                try:
                    allowed = await self.may_manage(client, user_id)
                except SlackApiError as error:
                    log.warning("Slack permission lookup failed: %s", error.response.get("error"))
                    allowed = False
                if not allowed:
                    await ack(
                        "You need to be a workspace admin (or in the hypewatch admin user "
                        "group) for this command."
                    )
                    return
            if sub == "subscribe":
                await ack(self.subscribe(channel, user_id, words[1:]))
            elif sub == "unsubscribe":
                await ack(self.unsubscribe(channel))
            elif sub == "status" and len(words) > 1:
                await self.status(ack, " ".join(words[1:]))
            elif sub == "verify" and len(words) > 1:
                await ack(self.verify(channel, " ".join(words[1:])))
            else:
                await ack(USAGE)
        except CommandError as error:
            await ack(str(error))

    def subscribe(self, channel: str, user_id: str, words: list[str]) -> str:
        filters, backfill = parse_subscribe_options(words)
        store = self.open_store()
        try:
            backfilled, shown = subscribe_channel(
                store, "slack", channel, filters, f"slack-user:{user_id}", backfill=backfill
            )
        finally:
            store.close()
        extra = f" Posting {backfilled} open launch(es) now." if backfill else ""
        return (
            f"Subscribed this channel to launch threads (filters: {slack_escape(shown)}).{extra}"
            " Invite the app to the channel (/invite) if it is not in it yet."
        )

    def unsubscribe(self, channel: str) -> str:
        store = self.open_store()
        try:
            removed = db.unsubscribe(store, "slack", channel)
        finally:
            store.close()
        return "Unsubscribed." if removed else "This channel was not subscribed."

    async def status(self, ack: AsyncAck, model: str) -> None:
        store = self.open_store()
        try:
            launch = store.find_launch(clean_line(model, 200))
            root = render_root(load_view(store, launch.id))
        except NotFoundError:
            await ack(f"No launch matches {slack_escape(clean_line(model, 100))}.")
            return
        finally:
            store.close()
        await ack(
            text=slack_escape(root.title),
            blocks=to_slack_blocks(root, header=True),
            response_type="in_channel",
        )

    def verify(self, channel: str, model: str) -> str:
        wait = self.verify_limit.acquire(channel)
        if wait is not None:
            return (
                f"This channel has used its verifications for now; try again in {wait / 60:.0f}"
                " minute(s)."
            )
        store = self.open_store()
        try:
            launch = store.find_launch(clean_line(model, 200))
            queued = queue_verifications(store, self.settings, launch.id)
        except NotFoundError:
            return f"No launch matches {slack_escape(clean_line(model, 100))}."
        finally:
            store.close()
        return f"Queued {queued} verification(s) for {slack_escape(launch.name)}."


def build_slack_app(settings: Settings, open_store: Callable[[], Store], token: Secret) -> AsyncApp:
    """The bolt app with the `/hypewatch` command (no HTTP endpoint: Socket Mode only)."""
    bot = settings.notifiers.slack_bot
    client = AsyncWebClient(token=token.reveal(), base_url=bot.base_url)
    app = AsyncApp(client=client, process_before_response=True)
    commands = SlackCommands(open_store, settings)
    app.command("/hypewatch")(commands.handle)
    return app
