"""`db check` and `db backup`: the database's health, and a consistent copy of it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hypewatch.cli.common import JsonOpt, app, emit_json, handle_errors, out, state
from hypewatch.errors import EXIT_STORAGE
from hypewatch.storage import db as storage_db

db_app = typer.Typer(help="Check or back up the database.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("check")
@handle_errors
def db_check(json_out: JsonOpt = False) -> None:
    """Run SQLite's full integrity check; exit 7 when the database is damaged."""
    database = state.database
    store = state.store(create=False)
    try:
        problems = storage_db.check(store.db)
    finally:
        store.close()
    ok = problems == ["ok"]
    if json_out:
        emit_json({"ok": ok, "database": str(database), "problems": [] if ok else problems})
    elif ok:
        out.print(f"{database}: integrity check ok")
    else:
        out.print(f"{database}: damaged; restore a backup. Problems:")
        for problem in problems:
            out.print(f"  - {problem}")
    if not ok:
        raise typer.Exit(EXIT_STORAGE)


@db_app.command("backup")
@handle_errors
def db_backup(
    target: Annotated[Path, typer.Argument(help="New file to write the copy to.")],
    json_out: JsonOpt = False,
) -> None:
    """Copy the database with SQLite's online backup API (safe while the daemon runs)."""
    store = state.store(create=False)
    try:
        size = storage_db.backup(store.db, target)
    finally:
        store.close()
    if json_out:
        emit_json(
            {"ok": True, "database": str(state.database), "backup": str(target), "bytes": size}
        )
        return
    out.print(f"backed up {state.database} to {target} ({size:,} bytes)")
