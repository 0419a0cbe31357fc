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

__all__ = [
    "MIN_SIGNIFICANCE_DEFAULT",
    "SubscribeOptionError",
    "min_significance_option",
    "queue_verifications",
    "subscribe_channel",
]

#: What a subscription gets when the option is left out (the destinations' default).
MIN_SIGNIFICANCE_DEFAULT = float(Filters.model_fields["min_significance"].default)


class SubscribeOptionError(ValueError):
    """A subscribe option out of range: the message says what was wrong and what to give."""


def min_significance_option(value: object) -> float:
    """The `min_significance` option of `/hypewatch subscribe`: a number from 0 to 100 (a
    launch's significance, docs/significance.md); SubscribeOptionError otherwise."""
    text = str(value).strip()[:40]
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if not 0.0 <= number <= 100.0:  # also false for nan
        raise SubscribeOptionError(
            f"min_significance must be a number from 0 to 100 (got {text!r}): launches "
            f"scoring below it get no thread in this channel; "
            f"{MIN_SIGNIFICANCE_DEFAULT:g} is the default, 0 posts every launch"
        )
    return number


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
