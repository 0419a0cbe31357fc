"""The `weights` and `verifiers`: weight provenance and the verifier registry."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from hypewatch.cli.common import (
    AllowPrivateOpt,
    InputError,
    JsonOpt,
    app,
    emit_json,
    handle_errors,
    out,
    state,
)


# -- weights, verifiers: verifier framework and weights (issue 5) --
# (section start)
@app.command()
@handle_errors
def weights(
    repo: Annotated[str, typer.Argument(help="Hub repo to check, owner/name.")],
    revision: Annotated[
        str | None, typer.Option("--revision", help="Branch, tag or commit (default: main).")
    ] = None,
    claimed_base: Annotated[
        str | None,
        typer.Option("--claimed-base", help="The base model claimed (default: the card's)."),
    ] = None,
    base: Annotated[
        list[str] | None,
        typer.Option("--base", help="A candidate base to compare with; repeatable."),
    ] = None,
    discover: Annotated[
        bool,
        typer.Option(
            "--discover/--no-discover",
            help="Search the Hub for other candidate bases (model tree, family, registry).",
        ),
    ] = True,
    allow_private: AllowPrivateOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """What do the published weights contain, and which base do they come from?"""
    from hypewatch.verifiers.weights.command import run_check

    try:
        report = run_check(
            state.settings,
            repo,
            revision=revision,
            claimed_base=claimed_base,
            bases=base or [],
            allow_private=allow_private,
            discover=discover,
        )
    except ValueError as error:
        raise InputError(str(error)) from None
    if json_out:
        emit_json(report.to_json())
        return
    out.print(
        f"[bold]{escape(report.repo)}[/] @ {report.revision[:12]}: [bold]{report.label}[/] — "
        f"{escape(report.reason)}"
    )
    out.print(
        f"claimed base: {escape(report.claimed_base or '-')}; "
        f"closest base: {escape(report.closest_base or '-')}; "
        f"read {report.bytes_fetched:,} of {report.total_weight_bytes:,} weight bytes"
    )
    table = Table("candidate", "similarity", "rel. diff", "p", "identical files", "tensors")
    for c in report.to_json()["candidates"]:
        table.add_row(
            escape(c["repo"]),
            "-" if c["similarity"] is None else f"{c['similarity']:.4f}",
            "-" if c["rel_diff"] is None else f"{c['rel_diff']:.4f}",
            f"{c['p_value']:.3g}",
            str(c["identical_files"]),
            str(c["tensors_compared"]) + (f" ({escape(c['error'])})" if c["error"] else ""),
        )
    out.print(table)
    for found in report.evidence["discovery"]:
        if found["status"] == "dropped":
            out.print(f"  dropped {escape(found['repo'])}: {escape(found['reason'])}")
    for path, why in report.evidence["not_inspected"].items():
        out.print(f"  {escape(path)}: {escape(why)}")


@app.command("verifiers")
@handle_errors
def verifiers_cmd(json_out: JsonOpt = False) -> None:
    """List the registered verifiers (built-in and plugins), enabled or disabled and why."""
    from hypewatch.verifiers.base import discover

    registry = discover(state.settings)
    if json_out:
        emit_json({"verifiers": [r.to_json() for r in registry.values()]})
        return
    for r in registry.values():
        kinds = ", ".join(sorted(r.kinds)) or "-"
        out.print(
            f"[bold]{escape(r.name):<14}[/] {escape(kinds):<26} {escape(r.status)} "
            f"({escape(r.distribution)})"
        )


# (section end)
