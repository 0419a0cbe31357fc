"""End to end against the Hub stand-in: attribution, identity, dtypes, shards, budget, guard."""

from __future__ import annotations

import json

import pytest

from hypewatch.standins import hub_models as hm
from hypewatch.standins.hub import hub_standin
from hypewatch.verifiers.weights.provenance import CheckOptions
from tests.weights.conftest import OPTIONS, SHAPE, World


def by_repo(report: object) -> dict[str, dict[str, object]]:
    return {c["repo"]: c for c in report.to_json()["candidates"]}  # type: ignore[attr-defined]


async def test_finetune_is_attributed_to_the_base_not_the_claimed_sibling(world: World) -> None:
    report = await world.check("hype/finetune", bases=["meta/base", "lab/sibling", "indie/other"])
    assert report.claimed_base == "lab/sibling"  # from the card
    assert report.closest_base == "meta/base"
    assert report.label == "inconsistent"
    cands = by_repo(report)
    assert cands["meta/base"]["similarity"] > cands["lab/sibling"]["similarity"]
    assert cands["meta/base"]["p_value"] < 0.01
    assert cands["lab/sibling"]["p_value"] < 0.01
    assert cands["indie/other"]["p_value"] > 0.01
    assert abs(cands["indie/other"]["similarity"]) < 0.2
    assert all(c["tensors_compared"] == OPTIONS.max_tensors for c in cands.values())


async def test_finetune_claiming_its_real_base_is_consistent(world: World) -> None:
    report = await world.check(
        "hype/finetune", claimed_base="meta/base", bases=["lab/sibling", "meta/base"]
    )
    assert (report.label, report.closest_base) == ("consistent", "meta/base")


async def test_without_bases_the_candidates_are_the_claim_and_the_card(world: World) -> None:
    report = await world.check("hype/finetune", claimed_base="meta/base")
    assert [c.repo for c in report.candidates] == ["meta/base", "lab/sibling"]
    assert report.label == "inconsistent" or report.closest_base == "meta/base"


async def test_byte_identical_reupload_is_identical_without_sampling(world: World) -> None:
    report = await world.check("copy/reupload", claimed_base="meta/base")
    assert report.label == "identical"
    cand = by_repo(report)["meta/base"]
    assert cand["identical_files"] == 1
    assert cand["similarity"] == 1.0
    reads = [p for p in world.resolve_requests("copy/reupload") if "model.safetensors" in p]
    assert len(reads) <= 2  # the header only: same sha256, so no tensor is sampled


async def test_unrelated_weights_claiming_a_base(world: World) -> None:
    report = await world.check("indie/other")
    assert report.claimed_base == "meta/base"
    assert (report.label, report.closest_base) == ("unrelated", None)


async def test_f32_repo_against_bf16_base_across_dtypes(world: World) -> None:
    world.add(
        "hype/f32-upcast",
        hm.repo_files(world.tensors["finetune"], SHAPE, dtype="F32"),
        base_model="meta/base",
    )
    report = await world.check("hype/f32-upcast")
    cand = by_repo(report)["meta/base"]
    assert report.label == "consistent"
    assert cand["similarity"] > 0.99
    assert cand["rel_diff"] < 0.1


async def test_f32_upcast_of_a_bf16_base_has_identical_values(world: World) -> None:
    rounded = {
        n: ((hm.bf16_bits(t).astype("uint32") << 16).view("float32")).reshape(t.shape)
        for n, t in world.tensors["base"].items()
    }
    world.add("copy/upcast", hm.repo_files(rounded, SHAPE, dtype="F32"))
    report = await world.check("copy/upcast", claimed_base="meta/base")
    assert report.label == "identical"
    assert by_repo(report)["meta/base"]["identical_files"] == 0


async def test_sharded_repo_reads_every_shard_through_the_index(world: World) -> None:
    report = await world.check("shard/finetune", bases=["meta/base", "lab/sibling"])
    assert report.label == "consistent"
    assert report.evidence["tensors_in_repo"] == len(world.tensors["finetune"])
    shards = {p.rsplit("/", 1)[1] for p in world.resolve_requests("shard/finetune")}
    assert {f"model-0000{k}-of-00003.safetensors" for k in (1, 2, 3)} <= shards


async def test_config_differences_are_evidence(world: World) -> None:
    report = await world.check("hype/finetune", claimed_base="meta/base")
    differs = report.evidence["candidates"]["meta/base"]["config"]["differs"]
    assert differs["max_position_embeddings"] == {"repo": 8192, "candidate": 131072}
    assert "rope_scaling" in differs
    assert "hidden_size" not in differs


async def test_pickle_files_are_never_read(world: World) -> None:
    files = hm.repo_files(world.tensors["finetune"], SHAPE)
    files["pytorch_model.bin"] = b"\x80\x04 not a real pickle, and never opened"
    world.add("hype/with-pickle", files, base_model="meta/base")
    report = await world.check("hype/with-pickle")
    assert report.evidence["not_inspected"]["pytorch_model.bin"] == "not inspected: pickle"
    assert not any(p.endswith(".bin") for p in world.resolve_requests("hype/with-pickle"))
    assert report.label == "consistent"


async def test_byte_budget_bounds_the_reads(world: World) -> None:
    budget = 60_000
    report = await world.check(
        "hype/finetune",
        bases=["meta/base"],
        options=CheckOptions(byte_budget=budget, rows_per_tensor=12, seed=1),
    )
    assert report.bytes_fetched <= budget
    assert 0 < by_repo(report)["meta/base"]["tensors_compared"] < 24
    assert (
        report.total_weight_bytes
        == world.repos["hype/finetune"].commits[-1].files["model.safetensors"].__len__()
    )


async def test_a_tight_budget_drops_the_lowest_ranked_candidates_first(world: World) -> None:
    """Candidates are read in rank order, so the budget, not reply timing, picks who is left out."""
    statuses = set()
    for _ in range(5):
        report = await world.check(
            "hype/finetune",
            claimed_base="indie/other",
            bases=["meta/base", "lab/sibling"],
            options=CheckOptions(byte_budget=50_000, rows_per_tensor=12, seed=1),
        )
        found = report.evidence["discovery"]
        statuses.add(tuple((d["repo"], d["status"]) for d in found))
        assert "byte budget" in found[-1]["reason"]
    assert statuses == {
        (("indie/other", "compared"), ("meta/base", "compared"), ("lab/sibling", "dropped"))
    }


async def test_bytes_fetched_is_a_small_share_of_the_weights(world: World) -> None:
    big = hm.Shape(layers=4, hidden=512, intermediate=1024, vocab=2048)
    base = hm.llama_like(big, seed=11)
    world.add("big/base", hm.repo_files(base, big, dtype="BF16"))
    tuned = hm.low_rank_finetune(base, rank=8, relative=0.05, seed=12)
    world.add("big/tuned", hm.repo_files(tuned, big), base_model="big/base")
    report = await world.check("big/tuned", options=CheckOptions(seed=3))
    assert report.label == "consistent"
    assert report.bytes_fetched < 0.05 * report.total_weight_bytes


async def test_cdn_redirects_pass_the_guard(world: World) -> None:
    with hub_standin() as cdn:
        world.hub.server.state["cdn"] = cdn.url
        cdn.server.state["blobs"] = world.hub.server.state["blobs"]
        try:
            refused = await world.check("hype/finetune", claimed_base="meta/base")
            allowed = await world.check(
                "hype/finetune", claimed_base="meta/base", allow_private=True
            )
        finally:
            del world.hub.server.state["cdn"]
    assert refused.label == "inconclusive"
    assert "refused" in refused.evidence["not_inspected"]["model.safetensors"]
    assert allowed.label == "consistent"
    assert any(r.path.startswith("/cdn/") for r in cdn.requests)


async def test_report_json_round_trips(world: World) -> None:
    report = await world.check("hype/finetune", bases=["meta/base"])
    document = json.loads(json.dumps(report.to_json()))
    assert {f["path"] for f in document["files"]} >= {"model.safetensors", "config.json"}
    weights = next(f for f in document["files"] if f["path"] == "model.safetensors")
    blob = world.repos["hype/finetune"].commits[-1].files["model.safetensors"]
    assert weights["size"] == len(blob)
    import hashlib

    assert weights["sha256"] == hashlib.sha256(blob).hexdigest()


@pytest.mark.parametrize("missing", ["nobody/nothing"])
async def test_missing_candidate_is_reported_not_raised(world: World, missing: str) -> None:
    report = await world.check("hype/finetune", claimed_base=missing, bases=["meta/base"])
    assert report.label == "inconclusive"
    assert "not found" in (by_repo(report)[missing]["error"] or "")
    assert report.closest_base == "meta/base"
