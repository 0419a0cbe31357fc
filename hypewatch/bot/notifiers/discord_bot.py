"""The Discord bot: `/hypewatch subscribe|unsubscribe|status|verify`.

Subscriptions live in the `subscriptions` table (platform "discord", the
channel id, the filters as JSON); the outbox turns each into the destination
`discord-channel:<id>`, delivered by `DiscordChannelNotifier` (a text
channel gets a message and a thread per launch, a forum channel a forum post).
`subscribe`, `unsubscribe` and `verify` need Manage Channels or the configured
`admin_role_id`, checked here on every call (`default_permissions` is only a
hint to Discord's UI); `verify` is rate-limited per channel. Replies are
ephemeral (except `status`, which answers for the channel) and sent with
mentions disabled. `hypewatch.bot.chat_bots` runs the bot in the daemon.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands

from hypewatch.bot.channel_commands import (
    MIN_SIGNIFICANCE_DEFAULT,
    SubscribeOptionError,
    min_significance_option,
    queue_verifications,
    subscribe_channel,
)
from hypewatch.bot.command_limits import ChannelRateLimiter
from hypewatch.bot.markup import discord_escape, to_discord
from hypewatch.bot.threads import clean_line, load_view, render_root
from hypewatch.config import Filters, Settings
from hypewatch.storage import NotFoundError, Store
from hypewatch.storage import delivery as db

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()


def _words(text: str) -> list[str]:
    return [clean_line(w, 60) for w in text.replace(";", ",").split(",") if w.strip()][:20]


async def _say(interaction: discord.Interaction, text: str, *, ephemeral: bool = True) -> None:
    await interaction.response.send_message(
        text[:2000], ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
    )


def may_manage(interaction: discord.Interaction) -> bool:
    """The check on `subscribe`, `unsubscribe` and `verify`: Manage Channels in this
    channel, or the role `notifiers.discord_bot.admin_role_id`."""
    if interaction.permissions.manage_channels:
        return True
    command = interaction.command
    group = command.parent if isinstance(command, app_commands.Command) else None
    role_id = (
        group.settings.notifiers.discord_bot.admin_role_id
        if isinstance(group, HypewatchCommands)
        else None
    )
    user = interaction.user
    # The member's role ids come with the interaction; `Member.roles` needs the guild in
    # the cache, which this bot (no guilds intent) never fills.
    if role_id is not None and isinstance(user, discord.Member) and user._roles.has(role_id):
        return True
    raise app_commands.MissingPermissions(["manage_channels"])


class HypewatchCommands(app_commands.Group):
    """The `/hypewatch` command group; `open_store` gives a Store per command."""

    def __init__(self, open_store: Callable[[], Store], settings: Settings) -> None:
        super().__init__(
            name="hypewatch",
            description="Launch claims held to evidence",
            default_permissions=None,
        )
        self.open_store = open_store
        self.settings = settings
        bot = settings.notifiers.discord_bot
        self.verify_limit = ChannelRateLimiter(
            bot.verify_per_channel, bot.verify_window_minutes * 60
        )

    @app_commands.command(name="subscribe", description="Post launch threads in this channel")
    @app_commands.describe(
        min_hype="Only launches with at least this hype score",
        min_significance="Only launches with at least this significance, 0-100 (default 40)",
        min_plausibility_flags="Only launches with at least this many plausibility flags",
        statuses="Comma-separated statuses, e.g. failed,replicated",
        orgs="Comma-separated organisations",
        benchmarks="Comma-separated benchmarks, e.g. MMLU,GSM8K",
        backfill="Also post the launches still being verified now",
    )
    @app_commands.check(may_manage)
    @app_commands.default_permissions(manage_channels=True)
    async def subscribe(
        self,
        interaction: discord.Interaction,
        min_hype: app_commands.Range[float, 0.0, 1000.0] = 0.0,
        min_significance: app_commands.Range[float, 0.0, 100.0] = MIN_SIGNIFICANCE_DEFAULT,
        min_plausibility_flags: app_commands.Range[int, 0, 100] = 0,
        statuses: str = "",
        orgs: str = "",
        benchmarks: str = "",
        backfill: bool = False,
    ) -> None:
        try:  # Discord enforces the range in its client; this is for any other caller
            threshold = min_significance_option(min_significance)
        except SubscribeOptionError as error:
            await _say(interaction, str(error))  # our text around a float: nothing to escape
            return
        filters = Filters(
            min_hype=min_hype,
            min_significance=threshold,
            min_plausibility_flags=min_plausibility_flags,
            statuses=[s.lower() for s in _words(statuses)],
            orgs=_words(orgs),
            benchmarks=_words(benchmarks),
        )
        channel = str(interaction.channel_id)
        store = self.open_store()
        try:
            backfilled, shown = subscribe_channel(
                store, "discord", channel, filters, f"user:{interaction.user.id}", backfill=backfill
            )
        finally:
            store.close()
        extra = f" Posting {backfilled} open launch(es) now." if backfill else ""
        await _say(
            interaction,
            f"Subscribed this channel to launch threads (filters: {discord_escape(shown)}).{extra}",
        )

    @app_commands.command(name="unsubscribe", description="Stop posting launch threads here")
    @app_commands.check(may_manage)
    @app_commands.default_permissions(manage_channels=True)
    async def unsubscribe(self, interaction: discord.Interaction) -> None:
        store = self.open_store()
        try:
            removed = db.unsubscribe(store, "discord", str(interaction.channel_id))
        finally:
            store.close()
        await _say(interaction, "Unsubscribed." if removed else "This channel was not subscribed.")

    @app_commands.command(name="status", description="A launch's claims and their status")
    @app_commands.describe(model="Launch name, slug, id or Hugging Face repo")
    async def status(self, interaction: discord.Interaction, model: str) -> None:
        store = self.open_store()
        try:
            launch = store.find_launch(clean_line(model, 200))
            root = render_root(load_view(store, launch.id))
        except NotFoundError:
            await _say(interaction, f"No launch matches {discord_escape(clean_line(model, 100))}.")
            return
        finally:
            store.close()
        await _say(
            interaction,
            f"**{discord_escape(root.title)}**\n{to_discord(root, 1900)}",
            ephemeral=False,
        )

    @app_commands.command(name="verify", description="Queue every verifier for a launch's claims")
    @app_commands.describe(model="Launch name, slug, id or Hugging Face repo")
    @app_commands.check(may_manage)
    @app_commands.default_permissions(manage_channels=True)
    async def verify(self, interaction: discord.Interaction, model: str) -> None:
        wait = self.verify_limit.acquire(str(interaction.channel_id))
        if wait is not None:
            await _say(
                interaction,
                f"This channel has used its verifications for now; try again in {wait / 60:.0f}"
                " minute(s).",
            )
            return
        store = self.open_store()
        try:
            launch = store.find_launch(clean_line(model, 200))
            queued = queue_verifications(store, self.settings, launch.id)
        except NotFoundError:
            await _say(interaction, f"No launch matches {discord_escape(clean_line(model, 100))}.")
            return
        finally:
            store.close()
        await _say(
            interaction, f"Queued {queued} verification(s) for {discord_escape(launch.name)}."
        )

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.MissingPermissions):
            await _say(
                interaction,
                "You need the Manage Channels permission (or the hypewatch admin role) for this "
                "command.",
            )
            return
        await _say(interaction, "Something went wrong; the bot's log has the details.")
        raise error


class HypewatchBot(discord.Client):
    """A gateway client with only the `/hypewatch` commands (no message content intent)."""

    def __init__(self, open_store: Callable[[], Store], settings: Settings, **kwargs: Any) -> None:
        super().__init__(intents=discord.Intents.none(), allowed_mentions=NO_MENTIONS, **kwargs)
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(HypewatchCommands(open_store, settings))
        self.guild_id = settings.notifiers.discord_bot.guild_id

    async def on_ready(self) -> None:
        log.info("Discord bot connected as %s", self.user)

    async def setup_hook(self) -> None:
        if self.guild_id is not None:
            guild = discord.Object(id=self.guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()
