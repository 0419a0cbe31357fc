"""Revision history: every commit recorded, a weights_changed event per change of weights."""

from __future__ import annotations

import numpy as np

from hypewatch.events import WeightsChanged
from hypewatch.models import EventKind
from hypewatch.standins import hub_models as hm
from hypewatch.storage import Store
from hypewatch.storage.revisions import revisions
from hypewatch.verifiers.weights.hub import HubClient
from hypewatch.verifiers.weights.revisions import check_revisions, diff_weights
from tests.weights.conftest import SHAPE, World


def test_changed_weights_make_one_event_naming_the_files(world: World, store: Store) -> None:
    first = hm.repo_files(world.tensors["finetune"], SHAPE, shards=2)
    repo = world.add("hype/reuploaded", first)
    launch = store.create_launch("reflection", "Reflection", hf_repo="hype/reuploaded")
    second = dict(first)
    changed = {n: t + np.float32(0.01) for n, t in world.tensors["finetune"].items()}
    second.update(
        {
            k: v
            for k, v in hm.repo_files(changed, SHAPE, shards=2).items()
            if k.startswith("model-00002")
        }
    )
    repo.push(second, "fix the upload")
    hub = HubClient(world.url)

    events = check_revisions(store, launch, hub)

    assert [e.kind for e in events] == [EventKind.WEIGHTS_CHANGED]
    payload = events[0].payload
    assert isinstance(payload, WeightsChanged)
    assert payload.changed == ("model-00002-of-00002.safetensors",)
    assert payload.files == payload.changed
    assert payload.added == ()
    assert payload.revision == repo.commits[1].id
    assert payload.previous_revision == repo.commits[0].id
    recorded = revisions(store, "hype/reuploaded")
    assert [r["revision"] for r in recorded] == [c.id for c in repo.commits]
    sizes = {f["path"]: f["size"] for f in recorded[0]["files"]}
    assert sizes["model-00001-of-00002.safetensors"] == len(
        first["model-00001-of-00002.safetensors"]
    )

    assert check_revisions(store, launch, hub) == []  # nothing new
    readme_only = dict(second, **{"README.md": b"# now with a longer card\n"})
    repo.push(readme_only, "card")
    assert check_revisions(store, launch, hub) == []  # not a weights change
    third = dict(readme_only)
    del third["model-00001-of-00002.safetensors"]
    third["model.safetensors"] = b"new"
    repo.push(third, "consolidate")
    (event,) = check_revisions(store, launch, hub)
    assert isinstance(event.payload, WeightsChanged)
    assert event.payload.added == ("model.safetensors",)
    assert event.payload.removed == ("model-00001-of-00002.safetensors",)
    assert [e.kind for e in store.events(launch.id)].count(EventKind.WEIGHTS_CHANGED) == 2


def test_launch_without_repo_has_nothing_to_check(world: World, store: Store) -> None:
    launch = store.create_launch("no-repo", "No repo")
    assert check_revisions(store, launch, HubClient(world.url)) == []


def test_diff_ignores_non_weight_files() -> None:
    old = [{"path": "README.md", "sha256": None, "size": 3}, {"path": "a.bin", "sha256": "x"}]
    new = [{"path": "README.md", "sha256": None, "size": 4}, {"path": "a.bin", "sha256": "y"}]
    assert diff_weights(old, new) == {"changed": ["a.bin"], "added": [], "removed": []}
