"""The task registry: every benchmark id the extractor produces -> a runnable task definition.

A `TaskSpec` says where the test set lives (`DatasetRef`: Hub repo, config,
split, the parquet files, a pinned revision, whether the repo is gated), how a
parquet row becomes a `TaskItem` (`convert`, written against the dataset's real
column names), the prompt setting used when a claim names none, and the
scorer family (`families/`) that prompts and scores it.

Definitions live in the `catalog/` modules, one per family; each has a
`register(registry)` function. Built-in modules are listed in
`CATALOG_MODULES`; adding a family means adding a module there (the
`codeexec` family registers the same way). Registering an id or a family
name twice raises, naming both definitions: a silent "first wins" would hide
a packaging mistake.

Lookups go through the extractor's benchmark-id normaliser
(`extractors.registry.benchmark_id`), so "GPQA Diamond", "gpqa_diamond" and
"gpqa-diamond" find the same task; a name that still carries its evaluation
setting ("MMLU (5-shot)", "BBH CoT", "humaneval-pass-1") is looked up again
without it (`extractors.settings_norm.without_settings`), so aliases stay in one
table (`extractors/registry.py`) and settings in one recogniser. `availability()`
says whether a task can run here and, if not, why (no family installed, the
family's own reason, a gated dataset without a Hub token).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from hypewatch.extractors.registry import BENCHMARKS, benchmark_id
from hypewatch.extractors.settings_norm import without_settings
from hypewatch.verifiers.benchmark.families import Environment, Family
from hypewatch.verifiers.benchmark.tasks import TaskItem

Row = dict[str, Any]
#: A parquet row and its position -> the item, or None for a row the benchmark leaves out
#: (raise TaskFormatError or KeyError on a bad row).
Converter = Callable[[Row, int], TaskItem | None]

#: Built-in catalog modules, each with `register(registry: TaskRegistry) -> None`.
CATALOG_MODULES: tuple[str, ...] = (
    "hypewatch.verifiers.benchmark.catalog.choice",
    "hypewatch.verifiers.benchmark.catalog.math",
    "hypewatch.verifiers.benchmark.catalog.instructions",
    "hypewatch.verifiers.benchmark.catalog.exact",
    "hypewatch.verifiers.benchmark.catalog.judged",
    "hypewatch.verifiers.benchmark.catalog.code",
    "hypewatch.verifiers.benchmark.catalog.span_f1",
)


class RegistryError(Exception):
    """A task or family definition is invalid or registered twice."""


@dataclass(frozen=True)
class DatasetRef:
    """Where a test set lives on the Hub. `files` is a glob of parquet files in the repo.

    `revision` is a pinned commit; None means `branch` is resolved to its
    commit when the task is loaded and that commit is recorded (a pin in
    `verifiers.benchmark.dataset_revisions` overrides both). `branch` is `main`
    for repos that hold parquet files, or `refs/convert/parquet`, where the Hub
    keeps its parquet conversion of every dataset (`{config}/{split}/NNNN.parquet`).
    `fewshot_files` is a glob of exemplar rows (a dev split), read as few-shot items.
    """

    repo: str
    config: str
    split: str
    files: str
    revision: str | None = None
    gated: bool = False
    fewshot_files: str = ""
    branch: str = "main"

    def describe(self) -> str:
        return f"{self.repo} ({self.config}/{self.split})"


@dataclass(frozen=True)
class TaskSpec:
    """A runnable benchmark: the dataset, the row converter, the family, the default setting."""

    id: str
    family: str
    dataset: DatasetRef
    convert: Converter
    setting: str = ""
    notes: str = ""
    source: str = ""  # the module that registered it (for duplicate errors)
    claim_scale: float = 1.0  # claimed value x this = percent (MT-Bench's 0-10 scale: 10)


class TaskRegistry:
    """Task specs by benchmark id and scorer families by name."""

    def __init__(self) -> None:
        self._tasks: dict[str, TaskSpec] = {}
        self._families: dict[str, Family] = {}

    def register_family(self, family: Family) -> None:
        if not isinstance(family, Family):
            raise RegistryError(f"{family!r} does not implement the Family protocol")
        existing = self._families.get(family.name)
        if existing is not None:
            raise RegistryError(
                f"scorer family {family.name!r} registered twice: {type(existing).__qualname__} "
                f"and {type(family).__qualname__}"
            )
        self._families[family.name] = family

    def register(self, spec: TaskSpec) -> None:
        canonical = benchmark_id(spec.id)
        if canonical != spec.id:
            raise RegistryError(
                f"task id {spec.id!r} is not a canonical benchmark id (the extractor calls it "
                f"{canonical!r}); add it to extractors/registry.py or use that id"
            )
        existing = self._tasks.get(spec.id)
        if existing is not None:
            raise RegistryError(
                f"benchmark {spec.id!r} registered twice: by {existing.source or '?'} "
                f"({existing.dataset.repo}) and by {spec.source or '?'} ({spec.dataset.repo})"
            )
        self._tasks[spec.id] = spec

    def get(self, benchmark: str) -> TaskSpec | None:
        """The task for a benchmark name as claimed (any spelling the extractor knows, with
        or without an evaluation setting in the name)."""
        if not benchmark.strip():
            return None
        found = self._tasks.get(benchmark_id(benchmark))
        if found is None:
            bare = without_settings(benchmark)
            if bare != benchmark and bare.strip(" -_()[],:"):
                found = self._tasks.get(benchmark_id(bare))
        return found

    def family(self, name: str) -> Family | None:
        return self._families.get(name)

    def specs(self) -> list[TaskSpec]:
        return sorted(self._tasks.values(), key=lambda spec: spec.id)

    def families(self) -> list[Family]:
        return [self._families[name] for name in sorted(self._families)]

    def availability(self, spec: TaskSpec, env: Environment) -> str | None:
        """None when `spec` can run here, else why not."""
        family = self._families.get(spec.family)
        if family is None:
            return f"needs the {spec.family!r} scorer family, which is not installed"
        reason = family.unavailable(env)
        if reason:
            return reason
        if env.settings is not None and not env.settings.verifiers.benchmark.hub_datasets:
            return "Hub datasets are off (verifiers.benchmark.hub_datasets = false)"
        if spec.dataset.gated and not env.hub_token:
            return (
                f"needs access: {spec.dataset.repo} is gated on the Hub; accept its terms there "
                "and set [hub] token_env to a token of that account"
            )
        return None


def load_catalog(registry: TaskRegistry, modules: Iterable[str]) -> TaskRegistry:
    for name in modules:
        module = importlib.import_module(name)
        register = getattr(module, "register", None)
        if not callable(register):
            raise RegistryError(f"catalog module {name} has no register(registry) function")
        register(registry)
    return registry


@cache
def default_registry() -> TaskRegistry:
    """The built-in tasks and families (built once per process)."""
    return load_catalog(TaskRegistry(), CATALOG_MODULES)


def listing(registry: TaskRegistry, env: Environment) -> list[dict[str, Any]]:
    """One row per benchmark id the extractor knows (and per registered task): the
    `hypewatch tasks --json` contract."""
    rows: list[dict[str, Any]] = []
    pins = env.settings.verifiers.benchmark.dataset_revisions if env.settings else {}
    ids = {bench.id for bench in BENCHMARKS} | {spec.id for spec in registry.specs()}
    for bench_id in sorted(ids):
        spec = registry.get(bench_id)
        if spec is None:
            rows.append(_row(bench_id, None, "no task definition for this benchmark yet"))
        else:
            pin = pins.get(bench_id)
            rows.append(_row(bench_id, spec, registry.availability(spec, env), pin))
    return rows


def _row(
    bench_id: str, spec: TaskSpec | None, reason: str | None, pin: str | None = None
) -> dict[str, Any]:
    dataset = spec.dataset if spec else None
    revision = pin or (dataset.revision if dataset else None)
    return {
        "id": bench_id,
        "family": spec.family if spec else None,
        "dataset": dataset.repo if dataset else None,
        "config": dataset.config if dataset else None,
        "split": dataset.split if dataset else None,
        "revision": (revision or dataset.branch) if dataset else None,
        "pinned": bool(dataset and revision),
        "gated": bool(dataset and dataset.gated),
        "setting": spec.setting if spec else None,
        "runnable": reason is None,
        "reason": reason,
    }
