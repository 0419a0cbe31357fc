"""Assembles the running application from settings: pipeline, daemon jobs, delivery.

Everything here is wiring; each part is built and tested in its own module. `hypewatch run`
and `hypewatch demo` build the same application: the demo passes a simulated clock and its
console, and lets the daemon run what its schedule says is due at the story's times
(`Daemon.run_due`; hypewatch/demo/replay.py).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from hypewatch.bot.clock import Clock
from hypewatch.bot.outbox import OutboxSender
from hypewatch.bot.pipeline import Pipeline
from hypewatch.bot.scheduler import Daemon, Job, OutcomeHook, counts_of, each_item
from hypewatch.config import Settings, optional_secret
from hypewatch.extractors.extractor import Extractor
from hypewatch.extractors.plausibility import priority
from hypewatch.extractors.resolve import LaunchResolver
from hypewatch.models import Claim, Launch
from hypewatch.net import NetConfig
from hypewatch.storage import Store
from hypewatch.storage.derivatives import prune_pending
from hypewatch.storage.hub_snapshots import prune_snapshots
from hypewatch.verifiers.base import RegisteredVerifier, discover

if TYPE_CHECKING:
    from rich.console import Console

log = logging.getLogger(__name__)


class QueuePriority:
    """The verification queue's order: how extraordinary a claim is times its launch's hype."""

    def priority(self, store: Store, claim: Claim, launch: Launch) -> float:
        return priority(claim.flags, launch.hype)


def net_config(settings: Settings, *, allow_private: bool = False) -> NetConfig:
    return NetConfig.from_settings(
        settings.network, allow_private=allow_private, trusted_origins=[settings.hub.endpoint]
    )


def build_pipeline(
    settings: Settings,
    store: Store,
    *,
    registry: dict[str, RegisteredVerifier] | None = None,
    allow_private: bool = False,
    extractor: Extractor | None = None,
    resolver: LaunchResolver | None = None,
    context_extra: dict[str, Any] | None = None,
) -> Pipeline:
    return Pipeline(
        store,
        settings,
        extractor or Extractor(settings.extraction),
        resolver or LaunchResolver(settings.extraction),
        registry if registry is not None else discover(settings),
        scorer=QueuePriority(),
        net=net_config(settings, allow_private=allow_private),
        context_extra=context_extra,
    )


@dataclass
class Application:
    settings: Settings
    store: Store
    pipeline: Pipeline
    sender: OutboxSender | None = None
    jobs: list[Job] = field(default_factory=list)

    def daemon(
        self, *, clock: Clock | None = None, on_outcome: OutcomeHook | None = None
    ) -> Daemon:
        """The daemon over these jobs, on the wall clock unless `clock` is given."""
        return Daemon(
            self.pipeline,
            self.jobs,
            verification_concurrency=self.settings.daemon.verification_concurrency,
            queue_interval=self.settings.daemon.queue_interval_seconds,
            shutdown_grace=self.settings.daemon.shutdown_grace_seconds,
            clock=clock,
            on_outcome=on_outcome,
        )


def _poll_jobs(settings: Settings, store: Store) -> list[Job]:
    from hypewatch.bot.watchers import build_watchers, poll_once

    jobs = []
    intervals = {
        "x": settings.sources.x.interval_minutes,
        "reddit": settings.sources.reddit.interval_minutes,
        "huggingface": settings.sources.huggingface.interval_minutes,
        "web": settings.sources.web.interval_minutes,
    }
    for watcher in build_watchers(settings):

        async def poll(watcher: Any = watcher) -> dict[str, int]:
            report = await asyncio.to_thread(poll_once, store, watcher)
            log.debug("poll %s: %s", watcher.source, report.to_json())
            # a failure is logged (WARNING) by poll_once itself, with the backoff
            counts = {"fetched": report.fetched, "stored": report.stored}
            return {**counts, "refreshed": report.refreshed, "failed": int(bool(report.error))}

        jobs.append(
            Job(
                f"poll-{watcher.source}",
                poll,
                interval_seconds=intervals[watcher.source] * 60,
                jitter_seconds=settings.daemon.jitter_seconds,
            )
        )
    return jobs


def _revision_job(settings: Settings, pipeline: Pipeline) -> Job:
    from hypewatch.verifiers.weights.hub import HubClient

    hub = HubClient.from_settings(settings)

    async def check_one(launch: Launch) -> int:
        events = await asyncio.to_thread(pipeline.check_revisions, launch, hub)
        if events:
            log.warning("%s: %d weights change(s)", launch.hf_repo, len(events))
        return len(events)

    async def check_all() -> dict[str, int]:
        launches = [launch for launch in pipeline.store.launches() if launch.hf_repo]
        return await each_item("revision-checks", launches, check_one, lambda x: x.hf_repo)

    return Job(
        "revision-checks",
        check_all,
        interval_seconds=settings.verifiers.weights.recheck_hours * 3600,
    )


def _reprobe_job(settings: Settings, pipeline: Pipeline) -> Job:
    api_key = optional_secret(settings.verifiers.fingerprint.api_key_env)

    async def reprobe_one(launch: Launch) -> int:
        event = await pipeline.reprobe(launch, api_key=api_key)
        if event is not None:
            log.warning("%s: the model behind %s changed", launch.name, launch.endpoint)
        return int(event is not None)

    async def reprobe_all() -> dict[str, int]:
        launches = [launch for launch in pipeline.store.launches() if launch.endpoint]
        return await each_item("endpoint-reprobes", launches, reprobe_one, lambda x: x.endpoint)

    hours = settings.verifiers.fingerprint.reprobe_hours
    return Job("endpoint-reprobes", reprobe_all, interval_seconds=hours * 3600, run_at_start=False)


def _retention_job(settings: Settings, store: Store) -> Job:
    """Prune what only bookkeeping reads (`[retention]`): old Hub snapshots velocity no
    longer reads, derivatives whose base never became a launch, older than the store's
    clock says (the daemon's time)."""
    cfg = settings.retention
    window = timedelta(minutes=settings.significance.velocity_window_minutes)

    def prune() -> dict[str, int]:
        at = store.now()
        counts = {"snapshots": 0, "derivatives": 0}
        if cfg.hub_snapshots_days:
            older = at - timedelta(days=cfg.hub_snapshots_days)
            counts["snapshots"] = prune_snapshots(store, older, window)
        if cfg.pending_derivatives_days:
            seen = at - timedelta(days=cfg.pending_derivatives_days)
            counts["derivatives"] = prune_pending(store, seen)
        return counts

    async def retention() -> dict[str, int]:
        return await asyncio.to_thread(prune)

    return Job(
        "retention", retention, interval_seconds=cfg.interval_hours * 3600, run_at_start=False
    )


def _delivery_jobs(settings: Settings, store: Store, sender: OutboxSender) -> list[Job]:
    from hypewatch.bot.digest_outbox import deliver_due_digests, send_due_digest

    async def outbox() -> dict[str, int]:
        counts = counts_of(await sender.deliver_pending())
        if settings.digest.enabled:  # digest rows waiting for a retry are outbox rows too
            digests = await asyncio.to_thread(
                deliver_due_digests, store, settings.digest, retries=0
            )
            counts |= {f"digest_{k}": v for k, v in counts_of(digests).items() if k != "errors"}
        return counts

    jobs = [Job("outbox", outbox, interval_seconds=settings.daemon.outbox_interval_seconds)]
    if settings.digest.enabled:

        async def digest() -> dict[str, int]:
            result = await asyncio.to_thread(send_due_digest, store, settings.digest)
            if result is not None and result.sent:
                log.debug("weekly digest %s sent", result.iso_week)
            return {"sent": int(bool(result is not None and result.sent))}

        # On its schedule, and (catch_up) once at start: a week whose send time passed while
        # the daemon was down still gets its digest, once (send_due_digest checks both).
        jobs.append(
            Job(
                "weekly-digest",
                digest,
                cron={
                    "day_of_week": settings.digest.day_of_week,
                    "hour": settings.digest.hour,
                    "minute": 0,
                },
                run_at_start=settings.digest.catch_up,
            )
        )
    return jobs


def build_application(
    settings: Settings, store: Store, *, console: Console | None = None
) -> Application:
    """The daemon's parts. Raises ConfigError (naming the env var) for a missing secret.
    `console`: where the console notifier prints (the demo's; default stdout)."""
    from hypewatch.bot.notifiers.factory import build_notifiers, start_delivery
    from hypewatch.bot.watchers.hub_http import configure_hub_http

    net = net_config(settings)
    configure_hub_http(net)
    pipeline = build_pipeline(settings, store)
    notifiers = build_notifiers(settings, store, net=net, console=console)
    sender = start_delivery(settings, store, notifiers)
    jobs = _poll_jobs(settings, store)
    jobs += _delivery_jobs(settings, store, sender)
    jobs.append(_retention_job(settings, store))
    if settings.verifiers.weights.enabled:
        jobs.append(_revision_job(settings, pipeline))
    if settings.verifiers.fingerprint.enabled:
        jobs.append(_reprobe_job(settings, pipeline))
    return Application(settings, store, pipeline, sender, jobs)
