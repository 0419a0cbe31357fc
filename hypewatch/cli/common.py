"""What every command shares: the typer app, the consoles, options, errors and exit codes.

Every command prints human output by default and one JSON document with
`--json`. Exit codes (docs/cli.md): 0 ok, 1 unexpected error, 2 usage,
3 configuration, 4 network refused or failed, 5 bad input file, 6 not found,
7 storage.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from hypewatch import lifecycle
from hypewatch.config import (
    ConfigError,
    Settings,
    load_settings,
    resolve_config_path,
)
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
