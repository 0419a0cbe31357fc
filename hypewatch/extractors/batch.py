"""`hypewatch extract FILE`: JSONL of {"id","source","text"} in, one contract line per post out.

A bad line (not JSON, not an object, no text) is skipped with a warning that
names its line number; the lines around it are still processed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from hypewatch import jsonlimits
from hypewatch.extractors.extractor import Extraction, Extractor

MAX_LINE_BYTES = 8_000_000
Warn = Callable[[str], None]


def read_posts(stream: IO[bytes], name: str, warn: Warn) -> Iterator[tuple[str, str, str]]:
    """(id, source, text) of each usable line; a warning for each unusable one."""
    for number, raw in enumerate(iter(lambda: stream.readline(MAX_LINE_BYTES + 1), b""), start=1):
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            warn(f"{name} line {number}: longer than {MAX_LINE_BYTES:,} bytes; skipped")
            for rest in iter(lambda: stream.readline(MAX_LINE_BYTES + 1), b""):
                if rest.endswith(b"\n"):
                    break
            continue
        post = _parse(raw, f"{name} line {number}", warn)
        if post is not None:
            yield post


def _parse(raw: bytes, where: str, warn: Warn) -> tuple[str, str, str] | None:
    line = raw.decode("utf-8", errors="replace").strip()
    if not line:
        return None
    try:
        data: Any = jsonlimits.loads(line, what=where)
    except (json.JSONDecodeError, jsonlimits.JsonLimitError) as error:
        warn(f"{where}: not valid JSON ({str(error)[:80]}); skipped")
        return None
    if not isinstance(data, dict):
        warn(
            f'{where}: expected an object {{"id","source","text"}}, '
            f"got {type(data).__name__}; skipped"
        )
        return None
    text = data.get("text")
    if not isinstance(text, str):
        warn(f'{where}: "text" is missing or not a string; skipped')
        return None
    post_id = data.get("id")
    if post_id is None:
        warn(f'{where}: no "id"; the line number is used instead')
        post_id = where.rsplit(" ", 1)[-1]
    source = data.get("source")
    return str(post_id), str(source or ""), text


def extract_file(
    path: Path | None, extractor: Extractor, warn: Warn, stdin: IO[bytes] | None = None
) -> Iterator[Extraction]:
    """Extractions of every usable line of a JSONL file (`None` reads `stdin`)."""
    if path is None:
        assert stdin is not None
        yield from _run(stdin, "<stdin>", extractor, warn)
        return
    with path.open("rb") as stream:
        yield from _run(stream, str(path), extractor, warn)


def _run(stream: IO[bytes], name: str, extractor: Extractor, warn: Warn) -> Iterator[Extraction]:
    for post_id, source, text in read_posts(stream, name, warn):
        extraction = extractor.extract(text, source, post_id)
        for message in extraction.warnings:
            warn(f"{name} id {post_id!r}: {message}")
        yield extraction
