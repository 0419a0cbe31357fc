"""The ledger's tests run against the demo's database (the demo runs once per session)
and a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hypewatch.web.server import serve_forever


@pytest.fixture(scope="session")
def demo_db(demo_summary: dict[str, Any]) -> Path:
    return Path(demo_summary["database"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(database: Path) -> Iterator[str]:
    """Serve `database` on 127.0.0.1 in a thread; yields the base URL."""
    port = free_port()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    started = asyncio.Event()

    async def main() -> None:
        task = asyncio.create_task(serve_forever(database, "127.0.0.1", port, started))
        await started.wait()
        ready.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    thread = threading.Thread(target=lambda: loop.run_until_complete(main()), daemon=True)
    thread.start()
    assert ready.wait(10), "the ledger server did not start"
    yield f"http://127.0.0.1:{port}"
    for task in asyncio.all_tasks(loop):
        loop.call_soon_threadsafe(task.cancel)
    thread.join(10)


@pytest.fixture(scope="session")
def ledger_url(demo_db: Path) -> Iterator[str]:
    yield from serve(demo_db)
