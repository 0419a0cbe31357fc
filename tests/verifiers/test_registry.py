"""The entry-point registry: a plugin installed as a distribution runs; a broken one is disabled."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hypewatch.cli import app
from hypewatch.config import Settings, parse_settings
from hypewatch.models import Claim, ClaimKind, VerdictStatus
from hypewatch.net import NetConfig
from hypewatch.verifiers.base import VerifierContext, VerifierError, build, discover, verifiers_for

PLUGIN = """
from __future__ import annotations
from typing import ClassVar
from pydantic import BaseModel
from hypewatch.models import ClaimKind, Verdict, VerdictStatus

class EchoConfig(BaseModel):
    threshold: float = 0.5

class EchoVerifier:
    name: ClassVar[str] = "echo"
    kinds: ClassVar[frozenset[ClaimKind]] = frozenset({ClaimKind.SCORE})
    config_model: ClassVar[type[BaseModel]] = EchoConfig

    def __init__(self, config: EchoConfig) -> None:
        self.config = config

    @classmethod
    def unavailable(cls, settings: object) -> str | None:
        return None

    async def verify(self, claim, ctx) -> Verdict:
        ok = (claim.value or 0) >= self.config.threshold
        return Verdict(VerdictStatus.REPLICATED if ok else VerdictStatus.FAILED,
                       f"echo saw {claim.value} against {self.config.threshold}",
                       evidence={"repo": ctx.hf_repo})
"""


def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A throwaway distribution on sys.path: two modules and a dist-info with entry points."""
    (tmp_path / "hw_echo_plugin.py").write_text(PLUGIN)
    (tmp_path / "hw_needy_plugin.py").write_text("import surely_not_installed_pkg\n")
    info = tmp_path / "hw_echo_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hw-echo-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        textwrap.dedent("""
        [hypewatch.verifiers]
        echo = hw_echo_plugin:EchoVerifier
        needy = hw_needy_plugin:NeedyVerifier
        """)
    )
    monkeypatch.syspath_prepend(str(tmp_path))


def score_claim(value: float) -> Claim:
    return Claim(id=1, launch_id=1, kind=ClaimKind.SCORE, key="score:mmlu", value=value)


async def test_an_installed_plugin_is_discovered_configured_and_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(tmp_path, monkeypatch)
    settings = parse_settings({"verifiers": {"plugins": {"echo": {"threshold": 80}}}})
    registry = discover(settings)
    echo = registry["echo"]
    assert echo.enabled
    assert echo.distribution == "hw-echo-plugin"
    # the plugin sits in the one registry beside the built-ins that accept scores
    assert echo in verifiers_for(score_claim(89.9), registry)
    assert all(r.name != "echo" or r is echo for r in verifiers_for(score_claim(89.9), registry))
    verifier = build(echo, settings)
    ctx = VerifierContext(settings=settings, net=NetConfig(), hf_repo="a/b")
    verdict = await verifier.verify(score_claim(89.9), ctx)
    assert verdict.status is VerdictStatus.REPLICATED
    assert verdict.evidence == {"repo": "a/b"}
    assert (await verifier.verify(score_claim(12.0), ctx)).status is VerdictStatus.FAILED


def test_a_plugin_with_a_missing_dependency_is_disabled_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(tmp_path, monkeypatch)
    needy = discover(Settings())["needy"]
    assert not needy.enabled
    assert needy.status == "disabled: missing dependency 'surely_not_installed_pkg' " + (
        "(install it, e.g. pip install surely_not_installed_pkg)"
    )
    with pytest.raises(VerifierError, match="disabled"):
        build(needy, Settings())


def test_invalid_plugin_config_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(tmp_path, monkeypatch)
    settings = parse_settings({"verifiers": {"plugins": {"echo": {"threshold": "high"}}}})
    with pytest.raises(VerifierError, match=r"verifiers\.plugins\.echo"):
        build(discover(settings)["echo"], settings)


def test_cli_lists_built_ins_and_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install(tmp_path, monkeypatch)
    config = tmp_path / "hypewatch.toml"
    config.write_text("[verifiers.weights]\nenabled = false\n")
    runner = CliRunner()
    result = runner.invoke(app, ["--config", str(config), "verifiers", "--json"])
    assert result.exit_code == 0, result.output
    listed = {v["name"]: v for v in json.loads(result.stdout)["verifiers"]}
    assert {"weights", "echo", "needy"} <= set(listed)
    assert listed["echo"]["status"] == "enabled"
    assert listed["echo"]["kinds"] == ["score"]
    assert listed["weights"]["kinds"] == ["base_model", "open_weights"]
    assert listed["weights"]["status"].startswith("disabled: ")
    assert listed["needy"]["status"].startswith("disabled: missing dependency")
    human = runner.invoke(app, ["--config", str(config), "verifiers"])
    assert "disabled: missing dependency" in human.stdout
    assert "echo" in human.stdout


def test_the_builtin_weights_verifier_is_enabled_by_default() -> None:
    weights = discover(Settings())["weights"]
    assert weights.enabled
    assert weights.distribution == "hypewatch"
