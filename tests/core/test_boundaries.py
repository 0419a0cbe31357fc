"""Storage is the boundary: no SQL outside hypewatch/storage/, one writer per table."""

from __future__ import annotations

import ast
import functools
import gc
import re
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "hypewatch"
STORAGE = PACKAGE / "storage"
SQL = re.compile(
    r"^\s*(SELECT\b.*\bFROM\b|INSERT\s+INTO\b|UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\b"
    r"|(CREATE|ALTER|DROP)\s+(TABLE|INDEX|TRIGGER)\b|PRAGMA\s+\w+)",
    re.I | re.S,
)
WRITE = re.compile(r"(?:INSERT\s+INTO|DELETE\s+FROM)\s+(\w+)|UPDATE\s+(\w+)\s+SET\b", re.I)


@functools.cache
def _strings(path: Path) -> list[str]:
    # CPython 3.11.7: a finalizer run by the collector during ast.parse breaks its recursion
    # check, so no collection while parsing (a gc.collect() per file cost a minute late in
    # a full run, with a large heap)
    gc.disable()
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    finally:
        gc.enable()
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def _modules(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "standins" not in p.parts)


def test_no_sql_outside_storage() -> None:
    offenders = []
    for path in _modules(PACKAGE):
        if STORAGE in path.parents:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\.db\.(query|execute|executescript)\(", text):
            offenders.append(f"{path.relative_to(PACKAGE)}: store.db used directly")
        offenders += [
            f"{path.relative_to(PACKAGE)}: {s.strip()[:60]!r}"
            for s in _strings(path)
            if SQL.match(s)
        ]
    assert not offenders, "SQL outside hypewatch/storage/:\n" + "\n".join(offenders)


def test_each_table_has_one_writing_module() -> None:
    writers: dict[str, set[str]] = defaultdict(set)
    for path in _modules(STORAGE):
        if path.name == "migrations.py":
            continue  # the schema, not data
        for string in _strings(path):
            for match in WRITE.finditer(string):
                writers[(match.group(1) or match.group(2)).lower()].add(path.name)
    assert {"repo_revisions", "outbox", "events", "destinations"} <= set(writers)
    shared = {t: sorted(m) for t, m in writers.items() if len(m) > 1}
    assert not shared, f"tables written from more than one storage module: {shared}"


def test_repo_revisions_are_recorded_by_the_revision_check_only() -> None:
    callers = [
        str(path.relative_to(PACKAGE))
        for path in _modules(PACKAGE)
        if path.parent != STORAGE and "record_revision(" in path.read_text(encoding="utf-8")
    ]
    assert callers == ["verifiers/weights/revisions.py"]
