"""The hypewatch command line (typer): the commands of DESIGN.md, nothing else.

Every command prints human output by default and one JSON document with
`--json`. Exit codes (docs/cli.md): 0 ok, 1 unexpected error, 2 usage,
3 configuration, 4 network refused or failed, 5 bad input file, 6 not found,
7 storage.
"""

from __future__ import annotations

import functools
import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hypewatch import lifecycle
from hypewatch.config import (
    EXAMPLE_CONFIG,
    ConfigError,
    Settings,
    check_secrets,
    load_settings,
    resolve_config_path,
)
from hypewatch.models import ClaimStatus
from hypewatch.net import NetError
from hypewatch.storage import NotFoundError, StorageError, Store

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CONFIG, EXIT_NETWORK = 0, 1, 2, 3, 4
EXIT_INPUT, EXIT_NOT_FOUND, EXIT_STORAGE = 5, 6, 7

app = typer.Typer(
    name="hypewatch",
    help="Hold AI model-launch claims to evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, highlight=False)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
AllowPrivateOpt = Annotated[
    bool,
    typer.Option(
        "--allow-private", help="Allow loopback and private addresses (your own local server)."
    ),
]


@dataclass
class AppState:
    config_path: Path | None = None
    db_path: Path | None = None
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(resolve_config_path(self.config_path))
        return self._settings

    @property
    def database(self) -> Path:
        return self.db_path or self.settings.general.database

    def store(self) -> Store:
        return Store.open(self.database)


state = AppState()


class InputError(Exception):
    """An input file or argument is unusable; the message says what to do."""


def fail(message: str, code: int) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


P = ParamSpec("P")
R = TypeVar("R")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the errors users can act on into a clear message and a stable exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ConfigError as error:
            fail(str(error), EXIT_CONFIG)
        except NetError as error:
            fail(str(error), EXIT_NETWORK)
        except InputError as error:
            fail(str(error), EXIT_INPUT)
        except NotFoundError as error:
            fail(str(error).strip("'\""), EXIT_NOT_FOUND)
        except StorageError as error:
            fail(str(error), EXIT_STORAGE)
        except lifecycle.IllegalTransitionError as error:
            fail(str(error), EXIT_ERROR)

    return wrapper


def emit_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, default=str) + "\n")


@app.callback()
def main_options(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", envvar="HYPEWATCH_CONFIG", help="Config file (TOML)."),
    ] = None,
    db: Annotated[
        Path | None, typer.Option("--db", help="Database file (overrides config).")
    ] = None,
) -> None:
    state.config_path = config
    state.db_path = db
    state._settings = None


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
    """Validate the configuration and that every secret it names is set."""
    settings = state.settings
    check_secrets(settings)
    path = resolve_config_path(state.config_path)
    if json_out:
        emit_json(
            {"ok": True, "config": str(path) if path else None, "database": str(state.database)}
        )
        return
    out.print(f"configuration ok ({path or 'built-in defaults'})")


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
                        "payload": e.payload,
                    }
                    for e in events
                ],
            }
        )
        return
    out.print(f"[bold]{escape(found.name)}[/] ({escape(found.slug)}) — {headline}")
    for e in events:
        detail = ", ".join(f"{k}={v}" for k, v in e.payload.items() if v not in ("", None, []))
        out.print(f"  {e.created_at:%Y-%m-%d %H:%M} {e.kind:<22} {escape(detail[:160])}")


# -- commands added by later issues go below, one section each ----------------


# -- poll, status: watchers (issue 3) --
# (section start)

# (section end)


# -- extract: claim extraction (issue 4) --
# (section start)


def _warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


@app.command()
@handle_errors
def extract(
    file: Annotated[
        Path,
        typer.Argument(
            help='JSONL of {"id","source","text"} (source x, reddit or huggingface); - for stdin.'
        ),
    ],
    json_out: JsonOpt = False,
) -> None:
    """Extract claims: one JSON line per post (id, is_claim, model, params_b, base_model,
    scores, comparisons, links, flags). Bad lines are skipped with a warning on stderr."""
    # Imported here so that other commands do not pay for loading spaCy.
    from hypewatch.extractors.batch import extract_file
    from hypewatch.extractors.extractor import Extractor

    del json_out  # the output is JSON lines either way (the contract)
    path = None if str(file) == "-" else file
    if path is not None and not path.is_file():
        raise InputError(f"{file} is not a readable file; give a JSONL file of posts")
    extractor = Extractor(state.settings.extraction)
    for extraction in extract_file(path, extractor, _warn, stdin=sys.stdin.buffer):
        emit_json(extraction.to_json())


# (section end)


# -- weights, verifiers: verifier framework and weights (issue 5) --
# (section start)

# (section end)


# -- fingerprint: endpoint fingerprinting (issue 6) --
# (section start)

# (section end)


# -- bench: benchmark replication (issue 7) --
# (section start)

# (section end)


# -- digest: notifiers and digest (issue 8) --
# (section start)

# (section end)


# -- run, verify, demo: daemon and demo (issue 9) --
# (section start)

# (section end)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
