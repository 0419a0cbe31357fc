"""The patterns answer extraction tries, built once.

Explicit statements of a final answer come first ("The answer is (B)",
"Answer: B", the vendored multilingual phrasings of `answer_phrases`,
`\\boxed{B}`, "#### 42"); then looser English phrasings real models use
("B is correct", "which corresponds to B", "I think it's B."); then weak
fallbacks (a leading or lone letter, a choice's text, the last number).
Letters are matched in upper case only, so "a" and "I" in running text are
never read as options. Every pattern captures the answer in group 1.
"""

from __future__ import annotations

import re

from hypewatch.verifiers.benchmark.answer_phrases import (
    MMLU_PROX_ANSWER_IS,
    SIMPLE_EVALS_ANSWER_PREFIXES,
    SIMPLE_EVALS_LETTERS,
    SIMPLE_EVALS_MGSM_PREFIXES,
)

#: Rules that state the final answer outright: the only ones trusted in a reply cut off
#: at max_tokens, and in reasoning text.
STRONG_RULES = frozenset({"answer_is", "multilingual", "boxed", "hashes"})

_LETTER_CHARS = "A-Z" + "".join(SIMPLE_EVALS_LETTERS)
#: A letter, optionally in (half- or full-width) brackets or TeX/markdown decoration.
L = r"[\(\[（]?\s*\$?\**([" + _LETTER_CHARS + r"])\**\$?\s*[\)\]）]?"
#: The letter is not the start of a word ("Apple", "B12").
END = r"(?![A-Za-z0-9])"
#: A plain number, optionally with a currency sign, thousands commas and decimals.
NUM = r"(-?[$€£]?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|-?\.\d+)"


def _prox_prefix(template: str) -> str:
    """The words before "({})" in an MMLU-ProX phrase, spaces made flexible."""
    head = template.split("({})", 1)[0].strip().rstrip(":：-").strip()
    return r"\s+".join(re.escape(word) for word in head.split())


def _anchor() -> str:
    """Every vendored way of saying "the answer is" / "Answer:" (case-insensitive)."""
    phrases = [_prox_prefix(t) for t in MMLU_PROX_ANSWER_IS.values()]
    phrases += list(SIMPLE_EVALS_ANSWER_PREFIXES)
    phrases += [re.escape(p) + r"\s*[:：]" for p in SIMPLE_EVALS_MGSM_PREFIXES.values()]
    unique = sorted({p for p in phrases if p}, key=len, reverse=True)
    return r"(?i:" + "|".join(unique) + r")"


ANCHOR = _anchor()
_ENGLISH_ANSWER = (
    r"(?i:(?:final\s+|correct\s+|right\s+|best\s+)?answer|"
    r"(?:correct|right|best|final)\s+(?:option|choice))"
    r"\s*(?i:is|:|=|-|would\s+be|will\s+be|should\s+be)?\s*(?i:option\s+|choice\s+)?"
)

MC_STRONG: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("answer_is", re.compile(_ENGLISH_ANSWER + L + END)),
    ("multilingual", re.compile(ANCHOR + r"\s*[:：\-–—]?\s*" + L + END)),
    ("boxed", re.compile(r"\\boxed\{\s*(?:\\text(?:bf)?\{)?\s*" + L + r"\s*\}?\s*\}")),
)
MC_LOOSE: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "is_correct",
        re.compile(
            r"(?<![A-Za-z])(?i:option\s+|choice\s+)?" + L + r"\s+(?i:is|would\s+be)\s+"
            r"(?i:the\s+)?(?i:correct|right|best)(?i:\s+(?:answer|option|choice))?"
            r"(?=\s*(?:[.!;]|$))"
        ),
    ),
    (
        "corresponds_to",
        re.compile(
            r"(?i:correspond(?:s|ing)?\s+to|matches|(?:which|that)\s+is)\s+"
            r"(?i:option\s+|choice\s+|answer\s+)" + L + END
        ),
    ),
    ("corresponds_to", re.compile(r"(?i:correspond(?:s|ing)?\s+to)\s+" + L + END)),
    (
        "i_pick",
        re.compile(
            r"(?i:\bI\s+(?:think|believe|would\s+say|'d\s+say|choose|pick|select|"
            r"(?:would|will|'ll|'d)?\s*go\s+with)\s+(?:it'?s\s+|it\s+is\s+|that\s+)?"
            r"(?:option\s+|choice\s+)?|\bit'?s\s+|\bit\s+is\s+|\bso\s+)"
            + L
            + r"(?=\s*(?:[.!,;:]|$))"
        ),
    ),
)
#: Read on the reply with its markdown (the others read it without).
MC_BOLD: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bold", re.compile(r"\*\*\s*" + L + r"\s*[.):]?\s*\*\*")),
)
#: The whole reply (markup removed) starts with a letter: "B", "B) text", "(B). ...".
MC_LEAD = re.compile(r"^\W{0,3}" + L + r"(?:[.):]|\s*$|\s+-\s)")
#: The last line is a letter alone, optionally named: "Option B", "(B).".
MC_LAST_LINE = re.compile(r"^\W{0,3}(?i:option\s+|choice\s+|answer\s+)?" + L + r"\W{0,3}$")

#: Words that turn "London" in the last sentence into "not London".
NEGATION = re.compile(
    r"\b(?:not|no|never|neither|nor|wrong|incorrect|false|except|unlikely)\b|n't", re.IGNORECASE
)

#: `\boxed{` ... the matching `}` is found by `boxed_contents`, not by a pattern.
BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
NUM_STRONG: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hashes", re.compile(r"####\s*" + NUM)),
    ("answer_is", re.compile(_ENGLISH_ANSWER + r"[:=]?\s*" + NUM)),
    ("multilingual", re.compile(ANCHOR + r"\s*[:：\-–—]?\s*[\(\[]?\s*" + NUM)),
)
ANY_NUMBER = re.compile(NUM)
#: After an answer phrase: a TeX expression for the equivalence checker ("$\frac{1}{2}$").
NUM_TEX = re.compile(
    r"(?:"
    + _ENGLISH_ANSWER
    + r"|"
    + ANCHOR
    + r")\s*[:：]?\s*(\$[^$\n]{1,80}\$|\\\([^\n]{1,80}?\\\))"
)
MARKDOWN = re.compile(r"[*_`]+")


def letter_of(raw: str) -> str:
    """A captured letter in Latin upper case (Arabic, Bengali, full-width forms mapped)."""
    return SIMPLE_EVALS_LETTERS.get(raw, raw)
