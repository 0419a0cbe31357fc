"""`subscriptions` and `unsubscribe`: the channels subscribed with `/hypewatch subscribe`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from hypewatch.cli.common import JsonOpt, app, emit_json, handle_errors, out, state
from hypewatch.storage import NotFoundError

# -- subscriptions: chat subscriptions (issue 18) --
# (section start)

#: Destination spellings `unsubscribe` accepts besides `platform:channel`.
_ALIASES = {"discord-channel": "discord", "slack-channel": "slack"}


def parse_destination(text: str) -> tuple[str, str]:
    """(platform, channel) of `discord:ID`, `discord-channel:ID` or `slack:CHANNEL`."""
    platform, sep, channel = text.strip().partition(":")
    platform = _ALIASES.get(platform.lower(), platform.lower())
    if not sep or platform not in {"discord", "slack"} or not channel.strip():
        raise typer.BadParameter(
            f"{text!r} is not a destination; write discord:CHANNEL_ID or slack:CHANNEL_ID "
            "(as 'hypewatch subscriptions' lists them)"
        )
    return platform, channel.strip()


@app.command("subscriptions")
@handle_errors
def subscriptions_command(json_out: JsonOpt = False) -> None:
    """List every channel subscribed with /hypewatch subscribe (Discord and Slack)."""
    from hypewatch.storage import delivery

    store = state.store(create=False)
    try:
        rows = delivery.subscriptions(store)
    finally:
        store.close()
    if json_out:
        emit_json(
            {
                "subscriptions": [
                    {
                        "destination": s.destination,
                        "platform": s.platform,
                        "channel": s.channel,
                        "filters": s.filters,
                        "created_by": s.created_by,
                        "created_at": s.created_at,
                    }
                    for s in rows
                ]
            }
        )
        return
    if not rows:
        out.print("no subscriptions (a channel subscribes with /hypewatch subscribe)")
    for s in rows:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(s.filters.items()) if v) or "no filters"
        out.print(
            f"{escape(s.destination):<32} {escape(shown):<40} "
            f"by {escape(s.created_by)} at {escape(s.created_at)}"
        )


@app.command("unsubscribe")
@handle_errors
def unsubscribe_command(
    destination: Annotated[
        str, typer.Argument(help="discord:CHANNEL_ID or slack:CHANNEL_ID, as listed.")
    ],
    json_out: JsonOpt = False,
) -> None:
    """Remove a channel's subscription: it receives no launch threads from now on."""
    from hypewatch.storage import delivery

    platform, channel = parse_destination(destination)
    store = state.store(create=False)
    try:
        removed = delivery.unsubscribe(store, platform, channel)
    finally:
        store.close()
    if not removed:
        raise NotFoundError(
            f"no subscription for {platform}:{channel}; 'hypewatch subscriptions' lists them"
        )
    if json_out:
        emit_json({"removed": f"{platform}:{channel}"})
        return
    out.print(f"unsubscribed {escape(platform)}:{escape(channel)}")


# (section end)
