"""Every failure a user or a remote server can cause: a clear message, the documented exit
code (hypewatch.errors), no traceback, and with --json one JSON error document."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hypewatch import __version__
from hypewatch.cli import app
from hypewatch.errors import (
    EXIT_INPUT,
    EXIT_NETWORK,
    EXIT_NOT_FOUND,
    EXIT_STORAGE,
    ConfigError,
    HypewatchError,
    exit_code_of,
)
from hypewatch.standins.http import StandinHandler, serve


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter (so `sys.modules` shows what a command imported)."""
    root = Path(__file__).resolve().parents[2]
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        env={**os.environ, "PYTHONPATH": str(root)},
    )


runner = CliRunner()


def _closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (connections are refused)."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port: int = sock.getsockname()[1]
    return port


DEAD = "http://127.0.0.1:{dead}"
#: The Hub and every endpoint unreachable; no waiting between the retries.
DEAD_CONFIG = """
[hub]
endpoint = "{url}"
[network]
retries = 1
retry_max_wait_seconds = 0
[sources.huggingface]
enabled = true
"""
TASK = '{"id": "1", "question": "2+2?", "choices": ["3", "4"], "answer": 1}\n'


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HYPEWATCH_CONFIG", raising=False)
    monkeypatch.delenv("HF_ENDPOINT", raising=False)


@pytest.fixture
def dead(tmp_path: Path) -> str:
    """Writes dead.toml (an unreachable Hub) and t.jsonl; returns the dead port."""
    port = str(_closed_port())
    (tmp_path / "dead.toml").write_text(DEAD_CONFIG.format(url=DEAD.format(dead=port)))
    (tmp_path / "t.jsonl").write_text(TASK)
    return port


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
        # the network unreachable: 4, whatever the command (docs/cli.md)
        (["-c", "dead.toml", "poll", "--source", "hf"], EXIT_NETWORK, "cannot reach the Hub"),
        (["-c", "dead.toml", "weights", "org/model"], EXIT_NETWORK, "2 attempt(s)"),
        (
            [
                *("-c", "dead.toml", "bench", "--endpoint", DEAD + "/v1", "--model", "m"),
                *("--claim", "50", "--benchmark", "mmlu", "--allow-private"),
            ],
            EXIT_NETWORK,
            "cannot reach the Hub",
        ),
        (
            ["-c", "dead.toml", "fingerprint", DEAD + "/v1", "--model", "m", "--allow-private"],
            EXIT_NETWORK,
            "cannot reach",
        ),
        (
            [
                *("-c", "dead.toml", "bench", "--endpoint", DEAD + "/v1", "--model", "m"),
                *("--claim", "50", "--task", "t.jsonl", "--allow-private"),
            ],
            EXIT_NETWORK,
            "every request failed",
        ),
    ],
)
def test_failures_have_documented_codes_and_no_traceback(
    args: list[str], code: int, says: str, dead: str
) -> None:
    args = [a.format(dead=dead) for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert says in " ".join(result.output.split())
    for leftover in Path().glob("hypewatch.db*"):  # a fresh start (no poll backoff)
        leftover.unlink()
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


def test_extract_refuses_a_missing_file_before_loading_the_language_model(
    tmp_path: Path,
) -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from hypewatch.cli import app\n"
        "r = CliRunner().invoke(app, ['extract', 'no-such-file.jsonl'])\n"
        "print(r.exit_code, 'spacy' in sys.modules)\n"
    )
    done = _python(code, tmp_path)
    assert done.stdout.split() == [str(EXIT_INPUT), "False"], done.stderr[-1000:]


class _Hostile(StandinHandler):
    """An endpoint whose every reply is the body in state["body"] (a claimant's server)."""

    def do_POST(self) -> None:
        self.read_body()
        self.send_bytes(200, self.state["body"], "application/json")


DEEP = b'{"choices": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
HUGE = b'{"choices": [{"index": 0, "message": {"role": "assistant", "content": "A"}}], ' + (
    b'"usage": {"prompt_tokens": ' + b"9" * 5000 + b"}}"
)


@pytest.mark.parametrize(
    ("body", "says"), [(DEEP, "deeper than 64 levels"), (HUGE, "integer longer than 64 digits")]
)
@pytest.mark.parametrize("command", ["fingerprint", "bench"])
def test_hostile_json_replies_are_bad_input_not_tracebacks(
    body: bytes, says: str, command: str, dead: str
) -> None:
    with serve(_Hostile, body=body) as hostile:
        url = hostile.url + "/v1"
        args = (
            ["fingerprint", url, "--model", "m"]
            if command == "fingerprint"
            else ["bench", "--endpoint", url, "--model", "m", "--claim", "50", "--task", "t.jsonl"]
        )
        result = runner.invoke(app, ["-c", "dead.toml", *args, "--allow-private", "--json"])
    assert result.exit_code == EXIT_INPUT, result.output
    assert "Traceback" not in result.output
    document = json.loads(result.stdout.strip().splitlines()[-1])
    assert document["error"]["code"] == EXIT_INPUT
    assert says in document["error"]["message"]


def test_verify_refuses_an_unknown_launch_before_loading_the_pipeline(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from hypewatch.cli import app\n"
        "assert CliRunner().invoke(app, ['init']).exit_code == 0\n"
        "r = CliRunner().invoke(app, ['verify', 'no-such-launch'])\n"
        "heavy = [m for m in ('hypewatch.bot.app', 'hypewatch.extractors.extractor', 'spacy',"
        " 'huggingface_hub') if m in sys.modules]\n"
        "print(r.exit_code, heavy or 'none', 'status' in r.output)\n"
    )
    done = _python(code, tmp_path)
    assert done.stdout.split() == [str(EXIT_NOT_FOUND), "none", "True"], done.stderr[-1000:]
