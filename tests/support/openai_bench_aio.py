"""The benchmark stand-in on asyncio (aiohttp.web), for throughput runs.

Same wire format and behaviour as `hypewatch.standins.openai_bench` (it calls the
same `plan_reply`), but one event loop instead of a thread per connection:
the threaded server tops out near 400-470 req/s on 2 cores, below the
640 req/s a 50 ms / 32-slot stand-in must offer. Latency is an
`asyncio.sleep` while holding one of `slots`.

Run alone (the bench does this):
    python -m tests.support.openai_bench_aio TASK.jsonl [--latency S] [--slots N] ...
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from hypewatch.standins.openai_bench import (
    Behaviour,
    Reply,
    Serving,
    parse_args,
    plan_models,
    plan_reply,
    standin_state,
)
from hypewatch.verifiers.benchmark.tasks import TaskItem

_STATE: web.AppKey[dict[str, Any]] = web.AppKey("state", dict)
_SLOTS: web.AppKey[asyncio.Semaphore | None] = web.AppKey("slots", object)  # type: ignore[arg-type]


def _response(reply: Reply) -> web.Response:
    return web.Response(
        status=reply.status,
        body=json.dumps(reply.document).encode(),
        content_type="application/json",
        headers=reply.headers,
    )


async def _post(request: web.Request) -> web.Response:
    body = await request.read()
    state = request.app[_STATE]
    reply = plan_reply(state, request.path, request.headers.get("Authorization"), body)
    slots = request.app[_SLOTS]
    if reply.status == 200 and slots is not None:
        async with slots:
            await asyncio.sleep(reply.delay)
    elif reply.delay:
        await asyncio.sleep(reply.delay)
    return _response(reply)


async def _get(request: web.Request) -> web.Response:
    state = request.app[_STATE]
    return _response(plan_models(state, request.path, request.headers.get("Authorization")))


def make_app(items: list[TaskItem], behaviour: Behaviour) -> web.Application:
    app = web.Application()
    app[_STATE] = standin_state(items, behaviour)
    app[_SLOTS] = asyncio.Semaphore(behaviour.slots) if behaviour.slots else None
    app.router.add_post("/{path:.*}", _post)
    app.router.add_get("/{path:.*}", _get)
    return app


@asynccontextmanager
async def serve_bench_aio(
    items: list[TaskItem], behaviour: Behaviour, *, port: int = 0
) -> AsyncIterator[str]:
    """The stand-in on 127.0.0.1 (`port`, default a free one) in the running loop; yields
    its base URL."""
    runner = web.AppRunner(make_app(items, behaviour), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=512)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def _serve(items: list[TaskItem], behaviour: Behaviour, serving: Serving) -> None:
    async with serve_bench_aio(items, behaviour, port=serving.port) as url:
        sys.stdout.write(url + "\n")
        sys.stdout.flush()
        await asyncio.to_thread(serving.wait)


def main(argv: list[str] | None = None) -> None:
    items, behaviour, serving = parse_args(argv, __doc__ or "")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(items, behaviour, serving))


if __name__ == "__main__":
    main()
