from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hypewatch.cli import app
from hypewatch.errors import EXIT_CONFIG, EXIT_NOT_FOUND
from hypewatch.models import ClaimKind
from hypewatch.storage import Store

runner = CliRunner()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HYPEWATCH_CONFIG", raising=False)
    return tmp_path


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("init", "config", "claims", "show"):
        assert command in result.output


def test_init_writes_config_and_database(workdir: Path) -> None:
    result = runner.invoke(app, ["init", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["config_written"] is True
    assert document["schema_version"] >= 2
    assert (workdir / "hypewatch.toml").exists()
    assert (workdir / "hypewatch.db").exists()
    again = json.loads(runner.invoke(app, ["init", "--json"]).output)
    assert again["config_written"] is False  # never clobbers an edited config
    check = runner.invoke(app, ["config", "check"])
    assert check.exit_code == 0
    assert "configuration ok" in check.output


def test_config_errors_exit_with_the_config_code(workdir: Path) -> None:
    (workdir / "bad.toml").write_text("[general]\ndatabse = 'x.db'\n")
    result = runner.invoke(app, ["--config", "bad.toml", "claims"])
    assert result.exit_code == EXIT_CONFIG
    assert "general.databse" in result.output


def test_missing_secret_fails_config_check(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HW_CLI_REDDIT_ID", raising=False)
    (workdir / "c.toml").write_text(
        "[sources.reddit]\nenabled = true\nclient_id_env = 'HW_CLI_REDDIT_ID'\n"
    )
    result = runner.invoke(app, ["--config", "c.toml", "config", "check"])
    assert result.exit_code == EXIT_CONFIG
    assert "HW_CLI_REDDIT_ID" in result.output


def test_claims_and_show(workdir: Path) -> None:
    store = Store.open(workdir / "hypewatch.db")
    launch = store.create_launch("reflection-70b", "Reflection 70B")
    store.add_claim(launch.id, ClaimKind.SCORE, "score:gsm8k:", benchmark="gsm8k", value=99.2)
    store.close()
    listed = json.loads(runner.invoke(app, ["claims", "--json"]).output)
    assert [(c["benchmark"], c["value"], c["status"]) for c in listed["claims"]] == [
        ("gsm8k", 99.2, "claimed")
    ]
    none = json.loads(runner.invoke(app, ["claims", "--status", "failed", "--json"]).output)
    assert none["claims"] == []
    shown = json.loads(runner.invoke(app, ["show", "reflection-70b", "--json"]).output)
    assert shown["launch"]["status"] == "under review"
    assert [e["kind"] for e in shown["events"]] == ["first_seen", "claim_added"]
    human = runner.invoke(app, ["show", "Reflection 70B"])
    assert "claim_added" in human.output
    missing = runner.invoke(app, ["show", "nope"])
    assert missing.exit_code == EXIT_NOT_FOUND
    assert "no launch matches" in missing.output
