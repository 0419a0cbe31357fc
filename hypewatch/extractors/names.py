"""Model names: tokens, parameter sizes, versions, and whether two names are one release.

`Llama-3.1-70B-Instruct`, `Llama 3.1 70B` and `llama3.1:70b` are one name;
`Llama 3.1 405B` (another size) and `Llama 3 70B` (another version) are not.
"""

from __future__ import annotations

import functools
import re

# A size stands alone (`70b`, `8x7b`): the `1t` of `4e1t` (4 experts, 1 trillion tokens) is not one.
_TOKEN = re.compile(
    r"(?<![a-z0-9.])\d+(?:\.\d+)?x\d+(?:\.\d+)?[bmt]\b|(?<![a-z0-9.])\d+(?:\.\d+)?[bmt]\b|"
    r"(?<![a-z0-9.])\d+[a-z]+\d+[a-z0-9]*|v?\d+(?:\.\d+)*[a-z]{0,3}|[a-z]+"
)
_SIZE = re.compile(r"^(?:(\d+(?:\.\d+)?)x)?(\d+(?:\.\d+)?)([bmt])$")
_VERSION = re.compile(r"^v?(\d+(?:\.\d+)*)([a-z]{0,3})$")
# `MiniMax-M1-80K`, `Qwen-7B-Chat-32k`: a context length or thinking budget, not a version
KILO = re.compile(r"^\d+k$")
NOISE = frozenset(
    {"instruct", "chat", "hf", "it", "model", "the", "gguf", "preview", "base", "params"}
    | {"parameters", "param"}
)
# Organisations that prefix a model's name (`Meta Llama 3`, `mistralai/Mistral-7B`): not a family.
ORGS = frozenset(
    {"meta", "microsoft", "google", "mistralai", "nvidia", "alibaba", "openai", "anthropic", "ai"}
)
_UNIT = {"b": 1.0, "m": 0.001, "t": 1000.0}


# `Zephyr-7B-β` is `Zephyr 7B beta`: Greek letters name versions
_GREEK = str.maketrans({"α": " alpha ", "β": " beta ", "γ": " gamma ", "δ": " delta "})


# `stabilityai/stablelm-3b-4e1t`: a repo id's owner is no part of the model's name
_REPO_ID = re.compile(r"^[\w.\-]+/(?=[\w.\-]+(?:\s|$))")  # `org/Model (this model)` too


def tokens(name: str) -> list[str]:
    """Lower-case tokens of a name: words, versions (`3.1`, `v3`) and sizes (`70b`, `8x7b`)."""
    return list(_tokens(name))


# `Llama 3.2 1B bf16`: full precision names how weights are stored, not another model
# (`int4`, `fp8`, `fp4` do: quantised weights are a derivative)
_PRECISION = re.compile(r"(?<![a-z0-9.])(?:bfloat|float|bf|fp)(?:16|32)(?![a-z0-9])")


@functools.lru_cache(maxsize=4096)
def _tokens(name: str) -> tuple[str, ...]:
    # one post compares the same few names many times (every table label with every subject)
    if "/" in name:
        name = _REPO_ID.sub("", name.strip())
    lowered = name.lower().replace("_", " ").replace("/", " ")
    if not lowered.isascii():
        lowered = lowered.translate(_GREEK)
    if "16" in lowered or "32" in lowered:
        lowered = _PRECISION.sub(" ", lowered)
    return tuple(_TOKEN.findall(lowered))


def size_b(token: str) -> float | None:
    """Billions of parameters a size token stands for (`8x7b` -> 56)."""
    if not token[:1].isdigit():  # most tokens are words; a size starts with a digit
        return None
    match = _SIZE.match(token)
    if not match:
        return None
    experts = float(match.group(1)) if match.group(1) else 1.0
    return round(experts * float(match.group(2)) * _UNIT[match.group(3)], 6)


def sizes(toks: list[str]) -> set[float]:
    return {s for s in (size_b(t) for t in toks) if s is not None}


def versions(toks: list[str]) -> set[str]:
    found: set[str] = set()
    for token in toks:
        if size_b(token) is not None or KILO.match(token):
            continue
        match = _VERSION.match(token)
        if match:
            found.add(match.group(1) + match.group(2))
    return found


def family(toks: list[str]) -> str:
    for token in toks:
        if token.isalpha() and token not in NOISE and token not in ORGS:
            return token
    return ""


@functools.lru_cache(maxsize=8192)
def key(name: str) -> str:
    """A normalised name: the same for spellings of one release."""
    return " ".join(t for t in tokens(name) if t not in NOISE)


def compatible(a: str, b: str) -> bool:
    """Could two names be the same release? Same family, no conflicting size or version."""
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb or (family(ta) != family(tb) and _squashed(ta) != _squashed(tb)):
        return False
    sa, sb = sizes(ta), sizes(tb)
    if sa and sb and not (sa & sb):
        return False
    return not versions_conflict(ta, tb)


def _squashed(toks: list[str]) -> str:
    """The name's words run together: `FalconMamba-7B` and `Falcon-Mamba-7B` are one name."""
    return "".join(t for t in toks if t.isalpha() and t not in NOISE)


def versions_conflict(ta: list[str], tb: list[str]) -> bool:
    """Both token lists name versions that cannot be one release's: `3.1` against `3`, or
    `3.5 1210` against `3.5 0106`. One name's versions within the other's are not a conflict
    (`Devstral 2` is short for `Devstral 2 123B Instruct 2512`); `3.0` is `3`."""
    va, vb = _plain_versions(tuple(ta)), _plain_versions(tuple(tb))
    return bool(va and vb) and not (va <= vb or vb <= va)


def other_version(a: str, b: str) -> bool:
    """The same family with another version: `OpenChat 3.5 1210` beside `OpenChat 3.5 0106`."""
    ta, tb = tokens(a), tokens(b)
    return bool(ta and tb) and family(ta) == family(tb) and versions_conflict(ta, tb)


@functools.lru_cache(maxsize=4096)
def _plain_versions(toks: tuple[str, ...]) -> frozenset[str]:
    return frozenset(v[:-2] if v.endswith(".0") else v for v in versions(list(toks)))


def similarity(a: str, b: str) -> float:
    """Token overlap (Jaccard) of two names, ignoring noise words."""
    ta = {t for t in tokens(a) if t not in NOISE}
    tb = {t for t in tokens(b) if t not in NOISE}
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def best_match(candidates: list[str], names: list[str], minimum: float = 0.34) -> int:
    """Index of the candidate that best matches any of `names` (compatible first), or -1."""
    best, best_score = -1, minimum
    for i, candidate in enumerate(candidates):
        for name in names:
            if not name:
                continue
            score = similarity(candidate, name) + (0.5 if compatible(candidate, name) else 0.0)
            if key(candidate) == key(name):
                score += 1.0
            full_a, full_b = set(tokens(candidate)), set(tokens(name))
            score += 0.2 * len(full_a & full_b) / max(1, len(full_a | full_b))
            if score > best_score:
                best, best_score = i, score
    return best
