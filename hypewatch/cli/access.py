"""`hypewatch access REPO`: where the model can be run, every route tried and why."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer

from hypewatch.cli.common import InputError, JsonOpt, app, emit_json, handle_errors, out, state


@app.command("access")
@handle_errors
def access_cmd(
    repo: Annotated[str, typer.Argument(help="Hub repo, owner/name.")],
    revision: Annotated[
        str | None, typer.Option("--revision", help="Branch, tag or commit (default: main).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """The routes to a model in the configured order ([access] order), usable or why not."""
    from rich.markup import escape

    from hypewatch.access.registry import resolve
    from hypewatch.access.routes import AccessRequest
    from hypewatch.verifiers.weights.hub import check_repo_id

    try:
        repo = check_repo_id(repo)
    except ValueError as error:
        raise InputError(str(error)) from None
    resolution = asyncio.run(resolve(state.settings, AccessRequest(repo=repo, revision=revision)))
    usage = _usage_today()
    if json_out:
        emit_json({**resolution.to_json(), "usage": usage})
        return
    chosen = resolution.chosen
    for route in resolution.routes:
        mark = "[green]use[/]" if route is chosen else ("ok " if route.usable else "[yellow]no[/] ")
        where = f" {escape(route.model)} at {escape(route.url)}" if route.url else ""
        out.print(f"{mark} [bold]{escape(route.kind)}[/]{where} — {escape(route.reason)}")
        if route.note:
            out.print(f"    {escape(route.note)}")
    if chosen is None:
        out.print(f"[yellow]no usable route to {escape(repo)}[/]")
    total = usage["total"]
    budget = usage["budget"]
    limits = ", ".join(f"{k} {v:,}" for k, v in budget.items() if v) or "no budgets set"
    out.print(
        f"usage today ({usage['day']} UTC, all routes): {total['requests']:,} requests, "
        f"{total['tokens']:,} tokens; access.budget: {limits}"
    )


def _usage_today() -> dict[str, Any]:
    """Today's model-access usage (none without a database) and the budgets."""
    from hypewatch.clock import SystemClock
    from hypewatch.storage.usage import Usage, day_total, usage_day, usage_on

    day = usage_day(SystemClock().now())  # a command runs on the wall clock
    rows: list[Usage] = []
    total = Usage(day)
    if state.database.expanduser().exists():
        store = state.store(create=False)
        try:
            rows, total = usage_on(store, day), day_total(store, day)
        finally:
            store.close()
    return {
        "day": day,
        "total": total.to_json(),
        "routes": [r.to_json() for r in rows],
        "budget": state.settings.access.budget.model_dump(),
    }
