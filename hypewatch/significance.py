"""What deserves a thread: a launch's significance (0-100), from evidence a user can read.

Four kinds of evidence, each a line in the reasons a thread, `hypewatch show` and the digest
print (docs/significance.md has the defaults and why):

- **publisher**: the Hub organisation is on the known list (`significance.known_orgs`), or has
  launched here before (earlier launches in the store);
- **velocity**: the Hub watcher's snapshots of the repo over its first hours
  (`storage/hub_snapshots`): likes per hour -- the larger of the rate since `createdAt` and
  the growth within the last `velocity_window_minutes` -- `trendingScore` and `downloads` as
  last seen (without snapshots: the post's counts when first seen); and the engagement of
  the X/Reddit posts (`plausibility.hype_score`);
- **corroboration**: the same launch seen on more than one platform (Hub, X, Reddit);
- **the claims themselves**: its own scores, superlative language, plausibility flags.

A repo created long before it was first seen (`old_repo_days`; a trending list brings back
old favourites) is old news: recorded with score 0 unless a claim arrives from another post
than its Hub card. Derivatives (quantisations, adapters, copied cards) never become launches
(`extractors/derivatives.py`), so they never reach this.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hypewatch.config import SignificanceSettings
from hypewatch.extractors.plausibility import (
    ABOVE_CEILING,
    ABOVE_VERIFIED,
    SUPERLATIVE,
    hype_score,
)
from hypewatch.models import Claim, ClaimKind, Launch, Post, Source
from hypewatch.storage import Store
from hypewatch.storage.hub_snapshots import HubSnapshot, snapshots

__all__ = ["Significance", "assess", "queue_priority", "thread_decision"]

#: How much one point of significance outweighs a claim's own queue priority (< 1000).
PRIORITY_SCALE = 1000.0


@dataclass(frozen=True)
class Significance:
    score: float
    reasons: tuple[str, ...]
    old_repo: bool = False


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _number(engagement: dict[str, Any], key: str) -> float:
    value = engagement.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return max(0.0, float(value))


def _fmt(points: float) -> str:
    return f"+{points:.0f}"


def _publisher(store: Store, launch: Launch, cfg: SignificanceSettings) -> tuple[float, str]:
    if not launch.org:
        return 0.0, "publisher: no Hub organisation known"
    known = {o.lower() for o in cfg.known_orgs}
    if launch.org.lower() in known:
        return cfg.known_org_points, f"publisher: {launch.org} is a known organisation"
    earlier = store.earlier_launches_of(launch.org, launch.id, cfg.notable)
    if earlier:
        return (
            cfg.earlier_launch_points,
            f"publisher: {launch.org} has {earlier} earlier launch(es) here scoring "
            f"{cfg.notable:g} or more",
        )
    return 0.0, f"publisher: {launch.org} is new here and not on the known list"


#: The shortest span a growth rate is measured over (two polls a minute apart say little).
MIN_SPAN_HOURS = 0.25


def _growth(series: list[HubSnapshot], window: timedelta) -> tuple[float, float, float]:
    """(likes gained, downloads gained, hours) between the newest snapshot and the oldest
    one within `window` before it (the one just before, when none other is)."""
    newest = series[-1]
    earlier = series[:-1]
    inside = [s for s in earlier if s.at >= newest.at - window]
    ref = inside[0] if inside else (earlier[-1] if earlier else None)
    if ref is None:
        return 0.0, 0.0, 0.0
    hours = max(MIN_SPAN_HOURS, (newest.at - ref.at).total_seconds() / 3600)
    return max(0, newest.likes - ref.likes), max(0, newest.downloads - ref.downloads), hours


def _hub_velocity(
    store: Store, hub: Post, launch: Launch, cfg: SignificanceSettings
) -> tuple[float, str]:
    created = _when(hub.raw.get("created_at")) or hub.created_at
    series = snapshots(store, hub.native_id) if cfg.velocity_follow_hours else []
    seen_at = series[-1].at if series else launch.first_seen
    hours = max(1.0, (seen_at - created).total_seconds() / 3600)
    if series:
        likes, downloads = float(series[-1].likes), float(series[-1].downloads)
        trending = series[-1].trending_score
    else:
        likes = _number(hub.engagement, "likes")
        trending = _number(hub.engagement, "trending_score")
        downloads = _number(hub.engagement, "downloads")
    per_hour = likes / hours
    text = f"Hub: {likes:.0f} likes in {hours:.0f} h ({per_hour:.1f}/h)"
    gained, fetched, span = (
        _growth(series, timedelta(minutes=cfg.velocity_window_minutes)) if series else (0, 0, 0)
    )
    if span:
        per_hour = max(per_hour, gained / span)
        text += (
            f", +{gained:.0f} likes and +{fetched:.0f} downloads in the last "
            f"{span * 60:.0f} min ({gained / span:.1f} likes/h)"
        )
    points = (
        10 * math.log10(1 + per_hour)
        + 5 * math.log10(1 + trending)
        + 2 * math.log10(1 + downloads / 1000)
    )
    text += f", trending score {trending:g}, {downloads:.0f} downloads"
    return points, text


def _velocity(
    store: Store, posts: list[Post], launch: Launch, cfg: SignificanceSettings
) -> tuple[float, str]:
    points, parts = 0.0, []
    hub = next((p for p in posts if p.source == Source.HUGGINGFACE), None)
    if hub is not None:
        hub_points, text = _hub_velocity(store, hub, launch, cfg)
        points += hub_points
        parts.append(text)
    social = max((hype_score(p.engagement) for p in posts if p.source != "huggingface"), default=0)
    if social:
        points += 4 * social
        parts.append(f"posts' engagement {social:.1f} (log10 of weighted likes/shares)")
    points = min(cfg.velocity_cap, points)
    return points, "velocity: " + ("; ".join(parts) or "no engagement seen")


def _claims(claims: list[Claim], cfg: SignificanceSettings) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    scores = [c for c in claims if c.kind is ClaimKind.SCORE]
    if scores:
        points = min(cfg.score_cap, cfg.score_points * len(scores))
        out.append((points, f"claims: {len(scores)} score(s) of its own"))
    flags = {f.split(":", 1)[0] for c in claims for f in c.flags}
    if SUPERLATIVE in flags:
        out.append((cfg.superlative_points, "claims: superlative language"))
    doubtful = sorted(flags & {ABOVE_CEILING, ABOVE_VERIFIED})
    if doubtful:
        points = min(cfg.flag_cap, cfg.flag_points * len(doubtful))
        out.append((points, f"claims: plausibility flags {', '.join(doubtful)} (worth a check)"))
    return out


def _old_repo(
    posts: list[Post], claims: list[Claim], launch: Launch, cfg: SignificanceSettings
) -> str:
    """Why the launch is old news ("" when it is not)."""
    hub = next((p for p in posts if p.source == Source.HUGGINGFACE), None)
    if hub is None:
        return ""
    created = _when(hub.raw.get("created_at"))
    if created is None:
        return ""
    age = (launch.first_seen - created).total_seconds() / 86400
    if age <= cfg.old_repo_days:
        return ""
    if any(c.post_key and c.post_key != hub.key for c in claims):
        return ""  # a new claim from another post: news again
    return (
        f"old repo: created {created:%Y-%m-%d}, {age:.0f} days before it was first seen "
        f"(more than {cfg.old_repo_days:g}); recorded, not announced"
    )


def assess(store: Store, launch: Launch, cfg: SignificanceSettings) -> Significance:
    """The launch's significance now, with one reason per piece of evidence."""
    posts = store.posts_for_launch(launch.id)
    claims = store.claims(launch_id=launch.id)
    old = _old_repo(posts, claims, launch, cfg)
    if old:
        return Significance(0.0, (old,), old_repo=True)
    parts: list[tuple[float, str]] = [
        _publisher(store, launch, cfg),
        _velocity(store, posts, launch, cfg),
    ]
    platforms = sorted({p.source for p in posts})
    extra = max(0, len(platforms) - 1)
    parts.append(
        (
            cfg.source_points * extra,
            f"corroboration: seen on {len(platforms)} platform(s)"
            + (f" ({', '.join(platforms)})" if platforms else ""),
        )
    )
    parts += _claims(claims, cfg)
    total = min(100.0, sum(points for points, _ in parts))
    reasons = tuple(f"{text} ({_fmt(points)})" for points, text in parts)
    return Significance(round(total, 1), reasons)


def queue_priority(significance: float | None, claim_priority: float) -> float:
    """A verification's queue priority: the launch's significance first, then the claim's
    own (extraordinariness x hype, below 1000)."""
    return (significance or 0.0) * PRIORITY_SCALE + min(max(claim_priority, 0.0), 999.0)


def thread_decision(launch: Launch, min_significance: float) -> str:
    """One line on whether the launch clears a destination's threshold, and why."""
    if launch.significance is None:
        return "not assessed (made outside the pipeline): no significance filter applies"
    why = "; ".join(launch.significance_reasons) or "no evidence yet"
    if launch.significance >= min_significance:
        return f"significance {launch.significance:g} >= {min_significance:g}: thread ({why})"
    return f"significance {launch.significance:g} < {min_significance:g}: no thread ({why})"


def thread_report(store: Store, launch: Launch) -> list[dict[str, Any]]:
    """Per registered destination: whether the launch has a thread there and why (or why
    not). With no destination registered, the decision against the default filters."""
    from hypewatch.config import Filters
    from hypewatch.storage import delivery
    from hypewatch.storage.routing import matches, parse_filters

    rows: list[dict[str, Any]] = []
    targets = [(d.name, parse_filters(d.filters)) for d in delivery.live_destinations(store)]
    for name, filters in targets or [("(default filters)", Filters())]:
        threaded = bool(targets) and delivery.has_launch_rows(store, name, launch.id)
        why = thread_decision(launch, filters.min_significance)
        if threaded:
            why = "thread opened; " + why
        elif targets and launch.significance is not None and matches(store, launch.id, filters):
            why = (
                f"passes the filters now but no event was routed after it did, or the daily "
                f"budget of {filters.max_threads_per_day} threads was spent; " + why
            )
        rows.append({"destination": name, "thread": threaded, "why": why})
    return rows
