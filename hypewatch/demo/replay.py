"""`hypewatch demo`: replay a Reflection-style launch against stand-ins on 127.0.0.1.

The real watchers, extractors, pipeline, verifiers and notifiers run; only
the services they talk to are stand-ins, started in this process. The demo
builds the application `hypewatch run` builds (`bot.app.build_application`:
the same jobs, the same wiring) and drives its daemon on a simulated clock.
Each step of the story is a phase at a time of the story: the world changes
(a post appears, the weights go public or are re-uploaded, the API swaps its
model), the clock moves there and the daemon runs what its own schedule says
is due by then (`Daemon.run_due`: the scheduler's triggers, not the demo,
pick the jobs — polls at their intervals, revision checks and endpoint
re-probes every few hours, which re-queue what a change affects: that lives
in the pipeline). The verifications a pass queues run to the end while the
story's clock stands still (`Daemon.settle`, the queue job done at once);
then the clock moves one delivery interval on and the daemon's next pass
runs (the outbox delivers the status threads: console, plus Discord/Slack
when the user's config names them), until a pass finds nothing to do. What
each job did is read from its counts and from the launch timeline. The
digest is rendered to an HTML file.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.rule import Rule

from hypewatch.access.registry import resolve
from hypewatch.access.routes import AccessRequest
from hypewatch.bot.app import build_application
from hypewatch.bot.clock import SimulatedClock
from hypewatch.bot.digest import build_digest, preview_html
from hypewatch.bot.pipeline import VerificationOutcome
from hypewatch.bot.scheduler import Daemon, OutcomeHook
from hypewatch.config import Settings
from hypewatch.demo import scenario
from hypewatch.demo.world import World, post_reddit, post_tweet, reupload, start_world
from hypewatch.events import EndpointChanged, EventPayload, WeightsChanged
from hypewatch.models import utcnow
from hypewatch.significance import thread_report
from hypewatch.storage import Store

BANNER = (
    "hypewatch demo: a replay of a Reflection-style launch (Sept 2024). Every service below "
    "is a STAND-IN on 127.0.0.1 — X, Reddit, the Hugging Face Hub, the claimant's API and a "
    "server for the published weights — with invented names. hypewatch's own watchers, "
    "extractors, verifiers and notifiers run for real against them."
)


#: Loggers whose WARNINGs the demo's own lines already say (the jobs' "weights changed",
#: "the model behind ... changed"), and the Hub client's card-format chatter.
QUIET_LOGGERS = ("hypewatch.bot.app", "huggingface_hub")


#: Passes of the daemon one phase may take before the story moves on (a destination that
#: keeps failing is retried on the daemon's next phase, not forever here).
MAX_PASSES = 20


@dataclass
class Demo:
    """The story's driver: moves the simulated clock and lets the daemon run what is due."""

    world: World
    settings: Settings
    store: Store
    daemon: Daemon
    clock: SimulatedClock
    say: Callable[[str], None]
    log: list[dict[str, Any]] = field(default_factory=list)
    start: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.start = self.clock.now()

    def at(self, hours: float) -> None:
        """Move the clock to this many hours after the story's first post."""
        self.clock.set(self.start + timedelta(hours=hours))

    async def run(self) -> None:
        """The daemon at this time of the story, until it has nothing left to do: a pass runs
        every job whose trigger has fired (`run_due`), then the verifications it queued
        (`settle`); the clock moves one delivery interval on for the next pass (the outbox
        is due then); a pass in which no job found anything to do ends the phase."""
        tick = timedelta(seconds=self.settings.daemon.outbox_interval_seconds)
        for _ in range(MAX_PASSES):
            events = self.store.events()
            mark = events[-1].id if events else 0
            ran = await self.daemon.run_due()
            self._tell(ran, mark)
            verified = await self.daemon.settle()
            self._record(ran, verified)
            if not verified and not any(any(counts.values()) for counts in ran.values()):
                return
            self.clock.advance(tick)

    def _tell(self, ran: dict[str, dict[str, int]], mark: int) -> None:
        """Say what the pass's jobs did, from their counts and the events they appended."""
        for job, counts in ran.items():
            if job.startswith("poll-"):
                source = job.removeprefix("poll-")
                self.say(f"polled {source}: {counts.get('stored', 0)} new post(s)")
        processed = ran.get("process-posts", {})
        if processed.get("posts"):
            self.say(
                f"processed {processed['posts']} post(s): {processed.get('claim_posts', 0)} "
                f"launch claim(s), {processed.get('claims', 0)} new claim(s) queued"
            )
        checked = ran.get("revision-checks", {})
        if checked.get("checked") or checked.get("failed"):
            self.say(
                f"revision checks: {checked['checked']} repo(s), "
                f"{checked.get('changed', 0)} weights change(s)"
            )
            for launch_id, found in self._changes(mark, WeightsChanged).items():
                repo = self.store.get_launch(launch_id).hf_repo
                self.say(f"revision check {repo}: {found} weights change(s)")
        probed = ran.get("endpoint-reprobes", {})
        if probed.get("checked") or probed.get("failed"):
            self.say(
                f"endpoint re-probes: {probed['checked']} endpoint(s), "
                f"{probed.get('changed', 0)} changed"
            )
            for launch_id in self._changes(mark, EndpointChanged):
                self.say(f"re-probe {self.store.get_launch(launch_id).endpoint}: CHANGED")

    def _record(self, ran: dict[str, dict[str, int]], verified: int) -> None:
        """The pass in the JSON summary's `steps`: which jobs ran, when, and what came in."""
        if ran:
            processed = ran.get("process-posts", {})
            polled = [job for job in ran if job.startswith("poll-")]
            self.log.append(
                {
                    "step": ", ".join(polled) or "daemon pass",
                    "at": self.clock.now().isoformat(),
                    "jobs": sorted(ran),
                    "stored": sum(ran[job].get("stored", 0) for job in polled),
                    "claim_posts": processed.get("claim_posts", 0),
                    "new_claims": processed.get("claims", 0),
                    "verifications": verified,
                }
            )

    def _changes(self, mark: int, kind: type[EventPayload]) -> dict[int, int]:
        """How many `kind` events were appended after event `mark`, per launch."""
        found: dict[int, int] = {}
        for event in self.store.events(after_id=mark):
            if isinstance(event.payload, kind):
                found[event.launch_id] = found.get(event.launch_id, 0) + 1
        return found


def _verdict_printer(store: Store, say: Callable[[str], None]) -> OutcomeHook:
    """What the daemon's verification worker is told of each verdict, as it comes."""

    def show(outcome: VerificationOutcome) -> None:
        claim = store.get_claim(outcome.claim_id)
        say(
            f"{outcome.verifier:>11} {claim.key:<28} -> {outcome.verdict.status}: "
            f"{outcome.verdict.summary[:110]}"
        )

    return show


@contextmanager
def _quiet(names: tuple[str, ...]) -> Iterator[None]:
    """Raise these loggers to ERROR while the demo runs; put them back after."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _launch_json(store: Store) -> list[dict[str, Any]]:
    launches = []
    for launch in store.launches():
        claims = []
        for claim in store.claims(launch_id=launch.id):
            verdicts = store.verdicts_for_claim(claim.id)
            claims.append(
                {
                    "id": claim.id,
                    "kind": str(claim.kind),
                    "key": claim.key,
                    "benchmark": claim.benchmark or None,
                    "claimed": claim.value if claim.value is not None else claim.subject,
                    "status": str(claim.status),
                    "flags": list(claim.flags),
                    "verdicts": [
                        {"verifier": name, **verdict.to_json()} for name, verdict in verdicts
                    ],
                }
            )
        events = store.events(launch.id)
        launches.append(
            {
                "name": launch.name,
                "hf_repo": launch.hf_repo,
                "endpoint": launch.endpoint,
                "base_model": launch.base_model,
                "status": str(store.headline_status(launch.id)),
                "sources": sorted({p.source for p in store.posts_for_launch(launch.id)}),
                "claims": claims,
                "events": [str(e.kind) for e in events],
                "significance": launch.significance,
                "thread": any(r["thread"] for r in thread_report(store, launch)),
            }
        )
    return launches


async def _story(demo: Demo, phase: Callable[[str], None]) -> None:
    world = demo.world
    hub_url = "https://huggingface.co"
    api_url = f"{world.api.url}/v1"

    phase("Day 0, 15:00 — the launch post on X; the weights go public on the Hub")
    demo.at(0)
    post_tweet(world, 1001, scenario.launch_tweet(hub_url, api_url), likes=9000)
    world.publish_launch(created_at=demo.clock.now() - timedelta(hours=1))
    # what `hypewatch access REPO` shows: no own server is configured for the repo; the
    # Hub lists an inference provider, reached through the router
    access = await resolve(demo.settings, AccessRequest(repo=scenario.REPO), first_usable=True)
    chosen = access.chosen
    demo.say(f"model access {scenario.REPO}: {chosen.describe() if chosen else access.why_none()}")
    # the daemon starts: every source is polled, then the verifiers run on what was queued
    # (weights, endpoint fingerprint, benchmarks) and the outbox posts the thread
    await demo.run()

    phase("Day 0, 16:00 — the Reddit thread")
    demo.at(1)
    title, body = scenario.reddit_thread(hub_url)
    post_reddit(world, 1, title, body, author="hype_follower")
    await demo.run()

    phase("Day 1 — the weights are re-uploaded; the API changes what it serves")
    demo.at(24)
    reupload(world.hub.server.state["repos"][scenario.REPO])
    world.swap_api()
    # the daemon's revision and re-probe jobs are due: the pipeline re-queues what changed
    await demo.run()

    phase("Day 2 — independent measurements (not claims)")
    demo.at(48)
    for i, (source, author, text) in enumerate(scenario.third_party_posts()):
        if source == "x":
            post_tweet(world, 2001 + i, text, likes=3000)
        else:
            post_reddit(world, 10 + i, text[:80], text, author=author)
    await demo.run()


def run_demo(
    out_dir: Path | None, console: Console, user: Settings | None = None
) -> dict[str, Any]:
    """Run the whole replay; returns the JSON summary. Writes the digest to `out_dir`."""
    say = console.print
    say(BANNER, style="bold yellow")
    with _quiet(QUIET_LOGGERS), tempfile.TemporaryDirectory(prefix="hypewatch-demo-") as tmp:
        workdir = Path(tmp)
        target = out_dir or Path.cwd() / "demo-out"
        target.mkdir(parents=True, exist_ok=True)
        database = target / "demo.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        with start_world(workdir) as world:
            extra: dict[str, Any] = {}
            if user is not None:
                extra["notifiers"] = user.notifiers.model_dump()
            settings = world.settings(database, extra)
            # the store, the pipeline and the daemon all read this simulated clock
            clock = SimulatedClock(utcnow())
            store = Store.open(database, clock=clock)
            try:
                # the daemon's application (`hypewatch run`), on the simulated clock
                application = build_application(settings, store, console=console)
                line: Callable[[str], None] = lambda m: say(m, markup=False)  # noqa: E731
                daemon = application.daemon(clock=clock, on_outcome=_verdict_printer(store, line))
                demo = Demo(world, settings, store, daemon, clock, line)

                def phase(title: str) -> None:
                    console.print(Rule(title))

                asyncio.run(_story(demo, phase))
                digest_path = target / "digest.html"
                digest_path.write_text(preview_html(build_digest(store)), encoding="utf-8")
                say(f"weekly digest rendered to {digest_path}", markup=False)
                return {
                    "demo": "replay with stand-ins on 127.0.0.1; invented names, real numbers",
                    "database": str(database),
                    "digest": str(digest_path),
                    "launches": _launch_json(store),
                    "steps": demo.log,
                }
            finally:
                store.close()
