"""The registry of well-known open model families (families.toml), merged with the config.

A lineage (`llama`, `qwen`, ...) groups families whose repos are candidate
bases for one another: a repo claiming Llama 3.1 is compared with Llama 3 too.
`lineages_of(repo)` says which lineages a claimed base belongs to: those that
list it, and those whose name is a word of its repo name.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hypewatch.verifiers.weights.hub import check_repo_id

SHIPPED = Path(__file__).with_name("families.toml")
Lineages = dict[str, dict[str, list[str]]]


def words(name: str) -> list[str]:
    """The alphabetic words of a repo name, lower-cased ("Meta-Llama-3-70B" -> meta, llama, b)."""
    return [w.lower() for w in re.findall(r"[A-Za-z]+", name.rsplit("/", 1)[-1])]


@cache
def shipped() -> Lineages:
    with SHIPPED.open("rb") as handle:
        data = tomllib.load(handle)
    return validate(data, str(SHIPPED))


def validate(data: Mapping[str, object], where: str) -> Lineages:
    """`{lineage: {family: [repo, ...]}}` with every repo id checked; ValueError names the entry."""
    lineages: Lineages = {}
    for lineage, families in data.items():
        if not isinstance(families, Mapping):
            raise ValueError(f"{where}: [{lineage}] must be a table of families")
        lineages[lineage.lower()] = {}
        for family, repos in families.items():
            if not isinstance(repos, list) or not all(isinstance(r, str) for r in repos):
                raise ValueError(f"{where}: {lineage}.{family} must be a list of repo ids")
            try:
                lineages[lineage.lower()][str(family)] = [check_repo_id(r) for r in repos]
            except ValueError as error:
                raise ValueError(f"{where}: {lineage}.{family}: {error}") from None
    return lineages


@dataclass(frozen=True)
class Registry:
    lineages: Mapping[str, Mapping[str, Sequence[str]]]

    @classmethod
    def build(cls, overrides: Lineages | None = None, use_shipped: bool = True) -> Registry:
        """The shipped registry (unless `use_shipped` is false) with `overrides` on top:
        a family named there replaces the shipped one; an empty list removes it."""
        merged: Lineages = {k: dict(v) for k, v in shipped().items()} if use_shipped else {}
        for lineage, families in validate(overrides or {}, "verifiers.weights.families").items():
            target = merged.setdefault(lineage, {})
            for family, repos in families.items():
                if repos:
                    target[family] = repos
                else:
                    target.pop(family, None)
        return cls({k: v for k, v in merged.items() if v})

    def lineages_of(self, repo: str) -> list[str]:
        """Lineages listing `repo`, or named by a word of its name."""
        lowered = repo.lower()
        found = [
            name
            for name, families in self.lineages.items()
            if any(lowered == r.lower() for repos in families.values() for r in repos)
        ]
        found += [w for w in words(repo) if w in self.lineages and w not in found]
        return found

    def repos(self, lineage: str) -> list[tuple[str, str]]:
        """(repo, family) for every repo of the lineage, in file order."""
        return [
            (repo, family)
            for family, repos in self.lineages.get(lineage, {}).items()
            for repo in repos
        ]
