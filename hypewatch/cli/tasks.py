"""`hypewatch tasks`: every benchmark id, its task definition and whether it can run here."""

from __future__ import annotations

from hypewatch.cli.common import JsonOpt, app, emit_json, handle_errors, out, state


@app.command("tasks")
@handle_errors
def tasks_cmd(json_out: JsonOpt = False) -> None:
    """List benchmark ids with their scorer family, dataset and revision, runnable or why not."""
    from rich.markup import escape

    from hypewatch.verifiers.benchmark.families import Environment
    from hypewatch.verifiers.benchmark.registry import default_registry, listing

    rows = listing(default_registry(), Environment.from_settings(state.settings))
    runnable = sum(1 for row in rows if row["runnable"])
    if json_out:
        emit_json({"tasks": rows, "runnable": runnable, "total": len(rows)})
        return
    for row in rows:
        if row["family"] is None:
            continue
        mark = "[green]runs[/]" if row["runnable"] else f"[yellow]{escape(row['reason'])}[/]"
        dataset = f"{row['dataset']}@{row['revision']}"
        out.print(
            f"[bold]{escape(row['id']):<16}[/] {escape(row['family']):<22} "
            f"{escape(dataset):<48} {mark}"
        )
    missing = [row["id"] for row in rows if row["family"] is None]
    out.print(
        f"{runnable} of {len(rows) - len(missing)} defined tasks can run here; "
        f"{len(missing)} benchmark ids have no task definition yet"
    )
