"""The `claims` and `show`: reading what the database holds."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from hypewatch.cli.common import (
    JsonOpt,
    app,
    emit_json,
    handle_errors,
    out,
    state,
)
from hypewatch.events import encode
from hypewatch.models import ClaimStatus

# -- reading the database ----------------------------------------------------


@app.command()
@handle_errors
def claims(
    status: Annotated[
        ClaimStatus | None, typer.Option("--status", help="Only claims with this status.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """List claims, optionally by status."""
    store = state.store()
    rows = store.claims(status=status)
    launches = {launch.id: launch for launch in store.launches()}
    store.close()
    if json_out:
        emit_json(
            {
                "claims": [
                    {
                        "id": c.id,
                        "launch": launches[c.launch_id].name,
                        "kind": str(c.kind),
                        "key": c.key,
                        "benchmark": c.benchmark,
                        "setting": c.setting,
                        "value": c.value,
                        "subject": c.subject,
                        "status": str(c.status),
                        "flags": list(c.flags),
                    }
                    for c in rows
                ]
            }
        )
        return
    if not rows:
        out.print("no claims yet; 'hypewatch poll' or 'hypewatch demo' brings some")
        return
    table = Table("id", "launch", "kind", "claim", "status", "flags")
    for c in rows:
        what = (
            f"{c.benchmark} {c.value:g} {c.setting}".strip() if c.value is not None else c.subject
        )
        table.add_row(
            str(c.id),
            escape(launches[c.launch_id].name),
            str(c.kind),
            escape(what),
            str(c.status),
            escape(", ".join(c.flags)),
        )
    out.print(table)


@app.command()
@handle_errors
def show(
    launch: Annotated[str, typer.Argument(help="Launch id, slug, name or Hub repo.")],
    json_out: JsonOpt = False,
) -> None:
    """Show a launch: its claims and its timeline of events."""
    store = state.store()
    found = store.find_launch(launch)
    claim_rows = store.claims(launch_id=found.id)
    events = store.events(found.id)
    headline = store.headline_status(found.id)
    store.close()
    if json_out:
        emit_json(
            {
                "launch": {
                    "id": found.id,
                    "slug": found.slug,
                    "name": found.name,
                    "org": found.org,
                    "params_b": found.params_b,
                    "base_model": found.base_model,
                    "hf_repo": found.hf_repo,
                    "endpoint": found.endpoint,
                    "status": str(headline),
                },
                "claims": [
                    {
                        "id": c.id,
                        "kind": str(c.kind),
                        "key": c.key,
                        "status": str(c.status),
                        "value": c.value,
                        "subject": c.subject,
                    }
                    for c in claim_rows
                ],
                "events": [
                    {
                        "id": e.id,
                        "kind": str(e.kind),
                        "claim_id": e.claim_id,
                        "at": e.created_at.isoformat(),
                        "payload": encode(e.payload)[1],
                    }
                    for e in events
                ],
            }
        )
        return
    out.print(f"[bold]{escape(found.name)}[/] ({escape(found.slug)}) — {headline}")
    for e in events:
        body = encode(e.payload)[1]
        detail = ", ".join(f"{k}={v}" for k, v in body.items() if v not in ("", None, [], {}))
        out.print(f"  {e.created_at:%Y-%m-%d %H:%M} {e.kind:<22} {escape(detail[:160])}")
