"""On-demand serving with real subprocesses: the benchmark stand-in started from a command
template, readiness on /v1/models, use, stop by process group, and no process left over."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from hypewatch.access.launcher import LaunchError, running_groups, serving
from hypewatch.access.registry import resolve
from hypewatch.access.routes import AccessRequest
from hypewatch.config import ConfigError, Settings, parse_settings
from hypewatch.models import Claim, ClaimKind, Launch, VerdictStatus
from hypewatch.net import NetConfig
from hypewatch.verifiers.base import VerifierContext
from hypewatch.verifiers.benchmark.client import ChatClient
from hypewatch.verifiers.benchmark.verifier import BenchmarkVerifier
from tests.benchmark.conftest import make_rows, write_task

REPO = "org/tiny-model"
ROOT = Path(__file__).resolve().parents[2]
PY = shlex.quote(sys.executable)
NET = NetConfig(backoff_base=0.001, retries=1)  # loopback is not allowed: the launcher trusts it
FAST = {"startup_seconds": 30, "poll_seconds": 0.05, "stop_seconds": 2}


def standin_command(task: Path, extra: str = "") -> str:
    return (
        f"{PY} -m hypewatch.standins.openai_bench {shlex.quote(str(task))} --p-correct 0.95 "
        f"--model {{repo}} --port {{port}} --until-signal {extra}"
    )


def launcher_settings(tmp_path: Path, command: str, **launcher: Any) -> Settings:
    return parse_settings(
        {
            "access": {"order": ["on_demand"], "launcher": {"command": command, **launcher}},
            "verifiers": {"benchmark": {"tasks_dir": str(tmp_path), "max_items": 120}},
        }
    )


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes in process group `pgid`, read from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


@pytest.fixture
def task(tmp_path: Path) -> Path:
    return write_task(tmp_path / "mmlu.jsonl", make_rows(120))


@pytest.fixture(autouse=True)
def _run_from_root(monkeypatch: pytest.MonkeyPatch) -> None:
    # the launched stand-in imports hypewatch from this tree
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))


async def test_launched_server_is_ready_used_and_stopped(task: Path, tmp_path: Path) -> None:
    settings = launcher_settings(tmp_path, standin_command(task), **FAST)
    resolution = await resolve(settings, AccessRequest(repo=REPO, revision="abc123"))
    listed = resolution.chosen
    assert listed is not None and listed.kind == "on_demand" and listed.url == ""
    assert listed.model == REPO and listed.revision == "abc123"

    launcher = settings.access.launcher
    async with serving(launcher, NET, REPO, "abc123") as (route, net):
        pgid = next(iter(running_groups()))
        assert group_members(pgid), "the server runs in its own process group"
        assert route.url.startswith("http://127.0.0.1:") and route.model == REPO
        assert "--until-signal" in route.reason and route.revision == "abc123"
        from hypewatch.net import async_client

        async with async_client(net) as http:
            reply = await ChatClient(http, route.url, route.model).complete(
                [{"role": "user", "content": "Item 1: which option is right?"}]
            )
        assert reply.text and reply.tokens > 0
    assert not group_members(pgid) and pgid not in running_groups()


async def test_benchmark_verdict_runs_on_the_started_server(task: Path, tmp_path: Path) -> None:
    settings = launcher_settings(tmp_path, standin_command(task), **FAST)
    launch = Launch(1, "tiny", "Tiny", hf_repo=REPO)
    ctx = VerifierContext(settings=settings, net=NET, launch=launch, hf_repo=REPO, revision="r1")
    claim = Claim(1, 1, ClaimKind.SCORE, "score:mmlu", benchmark="mmlu", value=85.0)
    verdict = await BenchmarkVerifier(settings.verifiers.benchmark).verify(claim, ctx)
    assert verdict.status is VerdictStatus.REPLICATED, verdict.summary
    route = verdict.evidence["route"]
    assert route["kind"] == "on_demand" and route["model"] == REPO and route["revision"] == "r1"
    assert (
        "Run via on_demand" in verdict.summary and "Weights revision r1 pinned" in verdict.summary
    )
    assert not running_groups()


async def test_a_server_that_never_answers_times_out_and_is_killed(tmp_path: Path) -> None:
    # it ignores SIGTERM, as does the worker it forks: only the group's SIGKILL stops both
    script = 'trap "" TERM; sleep 30 & echo loading weights in group $$; sleep 30'
    command = f"sh -c {shlex.quote(script)} {{port}}"
    settings = launcher_settings(
        tmp_path, command, startup_seconds=0.6, poll_seconds=0.05, stop_seconds=0.2
    )
    ctx = VerifierContext(
        settings=settings, net=NET, launch=Launch(1, "t", "T", hf_repo=REPO), hf_repo=REPO
    )
    write_task(tmp_path / "mmlu.jsonl", make_rows(5))
    claim = Claim(1, 1, ClaimKind.SCORE, "score:mmlu", benchmark="mmlu", value=85.0)
    verdict = await BenchmarkVerifier(settings.verifiers.benchmark).verify(claim, ctx)
    assert verdict.status is VerdictStatus.UNVERIFIABLE
    assert "did not answer http://127.0.0.1:" in verdict.summary
    assert "within 0.6 s (access.launcher.startup_seconds" in verdict.summary
    assert verdict.evidence["route"]["kind"] == "on_demand"
    found = re.search(r"loading weights in group (\d+)", verdict.summary)  # the log's tail
    assert found is not None, verdict.summary
    assert not group_members(int(found.group(1))) and not running_groups()


async def test_a_command_that_exits_at_once_says_why(tmp_path: Path) -> None:
    script = "import sys; print('CUDA error: no GPU found', file=sys.stderr); sys.exit(3)"
    launcher = launcher_settings(
        tmp_path, f"{PY} -c {shlex.quote(script)} --port {{port}}", **FAST
    ).access.launcher
    with pytest.raises(LaunchError) as raised:
        async with serving(launcher, NET, REPO, None):
            raise AssertionError("never ready")
    message = str(raised.value)
    assert "exited with status 3 before it answered" in message
    assert "CUDA error: no GPU found" in message
    assert not running_groups()


async def test_a_missing_program_and_a_wrong_model_are_clear(task: Path, tmp_path: Path) -> None:
    missing = launcher_settings(tmp_path, "no-such-server-binary {port}", **FAST)
    with pytest.raises(LaunchError, match=r"cannot start 'no-such-server-binary'.*on PATH"):
        async with serving(missing.access.launcher, NET, REPO, None):
            pass
    wrong = launcher_settings(tmp_path, standin_command(task), model="{repo}-chat", **FAST)
    with pytest.raises(LaunchError, match=re.escape(f"serves ['{REPO}'], not '{REPO}-chat'")):
        async with serving(wrong.access.launcher, NET, REPO, None):
            pass
    assert not running_groups()


async def test_cancelling_the_run_stops_the_server(task: Path, tmp_path: Path) -> None:
    """The daemon's SIGTERM cancels in-flight verifications: the server goes with them."""
    launcher = launcher_settings(tmp_path, standin_command(task), **FAST).access.launcher
    ready = asyncio.Event()

    async def run() -> None:
        async with serving(launcher, NET, REPO, None):
            ready.set()
            await asyncio.sleep(60)

    running = asyncio.create_task(run())
    await asyncio.wait_for(ready.wait(), 30)
    (pgid,) = running_groups()
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert not group_members(pgid) and not running_groups()


def test_sigterm_of_hypewatch_leaves_no_server(task: Path, tmp_path: Path) -> None:
    """A CLI process (no SIGTERM handler of its own) killed while its server starts takes
    the server along."""
    program = textwrap.dedent(
        f"""
        import asyncio
        from hypewatch.access.launcher import serving
        from hypewatch.config import parse_settings
        from hypewatch.net import NetConfig

        launcher = parse_settings({{"access": {{"launcher": {{
            "command": {standin_command(task)!r}, "poll_seconds": 0.05}}}}}}).access.launcher

        async def main():
            async with serving(launcher, NetConfig(), "org/tiny-model", None):
                await asyncio.sleep(60)

        asyncio.run(main())
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", program], cwd=ROOT)
    try:
        server = _wait_for_child(proc.pid, b"-m\0hypewatch.standins.openai_bench\0")
        assert os.getpgid(server) == server != os.getpgid(proc.pid), "a group of its own"
        time.sleep(0.05)  # the launcher has registered it (right after the exec)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == -signal.SIGTERM
    finally:
        proc.kill()
    deadline = time.monotonic() + 2
    while group_members(server) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not group_members(server)


def _wait_for_child(pid: int, marker: bytes) -> int:
    """The child of `pid` whose command line has `marker` (it has exec'd), within 20 s."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for child in _children(pid):
            try:
                if marker in Path(f"/proc/{child}/cmdline").read_bytes():
                    return child
            except OSError:
                continue
        time.sleep(0.01)
    raise AssertionError(f"no child of {pid} runs {marker!r}")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()]


def test_launcher_config_is_checked() -> None:
    for bad, message in (
        ({"command": "vllm serve {repo} --port 8000"}, "must contain {port}"),
        ({"command": "vllm serve {model} --port {port}"}, "may name only {host}, {port}"),
        ({"command": "vllm 'serve {port}"}, "cannot split"),
        ({"model": "{repo:>{port}}x{oops}"}, "may name only"),
        ({"startup_seconds": 0}, "greater than 0"),
        ({"max_servers": 0}, "greater than or equal to 1"),
    ):
        with pytest.raises(ConfigError, match=re.escape(message)):
            parse_settings({"access": {"launcher": bad}})
    fixed = parse_settings({"access": {"launcher": {"command": "srv {repo}", "port": 8000}}})
    assert fixed.access.launcher.port == 8000


async def test_on_demand_route_says_why_it_is_not_usable(tmp_path: Path) -> None:
    off = await resolve(parse_settings({"access": {"order": ["on_demand"]}}), AccessRequest(REPO))
    assert off.why_none().endswith("on_demand: no access.launcher.command is configured")
    narrow = launcher_settings(tmp_path, "srv {repo} {port}", repo_patterns=["meta-llama/*"])
    found = await resolve(narrow, AccessRequest(REPO))
    assert "org/tiny-model matches no access.launcher.repo_patterns entry" in found.why_none()
