"""`/healthz` over a real socket: 200 while the daemon runs, 503 (not a dropped connection)
after SIGTERM while in-flight work finishes in the grace period."""

from __future__ import annotations

import asyncio
import os
import signal
import socket

import httpx

from hypewatch.bot.app import build_pipeline
from hypewatch.bot.health import start_health_server
from hypewatch.bot.scheduler import Daemon, Job
from hypewatch.config import parse_settings
from hypewatch.storage import Store


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port: int = sock.getsockname()[1]
    return port


def test_healthz_answers_503_during_the_grace_period_after_sigterm(store: Store) -> None:
    settings = parse_settings({"extraction": {"use_embeddings": False}})
    pipeline = build_pipeline(settings, store, registry={})
    started, release = asyncio.Event(), asyncio.Event()

    async def slow_job() -> None:  # in-flight work the grace period waits for
        started.set()
        await release.wait()

    async def main() -> tuple[int, dict[str, object], int, dict[str, object]]:
        daemon = Daemon(pipeline, [Job("slow", slow_job, interval_seconds=3600)], shutdown_grace=10)
        daemon.install_signal_handlers()
        port = _free_port()
        runner = await start_health_server(daemon, port)
        running = asyncio.create_task(daemon.run())
        url = f"http://127.0.0.1:{port}/healthz"
        try:
            await asyncio.wait_for(started.wait(), 10)
            async with httpx.AsyncClient(timeout=5) as client:
                before = await client.get(url)
                os.kill(os.getpid(), signal.SIGTERM)
                await asyncio.wait_for(daemon.stopping.wait(), 5)
                await asyncio.sleep(0.05)
                during = await client.get(url)
            release.set()
            await asyncio.wait_for(running, 10)
        finally:
            release.set()
            await runner.cleanup()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
        return before.status_code, before.json(), during.status_code, during.json()

    code, body, stopping_code, stopping_body = asyncio.run(main())
    assert (code, body["status"]) == (200, "ok")
    assert (stopping_code, stopping_body["status"]) == (503, "stopping")
