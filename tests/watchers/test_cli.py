"""`hypewatch poll` and `hypewatch status` against all three stand-ins."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hypewatch.cli import app
from hypewatch.models import utcnow
from hypewatch.standins.hub import HubRepo, hub_standin
from hypewatch.standins.reddit_api import make_submission, reddit_standin
from hypewatch.standins.x_api import make_tweet, make_user, x_standin


def _config(tmp_path: Path, x_url: str, reddit_url: str, hub_url: str) -> Path:
    path = tmp_path / "hypewatch.toml"
    path.write_text(
        f"""
[general]
database = "{tmp_path / "hw.db"}"
[hub]
endpoint = "{hub_url}"
token_env = "HW_TEST_NO_HF_TOKEN"
[sources.x]
enabled = true
api_url = "{x_url}"
queries = ["*"]
max_results_per_page = 10
[sources.reddit]
enabled = true
oauth_url = "{reddit_url}"
reddit_url = "{reddit_url}"
subreddits = ["LocalLLaMA"]
[sources.huggingface]
enabled = true
trending = false
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", "test-bearer")
    monkeypatch.setenv("REDDIT_CLIENT_ID", "standin-id")
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", "standin-secret")


def _run(config: Path, *args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(app, ["--config", str(config), *args])
    assert result.exit_code == code, result.output
    return json.loads(result.stdout) if "--json" in args else result.stdout


def test_poll_twice_then_status(tmp_path: Path, env: None, hub_http: Any) -> None:
    tweets = [make_tweet(i, f"Reflection {i}", "1") for i in range(1, 13)]
    subs = [make_submission(i, f"thread {i}") for i in range(1, 4)]
    hour_ago = utcnow() - timedelta(hours=1)
    with (
        x_standin(tweets, [make_user("1", "mattshumer")]) as xs,
        reddit_standin(subs) as rs,
        # created an hour before the poll (`hypewatch poll` runs on the wall clock): launches
        hub_standin(
            [
                HubRepo("org/model-a", created_at=hour_ago),
                HubRepo("org/model-b", created_at=hour_ago),
            ]
        ) as hs,
    ):
        config = _config(tmp_path, xs.url, rs.url, hs.url)
        first = _run(config, "poll", "--allow-private", "--json")
        by_source = {s["source"]: s for s in first["sources"]}
        assert {k: v["stored"] for k, v in by_source.items()} == {
            "x": 12,
            "reddit": 3,
            "huggingface": 2,
        }
        assert first["stored"] == 17
        assert first["ok"]
        second = _run(config, "poll", "--allow-private", "--json")
        assert second["stored"] == 0
        only_x = _run(config, "poll", "--source", "x", "--allow-private")
        assert only_x.startswith("x: stored 0 new")
    status = _run(config, "status", "--json")
    rows = {r["source"]: r for r in status["sources"]}
    assert rows["x"]["budget_used"] == 12
    assert rows["x"]["budget_limit"] == 10_000
    assert rows["reddit"]["posts"] == 3
    assert rows["reddit"]["last_success"]
    assert rows["huggingface"]["last_error"] is None
    human = _run(config, "status")
    assert "huggingface" in human
    assert "12/10000" in human


def test_poll_refuses_loopback_without_allow_private(tmp_path: Path, env: None) -> None:
    with x_standin([make_tweet(1, "hello", "1")]) as xs:
        config = _config(tmp_path, xs.url, "http://127.0.0.1:9", "https://huggingface.co")
        result = _run(config, "poll", "--source", "x", "--json", code=4)  # docs/cli.md
        assert len(xs.requests) == 0
    assert result["error"]["code"] == 4 and result["ok"] is False
    assert result["sources"][0]["error_kind"] == "network"
    assert "refused" in result["sources"][0]["error"]


def test_missing_secret_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    config = _config(tmp_path, "http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:9")
    result = CliRunner().invoke(app, ["--config", str(config), "poll", "--source", "x"])
    assert result.exit_code == 3
    assert "X_BEARER_TOKEN" in result.output


def test_unknown_source_is_a_usage_error(tmp_path: Path, env: None) -> None:
    config = _config(tmp_path, "http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:9")
    result = CliRunner().invoke(app, ["--config", str(config), "poll", "--source", "mastodon"])
    assert result.exit_code == 2
