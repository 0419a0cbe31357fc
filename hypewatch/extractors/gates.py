"""Patterns that skip texts they cannot match: a gate of literal words, read off the pattern.

Python's `re` engine has no literal prefilter for a pattern that starts with `\\b`, a
group or an alternation (or any pattern compiled with IGNORECASE): it tries the pattern at
every position of the text. Most of the extractor's rules are such patterns and most posts
hold none of their words, so most of their cost is spent proving a miss.

`compile()` parses the pattern once (the standard library's own parser) and derives the
literal substrings every match must contain: a set of clauses, each a set of words one of
which must occur ("introduc" or "announc" or ...; and "model"). Before each search the
text's lower-case form is tested for those words (a handful of `in` tests, C-speed); when a
clause fails, the pattern cannot match and is not run. The answer is the same as running
the pattern: the gate only ever skips texts where a match is impossible.

    _COMPARE = gates.compile(r"\\b(?i:beats|outperforms)\\s+(" + NAME + ")")
    for match in _COMPARE.finditer(text): ...     # same calls as a re.Pattern

What yields no clause (character classes, `\\d+`, optional parts, look-arounds) simply
adds no gate; a pattern with no required literal runs every time, as before.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterator
from re import _parser as _sre_parse  # type: ignore[attr-defined]  # the stdlib regex parser
from typing import Any

_C = _sre_parse  # op codes: LITERAL, IN, BRANCH, SUBPATTERN, ...
_MAX_VARIANTS = 16  # `open[- ]sourc` is two literals; a bigger product is no gate
_MAX_CLAUSES = 3
# re.IGNORECASE also pairs these with ASCII letters (`ı` matches `i`); `İ` lowers to `i` + U+0307
_FOLD = {0x131: "i", 0x17F: "s", 0x307: None, 0x212A: "k"}


@functools.lru_cache(maxsize=16)
def fold(text: str) -> str:
    """The form of a text the gates test: lower case, with the few characters that
    IGNORECASE matches to an ASCII letter replaced by it. Cached for the texts of one post."""
    low = text.lower()
    return low if low.isascii() else low.translate(_FOLD)


Clause = frozenset[str]


def _strength(clause: Clause) -> tuple[int, int]:
    return (min(len(word) for word in clause), -len(clause))


def _best(clauses: list[Clause]) -> Clause | None:
    return max(clauses, key=_strength) if clauses else None


def _words(op: Any, av: Any) -> set[str] | None:
    """Every string a literal, a set of literals or a group of literal alternatives
    matches; None for anything else (or too many)."""
    if op is _C.LITERAL:
        return {chr(av)}
    if op is _C.IN:
        if all(kind is _C.LITERAL for kind, _ in av):
            return {chr(code) for _, code in av}
        return None
    if op is _C.SUBPATTERN:
        return _sequence_words(av[-1])
    if op is _C.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            words = _sequence_words(branch)
            if words is None:
                return None
            out |= words
        return out if len(out) <= _MAX_VARIANTS else None
    return None


def _sequence_words(items: Any) -> set[str] | None:
    run: set[str] = {""}
    for op, av in items:
        words = _words(op, av)
        if words is None or len(run) * len(words) > _MAX_VARIANTS:
            return None
        run = {r + w for r in run for w in words}
    return run


def _clauses(items: Any) -> list[Clause]:
    """Clauses every match of a parsed sequence satisfies (one word of each occurs)."""
    out: list[Clause] = []
    run: set[str] = {""}

    def flush() -> None:
        nonlocal run
        if all(run):
            out.append(frozenset(run))
        run = {""}

    for op, av in items:
        words = _words(op, av)
        if words is not None and len(run) * len(words) <= _MAX_VARIANTS:
            run = {r + w for r in run for w in words}  # `s(?:ee|aw)` is `see` or `saw`
        else:
            flush()
            if op is _C.SUBPATTERN:
                out += _clauses(av[-1])
            elif op is _C.BRANCH:
                best = [_best(_clauses(branch)) for branch in av[1]]
                if best and all(b is not None for b in best):
                    out.append(frozenset().union(*[b for b in best if b is not None]))
            elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT) and av[0] >= 1:
                out += _clauses(av[2])
            elif op is _C.ATOMIC_GROUP:
                out += _clauses(av)
            # AT, IN, ANY, CATEGORY, NOT_LITERAL, asserts, group references: nothing required
    flush()
    return out


def _minimal(clause: Clause) -> Clause:
    """A clause without the words that hold another of its words (`benchmarked`, `benchmark`)."""
    return frozenset(w for w in clause if not any(o != w and o in w for o in clause))


def _usable(clause: Clause) -> bool:
    # one letter is no filter; a non-ASCII letter may have IGNORECASE partners (`µ`, `ς`)
    return min(len(w) for w in clause) >= 2 and not any(
        ch.isalpha() and not ch.isascii() for word in clause for ch in word
    )


def required(pattern: re.Pattern[str]) -> tuple[Clause, ...]:
    """The gate of a pattern: its strongest clauses, lower-cased and folded."""
    clauses = _clauses(_sre_parse.parse(pattern.pattern, pattern.flags))
    # In pattern order (not a set's, which varies per process): the sort is stable, so ties
    # and the cut at _MAX_CLAUSES are the same in every run.
    folded = dict.fromkeys(_minimal(frozenset(fold(word) for word in clause)) for clause in clauses)
    usable = sorted((c for c in folded if _usable(c)), key=_strength, reverse=True)
    return tuple(usable[:_MAX_CLAUSES])


class Gated:
    """A compiled pattern with its gate; the `re.Pattern` methods the extractors use."""

    __slots__ = ("clauses", "flags", "pattern", "regex")
    clauses: tuple[tuple[str, ...], ...]

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self.pattern = regex.pattern
        self.flags = regex.flags
        # each clause's words shortest first: a short word is found (or missed) soonest
        self.clauses = tuple(tuple(sorted(c, key=len)) for c in required(regex))

    def __repr__(self) -> str:
        return f"gates.compile({self.pattern!r}) gated by {[sorted(c) for c in self.clauses]}"

    def could_match(self, text: str) -> bool:
        """False only when no match is possible (a required word is absent)."""
        if not self.clauses:
            return True
        low = fold(text)
        for clause in self.clauses:  # plain loops: generator expressions cost more than the tests
            for word in clause:
                if word in low:
                    break
            else:
                return False
        return True

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.regex.search(text, pos, endpos) if self.could_match(text) else None

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.regex.match(text, pos, endpos) if self.could_match(text) else None

    def finditer(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        return self.regex.finditer(text, pos, endpos) if self.could_match(text) else iter(())

    def findall(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        return self.regex.findall(text, pos, endpos) if self.could_match(text) else []

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str, count: int = 0) -> str:
        return self.regex.sub(repl, text, count) if self.could_match(text) else text


def compile(pattern: str, flags: int | re.RegexFlag = 0) -> Gated:
    """`re.compile` with a gate; use it for patterns run over a whole post."""
    return Gated(re.compile(pattern, flags))


def _top_level_split(pattern: str) -> list[str]:
    """A pattern's top-level alternatives (`a|b(c|d)|e` -> `a`, `b(c|d)`, `e`)."""
    pieces: list[str] = []
    depth, start, i, in_class = 0, 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            i += 1
            if pattern[i : i + 1] == "^":
                i += 1
            if pattern[i : i + 1] == "]":  # `[]...]`, `[^]...]`: a literal `]` first
                i += 1
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            pieces.append(pattern[start:i])
            start = i + 1
        i += 1
    pieces.append(pattern[start:])
    return pieces


class Alternatives:
    """A pattern of many alternatives asked only *whether* it occurs (`A|B|C`): each
    alternative is its own gated pattern, so only those whose words occur are run. The
    answer is the pattern's (some alternative matches exactly when the whole does); the
    match returned is the first matching alternative's, not necessarily the leftmost, so
    use it for yes/no questions only."""

    __slots__ = ("alternatives", "flags", "pattern")

    def __init__(self, pattern: str, flags: int | re.RegexFlag = 0) -> None:
        self.pattern, self.flags = pattern, flags
        pieces = _top_level_split(pattern)
        if "|".join(pieces) != pattern:  # pragma: no cover - the split is lossless
            raise ValueError(f"cannot split {pattern!r} into alternatives")
        self.alternatives = tuple(Gated(re.compile(p, flags)) for p in pieces)

    def __repr__(self) -> str:
        return f"gates.Alternatives({len(self.alternatives)} of {self.pattern[:40]!r}...)"

    def search(self, text: str) -> re.Match[str] | None:
        for alternative in self.alternatives:
            match = alternative.search(text)
            if match is not None:
                return match
        return None


def compile_alternatives(pattern: str, flags: int | re.RegexFlag = 0) -> Alternatives:
    """For a yes/no pattern of many `|` alternatives: each runs only when its words occur."""
    return Alternatives(pattern, flags)
