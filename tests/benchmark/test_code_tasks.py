"""HumanEval, HumanEval+, MBPP, MBPP+ through the task registry: listed, loaded from the Hub
stand-in by the loader a user runs, and verified end to end against a stand-in endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hypewatch.config import parse_settings
from hypewatch.models import Claim, ClaimKind, VerdictStatus
from hypewatch.net import NetConfig
from hypewatch.standins.code_datasets import CODE_DATASETS, code_dataset_repos
from hypewatch.standins.http import Standin, serve
from hypewatch.standins.hub_datasets import HubDatasetsHandler
from hypewatch.standins.openai_bench import Behaviour, serve_bench
from hypewatch.verifiers.base import VerifierContext
from hypewatch.verifiers.benchmark.catalog.code import TASKS
from hypewatch.verifiers.benchmark.families import Environment
from hypewatch.verifiers.benchmark.families.code import CodeExecution
from hypewatch.verifiers.benchmark.hub_datasets import load_hub_task
from hypewatch.verifiers.benchmark.registry import (
    CATALOG_MODULES,
    TaskRegistry,
    default_registry,
    listing,
    load_catalog,
)
from hypewatch.verifiers.benchmark.verifier import BenchmarkVerifier
from tests.benchmark.conftest import MODEL

CODE_IDS = {"humaneval", "humaneval-plus", "mbpp", "mbpp-plus"}


@pytest.fixture(scope="module")
def hub() -> Iterator[Standin]:
    with serve(HubDatasetsHandler, repos=code_dataset_repos()) as server:
        yield server


def test_code_benchmarks_are_listed_as_runnable() -> None:
    rows = {row["id"]: row for row in listing(default_registry(), Environment())}
    for bench_id in CODE_IDS:
        row = rows[bench_id]
        assert (row["family"], row["runnable"], row["reason"]) == ("code", True, None), row
        assert row["dataset"] in CODE_DATASETS


def test_without_a_sandbox_code_tasks_say_why() -> None:
    registry = TaskRegistry()
    registry.register_family(CodeExecution(sandbox=lambda: "bubblewrap is not installed"))
    load_catalog(registry, [m for m in CATALOG_MODULES if not m.endswith(".code")])
    for spec in TASKS:
        registry.register(spec)
    rows = {row["id"]: row for row in listing(registry, Environment())}
    assert rows["humaneval"]["runnable"] is False
    assert rows["humaneval"]["reason"] == "no sandbox: bubblewrap is not installed"


def test_the_hub_loader_reads_every_code_dataset(hub: Standin, tmp_path: Path) -> None:
    counts = {"humaneval": 164, "humaneval-plus": 7, "mbpp": 10, "mbpp-plus": 10}
    for bench_id, count in counts.items():
        task = load_hub_task(bench_id, endpoint=hub.url, cache_dir=tmp_path)
        assert len(task.items) == count
        assert {item.family for item in task.items} == {"code"}
    humaneval = load_hub_task("HumanEval", endpoint=hub.url, cache_dir=tmp_path)
    first = humaneval.items[0]
    assert (first.id, first.extra["entry_point"]) == ("HumanEval/0", "has_close_elements")
    assert first.question.startswith("from typing import List")


def claim(benchmark: str, value: float) -> Claim:
    return Claim(1, 1, ClaimKind.SCORE, f"score:{benchmark}", benchmark=benchmark, value=value)


async def test_an_overclaimed_humaneval_score_fails(hub: Standin, tmp_path: Path) -> None:
    task = load_hub_task("humaneval", endpoint=hub.url, cache_dir=tmp_path / "c1")
    settings = parse_settings(
        {
            "hub": {"endpoint": hub.url},
            "verifiers": {"benchmark": {"dataset_cache_dir": str(tmp_path / "c2")}},
        }
    )
    verifier = BenchmarkVerifier(settings.verifiers.benchmark)
    with serve_bench(task.items, Behaviour(p_correct=0.35, model=MODEL, seed=3)) as server:
        ctx = VerifierContext(
            settings=settings,
            net=NetConfig(allow_private=True),
            endpoint=server.url + "/v1",
            model=MODEL,
        )
        verdict = await verifier.verify(claim("HumanEval", 91.0), ctx)
    assert verdict.status is VerdictStatus.FAILED, verdict.summary
    assert verdict.evidence["family"] == "code"
    assert verdict.evidence["source"]["repo"] == "openai/openai_humaneval"
    used = [record for record in verdict.artifacts if record["used"]]
    assert len(used) == verdict.sample_size
    right = [record for record in used if record["correct"]]
    wrong = [record for record in used if not record["correct"]]
    assert right and wrong
    assert {record["parsed"] for record in right} == {"passed"}
    assert all(record["detail"] for record in wrong)  # each wrong item says why
