"""What every command shares: the typer app, the consoles, options, errors and exit codes.

Every command prints human output by default and one JSON document with
`--json` -- on failure too: `{"ok": false, "error": {...}}`. Exit codes come from
the error's family (hypewatch.errors, docs/cli.md). No traceback for anything a user or a
remote server can cause; `--debug` shows it.
"""

from __future__ import annotations

import functools
import json
import socket
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from typer.exceptions import TyperException

from hypewatch import __version__
from hypewatch.config import Settings, load_settings, resolve_config_path
from hypewatch.errors import (
    EXIT_ERROR,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_STORAGE,
    HypewatchError,
    InputError,
    exit_code_of,
)
from hypewatch.storage import Store

__all__ = [
    "AllowPrivateOpt",
    "InputError",
    "JsonOpt",
    "app",
    "config_app",
    "emit_json",
    "err",
    "fail",
    "handle_errors",
    "out",
    "state",
]

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
    debug: bool = False
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(resolve_config_path(self.config_path))
        return self._settings

    @property
    def database(self) -> Path:
        return self.db_path or self.settings.general.database

    def store(self, *, create: bool = True) -> Store:
        """The database; read-only commands pass `create=False` and never make one."""
        return Store.open(self.database, create=create)


state = AppState()


def fail(message: str, code: int, *, json_out: bool = False, kind: str = "error") -> NoReturn:
    """Say what went wrong (on stderr; with --json also as one JSON document) and exit."""
    err.print(f"[bold red]error:[/] {escape(message)}")
    if json_out:
        emit_json({"ok": False, "error": {"kind": kind, "code": code, "message": message}})
    raise typer.Exit(code)


def _classify(error: BaseException) -> tuple[str, int, str]:
    """(message, exit code, kind) for an error a user or a remote server can cause."""
    if isinstance(error, HypewatchError):
        return str(error), exit_code_of(error), type(error).__name__
    if isinstance(error, httpx.InvalidURL):
        return (
            f"not a valid URL ({error}); pass a base URL such as http://host:8000/v1",
            EXIT_INPUT,
            "InputError",
        )
    if isinstance(error, socket.gaierror):
        return f"cannot resolve the host name ({error})", EXIT_NETWORK, "NetError"
    if isinstance(error, RecursionError) or "integer string conversion" in str(error):
        return (
            f"input too deeply nested or too large to read ({type(error).__name__}); a file or "
            "a server's reply is malformed",
            EXIT_INPUT,
            "InputError",
        )
    if isinstance(error, httpx.HTTPError):
        return f"network error: {type(error).__name__}: {error}", EXIT_NETWORK, "NetError"
    if isinstance(error, sqlite3.Error):
        return (
            f"database error: {error}; check the file with 'hypewatch db check' or restore "
            "it from a backup",
            EXIT_STORAGE,
            "StorageError",
        )
    return (
        f"unexpected error: {type(error).__name__}: {error} (run again with --debug for the "
        "traceback, and please report it)",
        EXIT_ERROR,
        type(error).__name__,
    )


P = ParamSpec("P")
R = TypeVar("R")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the errors users can act on into a clear message and a stable exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except KeyboardInterrupt:
            if state.debug:
                raise
            fail(
                "interrupted",
                EXIT_INTERRUPTED,
                json_out=bool(kwargs.get("json_out")),
                kind="Interrupted",
            )
        except (
            TyperException,
            typer.Exit,
            typer.Abort,
            SystemExit,
        ):
            raise
        except Exception as error:
            if state.debug:
                raise
            message, code, kind = _classify(error)
            fail(message, code, json_out=bool(kwargs.get("json_out")), kind=kind)

    return wrapper


def emit_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, default=str) + "\n")


def _print_version(value: bool) -> None:
    if value:
        out.print(f"hypewatch {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def main_options(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", envvar="HYPEWATCH_CONFIG", help="Config file (TOML)."),
    ] = None,
    db: Annotated[
        Path | None, typer.Option("--db", help="Database file (overrides config).")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_print_version, help="Print the version."
        ),
    ] = False,
) -> None:
    state.config_path = config
    state.db_path = db
    state.debug = debug
    state._settings = None
