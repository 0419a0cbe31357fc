"""The `claims` and `show`: reading what the database holds."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from hypewatch.bot.timeline import describe_event, plain
from hypewatch.cli.common import (
    JsonOpt,
    app,
    emit_json,
    handle_errors,
    out,
    state,
)
from hypewatch.events import encode
from hypewatch.lifecycle import standing
from hypewatch.models import ClaimStatus
from hypewatch.significance import thread_report
from hypewatch.storage import VerdictRecord

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
    store = state.store(create=False)
    rows = store.claims(status=status)
    launches = {launch.id: launch for launch in store.launches()}
    threads = {
        i: any(r["thread"] for r in thread_report(store, launches[i]))
        for i in {c.launch_id for c in rows}
    }
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
                        "significance": launches[c.launch_id].significance,
                        "thread": threads[c.launch_id],
                    }
                    for c in rows
                ]
            }
        )
        return
    if not rows:
        out.print("no claims yet; 'hypewatch poll' or 'hypewatch demo' brings some")
        return
    table = Table("id", "launch", "kind", "claim", "status", "flags", "thread")
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
            _thread_cell(launches[c.launch_id].significance, threads[c.launch_id]),
        )
    out.print(table)
    out.print("why a launch did or did not get a thread: 'hypewatch show LAUNCH'")


def _thread_cell(significance: float | None, threaded: bool) -> str:
    score = "" if significance is None else f" ({significance:g})"
    return ("yes" if threaded else "no") + score


@app.command()
@handle_errors
def show(
    launch: Annotated[str, typer.Argument(help="Launch id, slug, name or Hub repo.")],
    json_out: JsonOpt = False,
) -> None:
    """Show a launch: its claims and its timeline of events."""
    with state.store(create=False) as store:
        found = store.find_launch(launch)
        claim_rows = store.claims(launch_id=found.id)
        events = store.events(found.id)
        headline = store.headline_status(found.id)
        histories = {c.id: _history(store.verdict_history(c.id)) for c in claim_rows}
        timeline = [describe_event(store, e) for e in events]
        threads = thread_report(store, found)
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
                    "significance": found.significance,
                    "significance_reasons": list(found.significance_reasons),
                },
                "threads": threads,
                "claims": [
                    {
                        "id": c.id,
                        "kind": str(c.kind),
                        "key": c.key,
                        "status": str(c.status),
                        "value": c.value,
                        "subject": c.subject,
                        "verdicts": histories[c.id],
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
                        "text": entry.text,
                    }
                    for e, entry in zip(events, timeline, strict=True)
                ],
            }
        )
        return
    out.print(f"[bold]{escape(found.name)}[/] ({escape(found.slug)}) — {headline}")
    for row in threads:
        mark = "thread" if row["thread"] else "no thread"
        out.print(f"  {escape(row['destination'])}: [bold]{mark}[/] — {escape(row['why'])}")
    for c in claim_rows:
        what = c.benchmark + (f" {c.value:g}" if c.value is not None else "") or c.subject
        out.print(f"  claim {escape(c.key)} ({escape(what.strip())}): [bold]{c.status}[/]")
        if histories[c.id]:
            out.print("    verdicts, oldest first:")
        for v in histories[c.id]:
            mark = "  [bold]← stands[/]" if v["standing"] else ""
            label = f" ({v['label']})" if v["label"] else ""
            out.print(
                f"    {v['at'][:16]} {escape(v['verifier']):<11} {v['status']}{escape(label)} "
                f"{escape(str(v['summary'])[:110])}{mark}"
            )
    out.print("  timeline:")
    for entry in timeline:
        first, *rest = [part for line in entry.lines for part in plain(line).split("\n")] or [""]
        out.print(f"  {entry.at:%Y-%m-%d %H:%M} {entry.kind:<22} {escape(first)}")
        for line in rest:
            out.print(f"  {'':16} {'':<22} {escape(line)}")


def _history(records: list[VerdictRecord]) -> list[dict[str, Any]]:
    """A claim's verdicts, oldest first; `standing` marks those its status rests on."""
    kept = {id(v) for _, v in standing([(r.verifier, r.verdict) for r in records])}
    return [
        {
            "verification_id": r.verification_id,
            "verifier": r.verifier,
            "at": r.finished_at.isoformat(),
            "standing": id(r.verdict) in kept,
            **r.verdict.to_json(),
        }
        for r in records
    ]
