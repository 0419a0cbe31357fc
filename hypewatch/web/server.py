"""The ledger served over HTTP with aiohttp (already the health endpoint's server).

Read-only: GET and HEAD only (anything else is 405), bound to 127.0.0.1
unless configured otherwise. Each request is rendered in a worker thread
(`render.render`) from the server's own connection to the database, so the
daemon's event loop is never held by a page. Every answer carries the
Content-Security-Policy (no scripts at all) and `nosniff`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from hypewatch.storage import Store
from hypewatch.web.render import CSP, Page, error_page, render

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}
MAX_QUERY_CHARS = 2000


def wants_json(request: web.Request) -> bool:
    """`Accept: application/json` (and not text/html) asks for a page's JSON twin."""
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def _response(page: Page) -> web.Response:
    response = web.Response(status=page.status, body=page.body, content_type=None)
    response.headers["Content-Type"] = page.content_type
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "no-cache"
    return response


@web.middleware
async def _guard(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    if request.method not in ("GET", "HEAD"):
        response: web.StreamResponse = web.Response(
            status=405, text="the ledger is read-only: GET and HEAD only\n",
            headers={"Allow": "GET, HEAD"},
        )  # fmt: skip
    elif len(request.query_string) > MAX_QUERY_CHARS:
        response = _response(error_page(414, "query string too long", want_json=False))
    else:
        response = await handler(request)
    response.headers.update(SECURITY_HEADERS)
    return response


def make_app(store: Store) -> web.Application:
    """The ledger's aiohttp application over `store` (used from worker threads)."""

    async def page(request: web.Request) -> web.Response:
        path = request.match_info.get("path", "")
        query = dict(request.query.items())
        result = await asyncio.to_thread(render, store, path, query, want_json=wants_json(request))
        return _response(result)

    app = web.Application(middlewares=[_guard])
    app.router.add_get("/", page)
    app.router.add_get("/{path:.+}", page)
    return app


async def start_web_server(
    database: Path | str, host: str, port: int
) -> tuple[web.AppRunner, Store]:
    """Start serving the ledger; returns the runner (call `cleanup()`) and its store."""
    store = Store.open(database, create=False)
    runner = web.AppRunner(make_app(store), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError:
        await runner.cleanup()
        store.close()
        raise
    log.info("ledger at http://%s:%d/", host, port)
    return runner, store


async def serve_forever(
    database: Path | str, host: str, port: int, ready: asyncio.Event | None = None
) -> None:
    runner, store = await start_web_server(database, host, port)
    try:
        if ready is not None:
            ready.set()
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        store.close()
