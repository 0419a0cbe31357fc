"""Behavioural signatures with the real embedding model (the `ml` extra)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tokenizers import Tokenizer
from typer.testing import CliRunner

from hypewatch.cli import app
from hypewatch.models import EventKind
from hypewatch.net import NetConfig, async_client
from hypewatch.standins.http import Standin
from hypewatch.standins.openai_fp import Backend
from hypewatch.storage import Store
from hypewatch.storage.fingerprint import enrolled_references
from hypewatch.verifiers.fingerprint.service import reprobe
from hypewatch.verifiers.fingerprint.signature import (
    MiniLMEmbedder,
    ml_unavailable,
    nearest,
    similarity,
)
from tests.fingerprint.conftest import CLAUDE_LIKE, LLAMA_LIKE

pytestmark = [
    pytest.mark.ml,
    pytest.mark.skipif(ml_unavailable() is not None, reason=str(ml_unavailable())),
]
StartServer = Callable[..., Standin]


def test_nearest_needs_similarity_and_margin() -> None:
    a, b = [[1.0, 0.0]], [[0.0, 1.0]]
    close = [[0.96, 0.28]]
    assert nearest(close, {"a": a, "b": b}, margin=0.05, min_similarity=0.8).label == "a"
    assert nearest(close, {"a": a, "a2": close}, margin=0.05, min_similarity=0.8).label is None
    far = nearest([[0.7, 0.7]], {"a": a, "b": b}, margin=0.05, min_similarity=0.8)
    assert far.label is None
    assert "unknown" in far.reason


def test_enroll_then_fingerprint_finds_the_nearest_behaviour(
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    db = str(tmp_path / "sig.db")
    server = make_server(
        [
            Backend(tokenizers["bpe-a"], persona=CLAUDE_LIKE),
            Backend(tokenizers["bpe-a"], persona=LLAMA_LIKE),
        ],
        active=0,
    )
    for index, label in enumerate(["claude-like", "llama-like"]):
        server.server.state["active"] = index
        enrolled = runner.invoke(
            app,
            [
                "--db",
                db,
                "fingerprint",
                "enroll",
                server.url,
                "--label",
                label,
                "--allow-private",
                "--json",
            ],
        )
        assert enrolled.exit_code == 0, enrolled.output
        assert json.loads(enrolled.stdout)["label"] == label
    store = Store.open(db)
    refs = enrolled_references(store)
    store.close()
    assert [r.label for r in refs] == ["claude-like", "llama-like"]
    assert similarity(refs[0].signature, refs[1].signature) < 0.8

    server.server.state["active"] = 0
    args = ["--db", db, "fingerprint", server.url, "--allow-private", "--json"]
    honest = json.loads(runner.invoke(app, [*args, "--model", "claude-like"]).stdout)
    assert honest["signature_match"] == "claude-like"
    sig = next(e for e in honest["evidence"] if e["probe"] == "signature")
    assert sig["supports"] == "consistent"
    dishonest = json.loads(runner.invoke(app, [*args, "--model", "llama-like"]).stdout)
    assert dishonest["signature_match"] == "claude-like"
    assert dishonest["verdict"] == "inconsistent"


async def test_reprobe_reports_a_behaviour_swap_with_the_same_tokenizer(
    store: Store, make_server: StartServer, tokenizers: dict[str, Tokenizer], net: NetConfig
) -> None:
    launch = store.create_launch("s", "S")
    server = make_server(
        [
            Backend(tokenizers["wordpiece"], persona=CLAUDE_LIKE),
            Backend(tokenizers["wordpiece"], persona=LLAMA_LIKE),
        ],
        active=0,
    )
    embedder = MiniLMEmbedder()
    async with async_client(net) as http:
        first = await reprobe(
            store, launch.id, server.url, http=http, model="m", refs=[], embedder=embedder
        )
        server.server.state["active"] = 1
        second = await reprobe(
            store, launch.id, server.url, http=http, model="m", refs=[], embedder=embedder
        )
    assert first.result.signature is not None
    assert second.event is not None
    assert second.event.kind == EventKind.ENDPOINT_CHANGED
    assert any("behavioural signature changed" in c for c in second.changes)
