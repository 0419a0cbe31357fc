"""The `init` and `config check`: writing and checking the configuration."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hypewatch.cli.common import (
    JsonOpt,
    app,
    config_app,
    emit_json,
    err,
    handle_errors,
    out,
    state,
)
from hypewatch.config import (
    EXAMPLE_CONFIG,
    ConfigError,
    check_secrets,
    resolve_config_path,
)

# -- setup -------------------------------------------------------------------


@app.command()
@handle_errors
def init(
    force: Annotated[bool, typer.Option(help="Overwrite an existing config file.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Write a config file from the example and create the database."""
    path = state.config_path or Path("hypewatch.toml")
    wrote = False
    if not path.exists() or force:
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(EXAMPLE_CONFIG, path)
        wrote = True
    state.config_path = path
    store = state.store()
    version = store.schema_version()
    store.close()
    if json_out:
        emit_json(
            {
                "config": str(path),
                "config_written": wrote,
                "database": str(state.database),
                "schema_version": version,
            }
        )
        return
    verb = "wrote" if wrote else "kept existing"
    out.print(f"{verb} {path}; database {state.database} at schema version {version}")
    out.print("next: edit the config, then 'hypewatch config check' and 'hypewatch run'")


@config_app.command("check")
@handle_errors
def config_check(json_out: JsonOpt = False) -> None:
    """Validate the configuration, every [verifiers.<name>] section, and every secret it names."""
    from hypewatch.net import opened_metadata
    from hypewatch.verifiers.base import check_sections, discover

    settings = state.settings
    check_secrets(settings)
    problems = check_sections(settings, discover(settings))
    if problems:
        raise ConfigError("invalid verifier settings:\n  " + "\n  ".join(problems))
    path = resolve_config_path(state.config_path)
    warnings = [
        f"network.allowlist opens the cloud metadata address {entry}: anything that can "
        "make hypewatch fetch a URL can then read this machine's cloud credentials"
        for entry in opened_metadata(settings.network.allowlist)
    ]
    if json_out:
        emit_json(
            {
                "ok": True,
                "config": str(path) if path else None,
                "database": str(state.database),
                "warnings": warnings,
            }
        )
        return
    for warning in warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")
    out.print(f"configuration ok ({path or 'built-in defaults'})")
