"""`repo_revisions` has one writer: a README-only commit is never a weights change,
whichever job saw the repo first (the real Hub watcher, the real revision check)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from hypewatch.bot.watchers import poll_once
from hypewatch.events import WeightsChanged
from hypewatch.standins import hub_models as hm
from hypewatch.standins.hub import HubRepo, hub_standin, model_card
from hypewatch.storage import Store
from hypewatch.verifiers.weights.hub import HubClient
from hypewatch.verifiers.weights.revisions import check_revisions
from tests.watchers.conftest import hub_http, hub_watcher  # noqa: F401 - a fixture

SHAPE = hm.Shape(layers=2, hidden=32, intermediate=64, vocab=128)
REPO = "lab/Model-7B"


def _changes(store: Store) -> list[WeightsChanged]:
    return [e.payload for e in store.events() if isinstance(e.payload, WeightsChanged)]


@pytest.mark.parametrize("order", [("watcher", "check"), ("check", "watcher")])
def test_readme_only_commit_is_not_a_weights_change(
    store: Store,
    hub_http: Callable[..., None],  # noqa: F811
    order: tuple[str, str],
) -> None:
    tensors = hm.llama_like(SHAPE, seed=1)
    card = model_card({"base_model": "meta/base"}, "# Model 7B\nMMLU 70.1")
    files = {**hm.repo_files(tensors, SHAPE), "README.md": card}
    repo = HubRepo(REPO, files)
    with hub_standin([repo]) as hub:
        hub_http(hub)
        launch = store.create_launch("model-7b", "Model 7B", hf_repo=REPO)
        jobs: dict[str, Callable[[], Any]] = {
            "watcher": lambda: poll_once(store, hub_watcher(hub)),
            "check": lambda: check_revisions(store, launch, HubClient(hub.url)),
        }
        jobs[order[0]]()  # this job sees the repo first
        repo.push({**files, "README.md": card + b"\nNow with a longer card.\n"}, "card")
        jobs[order[1]]()  # the other sees the README commit first
        jobs[order[0]]()
        assert _changes(store) == []
        # control: the same jobs see a real change of the weights
        shifted = {n: t + np.float32(0.01) for n, t in tensors.items()}
        repo.push({**files, **hm.repo_files(shifted, SHAPE)}, "re-upload")
        for job in order:
            jobs[job]()
    [change] = _changes(store)
    assert change.revision == repo.sha
    assert change.changed == ("model.safetensors",)
