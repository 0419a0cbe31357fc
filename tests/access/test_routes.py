"""Model access: route providers in order, the Hub's inferenceProviderMapping read by
huggingface_hub from the Hub stand-in, the router stand-in, the benchmark verdict."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hypewatch.access.inference_providers import quantisation_of
from hypewatch.access.patterns import matches
from hypewatch.access.registry import BUILTIN, resolve
from hypewatch.access.routes import AccessRequest
from hypewatch.cli import app
from hypewatch.config import ConfigError, Settings, parse_settings
from hypewatch.models import Claim, ClaimKind, Launch, VerdictStatus
from hypewatch.net import NetConfig
from hypewatch.standins.hf_router import serve_router
from hypewatch.standins.http import Standin
from hypewatch.standins.hub import HubRepo, hub_standin, provider_mapping
from hypewatch.standins.openai_bench import Behaviour
from hypewatch.verifiers.base import VerifierContext
from hypewatch.verifiers.benchmark.client import EndpointFatalError
from hypewatch.verifiers.benchmark.tasks import load_task
from hypewatch.verifiers.benchmark.verifier import BenchmarkVerifier
from tests.benchmark.conftest import make_rows, write_task

REPO = "Org/Model-7B"
TOKEN = "hf_access_test_token"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def hub() -> Iterator[Standin]:
    repo = HubRepo(
        REPO,
        {"README.md": b"# Model"},
        providers=[
            provider_mapping("staging-co", REPO, status="staging"),
            provider_mapping("embed-co", REPO, task="feature-extraction"),
            provider_mapping("fast-co", "org/model-7b-FP8"),
            provider_mapping("exact-co", "org/model-7b"),
        ],
    )
    with hub_standin([repo, HubRepo("org/unserved", {"README.md": b"# U"})]) as standin:
        yield standin


def settings_for(hub: Standin, token_env: str = "ACCESS_TEST_TOKEN", **extra: Any) -> Settings:
    data: dict[str, Any] = {"hub": {"endpoint": hub.url, "token_env": token_env}, **extra}
    return parse_settings(data)


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCESS_TEST_TOKEN", TOKEN)
    monkeypatch.setenv("OWN_SERVER_KEY", "own-key")


def test_repo_patterns_match_case_insensitively_once() -> None:
    # the pipeline and the verifier used to disagree here (fnmatch vs lower-cased fnmatchcase)
    assert matches("Org/Model-7B", "org/*")
    assert matches("org/model-7b", "ORG/Model-*")
    assert not matches("org2/model", "org/*")
    assert not matches("", "*")


async def test_live_providers_first_and_each_route_says_why(hub: Standin) -> None:
    resolution = await resolve(settings_for(hub), AccessRequest(repo=REPO))
    by_provider = {r.provider: r for r in resolution.routes}
    # own servers (none configured), then the live providers in the Hub's order, staging last
    assert resolution.routes[0].kind == "own_server"
    assert "no verifiers.benchmark.endpoints entry matches Org/Model-7B" in (
        resolution.routes[0].reason
    )
    providers = [r.provider for r in resolution.routes if r.kind == "inference_provider"]
    assert providers == ["embed-co", "fast-co", "exact-co", "staging-co"]
    assert not by_provider["embed-co"].usable
    assert "task 'feature-extraction'" in by_provider["embed-co"].reason
    assert not by_provider["staging-co"].usable
    assert "status 'staging'" in by_provider["staging-co"].reason
    chosen = resolution.chosen
    assert chosen is not None and chosen.provider == "fast-co"
    assert chosen.model == "Org/Model-7B:fast-co"
    assert chosen.url == "https://router.huggingface.co/v1"
    assert chosen.quantisation == "fp8"
    assert "is fp8" in chosen.note
    assert "may be quantised" in by_provider["exact-co"].note
    assert chosen.api_key is not None and chosen.api_key.reveal() == TOKEN
    assert chosen.revision is None and "revision it serves is not published" in chosen.note


async def test_configured_order_and_allowed_providers(hub: Standin) -> None:
    settings = settings_for(
        hub,
        access={
            "order": ["inference_providers", "own_servers"],
            "providers": ["exact-co"],
            "allow_staging": True,
        },
        verifiers={
            "benchmark": {
                "endpoints": [
                    {
                        "repo_pattern": "org/*",
                        "url": "http://127.0.0.1:9/v1",
                        "model": "m",
                        "api_key_env": "OWN_SERVER_KEY",
                    }
                ]
            }
        },
    )
    resolution = await resolve(settings, AccessRequest(repo=REPO))
    kinds = [r.kind for r in resolution.routes]
    assert kinds.index("inference_provider") < kinds.index("own_server")
    chosen = resolution.chosen
    assert chosen is not None and chosen.provider == "exact-co"
    staging = next(r for r in resolution.routes if r.provider == "staging-co")
    assert "not in access.providers" in staging.reason  # staging allowed, provider not
    first = await resolve(settings, AccessRequest(repo=REPO), first_usable=True)
    assert [r.kind for r in first.routes] == ["inference_provider"] * 4


async def test_without_token_or_mapping_nothing_is_usable(
    hub: Standin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ACCESS_TEST_TOKEN")
    resolution = await resolve(settings_for(hub), AccessRequest(repo=REPO))
    assert resolution.chosen is None
    assert all("no Hub token" in r.reason for r in resolution.routes if r.provider)
    unserved = await resolve(settings_for(hub), AccessRequest(repo="org/unserved"))
    assert "lists no inference provider serving org/unserved" in unserved.why_none()
    missing = await resolve(settings_for(hub), AccessRequest(repo="org/missing"))
    assert "Hub lookup failed: repo org/missing not found" in missing.why_none()


async def test_launch_api_and_unknown_provider_are_reported(hub: Standin) -> None:
    settings = settings_for(hub, access={"order": ["plugin_x", "launch_api"]})
    request = AccessRequest(repo=REPO, launch_api="https://api.example/v1", launch_model="m-1")
    resolution = await resolve(settings, request)
    assert resolution.routes[0].reason == "plugin_x: no route provider of that name is installed"
    chosen = resolution.chosen
    assert chosen is not None and chosen.kind == "launch_api" and chosen.model == "m-1"


def test_access_config_is_strict() -> None:
    for bad, message in (
        ({"order": []}, "at least 1"),
        ({"order": ["own_servers", "own_servers"]}, "twice"),
        ({"order": ["Own Servers"]}, "not a route provider name"),
        ({"router_url": "router.huggingface.co"}, "not an http(s) URL"),
        ({"allow_staging": "yes"}, "true or false"),
    ):
        with pytest.raises(ConfigError, match=re.escape(message)):
            parse_settings({"access": bad})


def test_builtins_are_registered_as_entry_points() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["entry-points"]["hypewatch.access"] == BUILTIN
    assert parse_settings({}).access.order == list(BUILTIN)


def test_quantisation_markers() -> None:
    assert quantisation_of("org/model-AWQ") == "awq"
    assert quantisation_of("accounts/x/models/model-7b-q4_k_m") == "q4_k_m"
    assert quantisation_of("org/model-7b") == ""
    assert quantisation_of("org/fp80-model") == ""


def test_cli_lists_routes_in_order(hub: Standin, tmp_path: Path) -> None:
    config = tmp_path / "hypewatch.toml"
    config.write_text(
        f'[general]\ndatabase = "{tmp_path / "db.sqlite"}"\n'
        f'[hub]\nendpoint = "{hub.url}"\ntoken_env = "ACCESS_TEST_TOKEN"\n'
    )
    result = CliRunner().invoke(app, ["--config", str(config), "access", REPO, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["repo"] == REPO
    assert document["chosen"]["provider"] == "fast-co"
    assert [r["kind"] for r in document["routes"]] == [
        "own_server",
        *["inference_provider"] * 4,
        "on_demand",
        "launch_api",
    ]
    assert all(r["reason"] for r in document["routes"])
    assert "hf_access_test_token" not in result.output
    text = CliRunner().invoke(app, ["--config", str(config), "access", REPO])
    assert text.exit_code == 0 and "use inference_provider Org/Model-7B:fast-co" in text.output
    bad = CliRunner().invoke(app, ["--config", str(config), "access", "not a repo"])
    assert bad.exit_code != 0 and "is not a Hub repo id" in bad.output


def score(value: float) -> Claim:
    return Claim(1, 1, ClaimKind.SCORE, "score:mmlu", benchmark="mmlu", value=value)


async def test_benchmark_runs_through_the_router_and_names_the_route(
    hub: Standin, tmp_path: Path
) -> None:
    path = write_task(tmp_path / "mmlu.jsonl", make_rows(200))
    items = load_task(path)
    launch = Launch(1, "model-7b", "Model 7B", hf_repo=REPO)
    with serve_router(
        items, REPO, "fast-co", token=TOKEN, behaviour=Behaviour(p_correct=0.95)
    ) as router:
        settings = settings_for(
            hub,
            access={"router_url": f"{router.url}/v1"},
            verifiers={"benchmark": {"tasks_dir": str(tmp_path), "max_items": 200}},
        )
        net = NetConfig(allow_private=True, backoff_base=0.001, retries=1)
        ctx = VerifierContext(settings=settings, net=net, launch=launch, hf_repo=REPO)
        verdict = await BenchmarkVerifier(settings.verifiers.benchmark).verify(score(85.0), ctx)
    assert verdict.status is VerdictStatus.REPLICATED, verdict.summary
    route = verdict.evidence["route"]
    assert route["kind"] == "inference_provider" and route["provider"] == "fast-co"
    assert route["model"] == "Org/Model-7B:fast-co" and route["quantisation"] == "fp8"
    assert "Run via inference_provider fast-co: Org/Model-7B:fast-co" in verdict.summary
    assert "fp8" in verdict.summary


async def test_router_refuses_a_wrong_token(hub: Standin, tmp_path: Path) -> None:
    path = write_task(tmp_path / "mmlu.jsonl", make_rows(20))
    launch = Launch(1, "model-7b", "Model 7B", hf_repo=REPO)
    with serve_router(load_task(path), REPO, "fast-co", token="hf_other") as router:
        settings = settings_for(
            hub,
            access={"router_url": f"{router.url}/v1"},
            verifiers={"benchmark": {"tasks_dir": str(tmp_path), "max_items": 20}},
        )
        net = NetConfig(allow_private=True, backoff_base=0.001, retries=0)
        ctx = VerifierContext(settings=settings, net=net, launch=launch, hf_repo=REPO)
        verifier = BenchmarkVerifier(settings.verifiers.benchmark)
        with pytest.raises(EndpointFatalError, match="HTTP 401 for model 'Org/Model-7B:fast-co'"):
            await verifier.verify(score(85.0), ctx)


async def test_no_route_is_unverifiable_with_every_reason(hub: Standin, tmp_path: Path) -> None:
    write_task(tmp_path / "mmlu.jsonl", make_rows(5))
    settings = settings_for(hub, verifiers={"benchmark": {"tasks_dir": str(tmp_path)}})
    launch = Launch(1, "u", "U", hf_repo="org/unserved")
    ctx = VerifierContext(
        settings=settings, net=NetConfig(allow_private=True), launch=launch, hf_repo="org/unserved"
    )
    verdict = await BenchmarkVerifier(settings.verifiers.benchmark).verify(score(85.0), ctx)
    assert verdict.status is VerdictStatus.UNVERIFIABLE
    assert "lists no inference provider serving org/unserved" in verdict.summary
    assert [r["kind"] for r in verdict.evidence["access"]["routes"]] == [
        "own_server",
        "inference_provider",
        "on_demand",
        "launch_api",
    ]
