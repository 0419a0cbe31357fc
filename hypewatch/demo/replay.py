"""`hypewatch demo`: replay a Reflection-style launch against stand-ins on 127.0.0.1.

The real watchers, extractors, pipeline, verifiers and notifiers run; only
the services they talk to are stand-ins, started in this process. Each step
of the story is a phase: the world changes (a post appears, weights are
re-uploaded), hypewatch polls and verifies as the daemon would, and the
outbox delivers the status threads (console, plus Discord/Slack when the
user's config names them). The digest is rendered to an HTML file.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.rule import Rule

from hypewatch.access.registry import resolve
from hypewatch.access.routes import AccessRequest
from hypewatch.bot.app import build_pipeline
from hypewatch.bot.digest import build_digest, preview_html
from hypewatch.bot.notifiers.factory import build_notifiers, start_delivery
from hypewatch.bot.outbox import OutboxSender
from hypewatch.bot.pipeline import Pipeline
from hypewatch.bot.watchers import build_watcher, poll_once
from hypewatch.bot.watchers.hub_http import configure_hub_http
from hypewatch.config import Settings
from hypewatch.demo import scenario
from hypewatch.demo.world import World, post_reddit, post_tweet, reupload, start_world
from hypewatch.significance import thread_report
from hypewatch.storage import Store
from hypewatch.verifiers.weights.hub import HubClient

BANNER = (
    "hypewatch demo: a replay of a Reflection-style launch (Sept 2024). Every service below "
    "is a STAND-IN on 127.0.0.1 — X, Reddit, the Hugging Face Hub, the claimant's API and a "
    "server for the published weights — with invented names. hypewatch's own watchers, "
    "extractors, verifiers and notifiers run for real against them."
)


@dataclass
class Demo:
    world: World
    settings: Settings
    store: Store
    pipeline: Pipeline
    sender: OutboxSender
    say: Callable[[str], None]
    log: list[dict[str, Any]] = field(default_factory=list)

    async def poll(self, source: str) -> None:
        # the clients are synchronous: off the event loop, as the daemon runs them
        watcher = build_watcher(self.settings, source)
        report = await asyncio.to_thread(poll_once, self.store, watcher)
        processed = await asyncio.to_thread(self.pipeline.process_pending)
        self.say(
            f"polled {source}: {report.stored} new post(s); {processed.claims_posts} launch "
            f"claim(s), {processed.new_claims} new claim(s) queued"
        )
        self.log.append(
            {
                "step": f"poll {source}",
                "stored": report.stored,
                "claim_posts": processed.claims_posts,
                "new_claims": processed.new_claims,
            }
        )

    async def verify_all(self) -> None:
        while (outcome := await self.pipeline.run_next()) is not None:
            claim = self.store.get_claim(outcome.claim_id)
            self.say(
                f"{outcome.verifier:>11} {claim.key:<28} -> {outcome.verdict.status}: "
                f"{outcome.verdict.summary[:110]}"
            )

    async def deliver(self) -> None:
        await self.sender.deliver_pending()


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

    phase("Day 0, 15:00 — the launch post on X")
    post_tweet(world, 1001, scenario.launch_tweet(hub_url, api_url), likes=9000)
    await demo.poll("x")
    await demo.deliver()

    phase("Day 0, 16:00 — the Reddit thread and the Hub card")
    title, body = scenario.reddit_thread(hub_url)
    post_reddit(world, 1, title, body, author="hype_follower")
    await demo.poll("reddit")
    await demo.poll("huggingface")
    await demo.deliver()

    phase("Day 0, 17:00 — verifiers: weights, endpoint fingerprint, benchmarks")
    # what `hypewatch access REPO` shows: no own server is configured for the repo; the
    # Hub lists an inference provider, reached through the router
    access = await resolve(demo.settings, AccessRequest(repo=scenario.REPO), first_usable=True)
    chosen = access.chosen
    demo.say(f"model access {scenario.REPO}: {chosen.describe() if chosen else access.why_none()}")
    await demo.verify_all()
    await demo.deliver()

    phase("Day 1 — the weights are re-uploaded; the API changes what it serves")
    reupload(world.hub.server.state["repos"][scenario.REPO])
    hub = HubClient.from_settings(demo.settings)
    # the daemon's revision and re-probe jobs: the pipeline re-queues what a change affects
    for launch in demo.store.launches():
        if launch.hf_repo:
            events = await asyncio.to_thread(demo.pipeline.check_revisions, launch, hub)
            demo.say(f"revision check {launch.hf_repo}: {len(events)} weights change(s)")
    world.swap_api()
    for launch in demo.store.launches():
        if launch.endpoint:
            event = await demo.pipeline.reprobe(launch)
            changed = "CHANGED" if event is not None else "unchanged"
            demo.say(f"re-probe {launch.endpoint}: {changed}")
    await demo.verify_all()
    await demo.deliver()

    phase("Day 2 — independent measurements (not claims)")
    for i, (source, author, text) in enumerate(scenario.third_party_posts()):
        if source == "x":
            post_tweet(world, 2001 + i, text, likes=3000)
        else:
            post_reddit(world, 10 + i, text[:80], text, author=author)
    await demo.poll("x")
    await demo.poll("reddit")
    await demo.deliver()


def run_demo(
    out_dir: Path | None, console: Console, user: Settings | None = None
) -> dict[str, Any]:
    """Run the whole replay; returns the JSON summary. Writes the digest to `out_dir`."""
    say = console.print
    say(BANNER, style="bold yellow")
    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)  # card-format chatter
    with tempfile.TemporaryDirectory(prefix="hypewatch-demo-") as tmp:
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
            store = Store.open(database)
            try:
                pipeline = build_pipeline(settings, store)
                configure_hub_http(pipeline.net)
                notifiers = build_notifiers(settings, store, net=pipeline.net, console=console)
                sender = start_delivery(settings, store, notifiers)
                demo = Demo(
                    world, settings, store, pipeline, sender, lambda m: say(m, markup=False)
                )

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
