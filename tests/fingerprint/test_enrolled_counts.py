"""A closed model as a reference: the usage counts its own API reports (`enroll --counts`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tokenizers import Tokenizer
from typer.testing import CliRunner

from hypewatch.cli import app
from hypewatch.errors import EXIT_NETWORK
from hypewatch.standins.http import Standin
from hypewatch.standins.openai_fp import Backend
from hypewatch.storage import Store
from hypewatch.storage.fingerprint import enrolled_counts
from hypewatch.verifiers.fingerprint.defaults import group_codec
from hypewatch.verifiers.fingerprint.enrolled import count_requests, counts_reference

StartServer = Callable[..., Standin]


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HYPEWATCH_CONFIG", raising=False)
    result = CliRunner().invoke(app, ["init", "--json"])
    assert result.exit_code == 0, result.output
    return CliRunner()


def _enroll(runner: CliRunner, url: str, label: str) -> dict[str, object]:
    args = ["fingerprint", "enroll", url, "--label", label, "--counts", "--allow-private"]
    result = runner.invoke(app, [*args, "--model", "vendor-large", "--json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_a_closed_vendor_enrolled_by_its_counts_is_then_recognised(
    runner: CliRunner, make_server: StartServer, tokenizers: dict[str, Tokenizer]
) -> None:
    """The vendor's tokenizer is public nowhere (a test-trained one): its API's own
    accounting is the reference. Another API serving it with a different chat
    template is recognised; one counting with a shipped tokenizer is not taken for it."""
    vendor = make_server([Backend(tokenizers["bpe-a"], request_overhead=7, message_overhead=2)])
    doc = _enroll(runner, vendor.url, "vendor-x")
    assert doc["kind"] == "counts"
    assert doc["requests"] == len(vendor.requests) == len(count_requests())
    assert all(json.loads(r.body)["max_tokens"] == 1 for r in vendor.requests)

    reseller = make_server([Backend(tokenizers["bpe-a"], request_overhead=1, message_overhead=5)])
    args = ["fingerprint", reseller.url, "--model", "Llama-3.1-70B", "--allow-private", "--json"]
    probe = json.loads(runner.invoke(app, args).stdout)
    assert probe["tokenizer_match"] == "vendor-x"
    assert probe["verdict"] == "inconsistent"
    assert "enrolled usage counts of vendor-large" in probe["reason"]

    honest = make_server([Backend(group_codec("llama-3.x"))])
    args[1] = honest.url
    probe = json.loads(runner.invoke(app, args).stdout)
    assert probe["tokenizer_match"] == "llama-3.x"
    assert probe["verdict"] == "consistent"
    assert probe["tokenizer_scores"]["vendor-x"] < 0.5

    listed = json.loads(runner.invoke(app, ["fingerprint", "references", "--json"]).stdout)
    [row] = [r for r in listed["references"] if r["label"] == "vendor-x"]
    assert row["state"] == "enrolled"


def test_enrolled_counts_round_trip_and_know_only_their_texts(
    store: Store, runner: CliRunner
) -> None:
    from hypewatch.storage.fingerprint import enroll_counts

    [pair] = [r for r in count_requests() if len(r) == 2]
    messages = [dict(m) for m in pair]
    enroll_counts(store, label="v", endpoint="https://api.v", model="m", counts=[(messages, 40)])
    [enrolled] = enrolled_counts(store)
    ref = counts_reference(enrolled)
    first, second = (m["content"] for m in messages)
    assert ref.count(first) + ref.count(second) == 40
    assert not ref.knows("some other text") and not ref.has_spans


def test_an_api_without_usage_cannot_be_enrolled_by_counts(
    runner: CliRunner, make_server: StartServer, tokenizers: dict[str, Tokenizer]
) -> None:
    server = make_server([Backend(tokenizers["bpe-a"], usage=False)])
    args = ["fingerprint", "enroll", server.url, "--label", "x", "--counts", "--allow-private"]
    result = runner.invoke(app, args)
    assert result.exit_code == EXIT_NETWORK
    assert "no usage" in result.output
    store = Store.open(Path("hypewatch.db"))
    try:
        assert enrolled_counts(store) == []
    finally:
        store.close()
