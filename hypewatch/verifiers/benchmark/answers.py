"""Extract a model's final answer from its reply, and score it.

Replies come in many shapes: "The answer is (B).", "Answer: B", "答案是 B",
"Therefore, B is correct.", "B) <choice text>", "**B**", "#### 42",
"The answer is 42.", "\\boxed{\\frac{1}{2}}". The patterns live in
`answer_rules` (explicit forms first, the last occurrence in the reply
winning: models revise; then looser phrasings; then weak fallbacks), and each
result records its rule. A reply nothing matches is unread. Reasoning blocks
(`split_reasoning`), cut-off replies and re-asks are handled around the
scorer by `reask.Reader`; unread replies are left to the bound rule
(docs/benchmark.md).

`answers_equivalent` is the one numeric-equivalence check: plain decimals are
compared exactly (42 = 42.0 = 42.00), anything else (fractions, LaTeX, units
in `\\text{}`) by math-verify. Every scorer family that compares numbers uses it.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hypewatch import jsonlimits
from hypewatch.verifiers.benchmark import answer_rules as rules
from hypewatch.verifiers.benchmark.tasks import TaskItem, choice_letter, parse_number

_THINK_TAGS = r"think|thinking|reasoning|thought"
_THINK_BLOCK = re.compile(rf"<({_THINK_TAGS})>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_THINK_OPEN = re.compile(rf"<(?:{_THINK_TAGS})>", re.IGNORECASE)
_THINK_CLOSE = re.compile(rf"</(?:{_THINK_TAGS})\s*>", re.IGNORECASE)
_SENTENCES = re.compile(r"[.!?。！？\n]+")
#: Expressions handed to math-verify are capped (untrusted text; sympy can be slow).
MAX_EXPRESSION_CHARS = 200
#: Wall-clock seconds math-verify may spend on one expression (main thread only;
#: generous, as a loaded machine stretches wall time, and a timeout means "unread").
MATH_TIMEOUT = 5
_TEX_HINT = re.compile(r"\\[a-zA-Z]+|\d\s*/\s*\d")


@dataclass(frozen=True)
class Parsed:
    """What was extracted (`value` None: unread) and by which rule."""

    value: str | None
    rule: str

    @property
    def ok(self) -> bool:
        return self.value is not None


UNPARSEABLE = Parsed(None, "unparseable")


def split_reasoning(reply: str) -> tuple[str, str]:
    """(the reply without reasoning blocks, the reasoning). An unclosed `<think>` makes the
    rest reasoning; a lone `</think>` (the template opened it) makes everything before it so."""
    if "<" not in reply:
        return reply, ""
    parts = [m.group(2) for m in _THINK_BLOCK.finditer(reply)]
    final = _THINK_BLOCK.sub(" ", reply)
    opened = _THINK_OPEN.search(final)
    if opened:
        parts.append(final[opened.end() :])
        final = final[: opened.start()]
    closes = list(_THINK_CLOSE.finditer(final))
    if closes:
        parts.insert(0, final[: closes[-1].start()])
        final = final[closes[-1].end() :]
    return final.strip(), "\n".join(p.strip() for p in parts if p.strip())


def _norm(text: str) -> str:
    return " ".join(rules.MARKDOWN.sub("", text).lower().split()).strip(" .")


def _last_valid(
    pattern: re.Pattern[str], text: str, valid: Callable[[str], str | None]
) -> str | None:
    """The last match whose group 1 `valid` accepts, as `valid` returns it."""
    for match in reversed(list(pattern.finditer(text))):
        value = valid(match.group(1))
        if value is not None:
            return value
    return None


def _first_rule(
    table: tuple[tuple[str, re.Pattern[str]], ...], text: str, valid: Callable[[str], str | None]
) -> Parsed | None:
    for rule, pattern in table:
        value = _last_valid(pattern, text, valid)
        if value is not None:
            return Parsed(value, rule)
    return None


def _letter_check(choices: tuple[str, ...]) -> Callable[[str], str | None]:
    letters = {choice_letter(i) for i in range(len(choices))}

    def valid(raw: str) -> str | None:
        letter = rules.letter_of(raw)
        return letter if letter in letters else None

    return valid


def extract_choice(reply: str, choices: tuple[str, ...], *, strong_only: bool = False) -> Parsed:
    """The letter of the chosen option, or UNPARSEABLE."""
    valid = _letter_check(choices)
    text = reply.strip()
    bare = rules.MARKDOWN.sub("", text).strip()
    found = _first_rule(rules.MC_STRONG, bare, valid)
    if found is not None or strong_only:
        return found or UNPARSEABLE
    found = _first_rule(rules.MC_LOOSE, bare, valid) or _first_rule(rules.MC_BOLD, text, valid)
    if found is not None:
        return found
    for rule, pattern, where in (
        ("leading_letter", rules.MC_LEAD, bare),
        ("last_line", rules.MC_LAST_LINE, bare.rsplit("\n", 1)[-1].strip()),
    ):
        match = pattern.match(where)
        letter = valid(match.group(1)) if match else None
        if letter is not None:
            return Parsed(letter, rule)
    return _match_choice_text(text, choices)


def _match_choice_text(reply: str, choices: tuple[str, ...]) -> Parsed:
    """The reply is a choice's text, or its last sentence names exactly one choice's text
    (at least 3 characters) and no negation."""
    normal = _norm(reply)
    texts = [_norm(choice) for choice in choices]
    exact = [i for i, t in enumerate(texts) if t and t == normal]
    if len(exact) == 1:
        return Parsed(choice_letter(exact[0]), "choice_text")
    sentences = [s for s in _SENTENCES.split(rules.MARKDOWN.sub("", reply)) if s.strip()]
    last = _norm(sentences[-1]) if sentences else ""
    if not last or rules.NEGATION.search(last):
        return UNPARSEABLE
    named = [
        i
        for i, t in enumerate(texts)
        if len(t) >= 3 and re.search(r"(?<!\w)" + re.escape(t) + r"(?!\w)", last)
    ]
    named = [i for i in named if not any(j != i and texts[i] in texts[j] for j in named)]
    if len(named) == 1:
        return Parsed(choice_letter(named[0]), "choice_text")
    return UNPARSEABLE


def _clean_number(raw: str) -> str | None:
    value = parse_number(re.sub(r"[\s$€£]", "", raw))
    return None if value is None else format(value.normalize(), "f")


def boxed_contents(text: str) -> list[str]:
    """The contents of every `\\boxed{...}`, braces balanced."""
    found: list[str] = []
    for match in rules.BOXED.finditer(text):
        depth, start = 1, match.end()
        for i in range(start, min(len(text), start + 2 * MAX_EXPRESSION_CHARS)):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                found.append(text[start:i].strip())
                break
    return found


def _boxed_answer(text: str) -> str | None:
    for content in reversed(boxed_contents(text)):
        plain = re.sub(r"\\(?:text|mathrm)\{[^{}]*\}|\\[,;!]|\\ ", "", content).strip()
        number = _clean_number(plain)
        if number is not None:
            return number
        if content and len(content) <= MAX_EXPRESSION_CHARS:
            return content
    return None


def extract_number(reply: str, *, strong_only: bool = False) -> Parsed:
    """The final number (or TeX expression), or UNPARSEABLE. Falls back to a TeX last line,
    then to the last number in the reply."""
    text = rules.MARKDOWN.sub("", reply)
    found = _first_rule(rules.NUM_STRONG[:1], text, _clean_number)
    if found is not None:
        return found
    boxed = _boxed_answer(reply)
    if boxed is not None:
        return Parsed(boxed, "boxed")
    found = _first_rule(rules.NUM_STRONG[1:], text, _clean_number)
    if found is not None:
        return found
    tex = _last_valid(rules.NUM_TEX, reply, lambda v: v.strip("$").strip() or None)
    if tex is not None:
        return Parsed(tex.removeprefix("\\(").removesuffix("\\)").strip(), "answer_is")
    if strong_only:
        return UNPARSEABLE
    lines = [line for line in reply.strip().splitlines() if line.strip()]
    if lines and _TEX_HINT.search(lines[-1]) and len(lines[-1]) <= MAX_EXPRESSION_CHARS:
        expression = _math_answer(lines[-1])
        if expression is not None:
            return Parsed(expression, "latex")
    raw = _last_valid(rules.ANY_NUMBER, text, _clean_number)
    return UNPARSEABLE if raw is None else Parsed(raw, "last_number")


def extract(reply: str, item: TaskItem, *, strong_only: bool = False) -> Parsed:
    """The answer in `reply` (a letter or a number); `strong_only`: explicit statements only."""
    if item.is_multiple_choice:
        return extract_choice(reply, item.choices, strong_only=strong_only)
    return extract_number(reply, strong_only=strong_only)


def structured_answer(text: str) -> str | None:
    """The answer of a constrained re-ask reply, `{"answer": "B"}`; None if it is not one."""
    try:
        document: Any = jsonlimits.loads(text, what="a structured answer")
    except (ValueError, jsonlimits.JsonLimitError):
        return None
    if isinstance(document, dict):
        answer = document.get("answer")
        if isinstance(answer, str | int | float) and not isinstance(answer, bool):
            return str(answer)
    return None


def _plain(value: str) -> Decimal | None:
    cleaned = _clean_number(value)
    return None if cleaned is None else Decimal(cleaned)


def _math_timeout() -> int | None:
    """math-verify times out with SIGALRM, which works only on the main thread."""
    return MATH_TIMEOUT if threading.current_thread() is threading.main_thread() else None


@functools.cache
def _math_verify() -> Any:
    """math-verify, imported and warmed up once with no timeout: its first call loads
    the LaTeX grammar, which must not count against a reply's time limit."""
    import math_verify  # imported here: sympy costs ~1 s at start-up

    # it warns when called without a timeout (we guard those calls ourselves) and on
    # each timeout (which `equivalence` reports as "cannot tell")
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    math_verify.verify(
        math_verify.parse("$1$", parsing_timeout=None),
        math_verify.parse("$1$", parsing_timeout=None),
        timeout_seconds=None,
    )
    return math_verify


def _wrap(text: str) -> str:
    """TeX delimiters around a bare expression, so math-verify reads it whole."""
    return text if "$" in text or "\\(" in text or "\\[" in text else f"${text}$"


def _too_hard(text: str) -> bool:
    """Not handed to math-verify: over-long, or exponents where no timeout can guard."""
    return len(text) > MAX_EXPRESSION_CHARS or (_math_timeout() is None and "^" in text)


def _math_answer(text: str) -> str | None:
    """The expression math-verify finds in `text` (its own extraction), or None."""
    if _too_hard(text):
        return None
    found = _math_verify().parse(_wrap(text), parsing_timeout=_math_timeout())
    return str(found[1]) if len(found) > 1 else None


def equivalence(got: str, want: str) -> bool | None:
    """Is `got` the same number or expression as `want`? Plain decimals exactly;
    otherwise math-verify (fractions, TeX, `\\text{}` units). None when it cannot
    tell (too long, a parse error or a timeout): the reply then counts as unread."""
    a, b = _plain(got), _plain(want)
    if a is not None and b is not None:
        return a == b
    if _too_hard(got) or _too_hard(want):
        return None
    math_verify, timeout = _math_verify(), _math_timeout()
    try:
        gold = math_verify.parse(_wrap(want), parsing_timeout=timeout, raise_on_error=True)
        answer = math_verify.parse(_wrap(got), parsing_timeout=timeout, raise_on_error=True)
        if not gold or not answer:
            return None
        return bool(math_verify.verify(gold, answer, timeout_seconds=timeout, raise_on_error=True))
    except (Exception, math_verify.errors.TimeoutException):
        return None


def answers_equivalent(got: str, want: str) -> bool:
    """`equivalence`, with "cannot tell" as not equivalent."""
    return equivalence(got, want) is True


def is_correct(parsed: Parsed, item: TaskItem) -> bool:
    """The letter, or the number compared by `answers_equivalent` (42 == 42.0 == 84/2)."""
    if parsed.value is None:
        return False
    if item.is_multiple_choice:
        return parsed.value == item.answer_label
    return answers_equivalent(parsed.value, str(item.answer))
