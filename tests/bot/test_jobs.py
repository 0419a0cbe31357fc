"""Scheduled jobs isolate their items and say what they did in one line.

A revision-check pass over several launches runs against the Hub stand-in: a repo that is
gone and a repo the Hub answers an error for are logged and left for the next run, the
others are still checked. Each job run logs exactly one INFO line with its counts, and
APScheduler's own per-run lines only show at DEBUG.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hypewatch.bot.app import _revision_job, build_pipeline
from hypewatch.bot.clock import SimulatedClock
from hypewatch.bot.logs import configure_logging
from hypewatch.bot.scheduler import Daemon, Job, counts_of, each_item
from hypewatch.config import parse_settings
from hypewatch.models import ClaimKind
from hypewatch.standins import hub_models as hm
from hypewatch.standins.http import Fault, Standin
from hypewatch.standins.hub import HubRepo, hub_standin
from hypewatch.storage import Store
from hypewatch.storage.revisions import revisions

SHAPE = hm.Shape(layers=1, hidden=8, intermediate=16, vocab=16)


@pytest.fixture
def hub() -> Iterator[Standin]:
    files = hm.repo_files(hm.llama_like(SHAPE, seed=1), SHAPE)
    repos = [HubRepo("lab/broken", files), HubRepo("lab/good", files)]
    with hub_standin(repos) as standin:
        yield standin


def test_one_failing_repo_does_not_stop_the_revision_pass(
    hub: Standin, store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    settings = parse_settings(
        {"hub": {"endpoint": hub.url}, "extraction": {"use_embeddings": False}}
    )
    pipeline = build_pipeline(settings, store, registry={})
    store.create_launch("gone", "Gone", hf_repo="lab/deleted")  # not on the Hub (any more)
    store.create_launch("broken", "Broken", hf_repo="lab/broken")
    store.create_launch("good", "Good", hf_repo="lab/good")
    hub.server.state["faults"].append(Fault(path="/api/models/lab/broken/commits", status=403))
    job = _revision_job(settings, pipeline)

    with caplog.at_level(logging.WARNING, logger="hypewatch.bot.scheduler"):
        counts = asyncio.run(job.func())

    assert counts == {"checked": 2, "failed": 1, "changed": 0}
    assert [r["revision"] for r in revisions(store, "lab/good")]  # checked after the failure
    assert revisions(store, "lab/broken") == []
    (warning,) = [r for r in caplog.records if "lab/broken" in r.getMessage()]
    assert "next run" in warning.getMessage() and "HubError" in warning.getMessage()

    again = asyncio.run(job.func())  # the next run picks the failed one up
    assert again == {"checked": 3, "failed": 0, "changed": 0}
    assert revisions(store, "lab/broken")


def test_each_item_reraises_cancellation() -> None:
    async def work(item: int) -> int:
        if item == 2:
            raise asyncio.CancelledError
        return 1

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(each_item("job", [1, 2, 3], work, str))


def test_one_info_line_per_job_run_with_counts(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    settings = parse_settings({"extraction": {"use_embeddings": False}})
    pipeline = build_pipeline(settings, store, registry={})

    async def busy() -> dict[str, int]:
        return {"checked": 4, "failed": 1}

    async def idle() -> None:
        return None

    async def main() -> Daemon:
        daemon = Daemon(pipeline, [Job("busy", busy), Job("idle", idle)])
        for job in daemon.jobs:
            await daemon._wrap(job)()
        return daemon

    with caplog.at_level(logging.INFO):
        daemon = asyncio.run(main())
    lines = [r for r in caplog.records if r.levelno == logging.INFO]
    assert [r.getMessage().split(" (")[0] for r in lines] == ["job busy: checked 4, failed 1"]
    assert daemon.state.last_error == {"busy": "1 item(s) failed; see the log"}
    assert set(daemon.state.last_run) == {"busy", "idle", "process-posts", "verification-queue"}


def test_counts_of_reads_reports() -> None:
    from hypewatch.bot.outbox import DeliveryReport

    assert counts_of(DeliveryReport(sent=2, errors=["x"])) == {
        "sent": 2,
        "retrying": 0,
        "failed": 0,
        "disabled": 0,
        "root_edits": 0,
        "errors": 1,
    }
    assert counts_of(3) == {"started": 3}
    assert counts_of(None) == {}


def test_apscheduler_chatter_only_at_debug(capsys: pytest.CaptureFixture[str]) -> None:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    async def run_scheduler() -> None:
        done = asyncio.Event()
        scheduler = AsyncIOScheduler()
        scheduler.add_job(done.set, "date")  # runs at once
        scheduler.start()
        await asyncio.wait_for(done.wait(), 5)
        await asyncio.sleep(0.05)  # let it log "executed successfully"
        scheduler.shutdown(wait=False)

    root = logging.getLogger()
    level = root.level
    try:
        for log_level, shown in (("INFO", False), ("DEBUG", True)):
            settings = parse_settings({"general": {"log_level": log_level}})
            handler = configure_logging(settings)
            asyncio.run(run_scheduler())
            logging.getLogger("httpx2").info("HTTP Request: GET http://hub/api/models")
            text = capsys.readouterr().err
            assert ("HTTP Request" in text) is shown
            assert ("Running job" in text) is shown, text
            assert "INFO apscheduler" not in text
            root.removeHandler(handler)
    finally:
        root.setLevel(level)


def test_changed_weights_counted(
    hub: Standin, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    settings = parse_settings(
        {"hub": {"endpoint": hub.url}, "extraction": {"use_embeddings": False}}
    )
    pipeline = build_pipeline(settings, store, registry={})
    store.create_launch("good", "Good", hf_repo="lab/good")
    job = _revision_job(settings, pipeline)
    assert asyncio.run(job.func()) == {"checked": 1, "failed": 0, "changed": 0}
    repo: HubRepo = hub.server.state["repos"]["lab/good"]
    other = hm.repo_files(hm.llama_like(SHAPE, seed=2), SHAPE)
    assert repo.head is not None
    repo.push({**repo.head.files, **other}, "re-upload")
    assert asyncio.run(job.func())["changed"] == 1


def test_a_due_job_runs_through_the_schedulers_wrapper_on_a_simulated_clock(
    store: Store,
) -> None:
    """The demo's way in: what `run_due` runs goes through the scheduler's wrapper (counts,
    error bookkeeping) and the daemon's times are the clock's, not the wall clock's."""
    settings = parse_settings({"extraction": {"use_embeddings": False}})
    pipeline = build_pipeline(settings, store, registry={})
    clock = SimulatedClock(datetime(2024, 9, 5, 15, tzinfo=UTC))

    async def busy() -> dict[str, int]:
        return {"checked": 2, "failed": 1}

    async def main() -> Daemon:
        daemon = Daemon(pipeline, [Job("busy", busy, interval_seconds=3600)], clock=clock)
        assert await daemon.run_due() == {
            "busy": {"checked": 2, "failed": 1},
            "process-posts": {"posts": 0, "claim_posts": 0, "claims": 0, "queued": 0, "errors": 0},
            "verification-queue": {"started": 0},
        }
        clock.advance(timedelta(minutes=30))  # the queue jobs are due, `busy` is not
        assert sorted(await daemon.run_due()) == ["process-posts", "verification-queue"]
        assert await daemon.settle() == 0  # nothing queued
        return daemon

    daemon = asyncio.run(main())
    assert daemon.state.started_at == datetime(2024, 9, 5, 15, tzinfo=UTC)
    assert daemon.state.last_run == {
        "busy": "2024-09-05T15:00:00+00:00",
        "process-posts": "2024-09-05T15:30:00+00:00",
        "verification-queue": "2024-09-05T15:30:00+00:00",
    }
    assert daemon.state.last_error == {"busy": "1 item(s) failed; see the log"}
    with pytest.raises(ValueError, match="does not go back"):
        clock.set(datetime(2024, 9, 1, tzinfo=UTC))


def test_the_daemons_own_triggers_decide_what_is_due_on_a_simulated_clock(store: Store) -> None:
    """`run_due`: the jobs that run at start at the first call; then only the jobs whose
    trigger (interval or cron, the scheduler's own) fired by the clock's now, once each
    however many runs a jump of the clock passed over (coalesced, as the scheduler does)."""
    settings = parse_settings({"extraction": {"use_embeddings": False}})
    pipeline = build_pipeline(settings, store, registry={})
    clock = SimulatedClock(datetime(2024, 9, 5, 15, tzinfo=UTC))
    runs: list[str] = []

    def job(name: str, **when: object) -> Job:
        async def func() -> dict[str, int]:
            runs.append(name)
            return {"checked": 1}

        return Job(name, func, **when)  # type: ignore[arg-type]

    jobs = [
        job("minutely", interval_seconds=60),
        job("hourly", interval_seconds=3600, run_at_start=False),
        job("at-16", cron={"hour": 16, "minute": 0}, run_at_start=False),
    ]

    async def main() -> list[list[str]]:
        daemon = Daemon(pipeline, jobs, clock=clock, queue_interval=600)
        seen = [sorted(await daemon.run_due())]
        for step in (timedelta(seconds=30), timedelta(seconds=30), timedelta(minutes=59)):
            clock.advance(step)
            seen.append(sorted(await daemon.run_due()))
        return seen

    assert asyncio.run(main()) == [
        ["minutely", "process-posts", "verification-queue"],  # 15:00, the start
        [],  # 15:00:30
        ["minutely"],  # 15:01
        ["at-16", "hourly", "minutely", "process-posts", "verification-queue"],  # 16:00
    ]
    assert runs.count("minutely") == 3


def test_the_store_reads_the_injected_clock(tmp_path: Path) -> None:
    """Timestamps the store writes and what is due now come from its clock (the demo's
    simulated one), not from the wall clock; the pipeline and the daemon use the store's."""
    clock = SimulatedClock(datetime(2024, 9, 5, 15, tzinfo=UTC))
    with Store.open(tmp_path / "clock.db", clock=clock) as store:
        launch = store.create_launch("m", "M")
        assert launch.first_seen == clock.now()
        assert store.events(launch.id)[0].created_at == clock.now()
        claim, _ = store.add_claim(launch.id, ClaimKind.SCORE, "score:mmlu", value=90.0)
        store.enqueue_verification(
            claim.id, "benchmark", not_before=clock.now() + timedelta(hours=1)
        )
        assert store.queued_verifications() == []
        clock.advance(timedelta(hours=2))
        assert [q.claim_id for q in store.queued_verifications()] == [claim.id]
        assert store.now() == datetime(2024, 9, 5, 17, tzinfo=UTC)
