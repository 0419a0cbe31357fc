"""The hypewatch command line (typer): one small module per command group.

`common` holds the app, options, errors and exit codes; importing a command
module registers its commands on the app.
"""

from __future__ import annotations

from hypewatch.cli import (  # noqa: F401  (importing a module registers its commands)
    access,
    bench,
    daemon,
    db,
    digest,
    extract,
    fingerprint,
    ledger,
    setup_cmds,
    subscriptions,
    tasks,
    watch,
    web,
    weights,
)
from hypewatch.cli.common import app

__all__ = [
    "app",
    "main",
]


def main() -> None:
    app()
