"""Score claims in prose, found with a blank spaCy English pipeline.

PhraseMatchers find the registry's benchmark aliases (case-insensitive, plus
a case-sensitive one for words like MATH), a Matcher finds evaluation settings
and unknown benchmark-like names (`FooBench`, `XYZ-Eval`). Each benchmark is
then paired with the number beside it, forward ("MMLU: 89.9", "GSM8K maj@8
90.8") or backward ("89.9% on MMLU", "1245 Elo on Chatbot Arena"), within one
line or sentence; whichever direction pairs more benchmarks in a segment wins.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hypewatch.extractors import nlp as spacy_import
from hypewatch.extractors import registry, settings_norm

if TYPE_CHECKING:  # spaCy is imported when a finder first needs it (hypewatch/extractors/nlp.py)
    from spacy.language import Language
    from spacy.matcher import Matcher, PhraseMatcher
    from spacy.tokens import Doc, Span


@dataclass(frozen=True)
class Score:
    benchmark: str
    value: float
    setting: str = ""

    def __post_init__(self) -> None:
        # one place for ids that depend on the value (a Codeforces rating vs a percentile)
        object.__setattr__(self, "benchmark", registry.split_scale(self.benchmark, self.value))

    def to_json(self) -> dict[str, object]:
        return {"benchmark": self.benchmark, "value": self.value, "setting": self.setting}


# A line that describes the architecture (`Number of kv-heads: 8 (GQA)`, `Layers: 32`):
# its numbers are not scores, whatever benchmark-like word stands beside them.
_ARCH_HINT = re.compile(r"head|layer|vocab|hidden|context length|embedding|experts", re.I)
_ARCHITECTURE = re.compile(
    r"^[ \t]*(?:[-*•]\s*)?(?:\*\*)?(?:number of|num(?:ber)?\.?|#|total)?[ \t]*"
    r"(?:(?:kv|key[- ]value|query|attention|q)[- ]?)?"
    r"(?:heads?|layers|vocab(?:ulary)?(?: size)?|hidden (?:size|dim(?:ension)?)|"
    r"context (?:length|window)|embedding (?:size|dim(?:ension)?)|(?:activated |active )?experts)"
    r"(?:\*\*)?[ \t]*(?:\([^)\n]{0,20}\))?[ \t]*[:=|].*$",
    re.I | re.M,
)


# Title-case `Math` is MATH when a shot count and a value follow it ("Math 0-shot: 32.6");
# elsewhere ("Math reasoning") it is a word, so the alias stays case-sensitive.
_MATH_WITH_SETTING = re.compile(r"\bMath(?=\s+\(?(?:\d+|zero|few)[- ]?shots?\)?\s*[:=]?\s*\d)")


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_FWD = _words(
    "of at is was score scores scored scoring accuracy acc gets got achieves achieved "
    "reaches reached hits hit with a an elo rating rate: -> => around about approx. "
    "approx ~ pass@1 % benchmark bench test eval lc length-controlled leaderboard "
    "get also win win-rate winrate rate length controlled total overall sota new reaching "
    "achieving attains attained obtains "
    # `on the GSM8K task with 78.2`
    "task "
    # `On HumanEval it showed a result of 72.5%`
    "shows showed demonstrates demonstrated delivers delivered yields yielded posts posted "
    "records recorded result results "
    # `Tau2-Bench micro-average: 66.1`
    "average avg micro macro averaged "
) | frozenset(":=-–—|~≈→*_")
_BWD = _words(
    "on in at for the of percent pct pts points elo rating accuracy acc score the "
    "percentile win-rate winrate rate full entire whole "
    # the passive: `a high score of 92.9 was achieved on MATH`
    "was were achieved obtained attained reached "
    # `a 63.2% benchmark on the HumanEval coding task`
    "benchmark "
) | frozenset("%(*_:")
_VERBS = _words(
    "scores scored gets got achieves achieved reaches reached hits hit with at of is "
    "was around about approx get reach reaching achieve achieving attains attained obtains "
    "scoring hitting sota "
)
_BENCH_NOUNS = _words("benchmark benchmarks test suite")
#: The verbs a model's name can be the subject of: `Wren-7B scored 71.2`.
SCORE_VERBS = _words(
    "scores scored gets got achieves achieved reaches reached hits hit attains attained obtains "
    "obtained posts posted records recorded shows showed demonstrates demonstrated delivers "
    "delivered yields yielded"
)
_NOT_OWNER = frozenset(
    {"vs", "vs.", "versus", "than", "from", "by", "+", "'s", "’s", "$", "€", "£", "#"}
    # `needed to achieve over 80% accuracy`: a bound, not a score anyone reached
    | {"over", "above", "below", "under", "beyond"}
)
_UNITS = _words(
    "b m k t x bn billion million trillion tokens token tok/s t/s tps params "
    "parameters gb mb ms s sec seconds $ usd dollars hours days gpus gpu h100s h100 "
    "a100s layers experts "
    # `MMLU ...: 57 subject areas`, `1,319 problems`: a count, not a score
    "subjects subject areas categories domains disciplines tasks questions problems languages "
    "samples examples items prompts "
)
_VERSION = re.compile(r"^v\d+(?:\.\d+)*$", re.I)  # `BFCL v3 63.1`
_VERSUS = frozenset({"vs", "vs.", "versus", "v."})
_ARROWS = frozenset({"→", "->", "=>", "⟶", "⇒"})
# `jumped from 48.2 to 72.6`: a change of score, whose new value is the claim
_CHANGES = _words(
    "from jumped jumps rose rises improved improves improving increased increases climbed "
    "climbs went goes grew grows boosted boosts up"
)
# the subject of these is ahead of its rival: `X outperforms Y on MMLU (68.9 vs. 66.6)`
_BEATS = _words(
    "outperforms outperformed outperforming beats beating surpasses surpassed surpassing "
    "tops topped exceeds exceeded outscores outscored edges higher better"
)
_PERCENT_WORDS = frozenset({"percent", "percentage", "%"})
_POINT_WORDS = frozenset({"point", "points", "pts"})
_GAP_WORDS = _words(
    "above below higher lower ahead behind more less better worse over under up down"
)
_RANK = frozenset({"rank", "ranked", "ranks", "ranking", "place", "top", "top-"})
_PUNCT = re.compile(r"^[:=|\-–—~≈→*_)]+$")
_BOUNDARY = frozenset({".", "!", "?", "•", "·"})
_UNKNOWN_BENCH = re.compile(
    r"(?<![\w/.-])(?:[A-Z][A-Za-z0-9]*(?:-?(?:Bench|bench|Eval|QA|Arena|Hard))"
    # `olmOCR-Bench`: a lower-case start with a capital suffix
    r"|[a-z]+[A-Z][A-Za-z0-9]*-?(?:Bench|Eval|QA|Arena)"
    # `on the VMLU benchmark`, `the miniF2F benchmark`, `ProofNet benchmark`: a name with
    # capitals or digits inside it that the text calls a benchmark
    r"|[A-Z][A-Z0-9]{2,}(?=\s+benchmark\b)|[A-Za-z][a-z]*[A-Z0-9][A-Za-z0-9]*(?=\s+benchmark\b))"
    r"\+?(?![\w/])"
)
_ONE_TOKEN_SHOTS = [
    f"{n}{d}{w}"
    for n in [*map(str, range(65)), "zero", "one", "few"]
    for d in ("", "-")
    for w in ("shot", "shots")
]
_SETTING_HINTS = ("shot", "cot", "@", "thought", "strict", "loose", "percentile")
_AT_K = [f"{m}@{k}" for m in ("maj", "pass", "cons", "avg", "best", "mean") for k in range(1, 1025)]


_CAMEL = re.compile(r"(?<![A-Z])([a-z]{2,})([A-Z][a-z]{2,})")


# The settings Matcher's patterns as sets of lower-case token texts (see `_setting_spans`).
_SHOT_WORDS = frozenset({"shot", "shots"})
_DASHES = frozenset({"-", "_"})
_SHOT_NUMBERS = frozenset({"zero", "one", "few", "five", "three"})
_ONE_TOKEN_SETTINGS = frozenset(
    [*_ONE_TOKEN_SHOTS, "cot", "chain-of-thought", *_AT_K, "percentile"]
)
_STRICT_WORDS = frozenset({"strict", "loose"})
_PROMPT_WORDS = frozenset({"prompt", "inst", "instruction"})
_LEVEL_WORDS = frozenset({"prompt", "inst"})


def _variants(nlp: Language, alias: str) -> list[Doc]:
    """The tokenisations an alias can take in running text (GSM8K vs GSM8 + K)."""
    from spacy.tokens import Doc

    docs = [nlp.make_doc(alias)]
    words = [w for w in re.split(r"(\s+|-)", alias) if w and not w.isspace()]
    if words and [t.text for t in docs[0]] != words:
        docs.append(Doc(nlp.vocab, words=words))
    # the tokenizer splits by case (`GSM-8K` is GSM-8 + K, `GSM-8k` one token): the matcher
    # compares lower-case text, so each casing's tokens are a variant of their own
    for cased in {alias.lower(), alias.upper()} - {alias}:
        doc = nlp.make_doc(cased)
        if all([t.text.lower() for t in doc] != [t.text.lower() for t in d] for d in docs):
            docs.append(doc)
    # a CamelCase name written apart: `AlpacaEval 2.0` as "Alpaca-Eval 2.0" / "Alpaca Eval 2.0"
    # (else "Alpaca-Eval" matches the 2023 benchmark and its version "2.0" reads as a score)
    if _CAMEL.search(alias):
        for sep in ("-", " "):
            apart = _CAMEL.sub(rf"\1{sep}\2", alias)
            parts = [w for w in re.split(r"(\s+|-)", apart) if w and not w.isspace()]
            docs.append(Doc(nlp.vocab, words=parts))
    return docs


def build_nlp() -> Language:
    """A blank English pipeline whose tokenizer also splits `MMLU:89.9` and `IFEval(strict`."""
    spacy = spacy_import.spacy()
    from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

    nlp: Language = spacy.blank("en")
    infixes = [*(nlp.Defaults.infixes or ()), r"[:=|()\[\];~≈→、，；]", r"(?<=\d)/(?=\d)"]
    prefixes = [*(nlp.Defaults.prefixes or ()), r"\|", r"~", r"≈", r"\*+"]
    suffixes = [*(nlp.Defaults.suffixes or ()), r"\|", r"\*+", r":", r"(?<=[A-Z0-9])\."]
    tokenizer: Any = nlp.tokenizer
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    tokenizer.prefix_search = compile_prefix_regex(prefixes).search
    tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    return nlp


@dataclass(frozen=True)
class _Pipeline:
    """The blank pipeline and the matchers built on it."""

    nlp: Language
    lower: PhraseMatcher  # aliases, by lower-case text
    exact: PhraseMatcher  # ambiguous words (`MATH`, `ARC`), by exact text
    matcher: Matcher  # settings


def _build_pipeline(given: Language | None) -> _Pipeline:
    spacy_import.spacy()  # first: spaCy imported without torch
    from spacy.matcher import Matcher, PhraseMatcher

    nlp = given or build_nlp()
    lower = PhraseMatcher(nlp.vocab, attr="LOWER")
    exact = PhraseMatcher(nlp.vocab, attr="ORTH")
    for bench_id, alias, case_sensitive in registry.prose_aliases():
        target = exact if case_sensitive else lower
        target.add(bench_id, _variants(nlp, alias))
    matcher = Matcher(nlp.vocab)
    shot = {"LOWER": {"IN": ["shot", "shots"]}}
    dash = {"ORTH": {"IN": ["-", "_"]}, "OP": "?"}
    matcher.add(
        "SETTING",
        [
            [{"IS_DIGIT": True}, dash, shot],
            [{"LOWER": {"IN": _ONE_TOKEN_SHOTS}}],
            [{"LOWER": {"IN": ["zero", "one", "few", "five", "three"]}}, dash, shot],
            [{"LOWER": {"IN": ["cot", "chain-of-thought"]}}],
            [{"LOWER": "chain"}, dash, {"LOWER": "of"}, dash, {"LOWER": "thought"}],
            [{"LOWER": {"IN": _AT_K}}],
            [
                {"LOWER": {"IN": ["strict", "loose"]}},
                dash,
                {"LOWER": {"IN": ["prompt", "inst", "instruction"]}},
            ],
            [
                {"LOWER": {"IN": ["prompt", "inst"]}},
                dash,
                {"LOWER": "level"},
                dash,
                {"LOWER": {"IN": ["strict", "loose"]}},
            ],
            [{"LOWER": "percentile"}],
        ],
    )
    return _Pipeline(nlp, lower, exact, matcher)


class ScoreFinder:
    """Finds (benchmark, value, setting) triples in prose. Build once; thread-compatible reads.

    The spaCy pipeline and matchers are built when first used (a post with no digit needs
    none, and a command that never extracts never imports spaCy)."""

    def __init__(self, nlp: Language | None = None) -> None:
        self._given = nlp

    @functools.cached_property
    def _pipeline(self) -> _Pipeline:
        return _build_pipeline(self._given)

    @property
    def nlp(self) -> Language:
        return self._pipeline.nlp

    @property
    def lower(self) -> PhraseMatcher:
        return self._pipeline.lower

    @property
    def exact(self) -> PhraseMatcher:
        return self._pipeline.exact

    @property
    def matcher(self) -> Matcher:
        return self._pipeline.matcher

    def find(self, text: str) -> list[Score]:
        return [score for score, _ in self.find_at(text)]

    def find_at(self, text: str) -> list[tuple[Score, int]]:
        """Scores with the offset of each value in `text`."""
        if not text or not any(c.isdigit() for c in text):
            return []
        if _ARCH_HINT.search(text):
            text = _ARCHITECTURE.sub(_blank, text)
        if "Math " in text:  # same length: spans and offsets stay put
            text = _MATH_WITH_SETTING.sub("MATH", text)
        doc = self.nlp.make_doc(text)
        benches, settings, toks = self._spans(doc, text)
        if not benches or toks is None:
            return []
        return _pair(toks, benches, settings)

    def _spans(
        self, doc: Doc, text: str
    ) -> tuple[list[tuple[int, int, str]], dict[int, str], _Toks | None]:
        from spacy.tokens import Span
        from spacy.util import filter_spans

        spans: list[Span] = []
        for match_id, start, end in [*self.lower(doc), *self.exact(doc)]:
            spans.append(Span(doc, start, end, label=match_id))
        settings: dict[int, str] = {}
        low = text.lower()
        toks: _Toks | None = None
        # most posts name no setting at all: the token scan runs only when a word hints at one
        if any(w in low for w in _SETTING_HINTS):
            toks = _Toks(doc, text)
            for start, end in self._settings(toks):
                norm = settings_norm.normalize(toks.span_text(start, end))
                for i in range(start, end):
                    settings[i] = norm
        if (
            "Bench" in text
            or "bench" in text  # also `the VMLU benchmark`
            or "Eval" in text
            or "QA" in text
            or "Arena" in text
            or "Hard" in text
        ):
            for match in _UNKNOWN_BENCH.finditer(text):
                span = doc.char_span(
                    match.start(), match.end(), label="UNKNOWN", alignment_mode="expand"
                )
                if span is not None:
                    spans.append(span)
        benches: list[tuple[int, int, str]] = []
        if not spans:
            return benches, settings, toks
        toks = toks or _Toks(doc, text)
        words, ws, size = toks.text, toks.ws, toks.n
        for span in sorted(filter_spans(spans), key=lambda s: s.start):
            start, end = span.start, span.end
            while (
                end + 1 < size
                and ws[end - 1] == ""
                and words[end] == "-"
                and ws[end] == ""
                and toks.alpha[end + 1]
            ):
                end += 2
            if end < size and words[end] == "+" and ws[end - 1] == "":
                end += 1
            # `BFCL V3`, `BFCL-v2`: the version is part of the benchmark's name
            if end < size and _VERSION.match(words[end]) and ws[end - 1] in (" ", ""):
                end += 1
            label = span.label_
            if end == span.end and label != "UNKNOWN":
                bench_id = label
            else:
                bench_id = registry.benchmark_id(toks.span_text(start, end))
            if any(i in settings for i in range(start, end)):
                continue
            benches.append((start, end, bench_id))
        return benches, settings, toks

    def _settings(self, toks: _Toks) -> list[tuple[int, int]]:
        """Token spans of evaluation settings: the SETTING patterns of `self.matcher`, run as
        set lookups on the token lists (the spaCy Matcher calls a Python predicate per token
        and pattern, and was a sixth of extraction time). When two spans overlap, the order
        the Matcher reports them in decides which setting a token gets, so the Matcher
        itself answers then (tests/extractors/test_scores.py checks both agree)."""
        text, lower, size = toks.text, toks.lower, toks.n
        found: list[tuple[int, int]] = []

        def dash_then(i: int, words: frozenset[str]) -> int:
            """End of `[-|_]? word` starting at token i, or -1."""
            if i < size and lower[i] in words:
                return i + 1
            if i + 1 < size and text[i] in _DASHES and lower[i + 1] in words:
                return i + 2
            return -1

        for i in range(size):
            word = lower[i]
            if text[i].isdigit() or word in _SHOT_NUMBERS:
                end = dash_then(i + 1, _SHOT_WORDS)
                if end > 0:
                    found.append((i, end))
            if word in _ONE_TOKEN_SETTINGS:
                found.append((i, i + 1))
            elif word == "chain":
                of = dash_then(i + 1, frozenset({"of"}))
                end = dash_then(of, frozenset({"thought"})) if of > 0 else -1
                if end > 0:
                    found.append((i, end))
            elif word in _STRICT_WORDS:
                end = dash_then(i + 1, _PROMPT_WORDS)
                if end > 0:
                    found.append((i, end))
            if word in _LEVEL_WORDS:
                level = dash_then(i + 1, frozenset({"level"}))
                end = dash_then(level, _STRICT_WORDS) if level > 0 else -1
                if end > 0:
                    found.append((i, end))
        covered: set[int] = set()
        for start, end in found:
            if covered.intersection(range(start, end)):
                return [(start, end) for _, start, end in self.matcher(toks.doc)]
            covered.update(range(start, end))
        return found


def _emoji(token: str) -> bool:
    """Only emoji and the marks that join or vary them (flags, skin tones, ZWJ)."""
    return all(unicodedata.category(c) in ("So", "Sk", "Mn", "Cf") for c in token)


class _Toks:
    """A doc's token attributes as plain lists, read once per post.

    The pairing loops below look at each token many times; `doc[i]` builds a new spaCy
    `Token` (and each attribute crosses into Cython) on every look, which made pairing the
    most expensive step of extraction. Same values as the `Token` attributes they copy.
    """

    __slots__ = (
        "alpha",
        "boundary",
        "doc",
        "gap",
        "idx",
        "lower",
        "n",
        "number",
        "source",
        "space",
        "text",
        "ws",
    )

    def __init__(self, doc: Doc, source: str) -> None:
        self.doc, self.source = doc, source  # source: the text the doc was made from
        text: list[str] = []
        ws: list[str] = []
        idx: list[int] = []
        for token in doc:
            idx.append(token.idx)
            text.append(token.text)
            ws.append(token.whitespace_)
        # spaCy's LOWER, IS_SPACE and IS_ALPHA are these str methods of the token text
        # (spacy.lang.lex_attrs); tests/extractors/test_fast_paths.py checks they agree
        self.text, self.ws, self.idx = text, ws, idx
        self.lower = [t.lower() for t in text]
        self.space = [t.isspace() for t in text]
        # an emoji (`achieves 7.54 on the 🇬🇧 MT-bench`) stands between words like a space
        self.gap = [
            sp or (not t.isascii() and _emoji(t)) for t, sp in zip(text, self.space, strict=True)
        ]
        self.alpha = [t.isalpha() for t in text]
        self.n = len(text)
        self.boundary = [
            t in _BOUNDARY or (sp and "\n" in t) for t, sp in zip(text, self.space, strict=True)
        ]
        self.number = [t[:1].isdigit() and _NUMBER.match(t) is not None for t in text]

    def span_text(self, start: int, end: int) -> str:
        """`doc[start:end].text`: the tokens and the spaces between them."""
        if start >= end:
            return ""
        return self.source[self.idx[start] : self.idx[end - 1] + len(self.text[end - 1])]


def _fraction(toks: _Toks, n: int) -> bool:
    """Token n is one side of a count like `4/30` (whole numbers; `81.2/45.7` is a list)."""
    text, ws = toks.text, toks.ws
    if not text[n].isdigit():
        return False
    after = n + 2 < toks.n and text[n + 1] == "/" and ws[n] == ""
    if after and ws[n + 1] == "" and text[n + 2].isdigit():
        return True
    before = n >= 2 and text[n - 1] == "/" and ws[n - 1] == ""
    return before and ws[n - 2] == "" and text[n - 2].isdigit()


def _paren_end(toks: _Toks, i: int, limit: int = 12) -> int:
    for j in range(i + 1, min(toks.n, i + limit)):
        if toks.text[j].startswith(")"):
            return j
        if toks.boundary[j]:
            break
    return -1


_SIGNED = re.compile(r"^[+±−-]\d")


def _paren_start(toks: _Toks, i: int, limit: int = 12) -> int:
    for j in range(i - 1, max(-1, i - limit), -1):
        if toks.text[j] == "(":
            return j
        if toks.boundary[j]:
            break
    return -1


class _Pairing:
    """One attempt at pairing a segment's benchmarks with numbers."""

    def __init__(self, toks: _Toks, settings: dict[int, str], bench_tokens: frozenset[int]) -> None:
        self.toks = toks
        self.settings = settings
        self.bench_tokens = bench_tokens
        self.taken: set[int] = set()

    def is_number(self, i: int) -> bool:
        return (
            self.toks.number[i]
            and i not in self.settings
            and i not in self.taken
            and i not in self.bench_tokens
        )

    def number_ok(self, n: int, backward: bool) -> bool:
        """Reject numbers that are prices, sizes, deltas, versions or someone else's."""
        toks = self.toks
        text, lower, ws, size = toks.text, toks.lower, toks.ws, toks.n
        has_next = n + 1 < size
        nxt_lower = lower[n + 1] if has_next else ""
        if has_next and nxt_lower in _UNITS:
            glued = ws[n] == ""
            if glued or nxt_lower not in {"s", "x", "m", "t"}:
                return False
        if has_next and text[n + 1] == "-" and ws[n] == "" and n + 2 < size and toks.alpha[n + 2]:
            return False  # a compound modifier: `13-gram`, `8-bit`, `4-way`
        if _fraction(toks, n):
            return False  # `4/30` problems solved is a count, not a percentage
        after = lower[n + 2] if n + 2 < size else ""
        if has_next and (
            nxt_lower == "pp"
            or (nxt_lower in _PERCENT_WORDS and after in _POINT_WORDS)
            or (nxt_lower in _POINT_WORDS and after in _GAP_WORDS)
        ):
            return False  # `4 percent points higher`, `+3.1 pp`, `9.4 points above`: a gap
        if nxt_lower == "%" and [lower[j] for j in range(n + 2, min(size, n + 4))] in (
            ["that", "of"],
            ["the", "size"],
        ):
            return False  # `approximately 70% that of Qwen3-30B`: a ratio of sizes
        if any(lower[j] in _RANK for j in range(max(0, n - 2), n)):
            return False  # `rank 9`, `ranked #2`, `style controlled rank of 26`
        if n >= 3 and [lower[j] for j in range(n - 3, n)] == ["by", "up", "to"]:
            return False  # `exceeds o1-preview by up to 27%`: a margin
        if n == 0:
            return True
        prev_lower = lower[n - 1]
        if prev_lower in _NOT_OWNER:
            return False
        if backward and text[n - 1] == "(" and n > 1:
            owner = n - 2
            if owner not in self.bench_tokens and not toks.boundary[owner] and toks.alpha[owner]:
                return False
            if any(ch.isupper() for ch in text[owner]) and owner not in self.bench_tokens:
                return False
        return not (
            backward
            and n - 1 not in self.bench_tokens
            and toks.alpha[n - 1]
            and text[n - 1][0].isupper()
            and prev_lower not in _VERBS
            and n > 1
            and not toks.boundary[n - 2]
        )

    def forward(self, end: int) -> tuple[int, list[str]]:
        toks, found = self.toks, []
        text, lower = toks.text, toks.lower
        i, steps, saw_verb = end, 0, False
        while i < toks.n and steps < 11:
            if toks.boundary[i]:
                break
            word = text[i]
            if i in self.settings:
                found.append(self.settings[i])
            elif word == "(":
                close = _paren_end(toks, i)
                if close < 0:
                    break
                # `MMLU (61.4)`, `ARC-Easy (92.5%)`: the value alone in parentheses
                bare = close == i + 2 or (close == i + 3 and toks.lower[i + 2] == "%")
                if bare and self.is_number(i + 1):
                    return i + 1, found
                # `X outperforms Y on MMLU (68.9 vs. 66.6)`: the first is the subject's
                ours = self._versus(i, close)
                if ours >= 0:
                    return ours, found
                found.extend(settings_norm.settings_in(toks.span_text(i + 1, close)))
                i = close
            elif self.is_number(i):
                if not self.number_ok(i, backward=False):
                    return -1, found
                return self._arrow_to(i), found
            elif lower[i] in _CHANGES and (to := self._from_to(i)) >= 0:
                return to, found  # `HumanEval jumped from 48.2 to 72.6`: the new value
            elif word == "," and not saw_verb:
                verb = self._subject_verb(i + 1)
                if verb >= 0:
                    # `In the MMLU benchmark, Wren-7B scored 71.2`: past the subject to its
                    # verb (whether the subject is another model is decided later, by name)
                    i = verb
                ahead = range(i + 1, min(toks.n, i + 4))
                saw_verb = verb >= 0 or any(lower[j] in _VERBS for j in ahead)
                if not saw_verb:
                    break
            elif not (
                toks.gap[i]
                or lower[i] in _FWD
                or _PUNCT.match(word)
                or lower[i] in ("we", "it", "model")
                or _VERSION.match(word)
            ):
                noun = self._described_noun(i)
                if noun < 0:
                    break
                i = noun  # `On the GPQA-Diamond general problem-solving benchmark: 61.6`
            saw_verb = saw_verb or lower[i] in _VERBS
            i += 1
            steps += 1
        return -1, found

    def _described_noun(self, i: int) -> int:
        """The index of `benchmark` (or `test`, `suite`) after a few lower-case words that
        describe it, starting at `i`, else -1."""
        toks = self.toks
        words = 0
        for j in range(i, min(toks.n, i + 10)):
            if toks.lower[j] in _BENCH_NOUNS:
                return j if words else -1
            if toks.space[j] or toks.text[j] == "-":
                continue
            if not toks.text[j].isalpha() or not toks.text[j].islower() or words == 4:
                return -1
            words += 1
        return -1

    def _subject_verb(self, i: int) -> int:
        """The index of a scoring verb after a model's name starting at `i` (`Wren-7B
        scored`, `Qwen2.5 72B achieves`), else -1."""
        toks = self.toks
        named = False
        for j in range(i, min(toks.n, i + 9)):
            word = toks.text[j]
            if toks.lower[j] in SCORE_VERBS:
                return j if named else -1
            if toks.boundary[j] or j in self.bench_tokens:
                return -1
            if toks.space[j] or word in ("-", "."):
                continue
            plain = word.replace("-", "").replace(".", "")
            if not (word[:1].isupper() or any(c.isdigit() for c in word)) or not plain.isalnum():
                return -1
            named = named or not toks.number[j]
        return -1

    def _arrow_to(self, n: int) -> int:
        """`MMLU-Pro: 75.9 → 81.2 (+5.3)`: the value after an arrow is the new one."""
        toks = self.toks
        j = n + 1
        while j < toks.n and (toks.gap[j] or toks.text[j] == "%"):
            j += 1
        arrow = j < toks.n and toks.text[j] in _ARROWS
        if j + 1 < toks.n and toks.text[j] in ("-", "=") and toks.text[j + 1] == ">":
            arrow, j = True, j + 1  # `->`, `=>` written as two tokens
        if arrow:
            k = j + 1
            while k < toks.n and toks.gap[k]:
                k += 1
            if k < toks.n and self.is_number(k) and self.number_ok(k, backward=False):
                return k
        return n

    def _from_to(self, i: int) -> int:
        """M in `[rose] from N[%] to M`, starting at the verb or `from` (token i), else -1."""
        toks = self.toks
        words = [j for j in range(i, min(toks.n, i + 9)) if not toks.space[j]]
        while words and toks.lower[words[0]] in _CHANGES - {"from"}:
            words.pop(0)
        if len(words) >= 4 and toks.text[words[2]] == "%":
            words.pop(2)
        if len(words) < 4 or toks.lower[words[0]] != "from" or toks.lower[words[2]] != "to":
            return -1
        before, after = words[1], words[3]
        if not (toks.number[before] and self.is_number(after)):
            return -1
        return after if self.number_ok(after, backward=False) else -1

    def _versus(self, opening: int, close: int) -> int:
        """The first number of `(68.9 vs. 66.6)` when the sentence before it says its subject
        beats someone (`X outperforms Y on MMLU (...)`), else -1."""
        toks = self.toks
        inner = [j for j in range(opening + 1, close) if not toks.space[j] and toks.text[j] != "%"]
        if len(inner) != 3 or toks.lower[inner[1]] not in _VERSUS:
            return -1
        first, second = inner[0], inner[2]
        if not (self.is_number(first) and toks.number[second]):
            return -1
        j = opening - 1
        while j >= 0 and not toks.boundary[j]:
            if toks.lower[j] in _BEATS:
                after = next((k for k in range(j + 1, opening) if not toks.space[k]), opening)
                if toks.lower[after] == "by":  # `Y is outperformed by X`: the order turns
                    return -1
                return first if self.number_ok(first, backward=False) else -1
            j -= 1
        return -1

    def backward(self, start: int) -> tuple[int, list[str]]:
        toks, found = self.toks, []
        i, steps = start - 1, 0
        while i >= 0 and steps < 7:
            if toks.boundary[i]:
                break
            if i in self.settings:
                found.append(self.settings[i])
            elif self.is_number(i):
                return (i, found) if self.number_ok(i, backward=True) else (-1, found)
            elif toks.text[i] == ")" and (group := self._delta_group(i)) is not None:
                # `(73.8%, +5.8%) on X`: the value beside its gain; `73.8% (+5.8%) on X`:
                # the gain after the value, skipped
                value, opening = group
                if value >= 0:
                    return value, found
                i = opening - 1
                steps += 1
                continue
            elif not (toks.gap[i] or toks.lower[i] in _BWD or _PUNCT.match(toks.text[i])):
                break
            steps += not toks.gap[i]  # whitespace and emoji take no step
            i -= 1
        return -1, found

    def _delta_group(self, close: int) -> tuple[int, int] | None:
        """A parenthesis holding a signed gain (`+5.8%`): (its one unsigned value or -1, the
        index of its opening parenthesis); None for any other parenthesis."""
        opening = _paren_start(self.toks, close)
        if opening < 0:
            return None
        inner = range(opening + 1, close)
        if not any(_SIGNED.match(self.toks.text[j]) for j in inner):
            return None
        values = [j for j in inner if self.is_number(j)]
        if len(values) == 1 and self.number_ok(values[0], backward=False):
            return values[0], opening
        return (-1, opening) if not values else None

    def assign(
        self, benches: list[tuple[int, int, str]], forward_first: bool
    ) -> list[tuple[int, int, list[str]]]:
        pairs: list[tuple[int, int, list[str]]] = []
        for k, (start, end, _bench) in enumerate(benches):
            if forward_first:
                n, found = self.forward(end)
                if n < 0:
                    n, found = self.backward(start)
            else:
                n, found = self.backward(start)
                if n < 0:
                    n, found = self.forward(end)
            if n >= 0:
                self.taken.add(n)
                pairs.append((k, n, found))
        return pairs


def _trailing_settings(toks: _Toks, n: int, settings: dict[int, str]) -> list[str]:
    """Settings right after a value: `70.7 pass@1`, `89.9% (0-shot, CoT)`."""
    found: list[str] = []
    text, size = toks.text, toks.n
    i = n + 1
    while i < size and i < n + 4 and text[i] in ("%", "*", "**"):
        i += 1
    while i < size and i in settings:
        found.append(settings[i])
        i += 1
    if i < size and text[i] == "(":
        close = _paren_end(toks, i)
        numbers = [j for j in range(i + 1, max(close, i)) if j not in settings]
        # `1820 (89th percentile)`: a second measurement, not a setting of this value
        if close > 0 and not any(text[j][:1].isdigit() for j in numbers):
            found.extend(settings_norm.settings_in(toks.span_text(i + 1, close)))
    return found


def _leading_settings(toks: _Toks, start: int, settings: dict[int, str]) -> list[str]:
    found: list[str] = []
    i = start - 1
    while i >= 0 and (i in settings or (toks.space[i] and "\n" not in toks.text[i])):
        if i in settings:
            found.append(settings[i])
        i -= 1
    return found


def _segment_ids(toks: _Toks) -> list[int]:
    ids, seg = [], 0
    for edge in toks.boundary:
        if edge:
            seg += 1
        ids.append(seg)
    return ids


def _value(toks: _Toks, n: int, bench: str, setting: str) -> float | None:
    text = toks.text[n].replace(",", "")
    value = float(text)
    percent_sign = n + 1 < toks.n and toks.text[n + 1] == "%"
    if (
        registry.scale_of(bench) is registry.Scale.PERCENT
        and 0 < value < 1
        and "." in text
        and not percent_sign
    ):
        value = round(value * 100, 6)
    return value if registry.value_in_range(bench, value, setting) else None


_LIST_SEP = frozenset({",", "/", "and", "&", "|", "、"})
_LIST_BRIDGE_FWD = frozenset(
    # `MMLU / GPQA: 81.2 / 45.7`, `MMLU/GSM8K scores of 68.9/84.1`
    {":", "=", "-", "–", "—", "of", "are", "were", "at", "scores", "score", "accuracies"}
)
# `with 82.5, 68.3, 80.9 scores on Arc-C, Winogrande, and Hellaswag`
_LIST_BRIDGE_BWD = frozenset({"on", "in", "for", "across", "at", "scores", "score", "*", "**", "("})
_PERCENT_ONLY = frozenset({"%"})


def _skip(toks: _Toks, i: int, step: int, words: frozenset[str]) -> int:
    while 0 <= i < toks.n and (toks.space[i] or toks.lower[i] in words):
        i += step
    return i


def _number_run(toks: _Toks, i: int, pairing: _Pairing) -> list[int]:
    """Numbers in a list starting at token i: `81.2 / 45.7`, `70.2, 65.1 and 80.3`."""
    run: list[int] = []
    while i < toks.n and pairing.is_number(i) and pairing.number_ok(i, backward=False):
        run.append(i)
        i = _skip(toks, i + 1, 1, _PERCENT_ONLY)
        after = _skip(toks, i, 1, _LIST_SEP)
        if after == i:
            break
        i = after
    return run


def _run_ending_at(toks: _Toks, end: int, pairing: _Pairing) -> list[int]:
    """The list of numbers whose last one is at (or just before) token `end`."""
    j = end
    while j >= 0 and (toks.text[j] == "%" or toks.space[j]):
        j -= 1
    begin = j
    while begin >= 0 and (
        pairing.is_number(begin) or toks.lower[begin] in _LIST_SEP or toks.text[begin] == "%"
    ):
        begin -= 1
    begin += 1
    while begin < j and not pairing.is_number(begin):  # `and 73.1/42.5`: from the first value
        begin += 1
    return [n for n in _number_run(toks, begin, pairing) if n <= end]


def _respectively(toks: _Toks, last: int) -> bool:
    """`respectively` right after a list of benchmarks (ending at token `last`)."""
    words = [j for j in range(last, min(toks.n, last + 4)) if not toks.space[j]]
    return any(toks.lower[j] == "respectively" for j in words)


def _last_run_before(toks: _Toks, first: int, pairing: _Pairing) -> list[int]:
    """The last list of numbers in the sentence before token `first`."""
    j = first - 1
    while j >= 0 and not toks.boundary[j] and not pairing.is_number(j):
        j -= 1
    return _run_ending_at(toks, j, pairing) if j >= 0 and not toks.boundary[j] else []


def _parallel(
    toks: _Toks, group: list[tuple[int, int, str]], pairing: _Pairing
) -> tuple[list[tuple[int, int, list[str]]], set[int]]:
    """Lists paired in order: `MMLU / GPQA: 81.2 / 45.7`, `68.9 and 52.3 on MMLU and MATH`;
    with the benchmarks of a list followed by a list of another length (`MMLU/GSM8K/MATH:
    68.9/84.1`), which no order pairs: they are left unpaired rather than guessed."""
    runs: list[list[int]] = []
    for k, (start, _end, _bench) in enumerate(group):
        prev_end = group[k - 1][1] if k else -1
        if runs and _skip(toks, prev_end, 1, _LIST_SEP) == start and prev_end < start:
            runs[-1].append(k)
        else:
            runs.append([k])
    pairs: list[tuple[int, int, list[str]]] = []
    unpaired: set[int] = set()
    for run in (r for r in runs if len(r) >= 2):
        first, last = group[run[0]][0], group[run[-1]][1]
        numbers = _number_run(toks, _skip(toks, last, 1, _LIST_BRIDGE_FWD), pairing)
        if len(numbers) >= 2 and len(numbers) != len(run):
            unpaired.update(run)
            continue
        if len(numbers) != len(run):
            numbers = _run_ending_at(toks, _skip(toks, first - 1, -1, _LIST_BRIDGE_BWD), pairing)
        if len(numbers) != len(run) and _respectively(toks, last):
            # `scored 67.5% and 42.4 across standard benchmarks like MMLU-Pro, GPQA Diamond,
            # respectively`: the word pairs the two lists whatever stands between them
            numbers = _last_run_before(toks, first, pairing)
        if len(numbers) == len(run):
            for k, n in zip(run, numbers, strict=True):
                pairing.taken.add(n)
                pairs.append((k, n, []))
    return pairs, unpaired


def _pair(
    toks: _Toks, benches: list[tuple[int, int, str]], settings: dict[int, str]
) -> list[tuple[Score, int]]:
    segments = _segment_ids(toks)
    bench_tokens = frozenset(i for start, end, _ in benches for i in range(start, end))
    groups: dict[int, list[tuple[int, int, str]]] = {}
    for item in benches:
        groups.setdefault(segments[item[0]], []).append(item)
    scores: list[tuple[Score, int]] = []
    used: set[int] = set()
    for group in groups.values():
        listed, unpaired = _parallel(toks, group, _Pairing(toks, settings, bench_tokens))
        done = {k for k, _, _ in listed} | unpaired
        rest = [item for k, item in enumerate(group) if k not in done]
        index = [k for k in range(len(group)) if k not in done]
        taken = frozenset(n for _, n, _ in listed)
        fwd = _Pairing(toks, settings, bench_tokens | taken).assign(rest, True)
        bwd = _Pairing(toks, settings, bench_tokens | taken).assign(rest, False)
        chosen = bwd if len(bwd) > len(fwd) else fwd
        pairs = [*listed, *((index[k], n, f) for k, n, f in chosen)]
        if not pairs:
            pairs = _sentence_pair(toks, group, segments, settings, bench_tokens)
        used.update(n for _, n, _ in pairs)
        for k, n, found in pairs:
            start, end, bench = group[k]
            parts = [*_leading_settings(toks, start, settings), *found]
            parts += _trailing_settings(toks, n, settings)
            if n < start:
                parts += _trailing_settings(toks, end - 1, settings)
            setting = settings_norm.join(parts)
            value = _value(toks, n, bench, setting)
            if value is not None and bench:
                scores.append((Score(bench, value, setting), toks.idx[n]))
                more = _more_settings(toks, n, bench, setting, settings, bench_tokens | used)
                used.update(n for n, _ in more)
                scores += [(score, toks.idx[n]) for n, score in more]
    return scores


# `Qwen2.5`, `GPT4`, or a hyphenated name with a size (`CL-7B`; not `GPT-4o`, a rival)
_MODEL_TOKEN = re.compile(
    r"^(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9.]+$|^[A-Za-z0-9.\-]*\d(?:\.\d+)?[BbMm](?:-[A-Za-z0-9.]+)*$"
)
_CLAIM_VERBS = frozenset(
    [
        "achieves",
        "achieved",
        "achieving",
        "scores",
        "scored",
        "scoring",
        "reaches",
        "reached",
        "attains",
        "attained",
        "obtains",
        "obtained",
        "hits",
        "gets",
    ]
)


# `has Elo Score of 1267(+-7) ... on ChatBot Arena`: a number after these is a score too
_CLAIM_MARKS = _CLAIM_VERBS | frozenset(["elo", "score", "rating"])


def _sentence_pair(
    toks: _Toks,
    group: list[tuple[int, int, str]],
    segments: list[int],
    settings: dict[int, str],
    bench_tokens: frozenset[int],
) -> list[tuple[int, int, list[str]]]:
    """One benchmark and one claimed value in a sentence, however far apart: `achieves the
    73.2 pass@1 and surpasses GPT-4 ... on HumanEval`, `Aider ..., and X scored 73.7`.

    Only when the sentence names a single benchmark (however often) and holds exactly one
    number marked as a score (after a scoring verb, or followed by `%` or a pass@k setting).
    """
    if len({bench for _, _, bench in group}) != 1:
        return []
    seg = segments[group[0][0]]
    lo = group[0][0]
    while lo > 0 and segments[lo - 1] == seg:
        lo -= 1
    hi = group[-1][1]
    while hi < toks.n and segments[hi] == seg:
        hi += 1
    pairing = _Pairing(toks, settings, bench_tokens)
    marked: list[int] = []
    for n in range(lo, hi):
        if not pairing.is_number(n) or not pairing.number_ok(n, backward=False):
            continue
        verb = any(toks.lower[j] in _CLAIM_MARKS for j in range(max(lo, n - 3), n))
        after = n + 1 < hi and (toks.text[n + 1] == "%" or (n + 1) in settings)
        if verb or after:
            marked.append(n)
    # `On HumanEval, ..., our model solves 28.8% of the problems, while GPT-3 solves 0%`:
    # of several marked numbers, the one the owner speaks of (`our model`, `we`) is the claim
    own = [n for n in marked if _owner_before(toks, lo, n)] if len(marked) > 1 else []
    if len(own) == 1:
        marked = own
    if len(marked) != 1 or len(group) > 3:
        return []
    # the sentence names the model it is about (`WizardCoder-Python-34B`, `Qwen2.5-Coder`),
    # or speaks of `it` and names no other (`on HellaSwag, ..., where it achieved 84.4%`)
    named = (
        bool(own)
        or any(
            _MODEL_TOKEN.match(toks.text[i]) and i not in bench_tokens for i in range(lo, marked[0])
        )
        or _it_before(toks, lo, marked[0], bench_tokens)
    )
    return [(0, marked[0], [])] if named else []


def _it_before(toks: _Toks, lo: int, n: int, bench_tokens: frozenset[int]) -> bool:
    """`where it achieved 84.4`: `it` is the subject of a claim verb just before `n`, and
    the sentence names no model (`GPT-4 ..., where it achieved 86.4` is GPT-4's)."""
    words = [j for j in range(max(lo, n - 5), n) if not toks.space[j]]
    it = next(
        (
            a
            for a, b in itertools.pairwise(words)
            if toks.lower[a] == "it" and toks.lower[b] in _CLAIM_VERBS
        ),
        -1,
    )
    if it < 0:
        return False
    return not any(
        i not in bench_tokens
        and any(c.isdigit() for c in toks.text[i])
        and any(c.isalpha() for c in toks.text[i])
        for i in range(lo, it)
    )


def _owner_before(toks: _Toks, lo: int, n: int) -> bool:
    """`our model solves 28.8`, `we reach 71.0`: the owner is the subject just before `n`."""
    words = [toks.lower[j] for j in range(max(lo, n - 4), n) if not toks.space[j]]
    return "we" in words or any(
        a == "our" and b in ("model", "models", "system") for a, b in itertools.pairwise(words)
    )


def _more_settings(
    toks: _Toks, n: int, bench: str, setting: str, settings: dict[int, str], blocked: frozenset[int]
) -> list[tuple[int, Score]]:
    """Further values of one benchmark under other settings.

    `pass@1 74.4 / pass@10 91.5`, `63.3 (pass@1), 80.0 (cons@64)`: each extra value must
    carry its own setting, different from the ones before it.
    """
    out: list[tuple[int, Score]] = []
    seen = {setting}
    while len(out) < 3:
        found = _next_value(toks, n, settings, blocked)
        if found is None:
            break
        n, parts = found
        extra = settings_norm.join(parts)
        value = _value(toks, n, bench, extra)
        if not extra or extra in seen or value is None:
            break
        seen.add(extra)
        out.append((n, Score(bench, value, extra)))
    return out


def _next_value(
    toks: _Toks, n: int, settings: dict[int, str], blocked: frozenset[int]
) -> tuple[int, list[str]] | None:
    """The number after `n`'s own settings and a list separator, with its settings."""
    text, size = toks.text, toks.n
    i = n + 1
    while i < size and (text[i] in ("%", "*", "**") or i in settings):
        i += 1
    if i < size and text[i] == "(":
        i = _paren_end(toks, i) + 1
        if i == 0:
            return None
    if i >= size or text[i] not in (",", "/", ";"):
        return None
    i += 1
    lead: list[str] = []
    while i < size and (i in settings or (toks.space[i] and "\n" not in text[i])):
        if i in settings:
            lead.append(settings[i])
        i += 1
    if i >= size or i in blocked or i in settings or not toks.number[i]:
        return None
    parts = [*lead, *_trailing_settings(toks, i, settings)]
    return (i, parts) if parts else None
