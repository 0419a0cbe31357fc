"""Every error hypewatch raises on purpose, under one root, each family with its exit code.

    HypewatchError                  1  unexpected (a bug: report it)
    ├── ConfigError                 3  configuration: unknown key, wrong type, missing secret
    ├── NetError                    4  network: destination refused by the guard, or unreachable
    │   ├── BlockedDestinationError      (hypewatch.net: refused before anything was sent)
    │   ├── UnreachableError             (hypewatch.net: no answer, name does not resolve)
    │   ├── ResponseTooLargeError        (hypewatch.net)
    │   └── DeadlineExceededError        (hypewatch.net)
    ├── InputError                  5  an input file, argument or reply is unusable
    ├── NotFoundError               6  launch, claim or repo not found
    └── StorageError                7  the database cannot be opened, read or written

The command line maps a family to its exit code here and nowhere else (`exit_code_of`);
docs/cli.md documents the same table. Messages say what was wrong and what to do.
"""

from __future__ import annotations

__all__ = [
    "EXIT_CONFIG",
    "EXIT_ERROR",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_NETWORK",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_STORAGE",
    "EXIT_USAGE",
    "ConfigError",
    "HypewatchError",
    "InputError",
    "NetError",
    "NotFoundError",
    "StorageError",
    "exit_code_of",
]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CONFIG, EXIT_NETWORK = 0, 1, 2, 3, 4
EXIT_INPUT, EXIT_NOT_FOUND, EXIT_STORAGE = 5, 6, 7
#: Ctrl-C (SIGINT): "interrupted", as shells report 128 + SIGINT.
EXIT_INTERRUPTED = 130


class HypewatchError(Exception):
    """The root: anything hypewatch raises on purpose."""

    exit_code = EXIT_ERROR


class ConfigError(HypewatchError):
    """The configuration is wrong; the message says where and what to do."""

    exit_code = EXIT_CONFIG


class NetError(HypewatchError):
    """A destination was refused by the guard, or could not be reached."""

    exit_code = EXIT_NETWORK


class InputError(HypewatchError):
    """An input file, argument or reply is unusable; the message says what to do."""

    exit_code = EXIT_INPUT


class NotFoundError(HypewatchError, LookupError):
    """A launch, claim, post or repo that does not exist."""

    exit_code = EXIT_NOT_FOUND

    def __str__(self) -> str:  # LookupError would quote the message
        return str(self.args[0]) if self.args else ""


class StorageError(HypewatchError):
    """The database cannot be opened, read or written; the message says what to do."""

    exit_code = EXIT_STORAGE


def exit_code_of(error: BaseException) -> int:
    """The documented exit code for an error (1 for anything not ours)."""
    return error.exit_code if isinstance(error, HypewatchError) else EXIT_ERROR
