"""Claims other than scores: model name, size, base model, comparisons, links, licence,
and whether a post is the launching party's claim at all.

Regular expressions over the cleaned prose; every pattern is bounded so a
1 MB post costs milliseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from hypewatch.extractors import names, registry

_W = r"[A-Za-z][A-Za-z0-9]*(?:[.\-][A-Za-z0-9]+)*"
_SIZE = r"\d+(?:\.\d+)?(?:x\d+(?:\.\d+)?)?[BbMm]"
NAME = (
    rf"(?:[A-Z][A-Za-z0-9]*(?:[.\-][A-Za-z0-9]+)*|[a-z]+[0-9][A-Za-z0-9]*(?:[.\-][A-Za-z0-9]+)*)"
    rf"(?:[ \-](?:{_SIZE}|v?\d+(?:\.\d+)*|[A-Z][A-Za-z0-9]*(?:[.\-][A-Za-z0-9]+)*)){{0,4}}"
)
REPO = r"[A-Za-z0-9][\w.\-]{0,95}/[A-Za-z0-9][\w.\-]{0,95}"
_NAME_RE = re.compile(NAME)
_CUE = re.compile(
    r"(?i:introducing|announcing|presenting|unveiling|releasing|launching|open[- ]sourcing|"
    r"meet|say hello to|welcome)\s+(?i:the\s+|our\s+|new\s+|a\s+)*(" + NAME + ")"
)
_IS_OUT = re.compile(
    r"(" + NAME + r")\s+(?:is|are|has been|just)\s+(?:now\s+)?(?:out|here|live|available|"
    r"released|launched|dropped|open[- ]sourced|open\b|public\b)"
)
_RELEASES = re.compile(
    r"\b(?:releases|released|launches|drops|dropped|open-sources)\s+(" + NAME + ")"
)
_HEADING = re.compile(r"^#{1,2}\s+(" + NAME + r")\s*$", re.M)
_LEAD = re.compile(r"\A\W{0,4}(" + NAME + r")\s*[:\-–—]")
_FAMILIES = (
    "llama|mistral|mixtral|qwen|gemma|phi|deepseek|yi|falcon|olmo|command|claude|gpt|gemini|"
    "hermes|internlm|glm|baichuan|nemotron|granite|smollm|codestral|starcoder"
)
_BASE = re.compile(
    r"(?i:fine-?tuned?|fine tuned|finetuned|trained|built|based|distilled)\s+"
    r"(?i:on\s+top\s+of|from|upon|off(?:\s+of)?|on)\s+(?i:the\s+)?(?i:base\s+)?("
    + REPO
    + "|"
    + NAME
    + ")"
    r"|\b(?i:a\s+(?:full[- ]parameter\s+)?fine-?tune\s+of)\s+(?i:the\s+)?("
    + REPO
    + "|"
    + NAME
    + ")"
)
_COMPARE = re.compile(
    r"\b(?i:(beats|beating|outperforms|outperforming|surpasses|surpassing|exceeds|exceeding|"
    r"better than|ahead of|tops|edges out|crushes|destroys|outclasses|"
    r"matches|matching|rivals|rivaling|on par with|comparable to|competitive with|"
    r"as good as|level with))\s+((?:"
    + NAME
    + r")(?:(?:\s*,\s*|\s+and\s+|\s+or\s+|\s*&\s*)(?:"
    + NAME
    + "))*)"
)
_BEATS = frozenset(
    [
        "beats",
        "beating",
        "outperforms",
        "outperforming",
        "surpasses",
        "surpassing",
        "exceeds",
        "exceeding",
        "better than",
        "ahead of",
        "tops",
        "edges out",
        "crushes",
        "destroys",
        "outclasses",
    ]
)
_PARAMS_SPLIT = re.compile(
    r"(\d+(?:\.\d+)?)\s*(B|billion)\b[^.\n\d]{0,40}?(\d+(?:\.\d+)?)\s*(B|billion)\s*"
    r"(?:param(?:eter)?s?\s+)?(?:active|activated)",
    re.I,
)
_PARAMS = re.compile(
    r"(\d+(?:\.\d+)?(?:x\d+(?:\.\d+)?)?)\s*(B|billion|M|million)[\s-]*(?:total\s+)?param(?:eter)?s?\b",
    re.I,
)
_URL = re.compile(r"(?:https?://|(?<![\w/.])(?:huggingface\.co|hf\.co)/)[^\s<>\"'`)\]]{1,400}")
_OPEN = re.compile(
    r"\bopen[- ]weights?\b|\bopen[- ]sourc(?:e|ed|ing)\b|"
    r"\bweights (?:are )?(?:on|available|released)|"
    r"\bdownload (?:the )?weights\b|\bpermissive(?:ly)? licen",
    re.I,
)
_LICENSE = re.compile(
    r"\b(apache[- ]?(?:license[- ]?)?2(?:\.0)?|mit licen[sc]e|"
    r"llama[- ]?\d(?:\.\d)? (?:community )?licen[sc]e|"
    r"cc[- ]by(?:[- ]nc)?(?:[- ]sa)?[- ]4\.0|gpl-?3(?:\.0)?|openrail\+*\S*)",
    re.I,
)


@dataclass(frozen=True)
class Link:
    kind: str
    url: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "url": self.url}


@dataclass(frozen=True)
class Comparison:
    relation: str
    model: str

    def to_json(self) -> dict[str, str]:
        return {"relation": self.relation, "model": self.model}


def _trim(name: str) -> str:
    name = name.strip(" .,:;-")
    words = name.split()
    while words and (words[-1].lower() in _TRAILING or registry.lookup(words[-1]) is not None):
        words.pop()
    # a sentence-initial verb or adverb ("Tested Tern-7B", "Finally Qwen2 7B") is not part
    # of the name; a name word with a digit ("Tested-7B") always is
    while (
        len(words) > 1
        and _LEADING_WORD.fullmatch(words[0])
        and words[0].lower() not in (_FAMILY_WORDS)
    ):
        words.pop(0)
    return " ".join(words)


_LEADING_WORD = re.compile(r"[A-Za-z]+(?:ed|ing|ly)")
_FAMILY_WORDS = frozenset({"ling", "qwen", "reflection"})  # families that look like verbs


_TRAILING = frozenset(
    [
        "is",
        "are",
        "on",
        "in",
        "at",
        "with",
        "and",
        "or",
        "the",
        "a",
        "an",
        "for",
        "to",
        "by",
        "of",
        "from",
        "it",
        "its",
    ]
)


def _plausible_name(name: str) -> bool:
    if len(name) < 2 or len(name) > 80 or registry.lookup(name) is not None:
        return False
    if _BARE_VERSION.match(name):  # `v0.4.5 is out` names a software release, not a model
        return False
    first = name.split()[0].lower()
    if first in _STOP:
        return False
    return any(c.isdigit() for c in name) or re.match(rf"(?:{_FAMILIES})\b", name, re.I) is not None


_BARE_VERSION = re.compile(r"^v?\d+(?:\.\d+)*[a-z]?$", re.I)
_STOP = frozenset(
    [
        "we",
        "i",
        "our",
        "the",
        "this",
        "it",
        "its",
        "a",
        "an",
        "today",
        "new",
        "meet",
        "introducing",
        "mmlu",
        "gpqa",
        "humaneval",
        "math",
        "gsm8k",
        "ifeval",
        "so",
        "and",
        "but",
        "just",
        "also",
        "here",
        "now",
    ]
)


def model_name(text: str, repos: list[str], exclude: set[str]) -> str:
    """The launched model's name, from launch cues, a repo link, a heading or a leading name."""
    head = text[:4000]
    for pattern in (_CUE, _IS_OUT, _RELEASES, _HEADING, _LEAD):
        for match in pattern.finditer(head):
            name = _trim(match.group(1))
            if _plausible_name(name) and names.key(name) not in exclude:
                return name
    if repos:
        return repos[0].split("/", 1)[1]
    for match in _NAME_RE.finditer(head):
        name = _trim(match.group(0))
        if (
            _plausible_name(name)
            and names.key(name) not in exclude
            and names.sizes(names.tokens(name))
        ):
            return name
    return ""


def base_model(text: str) -> str:
    for match in _BASE.finditer(text[:20000]):
        name = _trim(match.group(1) or match.group(2) or "")
        if "/" in name or _plausible_name(name):
            return name
    return ""


def comparisons(text: str) -> list[Comparison]:
    out: list[Comparison] = []
    for match in _COMPARE.finditer(text[:20000]):
        verb = match.group(1).lower()
        relation = "beats" if verb in _BEATS else "matches"
        for part in re.split(r"\s*,\s*|\s+and\s+|\s+or\s+|\s*&\s*", match.group(2)):
            rival = _trim(part)
            if rival and _plausible_name(rival) and all(c.model != rival for c in out):
                out.append(Comparison(relation, rival))
        if len(out) >= 20:
            break
    return out


def params(text: str, model: str) -> tuple[float | None, float | None]:
    """(total, active) parameters in billions.

    `671B total, 37B active`, a size in the model name (`70B`), `7 billion parameters`."""
    split = _PARAMS_SPLIT.search(text[:20000])
    if split:
        total, active = float(split.group(1)), float(split.group(3))
        if active < total:
            return total, active
    sized = names.sizes(names.tokens(model)) if model else set()
    if sized:
        return max(sized), None
    match = _PARAMS.search(text[:20000])
    if match:
        token = (match.group(1) + match.group(2)[0]).lower()
        return names.size_b(token), None
    return None, None


def _link_kind(url: str) -> tuple[str, str]:
    if not url.startswith("http"):
        url = "https://" + url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = [p for p in parts.path.split("/") if p]
    low = url.lower()
    if host in {"huggingface.co", "www.huggingface.co", "hf.co"}:
        if path[:1] == ["spaces"]:
            return "demo", url
        if path[:1] == ["papers"]:
            return "paper", url
        if len(path) >= 2 and path[0] not in {"datasets", "blog", "docs", "collections", "api"}:
            return "hf_repo", f"https://huggingface.co/{path[0]}/{path[1]}"
        return "other", url
    if host.endswith(("arxiv.org", "openreview.net", "aclanthology.org")) or low.endswith(".pdf"):
        return "paper", url
    if (
        host.startswith("api.")
        or "/v1" in parts.path
        or "/api/" in parts.path
        or "chat/completions" in low
    ):
        return "endpoint", url
    if (
        "demo" in low
        or "playground" in low
        or host.startswith("chat.")
        or host.endswith("gradio.live")
    ):
        return "demo", url
    return "other", url


def links(text: str, limit: int = 50) -> list[Link]:
    out: list[Link] = []
    seen: set[str] = set()
    for match in _URL.finditer(text):
        raw = match.group(0).rstrip(".,;:!?*_")
        kind, url = _link_kind(raw)
        if url not in seen:
            seen.add(url)
            out.append(Link(kind, url[:500]))
        if len(out) >= limit:
            break
    return out


def open_weights(text: str) -> bool:
    return _OPEN.search(text[:20000]) is not None


def license_in(text: str) -> str:
    match = _LICENSE.search(text[:20000])
    return re.sub(r"\s+", "-", match.group(1).lower()) if match else ""
