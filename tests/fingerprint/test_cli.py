"""The command-line contract: `hypewatch fingerprint URL ...` and `fingerprint enroll`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tokenizers import Tokenizer
from typer.testing import CliRunner

from hypewatch.cli import app
from hypewatch.errors import EXIT_CONFIG, EXIT_INPUT, EXIT_NETWORK
from hypewatch.standins.http import Standin
from hypewatch.standins.openai_fp import Backend
from hypewatch.storage import Store
from hypewatch.storage.fingerprint import probe_history

StartServer = Callable[..., Standin]
KEYS = {
    "endpoint",
    "claimed_model",
    "claimed_tokenizer",
    "tokenizer_match",
    "tokenizer_scores",
    "verdict",
    "queries",
    "evidence",
}


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray hypewatch.toml / hypewatch.db is picked up
    monkeypatch.delenv("HYPEWATCH_CONFIG", raising=False)
    return CliRunner()


def _refs(paths: dict[str, Path]) -> list[str]:
    return [arg for label, p in paths.items() for arg in ("--reference", f"{label}={p}")]


def test_json_contract(
    runner: CliRunner,
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    tokenizer_paths: dict[str, Path],
) -> None:
    server = make_server([Backend(tokenizers["wordpiece"], scrub=("Gemini",))])
    args = ["fingerprint", server.url, "--model", "acme-70b", *_refs(tokenizer_paths)]
    result = runner.invoke(
        app, [*args, "--claimed-tokenizer", "bpe-b", "--allow-private", "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) >= KEYS
    assert doc["endpoint"] == server.url
    assert doc["claimed_model"] == "acme-70b"
    assert doc["claimed_tokenizer"] == "bpe-b"
    assert doc["tokenizer_match"] == "wordpiece"
    assert set(tokenizer_paths) <= set(doc["tokenizer_scores"])  # and the default set
    assert all(0.0 <= v <= 1.0 for v in doc["tokenizer_scores"].values())
    assert doc["verdict"] == "inconsistent"
    assert doc["queries"] == len(server.requests) <= 10
    assert all({"probe", "result", "weight"} <= set(e) for e in doc["evidence"])
    scrub = [e for e in doc["evidence"] if e["probe"] == "scrubbed_words"]
    assert "Gemini" in scrub[0]["result"]


def test_human_output(
    runner: CliRunner,
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    tokenizer_paths: dict[str, Path],
) -> None:
    server = make_server([Backend(tokenizers["unigram"])])
    args = ["fingerprint", server.url, "--model", "m", *_refs(tokenizer_paths), "--allow-private"]
    result = runner.invoke(app, [*args, "--claimed-tokenizer", "unigram"])
    assert result.exit_code == 0, result.output
    assert "consistent" in result.stdout
    assert "unigram" in result.stdout


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}", "http://localhost:{port}/v1"])
def test_private_url_refused_without_a_request(
    runner: CliRunner, make_server: StartServer, tokenizers: dict[str, Tokenizer], url: str
) -> None:
    server = make_server([Backend(tokenizers["bpe-a"])])
    target = url.format(port=server.port)
    result = runner.invoke(app, ["fingerprint", target, "--model", "m", "--json"])
    assert result.exit_code == EXIT_NETWORK
    assert "refused" in " ".join(result.output.split())
    assert "--allow-private" in " ".join(result.output.split())
    assert server.requests == []


def test_config_can_allow_private_and_name_references(
    runner: CliRunner,
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    tokenizer_paths: dict[str, Path],
    tmp_path: Path,
) -> None:
    server = make_server([Backend(tokenizers["bpe-b"])])
    refs = ", ".join(f'"{label}" = "{p}"' for label, p in tokenizer_paths.items())
    config = tmp_path / "cfg.toml"
    config.write_text(
        f"[network]\nallow_private = true\n[verifiers.fingerprint]\nreferences = {{ {refs} }}\n"
    )
    result = runner.invoke(
        app, ["--config", str(config), "fingerprint", server.url, "--model", "m", "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["tokenizer_match"] == "bpe-b"
    assert doc["claimed_tokenizer"] is None
    assert doc["verdict"] == "inconclusive"  # nothing was claimed about the tokenizer


def test_bad_reference_and_unknown_claimed_tokenizer_are_input_errors(
    runner: CliRunner, tokenizer_paths: dict[str, Path], tmp_path: Path
) -> None:
    base = ["fingerprint", "http://127.0.0.1:9", "--model", "m", "--allow-private"]
    missing = runner.invoke(app, [*base, "--reference", f"x={tmp_path / 'nope.json'}"])
    assert missing.exit_code == EXIT_INPUT
    assert "does not exist" in " ".join(missing.output.split())
    malformed = runner.invoke(app, [*base, "--reference", "just-a-path.json"])
    assert malformed.exit_code == EXIT_INPUT
    unknown = runner.invoke(app, [*base, *_refs(tokenizer_paths), "--claimed-tokenizer", "llama-9"])
    assert unknown.exit_code == EXIT_INPUT
    assert "llama-9" in unknown.output


def test_api_key_comes_from_the_named_env_var(
    runner: CliRunner,
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = make_server([Backend(tokenizers["bpe-a"])])
    args = ["fingerprint", server.url, "--model", "m", "--allow-private", "--json"]
    unset = runner.invoke(app, [*args, "--api-key-env", "FP_TEST_KEY"])
    assert unset.exit_code == EXIT_CONFIG
    assert "FP_TEST_KEY" in unset.output
    monkeypatch.setenv("FP_TEST_KEY", "sk-test-123")
    result = runner.invoke(app, [*args, "--api-key-env", "FP_TEST_KEY"])
    assert result.exit_code == 0, result.output
    assert server.requests
    assert all(r.headers.get("Authorization") == "Bearer sk-test-123" for r in server.requests)
    assert "sk-test-123" not in result.output


def test_broken_endpoint_is_inconclusive_not_a_crash(
    runner: CliRunner,
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    tokenizer_paths: dict[str, Path],
) -> None:
    server = make_server([Backend(tokenizers["bpe-a"])], mode="garbage")
    args = ["fingerprint", server.url, "--model", "m", *_refs(tokenizer_paths), "--allow-private"]
    result = runner.invoke(app, [*args, "--claimed-tokenizer", "bpe-a", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["verdict"] == "inconclusive"
    assert "not JSON" in doc["reason"]


def test_probe_is_stored_when_the_database_exists(
    runner: CliRunner,
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    tokenizer_paths: dict[str, Path],
    tmp_path: Path,
) -> None:
    db = tmp_path / "fp.db"
    Store.open(db).close()
    server = make_server([Backend(tokenizers["bpe-a"])])
    args = ["--db", str(db), "fingerprint", server.url, "--model", "m", *_refs(tokenizer_paths)]
    result = runner.invoke(app, [*args, "--allow-private", "--json"])
    assert result.exit_code == 0, result.output
    store = Store.open(db)
    history = probe_history(store, server.url)
    store.close()
    assert [p.tokenizer_match for p in history] == ["bpe-a"]


def test_enroll_refuses_private_urls_and_needs_a_label(runner: CliRunner, tmp_path: Path) -> None:
    db = str(tmp_path / "fp.db")
    refused = runner.invoke(
        app, ["--db", db, "fingerprint", "enroll", "http://10.1.2.3", "--label", "x"]
    )
    assert refused.exit_code == EXIT_NETWORK
    no_label = runner.invoke(app, ["--db", db, "fingerprint", "enroll", "http://203.0.113.9"])
    assert no_label.exit_code == 2
