"""On-demand serving: start a model server for REPO@REVISION from a command template,
wait until it answers, use it, and always stop it.

`serving(settings, net, repo, revision)` is an async context manager:

1. The command (`[access.launcher] command`) is split like a shell would (`shlex`)
   and each argument filled in (`{repo}`, `{revision}`, `{host}`, `{port}`); it is run
   without a shell, in a session and process group of its own, stdin `/dev/null`,
   stdout and stderr to a log file.
2. Readiness: `GET {url}/models` is polled every `poll_seconds` until it answers 200
   with the model in its list, the process exits, or `startup_seconds` pass. A server
   that exits or never answers raises `LaunchError` with the exit status and the log's
   tail; one that answers without the expected model says which models it serves.
3. The block runs with the started server as a `Route` (kind `on_demand`).
4. Stop, however the block ends (return, error, cancellation): SIGTERM to the whole
   process group, `stop_seconds` to exit, then SIGKILL to the group (workers a server
   forked included). The servers still running are also killed at interpreter exit
   (`atexit`), and on SIGTERM when nobody else handles it (a CLI run; the daemon handles
   SIGTERM itself by cancelling its work, which is step 4).

`max_servers` servers run at once per event loop, one per repo at a time: a queue in
front (`asyncio.Semaphore` and a lock per repo). Written on asyncio's subprocess support
rather than a process-supervision library: what is needed is one process group per
server and its kill, which the standard library does directly.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import shlex
import signal
import socket
import tempfile
import threading
import time
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from hypewatch import jsonlimits
from hypewatch.access.routes import Route
from hypewatch.config import LauncherSettings, optional_secret
from hypewatch.net import NET_ERRORS, NetConfig, async_client, origin_of

KIND = "on_demand"
#: The longest log tail kept in a reason (the server's output is untrusted text).
MAX_TAIL_CHARS = 4000
#: A `/v1/models` answer larger than this is not a model list.
MAX_MODELS_BYTES = 1_000_000


class LaunchError(Exception):
    """The server could not be started or never became ready; the message says why."""


def fill(template: str, **values: str) -> str:
    """`template` with the placeholders the settings validated filled in."""
    return template.format(**values)


def command_for(settings: LauncherSettings, repo: str, revision: str, port: int) -> list[str]:
    """The command's argv for this launch (no shell: an argument is never re-split)."""
    values = {"repo": repo, "revision": revision, "host": settings.host, "port": str(port)}
    return [fill(arg, **values) for arg in shlex.split(settings.command)]


def free_port(host: str) -> int:
    """A port free on `host` now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


# -- every server this process started, for the last-resort kills ------------------------

_RUNNING: set[int] = set()  # process group ids
_GUARD = threading.Lock()
_HOOKED = False


def _kill_groups(sig: int) -> None:
    with _GUARD:
        groups = list(_RUNNING)
    for pgid in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    """SIGTERM with no handler of the program's own: stop the servers, then die of it."""
    _kill_groups(signal.SIGKILL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def _hook_exit() -> None:
    global _HOOKED
    with _GUARD:
        if _HOOKED:
            return
        _HOOKED = True
    atexit.register(_kill_groups, signal.SIGKILL)
    is_main = threading.current_thread() is threading.main_thread()
    if is_main and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _on_sigterm)


def running_groups() -> frozenset[int]:
    """The process groups of servers started here and not yet stopped."""
    with _GUARD:
        return frozenset(_RUNNING)


# -- the queue ------------------------------------------------------------------------------


@dataclass
class _Queue:
    servers: asyncio.Semaphore
    repos: dict[str, asyncio.Lock]


_QUEUES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = weakref.WeakKeyDictionary()


def _queue(max_servers: int) -> _Queue:
    loop = asyncio.get_running_loop()
    queue = _QUEUES.get(loop)
    if queue is None:
        queue = _QUEUES[loop] = _Queue(asyncio.Semaphore(max_servers), {})
    return queue


# -- one server -----------------------------------------------------------------------------


@dataclass
class Server:
    """A started server: its process, where it listens, where its output goes."""

    process: asyncio.subprocess.Process
    url: str
    model: str
    log: Path
    started: float

    @property
    def pgid(self) -> int:
        return self.process.pid  # start_new_session: the leader's pid is the group's id

    def tail(self, lines: int) -> str:
        if lines <= 0:
            return ""
        try:
            text = self.log.read_bytes()[-MAX_TAIL_CHARS * 4 :].decode(errors="replace")
        except OSError:
            return ""
        kept = "\n".join(text.splitlines()[-lines:])
        return kept[-MAX_TAIL_CHARS:]


async def _start(argv: list[str], log: Path) -> asyncio.subprocess.Process:
    _hook_exit()
    with log.open("wb") as out:
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as error:
            raise LaunchError(
                f"cannot start {argv[0]!r}: {error.strerror or error}; check "
                "access.launcher.command (the program must be on PATH)"
            ) from None
    with _GUARD:
        _RUNNING.add(process.pid)
    return process


async def stop(server: Server, grace: float) -> None:
    """SIGTERM to the server's process group, `grace` seconds, then SIGKILL to the group.
    Safe to cancel: the SIGKILL is then sent at once."""
    pgid = server.pgid
    try:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.process.wait(), grace)
    finally:
        # the leader may be gone and a worker it forked still in the group
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
        with _GUARD:
            _RUNNING.discard(pgid)
        if server.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                server.process.kill()
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(server.process.wait(), 5.0)


def _served(document: Any) -> list[str]:
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, list):
        return []
    return [str(m["id"]) for m in data if isinstance(m, dict) and isinstance(m.get("id"), str)]


async def wait_ready(server: Server, settings: LauncherSettings, net: NetConfig) -> None:
    """Poll `GET {url}/models` until the model is listed; LaunchError when the server
    exits first, lists other models, or `startup_seconds` pass."""
    key = optional_secret(settings.api_key_env)
    headers = {"Authorization": f"Bearer {key.reveal()}"} if key else {}
    deadline = server.started + settings.startup_seconds
    last = "no answer yet"
    config = net.with_(retries=0, connect_timeout=min(net.connect_timeout, 2.0))
    async with async_client(config) as http:
        while True:
            code = server.process.returncode
            if code is not None:
                raise LaunchError(_exited(server, code, settings.log_lines))
            try:
                response = await http.get(f"{server.url}/models", headers=headers)
            except NET_ERRORS as error:
                last = f"{type(error).__name__}: {error}"[:300]
            else:
                if response.status_code == 200:
                    try:
                        document = jsonlimits.loads(
                            response.content, what="/v1/models", max_bytes=MAX_MODELS_BYTES
                        )
                    except ValueError:
                        document = None
                    served = _served(document)
                    if server.model in served:
                        return
                    raise LaunchError(
                        f"the started server answers but serves {served or 'no model'}, not "
                        f"{server.model!r}: set access.launcher.model to the id it serves"
                    )
                last = f"HTTP {response.status_code}"
            left = deadline - time.monotonic()
            if left <= 0:
                raise LaunchError(_never_ready(server, settings, last))
            await asyncio.sleep(min(settings.poll_seconds, left))
            # a server that exits while we slept is seen at the top of the loop


def _exited(server: Server, code: int, lines: int) -> str:
    how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
    tail = server.tail(lines)
    return f"the on-demand server {how} before it answered" + (
        f"; its output ends:\n{tail}" if tail else " (no output)"
    )


def _never_ready(server: Server, settings: LauncherSettings, last: str) -> str:
    tail = server.tail(settings.log_lines)
    return (
        f"the on-demand server did not answer {server.url}/models within "
        f"{settings.startup_seconds:g} s (access.launcher.startup_seconds; last: {last})"
        + (f"; its output ends:\n{tail}" if tail else "")
    )


def route_for(settings: LauncherSettings, repo: str, revision: str | None) -> Route:
    """The on-demand route as resolution lists it: usable, not started (no URL yet)."""
    return Route(
        kind=KIND,
        model=fill(settings.model, repo=repo, revision=revision or "main", host="", port=""),
        revision=revision,
        usable=True,
        reason="started for the run from access.launcher.command, stopped after it",
        note="a server started from your command for this run; it serves the revision named",
        api_key=optional_secret(settings.api_key_env),
        slots=settings.concurrency or 0,
    )


@contextlib.asynccontextmanager
async def serving(
    settings: LauncherSettings, net: NetConfig, repo: str, revision: str | None
) -> AsyncIterator[tuple[Route, NetConfig]]:
    """Start the server for `repo@revision`, wait until it is ready and yield its route
    and the network settings that reach it (its origin trusted: a server hypewatch
    started itself); stop it whatever happens (see the module docstring)."""
    if not settings.command:
        raise LaunchError("no access.launcher.command is configured")
    queue = _queue(settings.max_servers)
    lock = queue.repos.setdefault(repo.lower(), asyncio.Lock())
    async with lock, queue.servers:
        port = settings.port or free_port(settings.host)
        rev = revision or "main"
        argv = command_for(settings, repo, rev, port)
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        url = f"http://{host}:{port}/v1"
        route = route_for(settings, repo, revision)
        with tempfile.TemporaryDirectory(prefix="hypewatch-launch-") as scratch:
            log = Path(scratch) / "server.log"
            process = await _start(argv, log)
            server = Server(process, url, route.model, log, time.monotonic())
            try:
                reach = net.with_(trusted_origins=(*net.trusted_origins, origin_of(url)))
                await wait_ready(server, settings, reach)
                started = Route(
                    kind=KIND,
                    url=url,
                    model=route.model,
                    provider=Path(argv[0]).name,
                    revision=revision,
                    usable=True,
                    reason=f"started on demand: {shlex.join(argv)}"[:500],
                    note=route.note,
                    api_key=route.api_key,
                    slots=route.slots,
                )
                yield started, reach
            finally:
                await stop(server, settings.stop_seconds)
