"""The daemon: APScheduler 3.x jobs around the pipeline.

Jobs (each `max_instances=1`, coalesced): one per watcher at its interval
with jitter, post processing, the verification queue (bounded concurrency,
ordered by priority), endpoint re-probes and repo revision checks, the
outbox sender, and the weekly digest (a `CronTrigger` with day names: the
crontab form fires a day late in 3.x).

Jobs isolate their items: a job over many launches (revision checks, re-probes) runs each
through `each_item`, so one launch that fails (its repo deleted, the Hub answering an error)
is logged and tried again on the next run while the others are still done. A job returns
its counts; the daemon logs exactly one INFO line per job run with them (a run that found
nothing to do logs at DEBUG, as does APScheduler's own per-run chatter).

Shutdown on SIGINT/SIGTERM: the scheduler stops taking new work, in-flight
verifications get `shutdown_grace` seconds to finish, and whatever is still
running goes back on the queue. A restart starts by re-queueing
verifications a crash left `running`, so no work is lost or repeated twice.

The daemon reads the time through its `Clock` (hypewatch/clock.py; by default its store's,
so the daemon, the pipeline and the store agree on what time it is). `run_due` runs the jobs
whose triggers (the scheduler's own) have fired by the clock's now, each through the
scheduler's wrapper (same log line, same error bookkeeping), and returns their counts;
`settle` drains the verification queue until it is empty. The demo drives the daemon with
these two on a simulated clock: the daemon's schedule, not the demo, decides what runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import undefined

from hypewatch.bot.clock import Clock
from hypewatch.bot.pipeline import Pipeline, VerificationOutcome

log = logging.getLogger(__name__)

#: What a job run did, e.g. {"checked": 3, "failed": 1, "changed": 0}.
Counts = Mapping[str, int]
#: A job returns its counts: a mapping, a number (of things started), a report dataclass
#: (its int fields and the lengths of its lists), or None.
JobFunc = Callable[[], Awaitable[Any]]
T = TypeVar("T")
#: Told of each finished verification (the demo prints them as they come).
OutcomeHook = Callable[[VerificationOutcome], None]
#: Jobs a one-pass run (`hypewatch run --once`) runs after everything else.
ONCE_LAST = ("outbox", "weekly-digest")


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
    #: When the daemon started, by its clock (no default: a wall-clock read would hide here).
    started_at: datetime
    last_run: dict[str, str] = field(default_factory=dict)
    last_error: dict[str, str] = field(default_factory=dict)
    running_verifications: set[int] = field(default_factory=set)


async def each_item(
    job: str,
    items: Iterable[T],
    work: Callable[[T], Awaitable[int]],
    name: Callable[[T], str],
) -> dict[str, int]:
    """Run `work` on every item, isolating failures: an item that raises is logged (with
    what it was) and left for the next run of the job; the others still run. `work` returns
    how many changes it found. Returns {"checked", "failed", "changed"} for the job's line."""
    checked = failed = changed = 0
    for item in items:
        try:
            changed += await work(item)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # one bad item must not stop the pass
            failed += 1
            log.warning(
                "job %s: %s failed (tried again on the next run): %s: %s",
                job,
                name(item),
                type(error).__name__,
                str(error)[:300],
                exc_info=log.isEnabledFor(logging.DEBUG),
            )
        else:
            checked += 1
    return {"checked": checked, "failed": failed, "changed": changed}


def counts_of(result: Any) -> dict[str, int]:
    """A job's result as counts for its log line (see JobFunc)."""
    if result is None:
        return {}
    if isinstance(result, int) and not isinstance(result, bool):
        return {"started": result}
    if isinstance(result, Mapping):
        return {str(k): int(v) for k, v in result.items()}
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        counts: dict[str, int] = {}
        for item in dataclasses.fields(result):
            value = getattr(result, item.name)
            if isinstance(value, int) and not isinstance(value, bool):
                counts[item.name] = value
            elif isinstance(value, list | set | tuple):
                counts[item.name] = len(value)
        return counts
    return {}


def _counts_text(counts: Counts) -> str:
    return ", ".join(f"{key} {value}" for key, value in counts.items())


class VerificationWorker:
    """Drains the verification queue with at most `concurrency` running at once."""

    def __init__(
        self,
        pipeline: Pipeline,
        concurrency: int,
        state: DaemonState,
        on_outcome: OutcomeHook | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.concurrency = concurrency
        self.state = state
        self.on_outcome = on_outcome
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
                if r.id not in taken
            ][:free]
            if not rows:
                return started
            for row in rows:
                self._start(row.id)
                started += 1

    def _start(self, verification_id: int) -> None:
        self.state.running_verifications.add(verification_id)
        task = asyncio.create_task(self.pipeline.run_verification(verification_id))
        self.tasks.add(task)

        def done(finished: asyncio.Task[Any]) -> None:
            self.tasks.discard(finished)
            self.state.running_verifications.discard(verification_id)
            if finished.cancelled():
                return
            if finished.exception() is not None:
                log.error("verification %s failed: %r", verification_id, finished.exception())
            elif self.on_outcome is not None:
                self.on_outcome(finished.result())

        task.add_done_callback(done)

    async def settle(self) -> int:
        """Start verifications until the queue is empty and none is running; how many ran."""
        started = 0
        while (more := await self.drain()) or self.tasks:
            started += more
            if self.tasks:
                await asyncio.wait(set(self.tasks))
        return started

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
        clock: Clock | None = None,
        on_outcome: OutcomeHook | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.clock: Clock = clock or pipeline.store.clock
        self.state = DaemonState(started_at=self.clock.now())
        self.worker = VerificationWorker(pipeline, verification_concurrency, self.state, on_outcome)
        self.jobs = [
            *jobs,
            Job("process-posts", self._process_posts, interval_seconds=queue_interval),
            Job("verification-queue", self.worker.drain, interval_seconds=queue_interval),
        ]
        self.shutdown_grace = shutdown_grace
        self.stopping = asyncio.Event()
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._job_tasks: set[asyncio.Task[Any]] = set()
        #: `run_due`'s schedule: each job's trigger and when it fires next (None: never).
        self._triggers: dict[str, Any] = {}
        self._due_at: dict[str, datetime | None] = {}

    async def _process_posts(self) -> dict[str, int]:
        report = await asyncio.to_thread(self.pipeline.process_pending)
        return {
            "posts": report.posts,
            "claim_posts": report.claims_posts,
            "claims": report.new_claims,
            "queued": report.queued,
            "errors": len(report.errors),
        }

    def _wrap(
        self, job: Job, *, scheduled: bool = False
    ) -> Callable[[], Awaitable[dict[str, int]]]:
        """The job with its log line and error bookkeeping. A cancelled `scheduled` run (only
        the daemon's shutdown cancels those) ends quietly; any other run passes the
        cancellation on to its caller (Ctrl-C in `run --once` or the demo stops there)."""

        async def run() -> dict[str, int]:
            task = asyncio.current_task()
            if task is not None:
                self._job_tasks.add(task)
            started = time.monotonic()
            counts: dict[str, int] = {}
            try:
                result = await job.func()
            except asyncio.CancelledError:
                if not scheduled:
                    raise
                # only shutdown cancels a scheduled job, after its grace period: not an error
                log.info("job %s interrupted by shutdown", job.name)
                return {}
            except Exception as error:
                self.state.last_error[job.name] = f"{type(error).__name__}: {error}"[:500]
                log.exception("job %s failed", job.name)
            else:
                counts = counts_of(result)
                failed = counts.get("failed", 0) + counts.get("errors", 0)
                if failed:
                    self.state.last_error[job.name] = f"{failed} item(s) failed; see the log"
                else:
                    self.state.last_error.pop(job.name, None)
                level = logging.INFO if any(counts.values()) else logging.DEBUG
                log.log(
                    level,
                    "job %s: %s (%.1f s)",
                    job.name,
                    _counts_text(counts) or "done",
                    time.monotonic() - started,
                )
            finally:
                if task is not None:
                    self._job_tasks.discard(task)
            self.state.last_run[job.name] = self.clock.now().isoformat()
            return counts

        return run

    async def settle(self) -> int:
        """Run the verification queue until it is empty (what the queue job does every few
        seconds, done at once); returns how many verifications ran."""
        return await self.worker.settle()

    @staticmethod
    def _trigger(job: Job, now: datetime) -> Any:
        """The job's APScheduler trigger, counted from `now` (the daemon's clock): the one
        schedule both the running scheduler and `run_due` follow."""
        if job.cron is not None:
            return CronTrigger(timezone=UTC, **job.cron)
        assert job.interval_seconds is not None
        every = timedelta(seconds=job.interval_seconds)
        return IntervalTrigger(
            seconds=job.interval_seconds,
            jitter=job.jitter_seconds or None,
            start_date=now + every,
            timezone=UTC,
        )

    async def run_due(self) -> dict[str, dict[str, int]]:
        """Run, in job order, every job whose trigger has fired by the clock's now: what
        the scheduler would have started since the last call, coalesced to one run per job
        (as the scheduler coalesces), and, at the first call, the jobs that run at start.
        The triggers are the scheduler's own (`_trigger`), so a simulated clock (the demo)
        gets the daemon's decisions on what is due, not its own. Returns each run's counts."""
        now = self.clock.now()
        if not self._due_at:
            start = self.state.started_at
            for job in self.jobs:
                trigger = self._triggers[job.name] = self._trigger(job, start)
                first = start if job.run_at_start else trigger.get_next_fire_time(None, start)
                self._due_at[job.name] = first
        ran: dict[str, dict[str, int]] = {}
        for job in self.jobs:
            due = self._due_at[job.name]
            if due is None or due > now:
                continue
            ran[job.name] = await self._wrap(job)()
            while due is not None and due <= now:  # coalesce the runs missed since
                due = self._triggers[job.name].get_next_fire_time(due, now)
            self._due_at[job.name] = due
        return ran

    def _schedule(self) -> None:
        now = self.clock.now()
        for job in self.jobs:
            trigger = self._trigger(job, now)
            # `undefined` lets the trigger pick the first run; None would add the job PAUSED
            # (APScheduler 3), and a paused job never runs.
            first: Any = now if job.run_at_start else undefined
            self.scheduler.add_job(
                self._wrap(job, scheduled=True),
                trigger,
                id=job.name,
                name=job.name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(30, int(job.interval_seconds or 60)),
                next_run_time=first,
            )

    async def run_once(self) -> None:
        """One pass instead of a schedule (cron, tests): every job that runs at start, the
        verification queue until it is empty, then the outbox and the digest."""
        self.pipeline.store.requeue_running()
        last = [job for job in self.jobs if job.name in ONCE_LAST]
        for job in self.jobs:
            if job.run_at_start and job.name not in ONCE_LAST:
                await self._wrap(job)()
        await self.worker.settle()
        for job in last:
            if job.run_at_start or job.name == "outbox":
                await self._wrap(job)()

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
