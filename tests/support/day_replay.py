"""Replay a realistic day on the Hub (`tests/support/hub_day.py`) through the real watchers and
pipeline, and measure what deserves a thread.

The Hub, X and Reddit stand-ins serve the day hour by hour: each hour's new repos join the
Hub listing, the launch posts join X and Reddit, then the three watchers poll (huggingface_hub,
tweepy, praw against 127.0.0.1) and the pipeline processes what they stored, as the daemon
does. Two destinations (a Discord webhook and a Slack channel, default filters) are
registered, so routing decides which launches open a thread; nothing is delivered.
Verifications are queued (in significance order), not run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypewatch.bot.app import build_pipeline
from hypewatch.bot.notifiers.factory import register_destinations
from hypewatch.bot.watchers import build_watcher, poll_once
from hypewatch.config import Settings, parse_settings
from hypewatch.extractors.extractor import Extractor
from hypewatch.standins.hub import hub_standin
from hypewatch.standins.reddit_api import make_submission, reddit_standin
from hypewatch.standins.x_api import make_tweet, make_user, x_standin
from hypewatch.storage import Store, delivery
from hypewatch.storage import derivatives as derivatives_db
from tests.support.hub_day import DayPost, HubDay, hub_day

__all__ = ["DayResult", "replay_day"]

#: As registered: `platform:name`.
DESTINATIONS = ("discord:launches", "slack:ml-news")
SECRETS = {
    "HYPEWATCH_DAY_X_TOKEN": "day-bearer",
    "HYPEWATCH_DAY_REDDIT_ID": "standin-id",
    "HYPEWATCH_DAY_REDDIT_SECRET": "standin-secret",
    "HYPEWATCH_DAY_DISCORD_URL": "https://discord.com/api/webhooks/1/day",
    "HYPEWATCH_DAY_SLACK_TOKEN": "xoxb-day",
}


@dataclass
class DayResult:
    day: HubDay
    repos: int = 0
    #: repo -> whether its launch has a thread at each destination
    threads: dict[str, dict[str, bool]] = field(default_factory=dict)
    threads_per_destination: dict[str, int] = field(default_factory=dict)
    launch_share: float = 0.0  # true launches with a thread (at the first destination)
    other_share: float = 0.0  # other repos with a thread there
    copied_scores: list[str] = field(default_factory=list)  # derivatives with score claims
    queue_head: list[str] = field(default_factory=list)  # repos of the first queued checks
    #: quantisations and adapters of the day's launches attached to their base's timeline
    attached: int = 0
    unattached: list[str] = field(default_factory=list)  # ... and those that were not

    def to_json(self) -> dict[str, Any]:
        return {
            "repos": self.repos,
            "launches": len(self.day.launches()),
            "threads_per_destination": self.threads_per_destination,
            "launch_share": self.launch_share,
            "other_share": self.other_share,
            "copied_scores": self.copied_scores,
            "artifacts_attached": self.attached,
            "artifacts_unattached": len(self.unattached),
        }


def _settings(workdir: Path, hub: str, x: str, reddit: str) -> Settings:
    return parse_settings(
        {
            "general": {"database": str(workdir / "day.db")},
            "network": {"allowlist": ["127.0.0.1/32"], "retries": 0},
            "hub": {"endpoint": hub},
            "extraction": {"use_embeddings": False},
            "sources": {
                "x": {
                    "enabled": True,
                    "api_url": x,
                    "bearer_token_env": "HYPEWATCH_DAY_X_TOKEN",
                    "queries": ["release -is:retweet"],
                },
                "reddit": {
                    "enabled": True,
                    "oauth_url": reddit,
                    "reddit_url": reddit,
                    "client_id_env": "HYPEWATCH_DAY_REDDIT_ID",
                    "client_secret_env": "HYPEWATCH_DAY_REDDIT_SECRET",
                    "subreddits": ["LocalLLaMA"],
                },
                "huggingface": {"enabled": True, "limit": 1000, "trending": True},
            },
            "notifiers": {
                "console": {"enabled": False},
                "discord": [{"name": "launches", "webhook_url_env": "HYPEWATCH_DAY_DISCORD_URL"}],
                "slack": [
                    {
                        "name": "ml-news",
                        "channel": "C0DAY",
                        "token_env": "HYPEWATCH_DAY_SLACK_TOKEN",
                    }
                ],
            },
        },
        "day replay settings",
    )


def replay_day(
    workdir: Path,
    n: int = 1500,
    seed: int = 19,
    hours: int = 24,
    *,
    step_hours: int = 1,
    extractor: Extractor | None = None,
) -> DayResult:
    """Serve `n` new repos hour by hour, poll and process every `step_hours` hours, and score
    the outcome against the day's labels. `extractor`: one already built (a test shares
    one; building it loads the spaCy pipeline)."""
    for name, value in SECRETS.items():
        os.environ.setdefault(name, value)
    day = hub_day(n, seed)
    ordered = sorted(day.repos, key=lambda r: r.created_at)
    start = min(r.created_at for r in ordered if day.labels[r.id].kind != "old")
    users = [make_user("1", "labnews")]
    with (
        hub_standin() as hub,
        x_standin(users=users, token=SECRETS["HYPEWATCH_DAY_X_TOKEN"]) as x,
        reddit_standin() as reddit,
    ):
        settings = _settings(workdir, hub.url, x.url, reddit.url)
        with Store.open(workdir / "day.db") as store:
            register_destinations(settings, store)
            pipeline = build_pipeline(settings, store, allow_private=True, extractor=extractor)
            watchers = [
                build_watcher(settings, s, allow_private=True)
                for s in ("huggingface", "x", "reddit")
            ]
            served = hub.server.state["repos"]
            posted: set[tuple[str, int]] = set()
            for hour in range(step_hours, hours + step_hours, step_hours):
                cut = start.timestamp() + min(hour, hours) * 3600
                for repo in ordered:
                    if repo.id not in served and (
                        repo.created_at.timestamp() <= cut or day.labels[repo.id].kind == "old"
                    ):
                        served[repo.id] = repo
                for post in day.posts:
                    if post.at.timestamp() <= cut and (post.source, post.number) not in posted:
                        _serve_post(x.server.state, reddit.server.state, post)
                        posted.add((post.source, post.number))
                for watcher in watchers:
                    poll_once(store, watcher, ignore_backoff=True)
                    pipeline.process_pending()
            return _score(store, day, len(served))


def _serve_post(x_state: dict[str, Any], reddit_state: dict[str, Any], post: DayPost) -> None:
    if post.source == "x":
        x_state["tweets"].insert(0, make_tweet(post.number, post.text, "1", likes=1500))
    else:
        reddit_state["submissions"].insert(
            0, make_submission(post.number, post.title, selftext=post.text, score=600)
        )


def _score(store: Store, day: HubDay, served: int) -> DayResult:
    result = DayResult(day, served)
    by_repo = {launch.hf_repo.lower(): launch for launch in store.launches() if launch.hf_repo}
    for repo, label in day.labels.items():
        launch = by_repo.get(repo.lower())
        result.threads[repo] = {
            d: launch is not None and delivery.has_launch_rows(store, d, launch.id)
            for d in DESTINATIONS
        }
        if label.kind in ("quantized", "adapter") and launch is not None:
            scores = [c for c in store.claims(launch_id=launch.id) if c.value is not None]
            if scores:
                result.copied_scores.append(repo)
    attached = {
        row.repo
        for launch in by_repo.values()
        for row in derivatives_db.attached_to(store, launch.id)
    }
    launched = {r for r, label in day.labels.items() if label.kind == "launch"}
    made_from_launches = [
        r
        for r, label in day.labels.items()
        if label.kind in ("quantized", "adapter") and label.base in launched
    ]
    result.attached = sum(1 for r in made_from_launches if r in attached)
    result.unattached = [r for r in made_from_launches if r not in attached]
    for d in DESTINATIONS:
        result.threads_per_destination[d] = sum(1 for t in result.threads.values() if t[d])
    first = DESTINATIONS[0]
    launches = [r for r, label in day.labels.items() if label.kind == "launch"]
    others = [r for r, label in day.labels.items() if label.kind != "launch"]
    result.launch_share = sum(result.threads[r][first] for r in launches) / max(1, len(launches))
    result.other_share = sum(result.threads[r][first] for r in others) / max(1, len(others))
    head = store.queued_verifications(limit=10)
    result.queue_head = [
        store.get_launch(store.get_claim(item.claim_id).launch_id).hf_repo for item in head
    ]
    return result
