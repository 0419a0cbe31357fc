"""`web` and `site`: the claims ledger, served or exported (docs/web.md)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hypewatch.cli.common import InputError, app, handle_errors, out, state

HostOpt = Annotated[
    str | None,
    typer.Option("--host", help="Address to bind (default [web] host, 127.0.0.1)."),
]
PortOpt = Annotated[
    int | None,
    typer.Option("--port", min=1, max=65535, help="Port (default [web] port, 8788)."),
]


@app.command()
@handle_errors
def web(host: HostOpt = None, port: PortOpt = None) -> None:
    """Serve the claims ledger (read-only) until interrupted."""
    from hypewatch.web.server import serve_forever

    settings = state.settings.web
    bind_host, bind_port = host or settings.host, port or settings.port
    state.store(create=False).close()  # a clear error now when there is no database
    out.print(f"the ledger: http://{escape(bind_host)}:{bind_port}/  (Ctrl-C stops it)")
    try:
        asyncio.run(serve_forever(state.database, bind_host, bind_port))
    except OSError as error:
        raise InputError(
            f"cannot listen on {bind_host}:{bind_port} ({error.strerror or error}); "
            "choose another --port or stop what uses it"
        ) from None
    except KeyboardInterrupt:
        out.print("stopped")


@app.command()
@handle_errors
def site(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the static site into.")],
) -> None:
    """Export the claims ledger as static files (relative links) into OUT_DIR."""
    from hypewatch.web.site import export_site

    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir} is a file; give a folder to write the site into")
    out_dir.mkdir(parents=True, exist_ok=True)
    with state.store(create=False) as store:
        count = export_site(store, out_dir)
    out.print(f"wrote {count} files; open {escape(str(out_dir / 'index.html'))}")
