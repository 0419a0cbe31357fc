"""The daemon: APScheduler 3.x jobs around the pipeline.

Jobs (each `max_instances=1`, coalesced): one per watcher at its interval
with jitter, post processing, the verification queue (bounded concurrency,
ordered by priority), endpoint re-probes and repo revision checks, the
outbox sender, and the weekly digest (a `CronTrigger` with day names: the
crontab form fires a day late in 3.x).

Shutdown on SIGINT/SIGTERM: the scheduler stops taking new work, in-flight
verifications get `shutdown_grace` seconds to finish, and whatever is still
running goes back on the queue. A restart starts by re-queueing
verifications a crash left `running`, so no work is lost or repeated twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import undefined

from hypewatch.bot.pipeline import Pipeline

log = logging.getLogger(__name__)

JobFunc = Callable[[], Awaitable[Any]]


@dataclass(frozen=True)
class Job:
    """A scheduled job: every `interval_seconds` (with jitter) or on a `cron` schedule
    (CronTrigger fields, UTC); `run_at_start` also runs it once as the daemon starts."""

    name: str
    func: JobFunc
    interval_seconds: float | None = None
    cron: dict[str, Any] | None = None
    jitter_seconds: float = 0.0
    run_at_start: bool = True


@dataclass
class DaemonState:
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    last_run: dict[str, str] = field(default_factory=dict)
    last_error: dict[str, str] = field(default_factory=dict)
    running_verifications: set[int] = field(default_factory=set)


class VerificationWorker:
    """Drains the verification queue with at most `concurrency` running at once."""

    def __init__(self, pipeline: Pipeline, concurrency: int, state: DaemonState) -> None:
        self.pipeline = pipeline
        self.concurrency = concurrency
        self.state = state
        self.tasks: set[asyncio.Task[Any]] = set()

    async def drain(self) -> int:
        started = 0
        while True:
            free = self.concurrency - len(self.tasks)
            if free <= 0:
                return started
            taken = self.state.running_verifications
            rows = [
                r
                for r in self.pipeline.store.queued_verifications(limit=free + len(taken))
                if int(r["id"]) not in taken
            ][:free]
            if not rows:
                return started
            for row in rows:
                self._start(int(row["id"]))
                started += 1

    def _start(self, verification_id: int) -> None:
        self.state.running_verifications.add(verification_id)
        task = asyncio.create_task(self.pipeline.run_verification(verification_id))
        self.tasks.add(task)

        def done(finished: asyncio.Task[Any]) -> None:
            self.tasks.discard(finished)
            self.state.running_verifications.discard(verification_id)
            if not finished.cancelled() and finished.exception() is not None:
                log.error("verification %s failed: %r", verification_id, finished.exception())

        task.add_done_callback(done)

    async def stop(self, grace: float) -> None:
        if not self.tasks:
            return
        _, pending = await asyncio.wait(set(self.tasks), timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        requeued = self.pipeline.store.requeue_running()
        if requeued:
            log.info("requeued %d unfinished verification(s) for the next start", requeued)


class Daemon:
    def __init__(
        self,
        pipeline: Pipeline,
        jobs: list[Job],
        *,
        verification_concurrency: int = 2,
        queue_interval: float = 5.0,
        shutdown_grace: float = 20.0,
    ) -> None:
        self.pipeline = pipeline
        self.state = DaemonState()
        self.worker = VerificationWorker(pipeline, verification_concurrency, self.state)
        self.jobs = [
            *jobs,
            Job("process-posts", self._process_posts, interval_seconds=queue_interval),
            Job("verification-queue", self.worker.drain, interval_seconds=queue_interval),
        ]
        self.shutdown_grace = shutdown_grace
        self.stopping = asyncio.Event()
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._job_tasks: set[asyncio.Task[Any]] = set()

    async def _process_posts(self) -> None:
        await asyncio.to_thread(self.pipeline.process_pending)

    def _wrap(self, job: Job) -> JobFunc:
        async def run() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._job_tasks.add(task)
            try:
                await job.func()
            except asyncio.CancelledError:
                # only shutdown cancels a job, after its grace period: not an error
                log.info("job %s interrupted by shutdown", job.name)
                return
            except Exception as error:
                self.state.last_error[job.name] = f"{type(error).__name__}: {error}"[:500]
                log.exception("job %s failed", job.name)
            else:
                self.state.last_error.pop(job.name, None)
            finally:
                if task is not None:
                    self._job_tasks.discard(task)
            self.state.last_run[job.name] = datetime.now(UTC).isoformat()

        return run

    def _schedule(self) -> None:
        now = datetime.now(UTC)
        for job in self.jobs:
            if job.cron is not None:
                trigger: Any = CronTrigger(timezone=UTC, **job.cron)
            else:
                assert job.interval_seconds is not None
                trigger = IntervalTrigger(
                    seconds=job.interval_seconds, jitter=job.jitter_seconds or None
                )
            # `undefined` lets the trigger pick the first run; None would add the job PAUSED
            # (APScheduler 3), and a paused job never runs.
            first: Any = now if job.run_at_start else undefined
            self.scheduler.add_job(
                self._wrap(job),
                trigger,
                id=job.name,
                name=job.name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(30, int(job.interval_seconds or 60)),
                next_run_time=first,
            )

    def request_stop(self) -> None:
        self.stopping.set()

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop)

    async def run(self) -> None:
        requeued = self.pipeline.store.requeue_running()
        if requeued:
            log.info("resumed %d verification(s) left running by the last stop", requeued)
        self._schedule()
        self.scheduler.start()
        log.info("hypewatch daemon started with %d jobs", len(self.jobs))
        try:
            await self.stopping.wait()
        finally:
            log.info("stopping: finishing in-flight work (up to %.0f s)", self.shutdown_grace)
            self.scheduler.pause()  # no new job runs; the running ones may finish
            if self._job_tasks:
                _, late = await asyncio.wait(set(self._job_tasks), timeout=self.shutdown_grace)
                # a job still running after the grace period is cut off now, before the
                # store closes under it (what it left half done is resumed on the next start)
                for task in late:
                    task.cancel()
                await asyncio.gather(*late, return_exceptions=True)
            await self.worker.stop(self.shutdown_grace)
            self.scheduler.shutdown(wait=False)
            log.info("stopped")
