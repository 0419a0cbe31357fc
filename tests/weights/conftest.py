from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pytest

from hypewatch.net import NetConfig, async_client, origin_of
from hypewatch.standins import hub_models as hm
from hypewatch.standins.http import Standin
from hypewatch.standins.hub import EPOCH, HubRepo, hub_standin, model_card
from hypewatch.verifiers.weights.hub import HubClient
from hypewatch.verifiers.weights.provenance import CheckOptions, WeightsReport, check_weights

SHAPE = hm.Shape(layers=4, hidden=64, intermediate=128, vocab=256)
#: Small enough to keep the tests fast, large enough for the tests to have power.
OPTIONS = CheckOptions(max_tensors=10, rows_per_tensor=12, samples_per_tensor=768, seed=7)


@dataclass
class World:
    """Generated repos on a running Hub stand-in."""

    hub: Standin
    tensors: dict[str, hm.Tensors] = field(default_factory=dict)

    @property
    def repos(self) -> dict[str, HubRepo]:
        repos: dict[str, HubRepo] = self.hub.server.state["repos"]
        return repos

    @property
    def url(self) -> str:
        return self.hub.url

    def add(
        self,
        name: str,
        files: dict[str, bytes],
        *,
        base_model: str | list[str] | None = None,
        ignore_range: bool = False,
        created_at: datetime = EPOCH,
    ) -> HubRepo:
        """A repo with `files` as its first commit at `created_at`; `base_model` goes into
        the card."""
        if base_model is not None:
            body = files.get("README.md", b"").decode()
            files = dict(files, **{"README.md": model_card({"base_model": base_model}, body)})
        repo = HubRepo(name, files, created_at=created_at, ignore_range=ignore_range)
        self.repos[name] = repo
        return repo

    def resolve_requests(self, repo: str) -> list[str]:
        return [r.path for r in self.hub.requests if r.path.startswith(f"/{repo}/resolve/")]

    async def check(
        self,
        repo: str,
        *,
        allow_private: bool = False,
        options: CheckOptions = OPTIONS,
        **kw: object,
    ) -> WeightsReport:
        net = NetConfig(allow_private=allow_private, trusted_origins=(origin_of(self.url),))
        async with async_client(net) as client:
            return await check_weights(HubClient(self.url), client, repo, options=options, **kw)  # type: ignore[arg-type]


def build_world(world: World) -> None:
    base = hm.llama_like(SHAPE, seed=1)
    sibling = hm.continued_pretraining(base, noise=0.5, seed=2)
    finetune = hm.low_rank_finetune(base, rank=4, relative=0.05, seed=3)
    other = hm.llama_like(SHAPE, seed=4)
    world.tensors.update(base=base, sibling=sibling, finetune=finetune, other=other)
    llama31 = {"max_position_embeddings": 131072, "rope_scaling": {"rope_type": "llama3"}}
    world.add("meta/base", hm.repo_files(base, SHAPE, dtype="BF16", config=llama31))
    world.add("lab/sibling", hm.repo_files(sibling, SHAPE, dtype="BF16"), base_model="meta/base")
    world.add("hype/finetune", hm.repo_files(finetune, SHAPE), base_model="lab/sibling")
    world.add("copy/reupload", hm.repo_files(base, SHAPE, dtype="BF16", config=llama31))
    world.add("indie/other", hm.repo_files(other, SHAPE), base_model="meta/base")
    world.add("shard/finetune", hm.repo_files(finetune, SHAPE, shards=3), base_model="meta/base")


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with hub_standin() as hub:
        built = World(hub)
        build_world(built)
        yield built


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
