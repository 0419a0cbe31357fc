"""Probes over time: results stored, a swapped backend becomes an ENDPOINT_CHANGED event."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tokenizers import Tokenizer

from hypewatch.config import parse_settings
from hypewatch.events import EndpointChanged
from hypewatch.models import EventKind
from hypewatch.net import NetConfig, async_client
from hypewatch.standins.http import Standin
from hypewatch.standins.openai_fp import Backend
from hypewatch.storage import Store
from hypewatch.storage.fingerprint import latest_probe, probe_history
from hypewatch.verifiers.fingerprint.references import Reference
from hypewatch.verifiers.fingerprint.service import ReprobeOutcome, reprobe

StartServer = Callable[..., Standin]


async def _reprobe(
    store: Store, launch_id: int, server: Standin, net: NetConfig, refs: list[Reference]
) -> ReprobeOutcome:
    async with async_client(net) as http:
        return await reprobe(
            store, launch_id, server.url, http=http, model="m", refs=refs, claimed_tokenizer="bpe-a"
        )


async def test_swapped_tokenizer_records_endpoint_changed_with_both_results(
    store: Store,
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    refs: list[Reference],
    net: NetConfig,
) -> None:
    launch = store.create_launch("reflection-70b", "Reflection 70B")
    server = make_server([Backend(tokenizers["bpe-a"]), Backend(tokenizers["unigram"])], active=0)

    first = await _reprobe(store, launch.id, server, net, refs)
    assert first.previous is None
    assert first.event is None
    assert first.result.tokenizer_match == "bpe-a"

    same = await _reprobe(store, launch.id, server, net, refs)
    assert same.changes == []
    assert same.event is None

    server.server.state["active"] = 1  # the operator swaps what serves the endpoint
    swapped = await _reprobe(store, launch.id, server, net, refs)
    assert swapped.result.tokenizer_match == "unigram"
    assert swapped.event is not None
    assert swapped.event.kind == EventKind.ENDPOINT_CHANGED
    payload = swapped.event.payload
    assert isinstance(payload, EndpointChanged)
    assert payload.before["tokenizer_match"] == "bpe-a"
    assert payload.after["tokenizer_match"] == "unigram"
    assert any("bpe-a -> unigram" in c for c in payload.changes)

    events = [e for e in store.events(launch.id) if e.kind == EventKind.ENDPOINT_CHANGED]
    assert len(events) == 1
    history = probe_history(store, server.url)
    assert [p.tokenizer_match for p in history] == ["unigram", "bpe-a", "bpe-a"]
    assert history[0].verdict == "inconsistent"
    assert history[0].result["queries"] == swapped.result.queries


async def test_a_failing_reprobe_is_not_a_change(
    store: Store,
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    refs: list[Reference],
    net: NetConfig,
) -> None:
    launch = store.create_launch("x", "X")
    server = make_server([Backend(tokenizers["wordpiece"])])
    await _reprobe(store, launch.id, server, net, refs)
    server.server.state["mode"] = "error"
    failed = await _reprobe(store, launch.id, server, net, refs)
    assert failed.result.verdict == "inconclusive"
    assert failed.event is None
    latest = latest_probe(store, server.url)
    assert latest is not None
    assert latest.verdict == "inconclusive"
    assert not [e for e in store.events(launch.id) if e.kind == EventKind.ENDPOINT_CHANGED]


async def test_swap_to_an_unknown_tokenizer_is_a_change(
    store: Store,
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    refs: list[Reference],
    net: NetConfig,
) -> None:
    launch = store.create_launch("y", "Y")
    known = [r for r in refs if r.label != "bpe-b"]  # bpe-b is not among the references
    server = make_server([Backend(tokenizers["bpe-a"]), Backend(tokenizers["bpe-b"])], active=0)
    await _reprobe(store, launch.id, server, net, known)
    server.server.state["active"] = 1
    swapped = await _reprobe(store, launch.id, server, net, known)
    assert swapped.result.tokenizer_match is None
    assert swapped.event is not None
    assert "no longer matches bpe-a" in swapped.changes[0]


async def test_reprobe_from_settings_alone(
    store: Store,
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    tokenizer_paths: dict[str, Path],
) -> None:
    settings = parse_settings(
        {
            "network": {"allow_private": True, "retries": 0},
            "verifiers": {
                "fingerprint": {"references": {k: str(p) for k, p in tokenizer_paths.items()}}
            },
        }
    )
    launch = store.create_launch("z", "Z")
    server = make_server([Backend(tokenizers["wordpiece"]), Backend(tokenizers["bpe-b"])])
    first = await reprobe(store, launch.id, server.url, settings=settings, model="z")
    server.server.state["active"] = 1
    second = await reprobe(store, launch.id, server.url, settings=settings, model="z")
    assert first.result.tokenizer_match == "wordpiece"
    assert second.result.tokenizer_match == "bpe-b"
    assert second.event is not None
    assert isinstance(second.event.payload, EndpointChanged)
    assert second.event.payload.before["probe_id"] == first.record.id
