"""Candidate discovery: the true base is found on the Hub, not typed in by the user.

The stand-in Hub holds two same-shape siblings in one organisation (orca-3 and
its continued pre-training orca-3.1), a same-shape base from another
organisation (reef-7), decoys of the orca family with another shape or another
architecture, and a base with no family (lone-1). No card names an ancestor
except the fine-tunes' own claims.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import huggingface_hub
import pytest
from huggingface_hub.utils._http import default_client_factory
from typer.testing import CliRunner

from hypewatch.cli import app
from hypewatch.config import ConfigError, parse_settings
from hypewatch.models import utcnow
from hypewatch.standins import hub_models as hm
from hypewatch.standins.hub import hub_standin
from hypewatch.storage import Store
from hypewatch.verifiers.weights.discovery import DiscoveryOptions, discover, search_words
from hypewatch.verifiers.weights.families import Registry
from hypewatch.verifiers.weights.hub import HubClient
from hypewatch.verifiers.weights.provenance import CheckOptions, WeightsReport, candidate_repos
from tests.weights.conftest import SHAPE, World

SMALL = hm.Shape(layers=4, hidden=32, intermediate=64, vocab=256)
MISTRAL = {"architectures": ["MistralForCausalLM"], "model_type": "mistral"}
NO_REGISTRY = DiscoveryOptions(registry=Registry({}))
#: Fewer tensors than the other weights tests: still hundreds of rows per candidate.
FAST = CheckOptions(max_tensors=6, rows_per_tensor=12, samples_per_tensor=768, seed=7)


def build(world: World) -> None:
    orca3 = hm.llama_like(SHAPE, seed=30)
    orca31 = hm.continued_pretraining(orca3, noise=0.35, seed=31)
    reef = hm.llama_like(SHAPE, seed=70)
    lone = hm.llama_like(SHAPE, seed=90)
    world.tensors.update(orca3=orca3, orca31=orca31, reef=reef, lone=lone)
    world.add("orca/orca-3", hm.repo_files(orca3, SHAPE, dtype="BF16"))
    world.add("orca/orca-3.1", hm.repo_files(orca31, SHAPE, dtype="BF16"))
    world.add("orca/orca-3-mini", hm.repo_files(hm.llama_like(SMALL, seed=32), SMALL))
    world.add("orca/orca-3-moe", hm.repo_files(hm.llama_like(SHAPE, 33), SHAPE, config=MISTRAL))
    # a server that ignores Range for this one: its headers cannot be read
    world.add("orca/orca-3-broken", hm.repo_files(orca3, SHAPE, dtype="BF16"), ignore_range=True)
    world.add("reef/reef-7", hm.repo_files(reef, SHAPE, dtype="BF16"))
    world.add("solo/lone-1", hm.repo_files(lone, SHAPE, dtype="BF16"))

    def tune(name: str, base: hm.Tensors, claims: str, seed: int) -> None:
        """A launch: created an hour before the test's polls (the CLI's wall clock), while
        the bases are old repos the watcher leaves alone."""
        tuned = hm.low_rank_finetune(base, rank=4, relative=0.05, seed=seed)
        created = utcnow() - timedelta(hours=1)
        world.add(name, hm.repo_files(tuned, SHAPE), base_model=claims, created_at=created)

    tune("hype/tuned-a", orca3, "orca/orca-3.1", 1)  # claims the sibling of its base
    tune("hype/tuned-b", orca31, "orca/orca-3.1", 2)  # honest
    tune("hype/tuned-c", lone, "solo/lone-1", 3)  # honest, nothing else like it
    tune("hype/tuned-d", reef, "orca/orca-3", 4)  # another org's base, claims orca


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with hub_standin() as hub:
        built = World(hub)
        build(built)
        yield built


def statuses(report: WeightsReport) -> dict[str, tuple[str, str]]:
    return {c["repo"]: (c["status"], c["reason"]) for c in report.evidence["discovery"]}


async def test_the_sibling_claim_is_caught_without_naming_the_true_base(world: World) -> None:
    report = await world.check("hype/tuned-a", discovery=NO_REGISTRY, options=FAST)
    assert report.claimed_base == "orca/orca-3.1"  # from the card, which names nothing else
    assert (report.label, report.closest_base) == ("inconsistent", "orca/orca-3")
    assert "closest of 2 shape-compatible candidates" in report.reason
    found = statuses(report)
    assert found["orca/orca-3"][0] == "compared"
    assert found["orca/orca-3-mini"] == (
        "dropped",
        f"shape (Hub metadata): {sum(t.size for t in hm.llama_like(SMALL, 0).values()):,} "
        f"parameters, the repo has {sum(t.size for t in world.tensors['orca3'].values()):,}",
    )
    assert found["orca/orca-3-moe"][1].startswith("shape (Hub metadata): architecture Mistral")
    assert found["orca/orca-3-broken"][1].startswith("no safetensors header could be read")
    assert "reef/reef-7" not in found  # another org, not in any registry
    assert report.evidence["closest_of"] == 2
    # nothing but the headers of a dropped candidate is read, and not even those
    assert not world.resolve_requests("orca/orca-3-mini")


async def test_a_true_finetune_of_the_claimed_base_is_consistent(world: World) -> None:
    report = await world.check("hype/tuned-b", discovery=NO_REGISTRY, options=FAST)
    assert (report.label, report.closest_base) == ("consistent", "orca/orca-3.1")
    assert report.reason.endswith("closest of 2 shape-compatible candidates found on the Hub")


async def test_a_base_without_alternatives_says_so(world: World) -> None:
    report = await world.check("hype/tuned-c", discovery=NO_REGISTRY, options=FAST)
    assert report.label == "consistent"
    assert "closest of 1: no alternative found on the Hub" in report.evidence["reason"]
    assert [c["repo"] for c in report.evidence["discovery"]] == ["solo/lone-1"]


async def test_without_discovery_only_the_claim_is_compared(world: World) -> None:
    report = await world.check("hype/tuned-a", options=FAST)
    assert report.label == "consistent"  # the old blind spot: nothing else to compare with
    assert "closest of 1: no other candidate given" in report.reason


async def test_registry_brings_another_org_and_a_probe_keeps_the_closest(world: World) -> None:
    registry = Registry.build(
        {
            "orca": {
                "Orca": ["orca/orca-3", "orca/orca-3.1", "orca/orca-4"],
                "Reef": ["reef/reef-7"],
            }
        },
        use_shipped=False,
    )
    options = DiscoveryOptions(registry=registry, sampled_candidates=1)
    report = await world.check("hype/tuned-a", discovery=options, options=FAST)
    assert (report.label, report.closest_base) == ("inconsistent", "orca/orca-3")
    found = statuses(report)
    assert found["orca/orca-4"] == ("dropped", "not listed on the Hub")
    assert found["reef/reef-7"][0] == "compared"
    assert found["reef/reef-7"][1].startswith("probe: ")
    assert found["orca/orca-3"][1].startswith("sampled: ")
    assert report.evidence["closest_of"] == 3
    tensors = {c.repo: c.tensors_compared for c in report.candidates}
    assert tensors["reef/reef-7"] < tensors["orca/orca-3"] == FAST.max_tensors

    other = await world.check("hype/tuned-d", discovery=options, options=FAST)
    assert (other.label, other.closest_base) == ("unrelated", "reef/reef-7")


async def test_tree_parents_are_candidates(world: World) -> None:
    """A claimed base whose card names a parent brings that parent along."""
    files = hm.repo_files(world.tensors["orca31"], SHAPE, dtype="BF16")
    world.add("mirror/orca-3.1", files, base_model="orca/orca-3")
    tuned = hm.low_rank_finetune(world.tensors["orca3"], rank=4, relative=0.05, seed=9)
    world.add("hype/tuned-e", hm.repo_files(tuned, SHAPE), base_model="mirror/orca-3.1")
    report = await world.check("hype/tuned-e", discovery=NO_REGISTRY, options=FAST)
    assert (report.label, report.closest_base) == ("inconsistent", "orca/orca-3")
    [parent] = [c for c in report.evidence["discovery"] if c["repo"] == "orca/orca-3"]
    assert "model tree: parent of mirror/orca-3.1" in parent["found_by"]


def test_discover_reads_no_file(world: World) -> None:
    before = len(world.hub.requests)
    hub = HubClient(world.url)
    found = candidate_repos("hype/tuned-a", "orca/orca-3.1", [], ("orca/orca-3.1",))
    discover(hub, found, "orca/orca-3.1", NO_REGISTRY)
    paths = [r.path for r in world.hub.requests[before:]]
    assert paths and all(p.startswith("/api/models") for p in paths)
    assert hub.calls == len(paths)
    assert {c.repo for c in found.ordered()} == {
        "orca/orca-3.1",
        "orca/orca-3",
        "orca/orca-3-mini",
        "orca/orca-3-moe",
        "orca/orca-3-broken",
    }


def test_search_words_and_lineages() -> None:
    assert search_words("meta-llama/Llama-3.1-70B-Instruct") == ["llama"]
    assert search_words("meta-llama/Meta-Llama-3-70B") == ["meta", "llama"]
    registry = Registry.build()
    assert registry.lineages_of("meta-llama/Llama-3.1-70B") == ["llama"]
    assert registry.lineages_of("someone/qwen2.5-merge") == ["qwen"]
    repos = {r for r, _ in registry.repos("llama")}
    assert {"meta-llama/Meta-Llama-3-70B", "meta-llama/Llama-3.1-70B"} <= repos
    trimmed = Registry.build({"llama": {"Llama 2": []}, "new": {"New": ["a/new-1"]}})
    assert "meta-llama/Llama-2-7b-hf" not in {r for r, _ in trimmed.repos("llama")}
    assert trimmed.repos("new") == [("a/new-1", "New")]


def test_registry_override_is_checked_in_the_config() -> None:
    with pytest.raises(ConfigError, match=r"llama\.Mine.*not a Hub repo id"):
        parse_settings({"verifiers": {"weights": {"families": {"llama": {"Mine": ["no id"]}}}}})


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "hypewatch.toml"
    path.write_text(
        f"""
[general]
database = "{tmp_path / "hw.db"}"
[hub]
endpoint = "{url}"
token_env = "HW_TEST_NO_HF_TOKEN"
[sources.huggingface]
enabled = true
trending = false
watch_authors = ["hype"]
[extraction]
use_embeddings = false
[verifiers.weights]
max_tensors = 6
rows_per_tensor = 12
samples_per_tensor = 768
seed = 7
""",
        encoding="utf-8",
    )
    return path


def _cli(config: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["--config", str(config), *args, "--json"])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_poll_then_verify_finds_the_true_base(world: World, tmp_path: Path) -> None:
    """Through the pipeline as a user runs it, no --base anywhere."""
    config = _config(tmp_path, world.url)
    try:
        assert _cli(config, "poll", "--source", "hf", "--allow-private")["ok"]
        verdicts = {
            repo: _cli(config, "verify", repo, "--verifier", "weights", "--allow-private")
            for repo in ("hype/tuned-a", "hype/tuned-b", "hype/tuned-c")
        }
    finally:  # poll installs the process-wide Hub client, as the daemon does
        huggingface_hub.set_client_factory(default_client_factory)
    base = {
        repo: next(v for v in doc["verdicts"] if v["kind"] == "base_model")
        for repo, doc in verdicts.items()
    }
    assert base["hype/tuned-a"]["status"] == "failed"
    assert "derived from orca/orca-3," in base["hype/tuned-a"]["summary"]
    assert "closest base: orca/orca-3" in base["hype/tuned-a"]["summary"]
    assert base["hype/tuned-b"]["status"] == "replicated"
    assert base["hype/tuned-c"]["status"] == "replicated"
    store = Store.open(tmp_path / "hw.db")
    try:
        launch = store.find_launch("hype/tuned-c")
        [claim] = [c for c in store.claims(launch_id=launch.id) if c.kind == "base_model"]
        [(_, verdict)] = store.verdicts_for_claim(claim.id)
    finally:
        store.close()
    assert "no alternative found" in verdict.evidence["evidence"]["reason"]
    assert "closest of 1" in verdict.summary


def test_config_shape_rules() -> None:
    from hypewatch.verifiers.weights import shapes

    ours = shapes.shape_of(json.loads(hm.config_json(SHAPE)))
    assert shapes.config_mismatch(ours, ours) is None
    added = shapes.shape_of(json.loads(hm.config_json(SHAPE, vocab_size=SHAPE.vocab + 2)))
    assert shapes.config_mismatch(ours, added) is None  # a fine-tune may add a token or two
    other = shapes.shape_of(json.loads(hm.config_json(SHAPE, vocab_size=32000)))
    assert shapes.config_mismatch(ours, other) == "config.json vocab_size 32000, the repo has 256"
    wide = shapes.shape_of(json.loads(hm.config_json(SMALL)))
    assert shapes.config_mismatch(ours, wide) == "config.json hidden_size 32, the repo has 64"
    nested = shapes.shape_of({"text_config": {"hidden_size": 64}, "architectures": ["X"]})
    assert nested == {"hidden_size": 64, "architectures": ["X"]}
    assert (
        shapes.header_mismatch(3, 10) == "only 3 of the repo's 10 matrices match by name and shape"
    )
    assert shapes.header_mismatch(5, 10) is None


def test_a_tie_with_another_candidate_is_not_consistent(rng: Any) -> None:
    """Another candidate a little closer overall but not row by row: inconclusive."""
    import numpy as np

    from hypewatch.verifiers.weights.attribution import CandidateStats, compare_tensor, decide

    base = rng.standard_normal((16, 64)).astype(np.float32)
    tuned = base + 0.05 * rng.standard_normal((16, 64)).astype(np.float32)
    step = np.where(np.arange(16)[:, None] < 8, 0.12, -0.08).astype(np.float32)
    other = base + step * (tuned - base)  # closer on 8 rows, farther on 8
    stats = [
        CandidateStats("a/claimed", comparisons=[compare_tensor("t", tuned, base)]),
        CandidateStats("b/other", comparisons=[compare_tensor("t", tuned, other)]),
    ]
    for s in stats:
        s.p_value, s.rows = 0.001, 16
    assert (stats[1].similarity or 0) > (stats[0].similarity or 0)
    label, best, reason = decide(stats[0], stats, 0.01)
    assert (label, best) == ("inconclusive", stats[1])
    assert "cannot tell which is closer" in reason
