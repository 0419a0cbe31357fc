"""Verdicts are appended, never overwritten: `hypewatch verify` against targets that are
gone keeps every earlier conclusive verdict, and `hypewatch show` lists the history."""

from __future__ import annotations

import json
from pathlib import Path

import huggingface_hub
import pytest
from huggingface_hub.utils._http import default_client_factory
from typer.testing import CliRunner

from hypewatch.cli import app
from hypewatch.events import VerdictRecorded
from hypewatch.models import ClaimKind
from hypewatch.standins import hub_models as hm
from hypewatch.standins.hub import hub_standin
from hypewatch.storage import Store
from tests.weights.conftest import SHAPE, World


@pytest.fixture(autouse=True)
def _hub_client() -> object:
    yield None
    huggingface_hub.set_client_factory(default_client_factory)


def _verify(config: Path) -> dict[str, object]:
    args = ["--config", str(config), "verify", "hype/finetune", "--allow-private", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_unreachable_recheck_keeps_conclusive_verdicts(tmp_path: Path) -> None:
    database = tmp_path / "hw.db"
    config = tmp_path / "hypewatch.toml"
    with Store.open(database) as store:
        launch = store.create_launch("finetune", "Finetune", hf_repo="hype/finetune")
        store.add_claim(launch.id, ClaimKind.BASE_MODEL, "base", subject="lab/sibling")
        store.add_claim(launch.id, ClaimKind.OPEN_WEIGHTS, "open")
    with hub_standin() as hub:
        world = World(hub)
        base = hm.llama_like(SHAPE, seed=1)
        world.add("meta/base", hm.repo_files(base, SHAPE))
        sibling = hm.continued_pretraining(base, noise=0.5, seed=2)
        world.add("lab/sibling", hm.repo_files(sibling, SHAPE), base_model="meta/base")
        finetune = hm.low_rank_finetune(base, rank=4, relative=0.05, seed=3)
        world.add("hype/finetune", hm.repo_files(finetune, SHAPE), base_model="lab/sibling")
        text = (
            f'[general]\ndatabase = "{database}"\n[hub]\nendpoint = "{hub.url}"\n'
            "[network]\nretries = 0\n"
            "[verifiers.weights]\nmax_tensors = 8\nrows_per_tensor = 8\nseed = 3\n"
            "[verifiers.fingerprint]\nenabled = false\n"
        )
        config.write_text(text)
        first = _verify(config)
        # the Hub is unreachable now: nothing listens on the port the config names
        config.write_text(text.replace(hub.url, "http://127.0.0.1:9"))
    statuses = {row["key"]: row["status"] for row in first["verdicts"]}  # type: ignore[attr-defined]
    assert statuses == {"base": "failed", "open": "replicated"}

    second = _verify(config)
    rechecks = {row["key"]: row for row in second["verdicts"]}  # type: ignore[attr-defined]
    assert {r["status"] for r in rechecks.values()} <= {"inconclusive", "unverifiable"}
    assert rechecks["base"]["claim_status"] == "failed"  # not downgraded
    assert rechecks["open"]["claim_status"] == "replicated"
    assert second["status"] == "failed"

    with Store.open(database) as store:
        notes = [e.payload for e in store.events() if isinstance(e.payload, VerdictRecorded)]
    assert [n.standing for n in notes[-2:]] == ["failed", "replicated"]

    shown = CliRunner().invoke(app, ["--config", str(config), "show", "hype/finetune", "--json"])
    claims = {c["key"]: c for c in json.loads(shown.stdout)["claims"]}
    for key, kept in (("base", "failed"), ("open", "replicated")):
        history = claims[key]["verdicts"]
        assert history[0]["status"] == kept
        assert len(history) == 2
        assert [v["standing"] for v in history] == [True, False]
        assert history[0]["evidence"]  # the evidence is still there
    text = CliRunner().invoke(app, ["--config", str(config), "show", "hype/finetune"]).stdout
    assert "verdicts" in text and "stands" in text
