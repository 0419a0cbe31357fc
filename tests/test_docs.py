"""The docs never point a reader at a file the project does not contain: every relative
Markdown link in README.md, docs/ and bench/README.md resolves, and every project path
written in code style (`hypewatch/bot/threads.py`, `docs/web.md`) exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", ROOT / "bench" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_CODE = re.compile(r"```.*?```|`[^`]*`", re.S)  # fenced blocks, then inline code
_LINK = re.compile(r"\]\(<?([^)>\s]+)>?\)")
_PATH = re.compile(
    r"`((?:hypewatch|docs|bench|tests|\.ci)/[\w./-]+\.(?:py|md|toml|j2|jsonl|json|sh|css|yml))"
    r"(?::[\w.]+)?`"
)


def _missing(doc: Path) -> list[str]:
    text = doc.read_text("utf-8")
    missing = []
    for match in _LINK.finditer(_CODE.sub("", text)):  # a link shown as code is an example
        target = match.group(1).split("#", 1)[0]
        external = re.match(r"^[a-z][a-z0-9+.-]*:", target)
        if target and not external and not (doc.parent / target).exists():
            missing.append(f"link {target}")
    for match in _PATH.finditer(text):
        if not (ROOT / match.group(1)).exists():
            missing.append(f"path {match.group(1)}")
    return missing


def test_docs_point_only_at_files_the_project_contains() -> None:
    found = {doc.relative_to(ROOT).as_posix(): _missing(doc) for doc in DOCS}
    assert {doc: gone for doc, gone in found.items() if gone} == {}


def test_the_check_sees_a_missing_file(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text("See [the guide](guide.md), `hypewatch/no_such_module.py` and `[a](b)`.\n")
    assert _missing(doc) == ["link guide.md", "path hypewatch/no_such_module.py"]
