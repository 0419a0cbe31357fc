"""The plugin seam through real distributions: public imports, sections, names, timeout."""

from __future__ import annotations

import textwrap
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hypewatch.plugin
from hypewatch.bot.app import build_pipeline
from hypewatch.cli import app
from hypewatch.config import parse_settings
from hypewatch.errors import EXIT_CONFIG
from hypewatch.models import ClaimKind, Post, VerdictStatus
from hypewatch.storage import Store
from hypewatch.verifiers.base import PluginNameError, VerifierContext, discover

PLUGIN = """
from __future__ import annotations
import asyncio
from hypewatch.plugin import (
    BaseVerifier, ClaimKind, Verdict, VerdictStatus, VerifierContext, VerifierSettings,
)

class ProbeSettings(VerifierSettings):
    threshold: float = 50.0
    nap_s: float = 0.0

class ProbeVerifier(BaseVerifier):
    name = "probe"
    kinds = frozenset({ClaimKind.SCORE})
    config_model = ProbeSettings

    async def verify(self, claim, ctx: VerifierContext) -> Verdict:
        await asyncio.sleep(self.config.nap_s)
        ok = (claim.value or 0) < self.config.threshold
        return Verdict(
            VerdictStatus.REPLICATED if ok else VerdictStatus.FAILED,
            f"{claim.value} vs {self.config.threshold}",
            evidence={
                "claim": ctx.claim.key if ctx.claim else None,
                "posts": [p.native_id for p in ctx.posts],
                "prior": [r.verdict.status for r in ctx.prior_verdicts],
                "launch": ctx.launch.name if ctx.launch else None,
                "has_store": hasattr(ctx, "store"),
            },
        )

class Misnamed(ProbeVerifier):
    name = "something_else"
"""


def distribution(root: Path, dist: str, module: str, source: str, entry_points: str) -> None:
    """A throwaway installed distribution: a module and a .dist-info with entry points."""
    (root / f"{module}.py").write_text(source)
    info = root / f"{dist.replace('-', '_')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[hypewatch.verifiers]\n" + textwrap.dedent(entry_points)
    )


@pytest.fixture
def probe_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    distribution(
        site, "hw-probe", "hw_probe_plugin", PLUGIN, "probe = hw_probe_plugin:ProbeVerifier"
    )
    monkeypatch.syspath_prepend(str(site))
    return site


def test_the_public_surface_is_what_plugins_import() -> None:
    assert set(hypewatch.plugin.__all__) >= {
        "BaseVerifier",
        "Verdict",
        "VerdictStatus",
        "VerifierContext",
        "VerifierSettings",
        "ClaimKind",
    }
    assert all(hasattr(hypewatch.plugin, name) for name in hypewatch.plugin.__all__)


def test_the_context_is_read_only_and_has_no_store() -> None:
    ctx = VerifierContext(settings=parse_settings({}), net=None, extra={"a": 1})  # type: ignore[arg-type]
    assert not hasattr(ctx, "store")
    with pytest.raises(FrozenInstanceError):
        ctx.hf_repo = "x/y"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ctx.extra["a"] = 2  # type: ignore[index]


def test_a_plugin_section_is_checked_against_its_own_settings_model(
    probe_plugin: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    config = tmp_path / "hypewatch.toml"
    cases = {
        '[verifiers.probe]\nthreshold = "high"\n': "[verifiers.probe] threshold",
        "[verifiers.probe]\ncolour = 1\n": "[verifiers.probe] colour: Extra inputs",
        "[verifiers.nosuch]\nx = 1\n": "[verifiers.nosuch] names no installed verifier",
        "[verifiers.weights]\nenabled = 3\n": "verifiers.weights.enabled",
    }
    for text, expected in cases.items():
        config.write_text(text)
        result = runner.invoke(app, ["--config", str(config), "config", "check"])
        assert result.exit_code == EXIT_CONFIG, (text, result.output)
        assert expected in " ".join(result.output.split()), (text, result.output)
    config.write_text("[verifiers.probe]\nthreshold = 80\n")
    ok = runner.invoke(app, ["--config", str(config), "config", "check"])
    assert ok.exit_code == 0, ok.output


def test_a_name_registered_by_two_distributions_names_both(
    probe_plugin: Path,
) -> None:
    distribution(
        probe_plugin,
        "hw-probe-fork",
        "hw_probe_fork",
        PLUGIN,
        "probe = hw_probe_fork:ProbeVerifier",
    )
    with pytest.raises(PluginNameError) as raised:
        discover(parse_settings({}))
    assert "'hw-probe'" in str(raised.value) and "'hw-probe-fork'" in str(raised.value)


def test_an_entry_point_whose_name_is_not_the_class_name_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    distribution(tmp_path, "hw-misnamed", "hw_misnamed", PLUGIN, "mis = hw_misnamed:Misnamed")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginNameError, match=r"'mis'.*'hw-misnamed'.*'something_else'"):
        discover(parse_settings({}))
    result = CliRunner().invoke(app, ["verifiers"])
    assert result.exit_code == EXIT_CONFIG and "something_else" in result.output


async def _verdict(store: Store, settings_data: dict[str, object]) -> tuple[object, object]:
    settings = parse_settings({"extraction": {"use_embeddings": False}, **settings_data})
    pipeline = build_pipeline(settings, store, registry=discover(settings))
    launch = store.create_launch("mirage-70b", "Mirage 70B")
    post = Post("x", "7", "Mirage 70B: MMLU 89.9", created_at=datetime.now(UTC))
    store.upsert_post(post)
    store.mark_post_processed(post.key, is_claim=True, launch_id=launch.id, extraction={})
    claim, _ = store.add_claim(launch.id, ClaimKind.SCORE, "score:mmlu", value=89.9)
    queued = store.enqueue_verification(claim.id, "probe")
    outcome = await pipeline.run_verification(queued)
    return outcome.verdict, claim


async def test_a_plugin_runs_through_the_pipeline_with_read_only_facts(
    probe_plugin: Path, store: Store
) -> None:
    verdict, _ = await _verdict(store, {"verifiers": {"probe": {"threshold": 95}}})
    assert verdict.status is VerdictStatus.REPLICATED  # type: ignore[attr-defined]
    evidence = verdict.evidence  # type: ignore[attr-defined]
    assert evidence["claim"] == "score:mmlu" and evidence["launch"] == "Mirage 70B"
    assert evidence["has_store"] is False
    assert evidence["posts"] == ["7"] and evidence["prior"] == []


async def test_a_verifier_past_its_timeout_is_inconclusive_with_the_reason(
    probe_plugin: Path, store: Store
) -> None:
    verdict, _ = await _verdict(
        store,
        {"verifiers": {"probe": {"nap_s": 5.0}, "timeouts": {"probe": 0.05}}},
    )
    assert verdict.status is VerdictStatus.INCONCLUSIVE  # type: ignore[attr-defined]
    assert verdict.label == "timeout"  # type: ignore[attr-defined]
    assert "timed out after 0.05 s" in verdict.summary  # type: ignore[attr-defined]
