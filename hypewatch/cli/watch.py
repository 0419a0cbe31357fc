"""The `poll` and `status`: the watchers."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from hypewatch.cli.common import (
    AllowPrivateOpt,
    JsonOpt,
    app,
    emit_json,
    err,
    handle_errors,
    out,
    state,
)
from hypewatch.errors import EXIT_NETWORK

#: Poll failures that mean the source could not be reached: the command exits 4.
UNREACHABLE_KINDS = frozenset({"network", "timeout"})


# -- poll, status: watchers (issue 3) --
# (section start)
def _poll_line(report: Any) -> str:
    if report.skipped:
        return f"{report.source}: skipped ({report.skipped})"
    line = (
        f"{report.source}: stored {report.stored} new, refreshed {report.refreshed} "
        f"({report.batches} batch(es))"
    )
    if report.budget_limit is not None:
        line += f"; budget {report.budget_used}/{report.budget_limit} this month"
    if report.error:
        line += f"; ERROR ({report.error_kind}): {report.error}"
        if report.backoff_until is not None:
            line += f"; backing off until {report.backoff_until:%Y-%m-%d %H:%M:%S} UTC"
    return line


@app.command()
@handle_errors
def poll(
    source: Annotated[
        str | None, typer.Option("--source", help="Only this source: x, reddit or hf.")
    ] = None,
    allow_private: AllowPrivateOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Run one pass of the enabled (or named) sources and print what was stored."""
    from hypewatch.bot.watchers import SOURCE_ALIASES, build_watchers, poll_once

    if source is not None and source.lower() not in SOURCE_ALIASES:
        raise typer.BadParameter(
            f"{source!r} is not a source; use x, reddit or hf", param_hint="--source"
        )
    watchers = build_watchers(
        state.settings, [source] if source else None, allow_private=allow_private
    )
    from hypewatch.bot.app import build_pipeline
    from hypewatch.bot.notifiers.factory import register_destinations
    from hypewatch.bot.pipeline import ProcessReport

    store = state.store()
    try:
        register_destinations(state.settings, store)  # the events it appends get delivered
        reports = [poll_once(store, watcher) for watcher in watchers]
        # the extractor (spaCy, maybe MiniLM) is loaded only when there is something to read
        processed = (
            build_pipeline(state.settings, store).process_pending()
            if store.unprocessed_posts(limit=1)
            else ProcessReport()
        )
    finally:
        store.close()
    unreachable = "; ".join(
        f"{r.source}: {r.error}" for r in reports if r.error_kind in UNREACHABLE_KINDS
    )
    if unreachable:
        unreachable += " (what was stored before is kept; check the network or the endpoint)"
    if json_out:
        document: dict[str, Any] = {
            "sources": [r.to_json() for r in reports],
            "stored": sum(r.stored for r in reports),
            "claim_posts": processed.claims_posts,
            "new_claims": processed.new_claims,
            "ok": all(not r.error for r in reports),
        }
        if unreachable:
            document["error"] = {"kind": "NetError", "code": EXIT_NETWORK, "message": unreachable}
        emit_json(document)
        if unreachable:
            raise typer.Exit(EXIT_NETWORK)
        return
    if not reports:
        out.print("no source is enabled; enable one under [sources.*] or pass --source")
    for report in reports:
        out.print(escape(_poll_line(report)))
        for note in report.notes:
            out.print(f"  note: {escape(note)}")
    if processed.posts:
        out.print(
            f"extracted {processed.posts} post(s): {processed.claims_posts} launch claim(s), "
            f"{processed.new_claims} new claim(s) queued for verification"
        )
    if unreachable:
        err.print(f"[bold red]error:[/] {escape(unreachable)}")
        raise typer.Exit(EXIT_NETWORK)


@app.command()
@handle_errors
def status(json_out: JsonOpt = False) -> None:
    """Sources (last poll, errors, backoff, budget), the verification queue, deliveries."""
    from hypewatch.bot.status import full_status

    store = state.store(create=False)
    try:
        report = full_status(store, state.settings)
    finally:
        store.close()
    if json_out:
        emit_json(report)
        return
    table = Table("source", "enabled", "posts", "last success", "last error", "backoff", "budget")
    for row in report["sources"]:
        budget = str(row["budget_used"])
        if row["budget_limit"] is not None:
            budget += f"/{row['budget_limit']}"
        error = f"{row['last_error_at'] or ''} {row['last_error'] or ''}".strip()
        table.add_row(
            row["source"],
            "yes" if row["enabled"] else "no",
            str(row["posts"]),
            row["last_success"] or "never",
            escape(error[:120]) or "-",
            (f"until {row['backoff_until']}" if row["backing_off"] else "-"),
            budget,
        )
    out.print(table)
    queue = report["verifications"]
    states = ", ".join(f"{k} {v}" for k, v in sorted(queue["by_state"].items())) or "empty"
    out.print(f"launches: {report['launches']}; verifications: {states}")
    for row in queue["running"]:
        out.print(
            f"  running: {row['verifier']} on claim {row['claim_id']} since {row['started_at']}"
        )
    outbox = report["deliveries"]["outbox"]
    pending = outbox.get("pending", 0) + outbox.get("sending", 0)
    out.print(f"deliveries: {pending} pending, {outbox.get('sent', 0)} sent")
    for name, dest in report["deliveries"]["destinations"].items():
        if dest["state"] != "active":
            out.print(f"  [red]{escape(name)} {dest['state']}[/]: {escape(dest['reason'])}")


# (section end)
