"""`hypewatch weights`: the JSON contract, the endpoint from HF_ENDPOINT, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hypewatch.cli import app
from hypewatch.errors import EXIT_INPUT, EXIT_NETWORK, EXIT_NOT_FOUND
from tests.weights.conftest import World

CONTRACT = {
    "repo", "revision", "files", "claimed_base", "closest_base", "candidates", "verdict",
    "evidence", "bytes_fetched", "total_weight_bytes",
}  # fmt: skip


@pytest.fixture
def runner(world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("HF_ENDPOINT", world.url)
    config = tmp_path / "hypewatch.toml"
    config.write_text("[verifiers.weights]\nmax_tensors = 8\nrows_per_tensor = 8\nseed = 3\n")
    monkeypatch.setenv("HYPEWATCH_CONFIG", str(config))
    return CliRunner()


def test_weights_json_contract(runner: CliRunner, world: World) -> None:
    result = runner.invoke(
        app,
        ["weights", "hype/finetune", "--base", "meta/base", "--base", "lab/sibling", "--json"],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) >= CONTRACT
    assert document["repo"] == "hype/finetune"
    assert document["revision"] == world.repos["hype/finetune"].commits[-1].id
    assert document["verdict"] == "inconsistent"
    assert document["closest_base"] == "meta/base"
    assert document["claimed_base"] == "lab/sibling"
    for candidate in document["candidates"]:
        assert {"repo", "similarity", "identical_files", "tensors_compared"} <= set(candidate)
    assert all({"path", "sha256", "size"} <= set(f) for f in document["files"])
    assert 0 < document["bytes_fetched"] <= document["total_weight_bytes"] * 3


def test_weights_revision_and_claimed_base_flags(runner: CliRunner, world: World) -> None:
    sha = world.repos["copy/reupload"].commits[0].id
    result = runner.invoke(
        app,
        ["weights", "copy/reupload", "--revision", sha, "--claimed-base", "meta/base", "--json"],
    )
    document = json.loads(result.stdout)
    assert (document["revision"], document["verdict"]) == (sha, "identical")


def test_weights_human_output(runner: CliRunner) -> None:
    result = runner.invoke(app, ["weights", "shard/finetune"])
    assert result.exit_code == 0, result.output
    assert "consistent" in result.stdout
    assert "meta/base" in result.stdout


def test_weights_errors(runner: CliRunner, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    assert runner.invoke(app, ["weights", "nobody/nothing"]).exit_code == EXIT_NOT_FOUND
    assert runner.invoke(app, ["weights", "../etc/passwd"]).exit_code == EXIT_INPUT
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    assert runner.invoke(app, ["weights", "meta/base"]).exit_code == EXIT_NETWORK
