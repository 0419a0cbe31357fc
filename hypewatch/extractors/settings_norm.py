"""Evaluation settings (n-shot, CoT, maj@k, pass@k, strict-prompt) kept apart from benchmark ids."""

from __future__ import annotations

import re

_ORDER = ("shot", "cot", "at", "ifeval", "percentile", "protocol")
_WORDS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5"}
_SHOT = re.compile(r"\b(\d+|zero|one|two|three|four|five|few)[\s_-]*shots?\b", re.I)
_NUM_FEW_SHOT = re.compile(r"\bnum_few_shot\s*[:=]?\s*(\d+)", re.I)
#: Chain-of-thought, however written (`CoT`, `Chain of Thought`).
COT = re.compile(r"\b(cot|chain[\s-]*of[\s-]*thoughts?)\b", re.I)
_AT = re.compile(r"\b(maj|pass|cons|avg|best|mean)\s*@\s*(\d+)\b", re.I)
_STRICT = re.compile(
    r"\b(?:(strict|loose)[\s_-]*(prompt|inst(?:ruction)?)|(prompt|inst(?:ruction)?)[\s_-]*level[\s_-]*(strict|loose))\b",
    re.I,
)
_PERCENTILE = re.compile(r"\bpercentile\b", re.I)
#: The Open LLM Leaderboard v2 reports these six on its own scale: GPQA, MMLU-PRO, BBH and MuSR
#: rescaled so that random guessing scores 0 (GPQA 3.47 is about 28 % correct), IFEval as the
#: mean of two metrics, MATH on level 5 only. A value read from its results carries this
#: setting, which no runner reproduces (`verifiers/benchmark/prompts.unreproduced`).
LEADERBOARD_V2 = "open-llm-leaderboard-v2"
LEADERBOARD_V2_BENCHMARKS = frozenset({"ifeval", "bbh", "math-lvl-5", "gpqa", "musr", "mmlu-pro"})
_LEADERBOARD = re.compile(r"open[\s_-]*llm[\s_-]*leaderboard", re.I)
#: `pass@1` as a benchmark-id slug writes it (`humaneval-pass-1`); only for `without_settings`.
_AT_SLUG = re.compile(r"\b(maj|pass|cons|avg|best|mean)\s*[@-]\s*\d+\b", re.I)


def settings_in(text: str) -> list[str]:
    """Every setting named in a piece of text, normalised, in a stable order."""
    found: dict[str, str] = {}
    for match in _SHOT.finditer(text):
        n = match.group(1).lower()
        found.setdefault("shot", f"{_WORDS.get(n, n)}-shot")
    for match in _NUM_FEW_SHOT.finditer(text):
        found.setdefault("shot", f"{match.group(1)}-shot")
    if COT.search(text):
        found["cot"] = "cot"
    for match in _AT.finditer(text):
        found.setdefault("at", f"{match.group(1).lower()}@{match.group(2)}")
    for match in _STRICT.finditer(text):
        kind = (match.group(1) or match.group(4)).lower()
        unit = (match.group(2) or match.group(3)).lower()
        found.setdefault("ifeval", f"{kind}-{'prompt' if unit == 'prompt' else 'inst'}")
    if _PERCENTILE.search(text):
        found["percentile"] = "percentile"
    return [found[k] for k in _ORDER if k in found]


def protocol_of(benchmark: str, context: str) -> str:
    """The scoring protocol of a value for `benchmark` reported under `context` (a table's
    heading and the text before it, a model-index result's source): the leaderboard's own
    scale, or "" when the value is the benchmark's plain score."""
    if benchmark in LEADERBOARD_V2_BENCHMARKS and _LEADERBOARD.search(context):
        return LEADERBOARD_V2
    return ""


def without_settings(text: str) -> str:
    """The text with every n-shot, CoT, pass@k and strict/loose setting taken out
    (`"MMLU (5-shot)"` -> `"MMLU ( )"`, `"bbh-cot"` -> `"bbh- "`): what is left names the
    benchmark. The task registry uses it; the extractor keeps settings apart on its own."""
    for pattern in (_SHOT, _NUM_FEW_SHOT, COT, _AT, _AT_SLUG, _STRICT):
        text = pattern.sub(" ", text)
    return text


def join(settings: list[str]) -> str:
    """One setting string from parts: `0-shot, cot`. Duplicates dropped, order kept."""
    seen: list[str] = []
    for part in settings:
        for piece in part.split(", "):
            if piece and piece not in seen:
                seen.append(piece)
    rank = {kind: i for i, kind in enumerate(_ORDER)}

    def order(piece: str) -> int:
        if piece.endswith("-shot"):
            return rank["shot"]
        if piece == "cot":
            return rank["cot"]
        if "@" in piece:
            return rank["at"]
        if piece == "percentile":
            return rank["percentile"]
        if piece == LEADERBOARD_V2:
            return rank["protocol"]
        return rank["ifeval"]

    return ", ".join(sorted(seen, key=order))


def normalize(text: str) -> str:
    """The setting named in a free-text cell or label (`'8-shot, CoT'` -> `'8-shot, cot'`)."""
    return join(settings_in(text))
