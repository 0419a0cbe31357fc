"""Your own servers by repo pattern: the one place repo patterns are matched.

Hub repo ids are case-insensitive (`Org/Model` and `org/model` are one repo), so
patterns match case-insensitively, shell style (`fnmatch`: `*`, `?`, `[...]`).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

from hypewatch.config import BenchmarkEndpoint


def matches(repo: str, pattern: str) -> bool:
    return bool(repo) and fnmatch.fnmatchcase(repo.lower(), pattern.lower())


def matching_endpoints(
    endpoints: Iterable[BenchmarkEndpoint], repo: str
) -> list[BenchmarkEndpoint]:
    """The configured servers whose pattern matches `repo`, in configuration order."""
    return [entry for entry in endpoints if matches(repo, entry.repo_pattern)]
