"""Watchers: X (tweepy), Reddit (praw) and the Hugging Face Hub (huggingface_hub).

    watchers = build_watchers(settings)            # the enabled sources
    for watcher in watchers:
        report = poll_once(store, watcher)         # stores posts + cursors, records health

See docs/watchers.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypewatch.bot.watchers.base import (
    Batch,
    PollContext,
    PollReport,
    SourceError,
    Watcher,
    poll_once,
)
from hypewatch.config import ConfigError, Settings
from hypewatch.models import Source

#: CLI spellings of each source.
SOURCE_ALIASES = {
    "x": str(Source.X),
    "twitter": str(Source.X),
    "reddit": str(Source.REDDIT),
    "hf": str(Source.HUGGINGFACE),
    "huggingface": str(Source.HUGGINGFACE),
    "web": str(Source.WEB),
}
SOURCES = (str(Source.X), str(Source.REDDIT), str(Source.HUGGINGFACE), str(Source.WEB))


def enabled_sources(settings: Settings) -> list[str]:
    configured = settings.sources
    flags = {
        str(Source.X): configured.x.enabled,
        str(Source.REDDIT): configured.reddit.enabled,
        str(Source.HUGGINGFACE): configured.huggingface.enabled,
        str(Source.WEB): configured.web.enabled,
    }
    return [name for name in SOURCES if flags[name]]


def resolve_source(name: str) -> str:
    try:
        return SOURCE_ALIASES[name.lower()]
    except KeyError:
        raise ConfigError(f"unknown source {name!r}; use one of: x, reddit, hf, web") from None


def build_watcher(settings: Settings, source: str, *, allow_private: bool = False) -> Watcher:
    """One watcher with its real client, built from settings and secrets (env vars)."""
    # Imported here: each client library is heavy and only the polled ones are needed.
    if source == str(Source.X):
        from hypewatch.bot.watchers.x import build_x_watcher

        return build_x_watcher(settings, allow_private=allow_private)
    if source == str(Source.REDDIT):
        from hypewatch.bot.watchers.reddit import build_reddit_watcher

        return build_reddit_watcher(settings, allow_private=allow_private)
    if source == str(Source.HUGGINGFACE):
        from hypewatch.bot.watchers.huggingface import build_huggingface_watcher

        return build_huggingface_watcher(settings, allow_private=allow_private)
    if source == str(Source.WEB):
        from hypewatch.bot.watchers.web import build_web_watcher

        return build_web_watcher(settings, allow_private=allow_private)
    raise ConfigError(f"unknown source {source!r}; use one of: x, reddit, hf, web")


def build_watchers(
    settings: Settings,
    sources: Sequence[str] | None = None,
    *,
    allow_private: bool = False,
) -> list[Watcher]:
    """Watchers for `sources` (names or CLI aliases), default: the enabled ones.

    Raises ConfigError naming the env var when a needed credential is missing."""
    names = [resolve_source(s) for s in sources] if sources else enabled_sources(settings)
    return [build_watcher(settings, name, allow_private=allow_private) for name in names]


__all__ = [
    "SOURCES",
    "SOURCE_ALIASES",
    "Batch",
    "PollContext",
    "PollReport",
    "SourceError",
    "Watcher",
    "build_watcher",
    "build_watchers",
    "enabled_sources",
    "poll_once",
    "resolve_source",
]
