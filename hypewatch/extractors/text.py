"""Untrusted post text on the way in: capped, cleaned, split into front matter and body.

Nothing here raises on bad input; every problem becomes a warning string
that says what was wrong.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import yaml

from hypewatch.extractors import registry

# The C (libyaml) safe loader when present: same results, several times faster.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_FRONT_MATTER_CHARS = 64_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_FRONT = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_ZERO_WIDTH = re.compile(r"[\u200b-\u200f\u2060\ufeff]")
# `[MMLU](https://...)` and `![chart](img.png)`: a Markdown link or image, kept as its text
_MD_LINK = re.compile(r"!?\[([^\]\n]{1,200})\]\([^)\s]{0,400}\)")


@dataclass
class Prepared:
    """A post's text ready for extraction."""

    body: str
    front_matter: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def clean(text: str, max_chars: int, warnings: list[str]) -> str:
    """Cap the text, drop control characters and zero-width marks, normalise Unicode."""
    if len(text) > max_chars:
        warnings.append(
            f"text is {len(text):,} characters; only the first {max_chars:,} were read "
            "(raise extraction.max_text_chars to read more)"
        )
        text = text[:max_chars]
    junk = len(_CONTROL.findall(text))
    if junk:
        if junk > max(8, len(text) // 20):
            warnings.append(
                f"text looks binary ({junk} control or undecodable characters); "
                "they were removed before extraction"
            )
        text = _CONTROL.sub(" ", text)
    text = _ZERO_WIDTH.sub("", text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        # `Magistral‑Small‑2506`: hyphens a page wrote as U+2010/U+2011 (NFKC keeps them)
        for hyphen in ("\u2010", "\u2011"):
            if hyphen in text:
                text = text.replace(hyphen, "-")
    return text


def split_front_matter(text: str, warnings: list[str]) -> tuple[dict[str, Any], str]:
    """YAML front matter (a model card's metadata) and the rest of the text."""
    if not text.lstrip("\ufeff").startswith("---"):
        return {}, text
    match = _FRONT.match(text)
    if match is None:
        return {}, text
    raw, body = match.group(1), text[match.end() :]
    if len(raw) > MAX_FRONT_MATTER_CHARS:
        warnings.append(
            f"front matter is longer than {MAX_FRONT_MATTER_CHARS:,} characters; ignored"
        )
        return {}, body
    try:
        data = yaml.load(raw, Loader=_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" at line {where.line + 2}" if where is not None else ""
        warnings.append(
            f"malformed YAML front matter{line} "
            f"({getattr(error, 'problem', None) or 'parse error'}); "
            "front matter ignored, the rest of the card was read"
        )
        return {}, body
    except RecursionError:
        warnings.append("front matter nests too deeply; ignored")
        return {}, body
    if data is None:
        return {}, body
    if not isinstance(data, dict):
        warnings.append("front matter is not a mapping of keys to values; ignored")
        return {}, body
    return data, body


def prepare(text: object, max_chars: int) -> Prepared:
    """Everything the extractor needs from raw text, with warnings instead of errors."""
    warnings: list[str] = []
    if not isinstance(text, str):
        warnings.append(f"text is a {type(text).__name__}, not a string; treated as empty")
        text = ""
    if not text.strip():
        warnings.append("text is empty; nothing to extract")
        return Prepared("", {}, warnings)
    cleaned = clean(text, max_chars, warnings)
    front, body = split_front_matter(cleaned, warnings)
    return Prepared(body, front, warnings)


def unlink(text: str) -> str:
    """Markdown links and images as their text (`scores 85.1 on [MMLU](url)` reads as prose)."""
    return _MD_LINK.sub(r"\1", text) if "](" in text else text


_BLOCK_END = re.compile(r"^(?:---|\.\.\.|```)\s*$|^\S")


def yaml_block(body: str, key: str, warnings: list[str]) -> dict[str, Any]:
    """A top-level YAML key written in the body rather than the front matter (a card
    pasted without its `---` fences, a README quoting its metadata): `{key: value}` or {}."""
    lines = body.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(f"{key}:")), -1)
    if start < 0:
        return {}
    end = start + 1
    while end < len(lines) and not (
        _BLOCK_END.match(lines[end]) and not lines[end].startswith("- ")
    ):
        end += 1
    raw = "\n".join(lines[start:end])
    if len(raw) > MAX_FRONT_MATTER_CHARS:
        return {}
    try:
        data = yaml.load(raw, Loader=_LOADER)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, RecursionError):
        warnings.append(f"`{key}:` in the text is not valid YAML; ignored")
        return {}
    return data if isinstance(data, dict) and key in data else {}


# A card's front matter as a page rendered it, newlines gone: `model-index: - name: X results:
# - task: ... dataset: name: MMLU (5-Shot) type: cais/mmlu ... metrics: - type: acc value: 66.21`
_FLAT_INDEX = re.compile(r"model-index:\s+-\s+name:\s+(\S{1,200})\s+results:")
_FLAT_TASK = re.compile(r"-\s+task:\s")
_FLAT_DATASET = re.compile(
    r"\bdataset:\s+(?:name:\s+(.{1,120}?)\s+type:\s+(\S{1,120})"
    r"|type:\s+(\S{1,120})\s+name:\s+(.{1,120}?)(?=\s+(?:metrics|args|config|split|revision):))"
)
_FLAT_SHOTS = re.compile(r"\bnum_few_shot:\s+(\d{1,3})\b")
_FLAT_VALUE = re.compile(r"\bmetrics:\s+-\s+.{1,120}?\bvalue:\s+(\d{1,5}(?:\.\d+)?)\b")
_FLAT_SOURCE = re.compile(
    r"\bsource:\s+url:\s+(?:>-?\s+)?(\S{1,400})(?:\s+name:\s+(.{1,80}?)(?=\s+-\s|$))?"
)
_FLAT_BASE = re.compile(r"(?:^|\s)base_model:\s+(?:-\s+)?([\w.\-]{1,96}/[\w.\-]{1,96})")


def flat_model_index(body: str) -> dict[str, Any]:
    """A `model-index` (and `base_model`) whose YAML a page flattened (on one line, or on
    lines without their indentation), in the shape its YAML has; {} when there is none."""
    head = " ".join(body[:MAX_FRONT_MATTER_CHARS].split())
    found = _FLAT_INDEX.search(head)
    if found is None:
        return {}
    results: list[dict[str, Any]] = []
    for chunk in _FLAT_TASK.split(head[found.end() :])[1:200]:
        dataset, value = _FLAT_DATASET.search(chunk), _FLAT_VALUE.search(chunk)
        if dataset is None or value is None:
            continue
        args = {"num_few_shot": int(m.group(1))} if (m := _FLAT_SHOTS.search(chunk)) else {}
        name, kind = dataset.group(1) or dataset.group(4), dataset.group(2) or dataset.group(3)
        result: dict[str, Any] = {
            "dataset": {"name": name, "type": kind, "args": args},
            "metrics": [{"value": float(value.group(1))}],
        }
        if source := _FLAT_SOURCE.search(chunk):
            result["source"] = {"url": source.group(1), "name": source.group(2) or ""}
        results.append(result)
    out: dict[str, Any] = {"model-index": [{"name": found.group(1), "results": results}]}
    if base := _FLAT_BASE.search(head[: found.start()]):
        out["base_model"] = base.group(1)
    return out


# `HellaSwag\n5-shot Self-reported\n69.1%`: an aggregator page's benchmark, its setting and its
# value each on a line of their own
_VERTICAL = re.compile(r"^([^\n]{2,40})\n(?:([^\n]{0,400})\n)?(\d{1,3}(?:\.\d+)?%)[ \t]*$", re.M)


def vertical_scores(prose: str) -> str:
    """Prose with `name / setting / value%` line triples joined into `name (setting): value%`,
    when the name is a known benchmark; anything else is left as it is."""
    if "%\n" not in prose and not prose.rstrip().endswith("%"):
        return prose

    def join(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if registry.lookup(name) is None:
            return match.group(0)
        setting = (match.group(2) or "").strip()
        return f"{name} ({setting}): {match.group(3)}" if setting else f"{name}: {match.group(3)}"

    return _VERTICAL.sub(join, prose)
