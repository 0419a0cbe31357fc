"""What the Discord and Slack `/hypewatch` commands do, once for both platforms.

The platform modules parse the command, check the caller's permission and word the reply;
the effect on the ledger (a subscription row, a live destination, a back-fill, queued
verifications) is here.
"""

from __future__ import annotations

from hypewatch.config import Filters, Settings
from hypewatch.storage import Store
from hypewatch.storage import delivery as db
from hypewatch.storage.routing import backfill_open_launches
from hypewatch.verifiers.base import discover

__all__ = ["queue_verifications", "subscribe_channel"]


def subscribe_channel(
    store: Store,
    platform: str,
    channel: str,
    filters: Filters,
    made_by: str,
    *,
    backfill: bool,
) -> tuple[int, str]:
    """Subscribe `channel` on `platform`; returns (launches back-filled, filters as shown)."""
    prefix = db.SLACK_CHANNEL_PREFIX if platform == "slack" else db.DISCORD_CHANNEL_PREFIX
    destination = prefix + channel
    db.subscribe(store, platform, channel, filters.model_dump(), made_by)
    db.reactivate_destination(store, destination)
    backfilled = backfill_open_launches(store, destination, filters) if backfill else 0
    shown = ", ".join(f"{k}={v}" for k, v in filters.model_dump().items() if v) or "none"
    return backfilled, shown


def queue_verifications(store: Store, settings: Settings, launch_id: int) -> int:
    """Queue each enabled verifier for each claim kind it accepts; returns how many."""
    from hypewatch.bot.pipeline import queue_claim
    from hypewatch.extractors.plausibility import priority

    registry = discover(settings)
    launch = store.get_launch(launch_id)
    return sum(
        queue_claim(store, registry, claim, priority=priority(claim.flags, launch.hype))
        for claim in store.claims(launch_id=launch_id)
    )
