"""The probes and how each one scores the reference tokenizers.

Pure functions over what the endpoint answered: no I/O here, so each probe's
rule can be read (and tested) on its own. `session.py` decides which probes
to send; `decide.py` combines their scores into a verdict.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate

from hypewatch.verifiers.fingerprint.client import Message
from hypewatch.verifiers.fingerprint.references import Reference

# Texts that split very differently across tokenizers: digit runs (split per digit,
# per 3 digits or merged), whitespace runs, code, CJK, emoji, rare Unicode,
# repeated units. Each starts with a letter so a chat template's preceding
# token cannot merge with it.
# The first two, with the scrub list and the self-identification question (whose
# usage counts for free), separate every default reference group pairwise.
COUNT_TEXTS = (
    "Order 1234567890 shipped 2024-09-05 at 10:45:33; total 98765.4321 units, id 0x7fA3.",
    "Launch 🚀🔥 day ✨ naïve café ∑∫√ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and 東京の天気は晴れです。北京欢迎你。서울의 밤",
    "def f(x):\n    return {k: v**2 for k, v in x.items() if v != None}  # ok\n\t\tpass",
    "Repeat aaaaaaaaaaaaaaaa ababababababab ................ ======== 000000 zzz zzz zzz",
)
#: A two-message request: separates the per-message from the per-request overhead.
COUNT_MULTI: tuple[Message, ...] = (
    {"role": "system", "content": "You answer in one word. Σχήμα 数据 ▁▁ ____ 42424242"},
    {"role": "user", "content": "Say OK. Ünïcödé   spaced    out\n\n\nlines 3.14159265"},
)
#: Repeat-after-me texts, ASCII only (a detokenizer never holds back a partial
#: character and moves a boundary), dense in what tokenizers split differently:
#: digit groups, long identifiers, hex, decimals, punctuation runs.
STREAM_TEXT = (
    "Tokenizers disagree: 1234567 vs 12,345,678, unbelievably_long_identifier_names, "
    "0x7fA3, 3.14159265 and ====...."
)
#: Cut at max_tokens = k (7, then 12): where each reply stops names the tokenizer.
TRUNCATION_TEXTS = (
    "Tokenizers disagree: 1234567 vs 12,345,678 and unbelievably_long_identifier_names",
    "The quick brown fox jumps over 13 lazy dogs; 2048 bytes of JSON",
)
TRUNCATION_K = (7, 12)

#: Vendor and model names a repeat-after-me list asks back; name -> vendor group.
NAMES: dict[str, str] = {
    "Claude": "anthropic",
    "Anthropic": "anthropic",
    "GPT-4o": "openai",
    "ChatGPT": "openai",
    "OpenAI": "openai",
    "Llama": "meta",
    "Meta": "meta",
    "Qwen": "alibaba",
    "Alibaba": "alibaba",
    "Mistral": "mistral",
    "Mixtral": "mistral",
    "Gemini": "google",
    "Gemma": "google",
    "Google": "google",
    "DeepSeek": "deepseek",
    "Phi": "microsoft",
    "Microsoft": "microsoft",
    "Grok": "xai",
    "Command-R": "cohere",
    "Cohere": "cohere",
    "Sonnet": "anthropic",
    "GPT-4": "openai",
    "Nemotron": "nvidia",
    "NVIDIA": "nvidia",
    "Falcon": "tii",
    "Hermes": "nous",
}
SELF_ID_PROMPT = (
    "What is the name of the model you are, and which company trained you? "
    "Answer in one short sentence."
)


def probe_texts() -> list[str]:
    """Every message content whose count a session reads (to compare two tokenizers by)."""
    return [
        *COUNT_TEXTS,
        *(m["content"] for m in COUNT_MULTI),
        scrub_prompt(list(NAMES))[0]["content"],
        SELF_ID_PROMPT,
    ]


def repeat_prompt(text: str) -> list[Message]:
    return [
        {
            "role": "user",
            "content": "Repeat the following text exactly, with nothing before or after it:\n"
            + text,
        }
    ]


def scrub_prompt(words: Sequence[str]) -> list[Message]:
    listing = "\n".join(words)
    return [
        {
            "role": "user",
            "content": "Repeat this list exactly, one item per line, nothing else:\n" + listing,
        }
    ]


def user(text: str) -> list[Message]:
    return [{"role": "user", "content": text}]


# -- 1. reported token counts ----------------------------------------------


@dataclass(frozen=True)
class CountObservation:
    messages: tuple[Message, ...]
    reported: int


@dataclass(frozen=True)
class CountFit:
    """How well one reference explains the reported prompt token counts.

    reported = per_request + per_message * messages + sum(tokens of each content).
    `score` is the fraction of checks (observations beyond the fitted
    parameters) that agree exactly; None when there are no checks yet.
    """

    label: str
    observations: int
    checks: int
    agreements: int
    per_request: int
    per_message: int | None  # None: every request had the same number of messages
    residuals: list[int]

    @property
    def score(self) -> float | None:
        if self.checks <= 0:
            return None
        params = self.observations - self.checks
        return max(0, self.agreements - params) / self.checks

    @property
    def exact(self) -> bool:
        return self.checks > 0 and self.agreements == self.observations


def _candidates(excess: list[int], sizes: list[int]) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    if len(set(sizes)) < 2:
        return {(e, 0) for e in excess}
    for i in range(len(excess)):
        for j in range(i + 1, len(excess)):
            if sizes[i] == sizes[j]:
                continue
            slope, rest = divmod(excess[i] - excess[j], sizes[i] - sizes[j])
            if rest == 0:
                found.add((excess[i] - slope * sizes[i], slope))
    # least squares, rounded: the fit when nothing agrees exactly
    mean_m, mean_e = statistics.fmean(sizes), statistics.fmean(excess)
    var = sum((m - mean_m) ** 2 for m in sizes)
    slope_ls = sum((m - mean_m) * (e - mean_e) for m, e in zip(sizes, excess, strict=True)) / var
    found.add((round(mean_e - slope_ls * mean_m), round(slope_ls)))
    return found


def fit_counts(observations: list[CountObservation], ref: Reference) -> CountFit:
    """Integer linear fit of the template overhead; the best-agreeing line wins."""
    observations = [o for o in observations if all(ref.knows(m["content"]) for m in o.messages)]
    sizes = [len(o.messages) for o in observations]
    excess = [o.reported - sum(ref.count(m["content"]) for m in o.messages) for o in observations]
    params = 2 if len(set(sizes)) >= 2 else 1
    if not observations:
        return CountFit(ref.label, 0, 0, 0, 0, 0, [])

    def quality(line: tuple[int, int]) -> tuple[int, int]:
        residuals = [e - line[0] - line[1] * m for e, m in zip(excess, sizes, strict=True)]
        return sum(r == 0 for r in residuals), -sum(abs(r) for r in residuals)

    best = max(sorted(_candidates(excess, sizes)), key=quality)
    residuals = [e - best[0] - best[1] * m for e, m in zip(excess, sizes, strict=True)]
    agreements = sum(r == 0 for r in residuals)
    return CountFit(
        ref.label,
        len(observations),
        len(observations) - params,
        agreements,
        best[0],
        best[1] if params == 2 else None,
        residuals,
    )


# -- 2. stream chunk boundaries --------------------------------------------


def _visible_index(text: str) -> list[int]:
    """For each character position, how many non-whitespace characters precede it."""
    return [0, *accumulate(0 if ch.isspace() else 1 for ch in text)]


def _normalise(positions: list[int], text: str) -> set[int]:
    index = _visible_index(text)
    total = index[-1]
    return {index[p] for p in positions if 0 <= p <= len(text)} - {0, total}


def chunk_boundaries(chunks: list[str]) -> set[int]:
    """Where the stream split its reply, counted in non-whitespace characters.

    Whitespace is ignored so that "a" + " b" and "a " + "b" (two ways tokenizers
    attach spaces) mark the same boundary.
    """
    text = "".join(chunks)
    return _normalise(list(accumulate(len(c) for c in chunks)), text)


def token_boundaries(text: str, ref: Reference) -> set[int]:
    positions = [p for span in ref.spans(text) for p in span]
    return _normalise(positions, text)


@dataclass(frozen=True)
class StreamScore:
    observed: int
    scores: dict[str, float]
    informative: bool


def score_stream(chunks: list[str], refs: list[Reference]) -> StreamScore:
    """Jaccard overlap of chunk boundaries with each reference's token boundaries."""
    observed = chunk_boundaries(chunks)
    text = "".join(chunks)
    scores: dict[str, float] = {}
    for ref in refs:
        if not ref.has_spans:
            continue  # enrolled usage counts: no token boundaries to compare
        expected = token_boundaries(text, ref)
        union = observed | expected
        scores[ref.label] = len(observed & expected) / len(union) if union else 0.0
    return StreamScore(len(observed), scores, informative=len(observed) >= 3)


# -- 3. truncation points ----------------------------------------------------


def _visible(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace())


def score_truncation(
    reply: str, k: int, refs: list[Reference], asked: str = ""
) -> dict[str, float]:
    """A reply cut at max_tokens=k stops where the tokenizer that counted ends token k.

    When the reply is the start of the text it was asked to repeat (whitespace
    aside), compare where it stops with the end of each reference's k-th token of
    that text: re-encoding a word cut in the middle would not give k tokens back.
    Otherwise count the reply's tokens. Exact scores 1; one token off 0.5 (a
    detokenizer holding back a partial character); else 0.
    """
    visible_reply = _visible(reply)
    is_prefix = bool(asked) and _visible(asked).startswith(visible_reply)
    stop = len(visible_reply)
    scores: dict[str, float] = {}
    for ref in refs:
        if is_prefix and not ref.has_spans:
            continue
        if is_prefix:
            index = _visible_index(asked)
            ends = [index[end] for _, end in ref.spans(asked)]
            near = [abs(n - k) for n, end in enumerate(ends, start=1) if end == stop]
            off = min(near) if near else 2
        else:
            off = abs(ref.count(reply) - k)
        scores[ref.label] = 1.0 if off == 0 else 0.5 if off == 1 else 0.0
    return scores


# -- 4. scrubbed words -------------------------------------------------------


def _words(text: str) -> str:
    """Case-folded words joined by single spaces: "GPT-4o" and "gpt - 4o" both give "gpt 4o"."""
    return " ".join(re.findall(r"[^\W_]+", text.casefold()))


@dataclass(frozen=True)
class ScrubResult:
    returned: list[str]
    missing: list[str]
    not_reached: list[str] = field(default_factory=list)

    @property
    def informative(self) -> bool:
        """The endpoint followed the instruction (most names it got to came back)."""
        asked = len(self.returned) + len(self.missing)
        return asked > 0 and len(self.returned) >= max(1, asked // 2)


def find_scrubbed(reply: str, words: Sequence[str], *, cut: bool = False) -> ScrubResult:
    """Which of `words` never came back. With `cut` (the reply hit max_tokens), names
    after the last one returned were never reached and are not counted as scrubbed."""
    said = f" {_words(reply)} "
    returned = [w for w in words if _words(w) and f" {_words(w)} " in said]
    last = max((words.index(w) for w in returned), default=-1)
    missing = [w for w in words if w not in returned and (not cut or words.index(w) < last)]
    not_reached = [w for w in words if w not in returned and w not in missing]
    return ScrubResult(returned, missing, not_reached)


# -- 5. self-identification ----------------------------------------------------


def vendor_groups(text: str) -> set[str]:
    """Vendor groups named in a text (a model name, a self-description), as whole words."""
    return {
        group
        for name, group in NAMES.items()
        if re.search(rf"(?<![a-z0-9]){re.escape(name)}(?![a-z])", text, re.IGNORECASE)
    }


@dataclass(frozen=True)
class SelfIdResult:
    reply: str
    groups: list[str] = field(default_factory=list)
