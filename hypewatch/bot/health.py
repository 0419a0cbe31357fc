"""An optional health endpoint on 127.0.0.1 for process supervisors.

`GET /healthz` answers 200 with a JSON summary while the daemon runs
(503 once it is stopping), so systemd, a container runtime or a load
balancer can tell a live daemon from a wedged one. Bound to loopback only.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hypewatch.bot.scheduler import Daemon
from hypewatch.bot.status import queue_status


def _summary(daemon: Daemon) -> dict[str, Any]:
    queue = queue_status(daemon.pipeline.store)["by_state"]
    return {
        "status": "stopping" if daemon.stopping.is_set() else "ok",
        "started_at": daemon.state.started_at.isoformat(),
        "last_run": daemon.state.last_run,
        "last_error": daemon.state.last_error,
        "verifications": queue,
        "running": sorted(daemon.state.running_verifications),
    }


async def start_health_server(daemon: Daemon, port: int) -> web.AppRunner:
    async def healthz(request: web.Request) -> web.Response:
        summary = _summary(daemon)
        return web.json_response(summary, status=200 if summary["status"] == "ok" else 503)

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner
