"""The `digest`: the weekly digest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hypewatch.cli.common import (
    InputError,
    JsonOpt,
    app,
    emit_json,
    err,
    handle_errors,
    out,
    state,
)

# -- digest: notifiers and digest (issue 8) --
# (section start)


@app.command("digest")
@handle_errors
def digest_command(
    preview: Annotated[
        Path | None,
        typer.Option("--preview", help="Write the HTML digest to FILE.html (chart inline)."),
    ] = None,
    send: Annotated[
        bool,
        typer.Option("--send", help="Email it to digest.recipients (once per ISO week)."),
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Build this week's digest: print it, write an HTML preview, or send it."""
    from hypewatch.bot.digest import build_digest, preview_html, render_text
    from hypewatch.bot.digest_outbox import send_weekly_digest

    settings = state.settings
    store = state.store()
    try:
        built = build_digest(store, max_launches=settings.digest.max_launches)
        if preview is not None:
            try:
                preview.write_text(preview_html(built), encoding="utf-8")
            except OSError as error:
                raise InputError(f"cannot write the preview to {preview}: {error}") from None
        result = send_weekly_digest(store, settings.digest, force=True) if send else None
    finally:
        store.close()
    if json_out:
        document = built.to_json()
        document["preview"] = str(preview) if preview else None
        document["sent"] = bool(result and result.sent)
        document["already_sent"] = bool(result and result.already_sent)
        document["refused"] = result.refused if result else []
        emit_json(document)
        return
    if preview is None and not send:
        out.print(escape(render_text(built)))
    if preview is not None:
        out.print(f"wrote {escape(str(preview))}")
    if result is not None and result.already_sent:
        out.print(f"the digest for {result.iso_week} was already sent; nothing sent")
    elif result is not None and not result.sent:
        out.print(
            f"the digest for {result.iso_week} is being sent by another process "
            f"({result.waiting} recipient(s) left); nothing sent here"
        )
    elif result is not None:
        out.print(f"sent the digest for {result.iso_week} to {len(result.recipients)} recipient(s)")
        if result.refused:
            err.print(f"refused by the server: {escape(', '.join(result.refused))}")


# (section end)
