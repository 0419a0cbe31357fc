"""The unified Hub stand-in against the real huggingface_hub client: one scenario
(listing, card, files with LFS metadata, revisions, refs, safetensors Range reads)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import EntryNotFoundError, RevisionNotFoundError

from hypewatch.standins import hub_models as hm
from hypewatch.standins.hub import EPOCH, HubRepo, card_data, hub_standin, model_card, sha256

SHAPE = hm.Shape(layers=1, hidden=16, intermediate=32, vocab=64)
CARD = {"base_model": "meta/base", "license": "llama3.1", "tags": ["launch"]}


@pytest.fixture(scope="module")
def scenario() -> Iterator[tuple[HfApi, list[HubRepo]]]:
    tensors = hm.llama_like(SHAPE, seed=0)
    launch = HubRepo(
        "hype/launch",
        hm.repo_files(tensors, SHAPE, dtype="BF16", card=CARD),
        created_at=EPOCH + timedelta(days=2),
        likes=40,
        trending_score=9.0,
    )
    launch.push(hm.repo_files(tensors, SHAPE, shards=2, card=CARD), "reshard")
    older = HubRepo("meta/base", {"README.md": model_card(None, "# base")}, likes=900)
    other = HubRepo("org/embedder", pipeline_tag="feature-extraction", trending_score=50.0)
    with hub_standin([launch, older, other], max_page=1) as hub:
        yield HfApi(endpoint=hub.url, token=False), [launch, older, other]


def test_listing_pages_sorts_and_filters(scenario: tuple[HfApi, list[HubRepo]]) -> None:
    api, _ = scenario
    new = api.list_models(sort="created_at", pipeline_tag="text-generation", expand=["sha"])
    assert [m.id for m in new] == ["hype/launch", "meta/base"]  # two pages of one
    trending = [m.id for m in api.list_models(sort="trending_score", limit=2)]
    assert trending == ["org/embedder", "hype/launch"]


def test_info_card_files_and_history(scenario: tuple[HfApi, list[HubRepo]]) -> None:
    api, (launch, *_) = scenario
    info = api.model_info("hype/launch", files_metadata=True)
    assert info.sha == launch.sha
    assert info.card_data is not None
    assert info.card_data.to_dict() == CARD  # type: ignore[no-untyped-call]
    shards = {s.rfilename: s for s in info.siblings or [] if s.rfilename.endswith("safetensors")}
    blob = launch.commits[-1].files["model-00001-of-00002.safetensors"]
    lfs = shards["model-00001-of-00002.safetensors"].lfs
    assert lfs is not None
    assert (lfs.sha256, lfs.size) == (sha256(blob), len(blob))
    first = api.model_info("hype/launch", revision=launch.commits[0].id, files_metadata=True)
    assert "model.safetensors" in {s.rfilename for s in first.siblings or []}
    commits = api.list_repo_commits("hype/launch")
    assert [c.commit_id for c in commits] == [c.id for c in reversed(launch.commits)]
    refs = api.list_repo_refs("hype/launch", include_pull_requests=True)
    assert refs.branches[0].target_commit == launch.sha
    with pytest.raises(RevisionNotFoundError):
        api.model_info("hype/launch", revision="0" * 40)


def test_downloads_and_safetensors_range_reads(
    scenario: tuple[HfApi, list[HubRepo]], tmp_path: Path
) -> None:
    api, (launch, *_) = scenario
    path = hf_hub_download(
        "hype/launch", "README.md", endpoint=api.endpoint, cache_dir=tmp_path, token=False
    )
    readme = Path(path).read_bytes()
    assert readme == launch.commits[-1].files["README.md"]
    assert card_data(readme) == CARD
    meta = api.get_safetensors_metadata("hype/launch", revision=launch.commits[0].id)
    assert set(meta.files_metadata["model.safetensors"].tensors) == set(hm.llama_like(SHAPE, 0))
    sharded = api.get_safetensors_metadata("hype/launch")
    assert sharded.sharded
    assert len(sharded.files_metadata) == 2
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(
            "hype/launch", "nope.txt", endpoint=api.endpoint, cache_dir=tmp_path, token=False
        )


def test_model_tree_config_and_parameters(scenario: tuple[HfApi, list[HubRepo]]) -> None:
    """`baseModels` on one repo when expanded; `config`/`safetensors` in listings too."""
    from huggingface_hub.errors import HfHubHTTPError

    api, _ = scenario
    info = api.model_info("hype/launch", expand=["baseModels", "config", "safetensors"])
    assert info.base_models == {"relation": "finetune", "models": [{"id": "meta/base"}]}
    assert info.config == {"architectures": ["LlamaForCausalLM"], "model_type": "llama"}
    numel = sum(t.size for t in hm.llama_like(SHAPE, seed=0).values())
    assert info.safetensors is not None
    assert (info.safetensors.total, info.safetensors.parameters) == (numel, {"F32": numel})
    assert api.model_info("meta/base", expand=["baseModels"]).base_models is None
    assert api.model_info("hype/launch").base_models is None  # only when expanded
    [listed] = api.list_models(author="hype", search="laun", expand=["safetensors", "config"])
    assert listed.safetensors is not None and listed.safetensors.total == numel
    assert listed.config == info.config
    assert not list(api.list_models(author="hype", search="base"))
    with pytest.raises(HfHubHTTPError, match="Bad request"):
        list(api.list_models(author="hype", expand=["baseModels"]))
