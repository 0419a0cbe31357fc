"""Delivery from every process: events written by `hypewatch poll` and `hypewatch verify`
(separate processes, no daemon running) are queued with their outbox rows, and one pass
of `hypewatch run --once` delivers each of them to Discord and Slack exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hypewatch.bot.threads import render_event
from hypewatch.demo.world import demo_tasks, write_tasks
from hypewatch.standins.http import serve
from hypewatch.standins.openai_bench import Behaviour, serve_bench
from hypewatch.standins.x_api import make_tweet, make_user, x_standin
from hypewatch.storage import Store
from hypewatch.storage import delivery as db
from tests.reliability.test_crash import _toml
from tests.support import discord_api, slack_api

ROOT = Path(__file__).resolve().parents[2]
LAUNCH = (
    "Introducing Quill 14B, our new open model. MMLU 88.4 (5-shot), GSM8K 95.1. "
    "Weights: https://huggingface.co/quill-lab/Quill-14B"
)


def _config(tmp: Path, x_url: str, bench_url: str, slack_url: str) -> str:
    tasks = write_tasks(demo_tasks(count=60), tmp / "tasks")
    sections: dict[str, dict[str, Any]] = {
        "general": {"database": str(tmp / "hw.db"), "log_format": "text"},
        "network": {"allowlist": ["127.0.0.1/32"], "retries": 0},
        "sources.x": {
            "enabled": True,
            "api_url": x_url,
            "bearer_token_env": "T_X_TOKEN",
            "queries": ["model"],
            "accounts": [],
        },
        "sources.reddit": {"enabled": False},
        "sources.huggingface": {"enabled": False},
        "extraction": {"use_embeddings": False},
        "verifiers.weights": {"enabled": False},
        "verifiers.fingerprint": {"enabled": False},
        "verifiers.benchmark": {"tasks_dir": str(tasks), "hub_datasets": False, "max_items": 20},
        "notifiers.console": {"enabled": False},
        "digest": {"enabled": False},
    }
    everything = {"min_significance": 0}
    tables = {
        # every event must reach both: no significance threshold on these destinations
        "notifiers.discord": [
            {"name": "wh", "webhook_url_env": "T_DISCORD_WEBHOOK", "filters": everything}
        ],
        "notifiers.slack": [
            {
                "name": "sl",
                "channel": "C0123456789",
                "token_env": "T_SLACK",
                "base_url": slack_url,
                "filters": everything,
            }
        ],
        "verifiers.benchmark.endpoints": [
            {"repo_pattern": "*", "url": f"{bench_url}/v1", "model": "stand-in-model"}
        ],
    }
    return _toml(sections, tables)


def _cli(env: dict[str, str], config: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "hypewatch.cli", "--config", str(config), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    if "--json" in args:
        parsed: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return parsed
    return {}


@pytest.mark.slow  # three CLI processes, each importing the app (~60 s on two busy cores)
def test_poll_and_verify_processes_are_delivered_by_one_run_pass(tmp_path: Path) -> None:
    tasks = demo_tasks(count=60)
    tweet = make_tweet(
        1_830_000_000_000_000_001,
        LAUNCH,
        "100",
        created_at=datetime(2024, 9, 5, tzinfo=UTC),
        likes=500,
    )
    with ExitStack() as stack:
        x = stack.enter_context(x_standin(users=[make_user("100", "quill")], token="x-token"))
        x.server.state["tweets"].append(tweet)
        bench = stack.enter_context(
            serve_bench(tasks["mmlu"] + tasks["gsm8k"], Behaviour(p_correct=0.7))
        )
        discord = stack.enter_context(serve(discord_api.DiscordHandler, **discord_api.new_state()))
        slack = stack.enter_context(serve(slack_api.SlackHandler, **slack_api.new_state()))
        config = tmp_path / "hypewatch.toml"
        config.write_text(_config(tmp_path, x.url, bench.url, f"{slack.url}/api/"))
        env = {
            **os.environ,
            "T_X_TOKEN": "x-token",
            "T_DISCORD_WEBHOOK": f"{discord.url}/api/webhooks/111/tok-en",
            "T_SLACK": "xoxb-test",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_HUB_OFFLINE": "1",
        }
        env.pop("HYPEWATCH_CONFIG", None)

        polled = _cli(env, config, "poll", "--json")
        assert polled["new_claims"] >= 2, polled
        verified = _cli(env, config, "verify", "quill-lab/Quill-14B", "--json")
        assert {v["verifier"] for v in verified["verdicts"]} == {"benchmark"}
        assert not discord.server.state["posts"] and not slack.server.state["messages"]
        _cli(env, config, "run", "--once")

        discord_posts = list(discord.server.state["posts"])
        slack_messages = list(slack.server.state["messages"])

    with Store.open(tmp_path / "hw.db") as store:
        events = store.events()
        rows = db.outbox_rows(store)
        replies = {f"ev-{e.id}" for e in events if render_event(store, e) is not None}
        launches = {e.launch_id for e in events}
    assert any(e.kind == "verdict" for e in events)
    for destination in ("discord:wh", "slack:sl"):
        mine = [r for r in rows if r.destination == destination]
        assert sorted(r.event_id for r in mine) == [e.id for e in events]  # one row per event
        assert {r.state for r in mine} == {db.OutboxState.SENT}
    # (a chart shared into a thread is a file message without metadata)
    keys = [m["metadata"]["event_payload"]["key"] for m in slack_messages if m.get("metadata")]
    assert len(keys) == len(set(keys))  # nothing twice
    assert set(keys) == replies | {f"root-{i}" for i in launches}
    assert len(discord_posts) == len(replies) + len(launches)  # each reply once, one root each
