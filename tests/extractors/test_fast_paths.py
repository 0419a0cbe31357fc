"""The extractor's fast paths give the slow paths' answers.

Gated patterns (hypewatch/extractors/gates.py) skip a text only when no match is possible;
the settings scan on token lists finds what the spaCy settings Matcher finds.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

from hypewatch.extractors import gates
from hypewatch.extractors.extractor import Extractor
from hypewatch.extractors.scores import _Toks

DATA = Path(__file__).resolve().parents[1] / "data"
REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "realworld"
MODULES = ["claims", "signals", "derivatives", "plausibility", "scores", "cards", "tables"]


def _texts() -> list[str]:
    files = [*sorted(DATA.glob("extraction_*.jsonl")), *sorted(REAL.glob("*.jsonl"))]
    return [
        json.loads(line)["text"]
        for path in files
        for line in path.read_text().splitlines()
        if line.strip()
    ]


def _gated() -> list[tuple[str, gates.Gated]]:
    found = []
    for name in MODULES:
        module = importlib.import_module(f"hypewatch.extractors.{name}")
        for key, value in vars(module).items():
            if isinstance(value, gates.Gated):
                found.append((f"{name}.{key}", value))
            elif isinstance(value, gates.Alternatives):
                found += [(f"{name}.{key}[{i}]", a) for i, a in enumerate(value.alternatives)]
    return found


def _alternatives() -> list[tuple[str, gates.Alternatives]]:
    found = []
    for name in MODULES:
        module = importlib.import_module(f"hypewatch.extractors.{name}")
        found += [
            (f"{name}.{k}", v) for k, v in vars(module).items() if isinstance(v, gates.Alternatives)
        ]
    return found


def words(pattern: str, flags: int = 0) -> list[list[str]]:
    return [sorted(clause) for clause in gates.required(re.compile(pattern, flags))]


def test_required_words_come_from_the_pattern() -> None:
    assert words(r"\b(?:beats|outperforms)\s+\w+", re.I) == [["beats", "outperforms"]]
    # optional parts add nothing; a character set of literals spells each variant
    assert words(r"open[- ]sourc(?:e|ed)?\b") == [["open sourc", "open-sourc"]]
    # every clause must hold: a word from each group
    assert words(r"(\d+)\s*B\s+total\b.{0,9}activ", re.I) == [["total"], ["activ"]]
    # a branch with no literal (`\d+`) makes the whole alternation ungated
    assert words(r"\b(?:leak|\d+)\b") == []
    assert words(r"[A-Z]\w+") == []
    # case-sensitive literals are tested in lower case: a gate may pass more, never less
    assert words(r"\bNOWHERE\b") == [["nowhere"]]


def test_a_gated_pattern_answers_like_the_pattern() -> None:
    pattern = gates.compile(r"\b(?:introducing|announcing)\s+(\w+)", re.I)
    assert pattern.search("nothing to see") is None
    assert pattern.findall("no") == []
    assert list(pattern.finditer("no")) == []
    assert pattern.sub("x", "no") == "no"
    match = pattern.search("Introducing Foo")
    assert match is not None and match.group(1) == "Foo"
    # IGNORECASE pairs the dotless i with i; the gate's folding does too
    assert pattern.regex.search("ıntroducing Foo") is not None
    assert pattern.search("ıntroducing Foo") is not None
    assert pattern.search("İNTRODUCING Foo") is not None


def test_no_gate_skips_a_text_its_pattern_matches() -> None:
    """Every gated pattern of the extractor, on every labeled text (and each line of it)."""
    patterns = _gated()
    assert len(patterns) >= 15
    texts = _texts()
    pieces = [*texts, *(line for t in texts for line in t.splitlines() if line.strip())]
    for name, pattern in patterns:
        for text in pieces:
            if pattern.regex.search(text) is not None:
                assert pattern.could_match(text), f"{name} gate {pattern.clauses} skips {text!r}"


SETTING_TEXTS = [
    "5-shot MMLU 86.0",
    "MMLU (5 - shot) 70 and 5 _ shot 71, three - shots",
    "zero-shot, few shot, one-shot and 25shots",
    "GSM8K (8-shot, CoT): 96.8 with chain-of-thought and Chain - of - thought",
    "pass@1 74.4 / pass@10 91.5, maj@32 and cons@64",
    "IFEval strict prompt 80, loose-inst 81, strict_instruction, prompt-level strict",
    "inst level loose; inst-level strict prompt; prompt level strict prompt level loose",
    "1820 (89th percentile)",
]


def test_settings_scan_finds_what_the_matcher_finds(extractor: Extractor) -> None:
    finder = extractor.finder
    for text in [*SETTING_TEXTS, *_texts()]:
        doc = finder.nlp.make_doc(text)
        want = sorted((start, end) for _, start, end in finder.matcher(doc))
        assert sorted(finder._settings(_Toks(doc, text))) == want, text


@pytest.mark.parametrize(("start", "end"), [(0, 1), (0, 3), (2, 5), (4, 4)])
def test_token_span_text_is_the_docs(extractor: Extractor, start: int, end: int) -> None:
    text = "MMLU:89.9  ,  GSM8K (8-shot)"
    doc = extractor.finder.nlp.make_doc(text)
    assert _Toks(doc, text).span_text(start, end) == doc[start:end].text


def test_token_lists_hold_the_token_attributes(extractor: Extractor) -> None:
    for text in [*SETTING_TEXTS, *_texts(), "Ünïcode ΣΑΣ İstanbul 8B\u2009x  \n\n tabs\tand 4/30"]:
        doc = extractor.finder.nlp.make_doc(text)
        toks = _Toks(doc, text)
        assert toks.lower == [t.lower_ for t in doc]
        assert toks.space == [t.is_space for t in doc]
        assert toks.alpha == [t.is_alpha for t in doc]
        assert toks.ws == [t.whitespace_ for t in doc]


def test_alternatives_answer_whether_the_whole_pattern_matches() -> None:
    split = gates._top_level_split(r"a(?:b|c)|[|(]d|\\|e|[]|]f")
    assert split == ["a(?:b|c)", "[|(]d", r"\\", "e", "[]|]f"]
    patterns = _alternatives()
    assert patterns
    texts = _texts()
    pieces = [*texts, *(line for t in texts for line in t.splitlines() if line.strip())]
    for name, pattern in patterns:
        whole = re.compile(pattern.pattern, pattern.flags)
        for text in pieces:
            low = text.lower()
            assert (pattern.search(low) is None) == (whole.search(low) is None), (name, text)


def starts(pattern: str, flags: int = 0) -> list[str]:
    return list(gates.starts(re.compile(pattern, flags)))


def test_starting_words_come_from_the_pattern() -> None:
    # look-behinds and `\b` consume nothing; an optional part starts a match or is skipped
    assert starts(r"(?<!recently )\b(?:releases|drops)\s+(\w+)") == ["drops", "releases"]
    assert starts(r"(?:the\s+)?base\s+model|built\s+on") == ["base", "built", "the"]
    # a word that begins with another adds nothing (`an` after `a`); case-sensitive in lower case
    assert starts(r"\b(?i:a|an)\s+\w+|The\s+X") == ["a", "the"]
    # a match that may start anywhere: no starting words
    assert starts(r"(?:\w+)?\s+is out") == []
    assert starts(r"[A-Z]\w+") == []
    assert starts(r"µ-bench", re.I) == []  # an IGNORECASE partner (`Μ`) the lower case hides


_LED_TEXTS = [
    "Foo-7B achieves 81.2 and Bar 2 scored 3",
    "xGranite 3.0 8B Instruct achieves",  # a name may start inside a word
    "A B C D E F-7B achieves",  # at most four spaces inside a name
    "Qwen2 7B  achieves",
    "Llama 3,\nachieves; Zephyr-7B-β reached 5; ٣B achieved",
    "",
]


def test_a_led_pattern_answers_like_the_pattern() -> None:
    led = gates.compile_led(
        r"[A-Za-z][A-Za-z0-9.\-]*(?:[ \-](?:\d+[BM]?|[A-Z][A-Za-z0-9]*|[α-ω])){0,4}",
        r"\s+(?:achieves|achieved|scored|reached)\b",
    )
    for text in _LED_TEXTS:
        assert [m.span(1) for m in led.finditer(text)] == [
            m.span(1) for m in led.regex.finditer(text)
        ], text
        assert led.findall(text) == led.regex.findall(text)
    with pytest.raises(ValueError, match="case-sensitive"):
        gates.compile_led(r"\w+", r"\s+x", re.I)
    with pytest.raises(ValueError, match="literals and classes"):
        gates.compile_led(r".+", r"\s+x")


def test_anchored_patterns_find_what_their_patterns_find() -> None:
    """Every anchored pattern of the extractor finds the same matches, in the same order,
    on every labeled text, as `re` running the pattern at every position."""
    anchored = [(name, p) for name, p in _gated() if p.anchored]
    assert len(anchored) >= 20
    extra = ["ıntroducing Foo-7B", "İNTRODUCING Foo 2", "ſay hello to X-1", "X-1 ıs out"]
    for name, pattern in anchored:
        # where the gate fails both find nothing (the test above checks the gate)
        for text in (t for t in [*_texts(), *extra] if pattern.could_match(t)):
            want = [(m.span(), m.groups()) for m in pattern.regex.finditer(text)]
            assert [(m.span(), m.groups()) for m in pattern.finditer(text)] == want, (name, text)
