"""The task registry: definitions, duplicates, availability, `hypewatch tasks` and
`hypewatch bench --benchmark` through the Hub stand-in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hypewatch.cli import app
from hypewatch.config import parse_settings
from hypewatch.errors import EXIT_INPUT
from hypewatch.extractors.registry import BY_ID, benchmark_id, lookup
from hypewatch.standins.http import serve
from hypewatch.standins.hub_datasets import HubDatasetsHandler, parquet_bytes
from hypewatch.standins.openai_bench import Behaviour, serve_bench
from hypewatch.verifiers.benchmark.catalog.choice import _mmlu
from hypewatch.verifiers.benchmark.families import Environment, Family, SimpleFamily
from hypewatch.verifiers.benchmark.families.choice import MultipleChoice
from hypewatch.verifiers.benchmark.hub_datasets import load_hub_task
from hypewatch.verifiers.benchmark.registry import (
    DatasetRef,
    RegistryError,
    TaskRegistry,
    TaskSpec,
    default_registry,
    listing,
)
from tests.benchmark.conftest import MODEL
from tests.benchmark.test_hub_verifier import SHA, mmlu_rows


def test_every_task_is_a_canonical_extractor_id_with_a_known_family() -> None:
    registry = default_registry()
    assert registry.specs(), "the built-in catalog registers tasks"
    for spec in registry.specs():
        # a table id, or the slug the extractor gives a name its table does not know
        slug = benchmark_id(spec.id) == spec.id and lookup(spec.id) is None
        assert spec.id in BY_ID or slug, f"{spec.id} is not an extractor benchmark id"
        assert isinstance(registry.family(spec.family), Family), spec.id
        assert spec.dataset.repo.count("/") == 1 and spec.dataset.files.endswith(".parquet")


def test_lookup_goes_through_the_extractor_normaliser() -> None:
    registry = default_registry()
    mmlu = registry.get("mmlu")
    assert mmlu is not None
    for spelling in ("MMLU", "cais/mmlu", "hendrycksTest", " mmlu "):
        assert registry.get(spelling) is mmlu
    assert registry.get("") is None and registry.get("no such benchmark") is None


def _spec(id_: str, repo: str, family: str = "multiple_choice", gated: bool = False) -> TaskSpec:
    return TaskSpec(id_, family, DatasetRef(repo, "c", "test", "*.parquet", gated=gated), _mmlu)


def test_duplicates_and_non_canonical_ids_are_refused_naming_both() -> None:
    registry = TaskRegistry()
    registry.register_family(MultipleChoice())
    with pytest.raises(RegistryError, match="'multiple_choice' registered twice"):
        registry.register_family(MultipleChoice())
    registry.register(TaskSpec(**{**_spec("mmlu", "a/one").__dict__, "source": "first"}))
    with pytest.raises(RegistryError, match=r"by first \(a/one\) and by second \(b/two\)"):
        registry.register(TaskSpec(**{**_spec("mmlu", "b/two").__dict__, "source": "second"}))
    with pytest.raises(RegistryError, match="extractor calls it 'mmlu-pro'"):
        registry.register(_spec("MMLU Pro", "c/three"))
    with pytest.raises(RegistryError, match="does not implement the Family protocol"):
        registry.register_family(object())  # type: ignore[arg-type]


class _NeedsJudge(SimpleFamily):
    name = "needs_judge"

    def unavailable(self, env: Environment) -> str | None:
        return "needs a judge"


def test_availability_reasons() -> None:
    registry = TaskRegistry()
    registry.register_family(MultipleChoice())
    registry.register_family(_NeedsJudge())
    registry.register(_spec("gpqa", "Idavidrein/gpqa", gated=True))
    registry.register(_spec("mt-bench", "x/mt", family="needs_judge"))
    registry.register(_spec("humaneval", "x/he", family="code"))
    registry.register(_spec("mmlu", "cais/mmlu"))
    rows = {row["id"]: row for row in listing(registry, Environment())}
    assert rows["gpqa"]["reason"].startswith("needs access: Idavidrein/gpqa is gated")
    assert rows["mt-bench"]["reason"] == "needs a judge"
    assert "'code' scorer family, which is not installed" in rows["humaneval"]["reason"]
    assert rows["mmlu"]["runnable"] and rows["mmlu"]["reason"] is None
    assert rows["chatbot-arena"] == {**rows["chatbot-arena"], "family": None, "runnable": False}
    with_token = {row["id"]: row for row in listing(registry, Environment(hub_token=True))}
    assert with_token["gpqa"]["runnable"]
    off = parse_settings({"verifiers": {"benchmark": {"hub_datasets": False}}}, "t")
    assert "hub_datasets = false" in str(
        registry.availability(_spec("mmlu", "x/y"), Environment(off))
    )


def _config(tmp_path: Path, hub_url: str, extra: str = "") -> Path:
    path = tmp_path / "hypewatch.toml"
    path.write_text(
        f'[hub]\nendpoint = "{hub_url}"\n'
        f'[verifiers.benchmark]\ndataset_cache_dir = "{tmp_path / "cache"}"\n{extra}',
        encoding="utf-8",
    )
    return path


def test_tasks_command_lists_every_id_with_family_dataset_revision(tmp_path: Path) -> None:
    config = _config(tmp_path, "http://127.0.0.1:9", 'dataset_revisions = {mmlu = "abc123"}\n')
    result = CliRunner().invoke(app, ["--config", str(config), "tasks", "--json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    rows = {row["id"]: row for row in doc["tasks"]}
    assert set(BY_ID) <= set(rows)
    assert doc["runnable"] == sum(row["runnable"] for row in doc["tasks"])
    assert rows["mmlu"]["family"] == "multiple_choice" and rows["mmlu"]["dataset"] == "cais/mmlu"
    assert (rows["mmlu"]["revision"], rows["mmlu"]["pinned"]) == ("abc123", True)
    for row in doc["tasks"]:
        assert set(row) == {
            "id", "family", "dataset", "config", "split", "revision", "pinned", "gated",
            "setting", "runnable", "reason",
        }  # fmt: skip
        assert row["runnable"] == (row["reason"] is None)
    text = CliRunner().invoke(app, ["--config", str(config), "tasks"])
    assert text.exit_code == 0 and "cais/mmlu@abc123" in text.stdout


def test_bench_benchmark_reads_the_registered_task_from_the_hub(tmp_path: Path) -> None:
    files = {
        "all/test-00000-of-00001.parquet": parquet_bytes(mmlu_rows(400)),
        "all/dev-00000-of-00001.parquet": parquet_bytes(mmlu_rows(5)),
    }
    with serve(HubDatasetsHandler, repos={"cais/mmlu": {"sha": SHA, "files": files}}) as hub:
        config = _config(tmp_path, hub.url)
        items = load_hub_task("mmlu", endpoint=hub.url, cache_dir=tmp_path / "c0").items
        with serve_bench(items, Behaviour(p_correct=0.6, model=MODEL)) as server:
            args = ["--config", str(config), "bench", "--endpoint", server.url + "/v1"]
            args += ["--model", MODEL, "--claim", "90", "--allow-private", "--json"]
            result = CliRunner().invoke(app, [*args, "--benchmark", "MMLU"])
            assert result.exit_code == 0, result.stderr
            doc = json.loads(result.stdout)
            assert (doc["task"], doc["verdict"]) == ("mmlu", "failed")
            unknown = CliRunner().invoke(app, [*args, "--benchmark", "Chatbot Arena"])
            assert unknown.exit_code == EXIT_INPUT
            assert "no task for benchmark 'Chatbot Arena'" in unknown.stderr
