"""Every failure a user or a remote server can cause: a clear message, the documented exit
code (hypewatch.errors), no traceback, and with --json one JSON error document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hypewatch import __version__
from hypewatch.cli import EXIT_INPUT, EXIT_NETWORK, EXIT_STORAGE, app
from hypewatch.errors import ConfigError, HypewatchError, exit_code_of

runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HYPEWATCH_CONFIG", raising=False)


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["fingerprint", "http://[::1", "--model", "m", "--allow-private"], EXIT_INPUT, "URL"),
        (
            [
                "bench",
                "--endpoint",
                "http://[::1",
                "--model",
                "m",
                "--claim",
                "50",
                "--task",
                "t.jsonl",
            ],
            EXIT_INPUT,
            "",
        ),
        (
            ["fingerprint", "http://no-such-host.invalid/v1", "--model", "m"],
            EXIT_NETWORK,
            "resolve",
        ),
        (["--db", "missing/dir/x.db", "init"], EXIT_STORAGE, "does not exist"),
        (["status"], EXIT_STORAGE, "no database"),
    ],
)
def test_failures_have_documented_codes_and_no_traceback(
    args: list[str], code: int, says: str
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert says in " ".join(result.output.split())
    with_json = runner.invoke(app, [*args, "--json"])
    assert with_json.exit_code == code
    document = json.loads(with_json.stdout.strip().splitlines()[-1])
    assert document["ok"] is False and document["error"]["code"] == code


def test_version_comes_from_the_package_metadata() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"hypewatch {__version__}"
    assert __version__ != "0+unknown"


def test_every_error_family_maps_to_its_documented_code() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text()
    for family in HypewatchError.__subclasses__():
        code = family.exit_code
        assert f"| {code} |" in docs, f"exit code {code} of {family.__name__} is not in docs/cli.md"
    assert exit_code_of(ConfigError("x")) == 3
    assert exit_code_of(ValueError("x")) == 1
