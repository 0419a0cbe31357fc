"""Whole probing sessions against stand-in OpenAI-compatible servers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tokenizers import Tokenizer

from hypewatch.net import NetConfig, async_client
from hypewatch.standins.http import Standin
from hypewatch.standins.openai_fp import Backend
from hypewatch.verifiers.fingerprint.decide import FingerprintResult
from hypewatch.verifiers.fingerprint.references import Reference
from hypewatch.verifiers.fingerprint.service import Target, fingerprint
from tests.fingerprint.conftest import CLAUDE_LIKE

LABELS = ["bpe-a", "bpe-b", "wordpiece", "unigram"]
StartServer = Callable[..., Standin]


async def probe(
    server: Standin, net: NetConfig, refs: list[Reference], claimed: str | None, model: str = "m"
) -> FingerprintResult:
    async with async_client(net) as http:
        return await fingerprint(http, Target(server.url, model, claimed), refs)


def _other(label: str) -> str:
    return LABELS[(LABELS.index(label) + 1) % len(LABELS)]


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize(("per_request", "per_message"), [(3, 4), (0, 7), (11, 1)])
async def test_tokenizer_family_found_in_few_requests(
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    refs: list[Reference],
    net: NetConfig,
    label: str,
    per_request: int,
    per_message: int,
) -> None:
    server = make_server(
        [Backend(tokenizers[label], request_overhead=per_request, message_overhead=per_message)]
    )
    result = await probe(server, net, refs, claimed=label)
    assert result.tokenizer_match == label
    assert result.verdict == "consistent"
    assert result.queries <= 10
    assert result.queries == len(server.requests)
    assert result.tokenizer_scores[label] == max(result.tokenizer_scores.values())

    wrong = await probe(server, net, refs, claimed=_other(label))
    assert wrong.tokenizer_match == label
    assert wrong.verdict == "inconsistent"
    assert _other(label) in wrong.reason


@pytest.mark.parametrize("label", LABELS)
async def test_without_usage_stream_and_truncation_still_decide(
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    refs: list[Reference],
    net: NetConfig,
    label: str,
) -> None:
    server = make_server([Backend(tokenizers[label], usage=False)])
    result = await probe(server, net, refs, claimed=_other(label))
    assert result.tokenizer_match == label
    assert result.verdict == "inconsistent"
    probes = {e.probe: e for e in result.evidence}
    assert probes["stream_boundaries"].weight > 0
    assert probes["truncation"].weight > 0
    assert "no usage" in probes["token_counts"].result
    assert result.queries <= 10


async def test_scrubbed_vendor_name_is_reported_and_counts_against_the_claim(
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    refs: list[Reference],
    net: NetConfig,
) -> None:
    server = make_server([Backend(tokenizers["bpe-a"], scrub=("Claude",), persona=CLAUDE_LIKE)])
    result = await probe(server, net, refs, claimed=None, model="reflection-llama-3.1-70b")
    assert result.scrubbed == ["Claude"]
    scrub = next(e for e in result.evidence if e.probe == "scrubbed_words")
    assert "Claude" in scrub.result
    assert scrub.supports == "inconsistent"
    # no tokenizer was claimed: the scrubbed name alone makes it inconsistent
    assert result.verdict == "inconsistent"
    selfid = next(e for e in result.evidence if e.probe == "self_identification")
    assert selfid.supports == "inconsistent"  # names anthropic, the claim names meta
    assert selfid.weight < scrub.weight


async def test_an_honest_endpoint_scrubs_nothing(
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    refs: list[Reference],
    net: NetConfig,
) -> None:
    server = make_server([Backend(tokenizers["unigram"])])
    result = await probe(server, net, refs, claimed="unigram")
    assert result.scrubbed == []
    assert result.confidence >= 0.5


async def test_backend_switching_every_request_matches_no_single_tokenizer(
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    refs: list[Reference],
    net: NetConfig,
) -> None:
    backends = [Backend(tokenizers["bpe-a"]), Backend(tokenizers["wordpiece"])]
    server = make_server(backends, switch_every=1)
    result = await probe(server, net, refs, claimed="bpe-a")
    assert result.tokenizer_match is None
    assert result.verdict != "consistent"


@pytest.mark.parametrize(
    ("mode", "reason"),
    [("error", "HTTP 500"), ("garbage", "not JSON"), ("hang", "timed out")],
)
async def test_broken_endpoints_give_inconclusive_with_the_reason(
    make_server: StartServer,
    tokenizers: dict[str, Tokenizer],
    refs: list[Reference],
    net: NetConfig,
    mode: str,
    reason: str,
) -> None:
    server = make_server([Backend(tokenizers["bpe-a"])], mode=mode, hang=3.0)
    hang_net = net.with_(read_timeout=0.2, total_timeout=0.5)
    result = await probe(server, hang_net, refs, claimed="bpe-a")
    assert result.verdict == "inconclusive"
    assert reason in result.reason
    assert result.tokenizer_match is None
    assert result.queries == 2  # stops after two failures in a row
    assert result.to_json()["errors"]


async def test_no_references_still_reports_scrubbing(
    make_server: StartServer, tokenizers: dict[str, Tokenizer], net: NetConfig
) -> None:
    server = make_server([Backend(tokenizers["wordpiece"], scrub=("OpenAI", "GPT-4o"))])
    result = await probe(server, net, [], claimed=None)
    assert result.tokenizer_scores == {}
    assert set(result.scrubbed) == {"OpenAI", "GPT-4o"}
    assert result.verdict == "inconsistent"
