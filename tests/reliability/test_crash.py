"""Crash test of the real daemon: SIGKILL `hypewatch run` at random points, restart it, repeat.

Stand-ins on 127.0.0.1 (X, Reddit, a Discord webhook, an OpenAI-compatible benchmark server,
SMTP) run in this process; new posts (launch claims with scores, and chatter) appear while the
daemon runs. After >= 20 kills the daemon gets a graceful SIGTERM with a verification in
flight, then runs to quiescence. Then: the database is intact, every post served is stored
once, no event or delivery is lost, each kill costs at most one duplicate Discord message,
and the weekly digest went out once.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hypewatch.demo.world import demo_tasks, write_tasks
from hypewatch.standins.http import Standin, serve
from hypewatch.standins.openai_bench import Behaviour, serve_bench
from hypewatch.standins.reddit_api import make_submission, reddit_standin
from hypewatch.standins.x_api import make_tweet, make_user, x_standin
from tests.support import discord_api
from tests.support.smtp import Inbox, smtp_server

ROOT = Path(__file__).resolve().parents[2]
SEED = 20240905
KILLS = 20
DESTINATION = "discord:crash"
NAMES = ("Nova", "Quill", "Ember", "Atlas", "Zephyr", "Onyx", "Lumen", "Cobalt", "Vesper",
         "Tundra", "Marlin", "Juniper", "Sable", "Kestrel", "Orchid", "Basalt")  # fmt: skip
CHATTER = (
    "Has anyone run the new model on a laptop yet? Curious about tokens per second.",
    "Which model do you use for coding these days? Looking for something small.",
    "Reminder: a model card is not a benchmark run. Wait for independent numbers.",
    "Our team is hiring people who evaluate model releases. DM me.",
)
SECRETS = {
    "CRASH_X_TOKEN": "crash-bearer",
    "CRASH_REDDIT_ID": "standin-id",
    "CRASH_REDDIT_SECRET": "standin-secret",
}


@dataclass
class Feed:
    """Adds posts to the X and Reddit stand-ins over time (content from a seeded RNG)."""

    x: Standin
    reddit: Standin
    rng: random.Random
    launches: list[str] = field(default_factory=list)
    tweets: int = 0
    submissions: int = 0

    def _tweet(self, text: str, author: str, link: str = "") -> None:
        self.tweets += 1
        tweet = make_tweet(
            1_830_000_000_000_000_000 + self.tweets,
            text,
            author,
            created_at=datetime(2024, 9, 5, tzinfo=UTC) + timedelta(minutes=self.tweets),
            links=[(f"https://t.co/l{self.tweets}", link)] if link else (),
            likes=40,
        )
        with self.x.server.lock:
            self.x.server.state["tweets"].append(tweet)

    def _submission(self, title: str, body: str) -> None:
        self.submissions += 1
        post = make_submission(self.submissions, title, selftext=body, score=120)
        with self.reddit.server.lock:
            self.reddit.server.state["submissions"].append(post)

    def launch(self) -> None:
        name = NAMES[len(self.launches)]
        size = self.rng.choice((7, 8, 12, 14, 32, 70))
        model, repo = f"{name} {size}B", f"{name.lower()}-lab/{name}-{size}B"
        mmlu, gsm8k = round(self.rng.uniform(60, 92), 1), round(self.rng.uniform(60, 97), 1)
        hub = f"https://huggingface.co/{repo}"
        self._tweet(
            f"Introducing {model}, our new open model. MMLU {mmlu} (5-shot), GSM8K {gsm8k}. "
            "Weights:",
            "100",
            hub,
        )
        self._submission(
            f"{model} released with open weights: GSM8K {gsm8k} and MMLU {mmlu}",
            f"Weights are on the Hub: {hub}",
        )
        self.launches.append(model)

    def chatter(self) -> None:
        text = self.rng.choice(CHATTER)
        if self.rng.random() < 0.5:
            self._tweet(text, "200")
        else:
            self._submission(text[:60], text)

    def tick(self) -> None:
        if len(self.launches) < len(NAMES) and self.rng.random() < 0.6:
            self.launch()
        else:
            self.chatter()

    def expected_keys(self) -> set[str]:
        with self.x.server.lock:
            keys = {f"x:{t['id']}" for t in self.x.server.state["tweets"]}
        with self.reddit.server.lock:
            keys |= {f"reddit:{s['name']}" for s in self.reddit.server.state["submissions"]}
        return keys


@dataclass
class World:
    feed: Feed
    discord: Standin
    bench: Standin
    inbox: Inbox
    config: Path
    database: Path
    env: dict[str, str]
    logs: Path


def _toml(sections: dict[str, dict[str, Any]], tables: dict[str, list[dict[str, Any]]]) -> str:
    """A TOML document from plain values (JSON strings, numbers and arrays are valid TOML)."""

    def value_of(value: Any) -> str:  # a dict becomes an inline table
        if isinstance(value, dict):
            return "{ " + ", ".join(f"{k} = {value_of(v)}" for k, v in value.items()) + " }"
        return json.dumps(value)

    lines: list[str] = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {value_of(value)}" for key, value in values.items()]
    for name, rows in tables.items():
        for row in rows:
            lines.append(f"[[{name}]]")
            lines += [f"{key} = {value_of(value)}" for key, value in row.items()]
    return "\n".join(lines) + "\n"


def _config(tmp: Path, x: Standin, reddit: Standin, bench: Standin, smtp_port: int) -> str:
    today = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[datetime.now(UTC).weekday()]
    tasks = write_tasks(demo_tasks(count=120), tmp / "tasks")
    sections: dict[str, dict[str, Any]] = {
        "general": {"database": str(tmp / "crash.db"), "log_format": "text"},
        "network": {
            "allowlist": ["127.0.0.1/32"],
            "retries": 1,
            "retry_max_wait_seconds": 1.0,
            "connect_timeout_seconds": 2.0,
            "read_timeout_seconds": 10.0,
        },
        "sources.x": {
            "enabled": True,
            "api_url": x.url,
            "bearer_token_env": "CRASH_X_TOKEN",
            "queries": ["model"],
            "accounts": [],
            "interval_minutes": 0.005,
            "max_results_per_page": 10,
        },
        "sources.reddit": {
            "enabled": True,
            "oauth_url": reddit.url,
            "reddit_url": reddit.url,
            "client_id_env": "CRASH_REDDIT_ID",
            "client_secret_env": "CRASH_REDDIT_SECRET",
            "subreddits": ["LocalLLaMA"],
            "interval_minutes": 0.005,
            "top_comments": 0,
        },
        "sources.huggingface": {"enabled": False},
        "extraction": {"use_embeddings": False},
        "verifiers.weights": {"enabled": False},
        "verifiers.fingerprint": {"enabled": False},
        "verifiers.benchmark": {
            "tasks_dir": str(tasks),
            "hub_datasets": False,
            # enough for a verification to outlast the graceful stop's grace (4 rounds of 8
            # at 0.4 s > 0.5 s), few enough that the final pass settles every claim quickly
            "max_items": 30,
            "concurrency": 8,
            "max_tokens": 64,
        },
        "notifiers.console": {"enabled": False},
        # Due since 00:00 UTC today: the daemon's first start catches this week's digest up.
        "digest": {
            "enabled": True,
            "day_of_week": today,
            "hour": 0,
            "recipients": ["team@example.org"],
            "sender": "hypewatch@example.org",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_security": "none",
            "smtp_timeout_seconds": 5.0,
        },
        "daemon": {
            "verification_concurrency": 4,
            "outbox_interval_seconds": 0.2,
            "jitter_seconds": 0.0,
            "queue_interval_seconds": 0.3,
            "shutdown_grace_seconds": 0.5,
        },
    }
    tables = {
        "notifiers.discord": [
            {
                "name": "crash",
                "webhook_url_env": "CRASH_DISCORD_WEBHOOK",
                # every launch of this story is delivered: no significance threshold here
                "filters": {"min_significance": 0},
            }
        ],
        "verifiers.benchmark.endpoints": [
            {"repo_pattern": "*", "url": f"{bench.url}/v1", "model": "stand-in-model"}
        ],
    }
    return _toml(sections, tables)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    # The digest is sent once per ISO week: keep the run inside one week.
    now = datetime.now(UTC)
    next_week = (now + timedelta(days=7 - now.weekday())).replace(hour=0, minute=0, second=0)
    if (next_week - now).total_seconds() < 120:
        time.sleep((next_week - now).total_seconds() + 1)
    tasks = demo_tasks(count=120)
    items = tasks["mmlu"] + tasks["gsm8k"]
    users = [make_user("100", "launcher"), make_user("200", "watcher")]
    with ExitStack() as stack:
        x = stack.enter_context(x_standin(users=users, token=SECRETS["CRASH_X_TOKEN"]))
        reddit = stack.enter_context(reddit_standin())
        discord = stack.enter_context(serve(discord_api.DiscordHandler, **discord_api.new_state()))
        bench = stack.enter_context(serve_bench(items, Behaviour(p_correct=0.85)))
        inbox = stack.enter_context(smtp_server())
        config = tmp_path / "hypewatch.toml"
        config.write_text(_config(tmp_path, x, reddit, bench, inbox.port), encoding="utf-8")
        env = {
            **os.environ,
            **SECRETS,
            "CRASH_DISCORD_WEBHOOK": f"{discord.url}/api/webhooks/111/crash-token",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_HUB_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("HYPEWATCH_CONFIG", None)
        feed = Feed(x, reddit, random.Random(SEED))
        for _ in range(3):
            feed.tick()
        yield World(feed, discord, bench, inbox, config, tmp_path / "crash.db", env, tmp_path)


#: A daemon process on standby: it imports what `hypewatch run` needs (no database access)
#: and loads spaCy's registry once (a blank pipeline), then, told "go", runs the CLI exactly
#: as `python -m hypewatch.cli ARGS` does. Importing takes ~2 s on two cores; overlapping it
#: with the previous run keeps 20+ kills within the test budget, and each kill still hits a
#: fresh process mid-work (the daemon builds everything of its own after "go").
#: torch is hidden from it: spaCy's thinc imports torch whenever it is installed (the `ml`
#: extra), only to offer it as a backend, and that import is over half of each start's
#: CPU; this daemon's configuration uses nothing that needs it (no embeddings, no
#: fingerprint), so anything that did would fail here, not pass quietly.
STANDBY = """
import importlib.metadata, sys
sys.modules["torch"] = None  # `import torch` raises ImportError (see above)
import hypewatch.cli, hypewatch.bot.app, hypewatch.bot.digest, hypewatch.bot.watchers
import hypewatch.bot.notifiers.factory, hypewatch.bot.health, spacy.lang.en
import hypewatch.bot.watchers.huggingface, hypewatch.bot.watchers.hub_http, huggingface_hub
import spacy
for entry in importlib.metadata.entry_points(group="hypewatch.verifiers"):
    entry.load()
spacy.blank("en")
if sys.stdin.readline().strip() == "go":
    sys.argv = ["hypewatch", *sys.argv[1:]]
    hypewatch.cli.main()
"""


class Daemon:
    """One `hypewatch --config C run` process; its output goes to a log file."""

    def __init__(self, w: World, n: int, *, standby: bool = False) -> None:
        self.log = w.logs / f"run-{n:02d}.log"
        args = ["-c", STANDBY] if standby else ["-m", "hypewatch.cli"]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, *args, "--config", str(w.config), "run"],
                cwd=ROOT,
                env=w.env,
                stdin=subprocess.PIPE if standby else subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.spawned = time.monotonic()

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.close()
        self.spawned = time.monotonic()

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_started(self, timeout: float = 90.0) -> float:
        """Seconds from spawn (or "go") until the scheduler runs (the log says so)."""
        deadline = time.monotonic() + timeout
        while "daemon started" not in self.text():
            assert self.proc.poll() is None, f"the daemon exited early:\n{self.text()[-3000:]}"
            assert time.monotonic() < deadline, f"no start within {timeout} s:\n{self.text()}"
            time.sleep(0.02)
        return time.monotonic() - self.spawned

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)


def _query(database: Path, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    con.row_factory = sqlite3.Row
    try:
        return list(con.execute(sql, params))
    finally:
        con.close()


def _wait_for(check: Callable[[], bool], timeout: float, what: str, daemon: Daemon) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert daemon.proc.poll() is None, f"the daemon exited:\n{daemon.text()[-3000:]}"
        assert time.monotonic() < deadline, (
            f"timed out waiting for {what}:\n{daemon.text()[-3000:]}"
        )
        time.sleep(0.1)


def _quiet(w: World) -> bool:
    """Everything served is stored and processed, verified, delivered; the digest is out."""
    db = w.database
    stored = {r["key"] for r in _query(db, "SELECT key FROM posts")}
    if not w.feed.expected_keys() <= stored:
        return False
    busy = _query(
        db,
        """SELECT (SELECT count(*) FROM posts WHERE is_claim IS NULL)
                + (SELECT count(*) FROM verifications WHERE state IN ('queued', 'running'))
                + (SELECT count(*) FROM outbox WHERE state != 'sent') AS n""",
    )
    return busy[0]["n"] == 0 and bool(_query(db, "SELECT 1 FROM digest_sends"))


def _kill_loop(w: World, rng: random.Random) -> tuple[list[float], list[float]]:
    """KILLS runs, each SIGKILLed 0.2-1.5 s (seeded) after its scheduler started, while a
    new post appears; the next process is already importing (standby) meanwhile."""
    delays, startups = [], []
    following = Daemon(w, 0, standby=True)
    for n in range(KILLS):
        daemon, following = following, Daemon(w, n + 1, standby=True)
        daemon.go()
        startups.append(daemon.wait_started())
        delay = rng.uniform(0.2, 1.5)
        delays.append(delay)
        split = rng.uniform(0, delay)
        time.sleep(split)
        w.feed.tick()  # a post appears while the daemon runs
        time.sleep(delay - split)
        daemon.kill()
    following.kill()
    return delays, startups


def _graceful_stop(w: World, n: int) -> None:
    """SIGTERM with a verification in flight: exit code 0, and it goes back on the queue."""
    w.bench.server.state["behaviour"].latency = 0.4
    w.feed.launch()
    daemon = Daemon(w, n)
    daemon.wait_started()

    def running() -> bool:
        return bool(_query(w.database, "SELECT 1 FROM verifications WHERE state = 'running'"))

    _wait_for(running, 90, "a running verification", daemon)
    in_flight = {
        r["id"] for r in _query(w.database, "SELECT id FROM verifications WHERE state = 'running'")
    }
    assert daemon.terminate() == 0, daemon.text()[-3000:]
    assert "Traceback" not in daemon.text(), daemon.text()[-3000:]
    states = {
        r["id"]: r["state"] for r in _query(w.database, "SELECT id, state FROM verifications")
    }
    assert "running" not in states.values(), "nothing is left running after a graceful stop"
    states = {i: states[i] for i in in_flight}
    assert set(states.values()) <= {"queued", "done"}, states
    assert "queued" in states.values(), "the slow verification should not finish in the grace"
    assert "requeued" in daemon.text()
    w.bench.server.state["behaviour"].latency = 0.0


def test_sigkill_loop_loses_nothing_and_repeats_little(world: World) -> None:
    w, rng = world, random.Random(SEED)
    started = time.monotonic()
    delays, startups = _kill_loop(w, rng)
    looped = time.monotonic()
    _graceful_stop(w, KILLS + 1)
    stopped = time.monotonic()
    final = Daemon(w, KILLS + 2)
    final.wait_started()
    _wait_for(lambda: _quiet(w), 120, "quiescence", final)
    print(
        f"\nPHASES loop {looped - started:.1f} graceful {stopped - looped:.1f} "
        f"quiet {time.monotonic() - stopped:.1f}"
    )
    assert final.terminate() == 0, final.text()[-3000:]
    assert "Traceback" not in final.text(), final.text()[-3000:]
    print(
        f"\n{KILLS} kills {min(delays):.2f}-{max(delays):.2f} s after start "
        f"(start {min(startups):.2f}-{max(startups):.2f} s), "
        f"total {time.monotonic() - started:.1f} s"
    )
    _check_posts(w)
    _check_events(w)
    _check_deliveries(w, kills=KILLS)
    assert len(w.inbox.messages) == 1, "the weekly digest goes out exactly once"
    assert len(_query(w.database, "SELECT * FROM digest_sends")) == 1


def _check_posts(w: World) -> None:
    db = w.database
    assert [tuple(r) for r in _query(db, "PRAGMA integrity_check")] == [("ok",)]
    keys = [r["k"] for r in _query(db, "SELECT source || ':' || native_id AS k FROM posts")]
    assert len(keys) == len(set(keys)), "a post stored twice"
    assert set(keys) == w.feed.expected_keys(), "every post served is stored"
    assert not _query(db, "SELECT key FROM posts WHERE is_claim IS NULL")
    names = [r["name"] for r in _query(db, "SELECT name FROM launches")]
    assert len(names) == len(w.feed.launches), f"one launch each: {names}"


def _check_events(w: World) -> None:
    db = w.database
    claims = _query(db, "SELECT id, status FROM claims")
    assert len(claims) >= 2 * len(w.feed.launches)
    added = _query(db, "SELECT claim_id, count(*) AS n FROM events WHERE kind = 'claim_added' "
                       "GROUP BY claim_id")  # fmt: skip
    assert {r["claim_id"]: r["n"] for r in added} == {c["id"]: 1 for c in claims}
    unsettled = [c["id"] for c in claims if c["status"] in ("claimed", "verifying")]
    assert not unsettled, f"claims left unsettled: {unsettled}"
    runs = _query(db, "SELECT id, claim_id, verifier, state FROM verifications")
    assert {r["state"] for r in runs} == {"done"}
    pairs = [(r["claim_id"], r["verifier"]) for r in runs]
    assert len(pairs) == len(set(pairs)), "a claim verified twice by one verifier"
    verdicts = _query(db, "SELECT json_extract(payload, '$.verification_id') AS v FROM events "
                          "WHERE kind = 'verdict'")  # fmt: skip
    assert sorted(r["v"] for r in verdicts) == sorted(r["id"] for r in runs)
    measured = _query(db, "SELECT 1 FROM verifications WHERE "
                          "json_extract(verdict, '$.measured') IS NOT NULL")  # fmt: skip
    assert len(measured) >= 2 * len(w.feed.launches), "the benchmark ran on the score claims"


def _check_deliveries(w: World, *, kills: int) -> None:
    db = w.database
    events = {r["id"] for r in _query(db, "SELECT id FROM events")}
    rows = _query(db, "SELECT event_id, state, message_id FROM outbox WHERE destination = ?",
                  (DESTINATION,))  # fmt: skip
    assert sorted(r["event_id"] for r in rows) == sorted(events), "one outbox row per event"
    assert {r["state"] for r in rows} == {"sent"}
    recorded = {r["message_id"] for r in rows}
    recorded |= {r["root_message_id"] for r in _query(db, "SELECT root_message_id FROM threads")}
    with w.discord.server.lock:
        posted = {m["id"]: dict(m) for m in w.discord.server.state["posts"]}
        threads = dict(w.discord.server.state["threads"])  # a forum post's id is its thread's
    assert recorded <= set(posted), "a message recorded as sent that Discord never got"
    extra = [m for i, m in posted.items() if i not in recorded]
    kept = [posted[i] for i in recorded]
    for message in extra:  # each one repeats a message that was recorded (root or reply)
        assert any(
            (message["id"] in threads and threads[message["id"]] == threads.get(k["id"]))
            or message["content"] == k["content"]
            for k in kept
        ), message
    assert len(extra) <= kills, f"{len(extra)} duplicate deliveries for {kills} kills"
    print(f"events {len(events)}, discord messages {len(posted)}, duplicates {len(extra)}")
