"""Model-access budgets: usage counted from the replies' `usage` field into the usage
table, per-run and per-day limits that stop the run with a reason naming the setting."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hypewatch.access.budget import UsageLog
from hypewatch.cli import app
from hypewatch.clock import SystemClock
from hypewatch.config import ConfigError, Settings, parse_settings
from hypewatch.models import Claim, ClaimKind, Launch, Verdict, VerdictStatus
from hypewatch.net import NetConfig
from hypewatch.standins.http import Standin
from hypewatch.standins.openai_bench import Behaviour, serve_bench
from hypewatch.storage import Store
from hypewatch.storage.usage import add_usage, day_total, usage_day, usage_on
from hypewatch.verifiers.base import VerifierContext
from hypewatch.verifiers.benchmark.tasks import load_task
from hypewatch.verifiers.benchmark.verifier import BenchmarkVerifier
from tests.benchmark.conftest import MODEL, make_rows, write_task

REPO = "org/model-7b"
NET = NetConfig(allow_private=True, backoff_base=0.001, retries=1)
CLAIM = Claim(1, 1, ClaimKind.SCORE, "score:mmlu", benchmark="mmlu", value=85.0)


def settings_for(standin: Standin, tmp_path: Path, **budget: int) -> Settings:
    endpoint = {"repo_pattern": "org/*", "url": f"{standin.url}/v1", "model": MODEL}
    return parse_settings(
        {
            "access": {"order": ["own_servers"], "budget": budget},
            "verifiers": {
                "benchmark": {
                    "tasks_dir": str(tmp_path),
                    "max_items": 150,
                    "concurrency": 4,
                    "endpoints": [endpoint],
                },
            },
        }
    )


async def verify(settings: Settings, store: Store | None) -> Verdict:
    launch = Launch(1, "m", "M", hf_repo=REPO)
    ctx = VerifierContext(
        settings=settings,
        net=NET,
        launch=launch,
        hf_repo=REPO,
        usage=UsageLog(store) if store is not None else None,
    )
    return await BenchmarkVerifier(settings.verifiers.benchmark).verify(CLAIM, ctx)


def posts(standin: Standin) -> int:
    return sum(1 for r in standin.requests if r.method == "POST")


@pytest.fixture
def items(tmp_path: Path) -> Any:
    return load_task(write_task(tmp_path / "mmlu.jsonl", make_rows(150)))


async def test_usage_is_counted_from_the_replies(items: Any, tmp_path: Path, store: Store) -> None:
    with serve_bench(items, Behaviour(model=MODEL, p_correct=0.95)) as standin:
        verdict = await verify(settings_for(standin, tmp_path), store)
        sent = posts(standin)
    assert verdict.status is VerdictStatus.REPLICATED, verdict.summary
    usage = verdict.evidence["usage"]
    # a request cancelled in flight when the test decided is counted (it may be billed)
    assert sent <= usage["requests"] <= sent + 4 and usage["prompt_tokens"] > 0
    (row,) = usage_on(store, usage_day(store.now()))
    assert (row.route_kind, row.model, row.requests) == ("own_server", MODEL, usage["requests"])
    assert (row.prompt_tokens, row.completion_tokens) == (
        usage["prompt_tokens"],
        usage["completion_tokens"],
    )


async def test_a_run_budget_stops_the_run(items: Any, tmp_path: Path, store: Store) -> None:
    with serve_bench(items, Behaviour(model=MODEL, p_correct=0.95)) as standin:
        verdict = await verify(settings_for(standin, tmp_path, run_requests=12), store)
        sent = posts(standin)
    assert verdict.status is VerdictStatus.UNVERIFIABLE
    assert verdict.summary == (
        "the per-run request budget is spent: 12 used in this run of "
        "access.budget.run_requests = 12; raise access.budget.run_requests"
    )
    assert 1 <= sent <= 12 and verdict.evidence["usage"]["requests"] == 12
    assert (
        day_total(store, usage_day(store.now())).requests == 12
    )  # what was spent is still counted


async def test_a_spent_day_sends_nothing(items: Any, tmp_path: Path, store: Store) -> None:
    add_usage(
        store,
        route_kind="inference_provider",
        provider="nebius",
        model="org/other:nebius",
        requests=40,
        prompt_tokens=900,
        completion_tokens=100,
    )
    with serve_bench(items, Behaviour(model=MODEL)) as standin:
        verdict = await verify(settings_for(standin, tmp_path, day_tokens=1000), store)
        sent = posts(standin)
    assert verdict.status is VerdictStatus.UNVERIFIABLE and sent == 0
    assert "the daily token budget is spent: 1,000 used today (UTC)" in verdict.summary
    assert "raise access.budget.day_tokens or wait for the next UTC day" in verdict.summary


async def test_the_day_budget_counts_this_run_too(items: Any, tmp_path: Path, store: Store) -> None:
    add_usage(
        store,
        route_kind="own_server",
        provider="",
        model=MODEL,
        requests=95,
        prompt_tokens=1,
        completion_tokens=1,
    )
    with serve_bench(items, Behaviour(model=MODEL, p_correct=0.95)) as standin:
        verdict = await verify(settings_for(standin, tmp_path, day_requests=100), store)
        sent = posts(standin)
    # requests still in flight when the budget stopped the run may be cancelled unsent
    assert verdict.status is VerdictStatus.UNVERIFIABLE and 1 <= sent <= 5
    assert "daily request budget is spent: 100 used today" in verdict.summary
    assert day_total(store, usage_day(store.now())).requests == 100


def test_budget_config_and_the_cli_shows_today(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=re.escape("access.budget.day_tokens")):
        parse_settings({"access": {"budget": {"day_tokens": -1}}})
    database = tmp_path / "db.sqlite"
    store = Store.open(database)
    add_usage(
        store,
        route_kind="inference_provider",
        provider="nebius",
        model="org/m:nebius",
        requests=3,
        prompt_tokens=30,
        completion_tokens=12,
    )
    store.close()
    config = tmp_path / "hypewatch.toml"
    config.write_text(
        f'[general]\ndatabase = "{database}"\n'
        '[access]\norder = ["own_servers"]\n[access.budget]\nday_tokens = 5000\n'
    )
    result = CliRunner().invoke(app, ["--config", str(config), "access", REPO, "--json"])
    assert result.exit_code == 0, result.output
    usage = json.loads(result.output)["usage"]
    assert usage["day"] == usage_day(SystemClock().now()) and usage["budget"]["day_tokens"] == 5000
    assert usage["total"]["requests"] == 3 and usage["total"]["tokens"] == 42
    assert usage["routes"][0]["provider"] == "nebius"
    text = CliRunner().invoke(app, ["--config", str(config), "access", REPO])
    assert "3 requests, 42 tokens; access.budget: day_tokens 5,000" in text.output
