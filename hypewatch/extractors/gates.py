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

A text that passes the gate is still searched at every position by `re` when the pattern
starts with a case-insensitive alternation or a look-behind (no literal prefix the engine
can skip to). Two anchors narrow the positions tried, with the same answers:

- starting words: every match of `(?i:introducing|announcing|...)\\s+(NAME)` starts with
  one of its alternatives' literal words, so only the positions where one occurs (found
  with `str.find` in the lower-case text) are tried with `regex.match`;
- `compile_led(NAME, REST)`: a pattern `(NAME)REST` whose NAME is a short run of name
  characters (`X-7B achieves`, `X is out`): REST is searched first (its positions are
  few), and only the name-run before each one is tried.

`regex.match(text, p)` at a position is exactly the attempt `regex.search` makes there
(look-behinds, `\\b` and `^` see the whole text), and positions are tried left to right,
so `search` and `finditer` return the matches the plain pattern returns.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterable, Iterator
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


_MAX_STARTS = 64
_ZERO_WIDTH = (_C.AT, _C.ASSERT, _C.ASSERT_NOT)
_REPEATS = (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT)


def _starts_of(items: Any) -> set[str] | None:
    """Literal words one of which every match of a parsed sequence starts with; None when
    some match may start otherwise (a class, `\\w`, a group reference, too many words)."""
    run: set[str] = {""}
    for k, (op, av) in enumerate(items):
        if op in _ZERO_WIDTH:
            continue  # consumes nothing: the words after it still start the match
        words = _words(op, av)
        if words is not None and len(run) * len(words) <= _MAX_STARTS:
            run = {r + w for r in run for w in words}
            continue
        if run != {""}:
            break  # a literal start so far: it is enough
        sub: set[str] | None = None
        if op is _C.SUBPATTERN:
            sub = _starts_of(av[-1])
        elif op is _C.BRANCH:
            parts = [_starts_of(branch) for branch in av[1]]
            if all(p is not None for p in parts):
                sub = set().union(*[p for p in parts if p is not None])
        elif op in _REPEATS:
            body = _starts_of(av[2])
            if av[0] >= 1:
                sub = body
            else:  # optional: a match starts with the body's words or with what follows
                rest = _starts_of(items[k + 1 :])
                sub = body | rest if body is not None and rest is not None else None
        return sub if sub is not None and len(sub) <= _MAX_STARTS and all(sub) else None
    return run if all(run) else None


def starts(pattern: re.Pattern[str]) -> tuple[str, ...]:
    """The lower-case words every match starts with (`()` when there is no such set).
    Words that begin with another of the words are dropped (`an` after `a`)."""
    if pattern.flags & re.LOCALE:
        return ()
    found = _starts_of(_sre_parse.parse(pattern.pattern, pattern.flags))
    if not found:
        return ()
    folded = {fold(word) for word in found}
    if any(ch.isalpha() and not ch.isascii() for word in folded for ch in word):
        return ()  # `µ`, `ς`: IGNORECASE partners the lower-case text does not show
    return tuple(sorted(w for w in folded if not any(o != w and w.startswith(o) for o in folded)))


def aligned_fold(text: str) -> str | None:
    """`fold` keeping every character at its index (to find positions in); None when a
    character's lower case is longer than it."""
    if text.isascii():
        return text.lower()
    low = text.replace("\u0130", "i").lower().translate(_FOLD_ALIGNED)
    return low if len(low) == len(text) else None


_FOLD_ALIGNED = {0x131: "i", 0x17F: "s", 0x212A: "k"}


def _positions(low: str, words: Iterable[str]) -> list[int]:
    out: set[int] = set()
    for word in words:
        i = low.find(word)
        while i >= 0:
            out.add(i)
            i = low.find(word, i + 1)
    return sorted(out)


def _matches_at(
    regex: re.Pattern[str], text: str, positions: Iterable[int], pos: int, endpos: int
) -> Iterator[re.Match[str]]:
    """`regex.finditer(text, pos, endpos)` when every match starts at one of `positions`
    (ascending) and none is empty."""
    for p in positions:
        if p < pos:
            continue
        if p > endpos:
            return
        match = regex.match(text, p, endpos)
        if match is not None:
            pos = match.end()
            yield match


class Gated:
    """A compiled pattern with its gate; the `re.Pattern` methods the extractors use."""

    __slots__ = ("clauses", "flags", "pattern", "regex", "starts")
    clauses: tuple[tuple[str, ...], ...]

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self.pattern = regex.pattern
        self.flags = regex.flags
        # each clause's words shortest first: a short word is found (or missed) soonest
        self.clauses = tuple(tuple(sorted(c, key=len)) for c in required(regex))
        # an empty match would need finditer's rule for empty matches: never anchored
        self.starts = starts(regex) if regex.match("") is None else ()

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

    @property
    def anchored(self) -> bool:
        return bool(self.starts)

    def _candidates(self, text: str) -> list[int] | None:
        """Every position a match can start at, ascending; None: try them all (`re`)."""
        if not self.starts:
            return None
        low = aligned_fold(text)
        return None if low is None else _positions(low, self.starts)

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        if not self.could_match(text):
            return None
        candidates = self._candidates(text)
        if candidates is None:
            return self.regex.search(text, pos, endpos)
        return next(_matches_at(self.regex, text, candidates, pos, endpos), None)

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.regex.match(text, pos, endpos) if self.could_match(text) else None

    def finditer(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        if not self.could_match(text):
            return iter(())
        candidates = self._candidates(text)
        if candidates is None:
            return self.regex.finditer(text, pos, endpos)
        return _matches_at(self.regex, text, candidates, pos, endpos)

    def findall(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        if not self.could_match(text):
            return []
        if not self.anchored:
            return self.regex.findall(text, pos, endpos)
        groups = self.regex.groups
        return [
            m.group() if groups == 0 else m.group(1) if groups == 1 else m.groups("")
            for m in self.finditer(text, pos, endpos)
        ]

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str, count: int = 0) -> str:
        return self.regex.sub(repl, text, count) if self.could_match(text) else text


def compile(pattern: str, flags: int | re.RegexFlag = 0) -> Gated:
    """`re.compile` with a gate; use it for patterns run over a whole post."""
    return Gated(re.compile(pattern, flags))


_Chars = tuple[frozenset[str], frozenset[int]]  # literal characters, sre categories


def _class_chars(items: Any) -> _Chars | None:
    """The characters a parsed sequence can consume: literals and the digit/space/word
    categories; None for anything wider (`.`, negated sets, group references)."""
    chars: set[str] = set()
    categories: set[int] = set()

    def walk(seq: Any) -> bool:
        for op, av in seq:
            if op in _ZERO_WIDTH:
                continue
            if op is _C.LITERAL:
                chars.add(chr(av))
            elif op is _C.IN:
                for kind, value in av:
                    if kind is _C.LITERAL:
                        chars.add(chr(value))
                    elif kind is _C.RANGE:
                        chars.update(chr(c) for c in range(value[0], value[1] + 1))
                    elif kind is _C.CATEGORY and value in _CATEGORY_TESTS:
                        categories.add(int(value))
                    else:
                        return False
            elif op is _C.SUBPATTERN:
                if av[1] & re.IGNORECASE or not walk(av[-1]):
                    return False
            elif op is _C.BRANCH:
                if not all(walk(branch) for branch in av[1]):
                    return False
            elif op in _REPEATS:
                if not walk(av[2]):
                    return False
            else:
                return False
        return True

    return (frozenset(chars), frozenset(categories)) if walk(items) else None


# sre's Unicode categories as str tests (`\d` is any decimal digit, `\w` alnum or `_`)
_CATEGORY_TESTS: dict[Any, Callable[[str], bool]] = {
    _C.CATEGORY_DIGIT: str.isdecimal,
    _C.CATEGORY_SPACE: str.isspace,
    _C.CATEGORY_WORD: lambda ch: ch.isalnum() or ch == "_",
}


def _most_spaces(items: Any) -> float:
    """The most whitespace characters one match of a parsed sequence can consume."""
    total = 0.0
    for op, av in items:
        if op is _C.LITERAL:
            total += chr(av).isspace()
        elif op is _C.IN:
            total += any(
                (kind is _C.LITERAL and chr(value).isspace())
                or (
                    kind is _C.RANGE
                    and any(chr(c).isspace() for c in range(value[0], value[1] + 1))
                )
                or (kind is _C.CATEGORY and value in (_C.CATEGORY_SPACE,))
                for kind, value in av
            )
        elif op is _C.SUBPATTERN:
            total += _most_spaces(av[-1])
        elif op is _C.BRANCH:
            total += max(_most_spaces(branch) for branch in av[1])
        elif op in _REPEATS:
            inner = _most_spaces(av[2])
            if inner:
                total += float("inf") if av[1] is _C.MAXREPEAT else av[1] * inner
    return total


class Led(Gated):
    """`(LEAD)REST` where LEAD is a run of a few characters kinds (a model's name): REST's
    positions are found first, and only the run of LEAD characters right before each one
    is tried. Same matches as the pattern, in the same order."""

    __slots__ = ("first", "lead_chars", "lead_spaces", "rest")

    def __init__(self, lead: str, rest: str, flags: int | re.RegexFlag = 0) -> None:
        super().__init__(re.compile("(" + lead + ")" + rest, flags))
        parsed = _sre_parse.parse(lead, flags)
        if flags & re.IGNORECASE or parsed.getwidth()[0] == 0:
            raise ValueError(f"a lead must be case-sensitive and never empty: {lead!r}")
        chars = _class_chars(parsed)
        if chars is None:
            raise ValueError(f"a lead must be made of literals and classes: {lead!r}")
        self.lead_chars = chars
        self.lead_spaces = _most_spaces(parsed)
        self.rest = re.compile(rest, flags)
        self.starts = ()

    @property
    def anchored(self) -> bool:
        return True

    def _in_lead(self, ch: str) -> bool:
        chars, categories = self.lead_chars
        return ch in chars or any(_CATEGORY_TESTS[c](ch) for c in categories)

    def _candidates(self, text: str) -> list[int] | None:
        out: set[int] = set()
        rest, i = self.rest, 0
        while (found := rest.search(text, i)) is not None:
            end = found.start()  # the lead ends here: its run of characters goes back from it
            p, spaces = end, 0
            while p > 0 and self._in_lead(text[p - 1]):
                if text[p - 1].isspace():
                    if spaces + 1 > self.lead_spaces:
                        break
                    spaces += 1
                p -= 1
            out.update(range(p, end))
            i = end + 1
        return sorted(out)


def compile_led(lead: str, rest: str, flags: int | re.RegexFlag = 0) -> Led:
    """`gates.compile("(" + lead + ")" + rest)` for a pattern led by a name: group 1 is the
    lead. Use it when LEAD alone would be tried at every position of a text."""
    return Led(lead, rest, flags)


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
