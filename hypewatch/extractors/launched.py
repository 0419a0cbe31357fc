"""Which column (or row) of a comparison table is the launched model's.

Evidence, strongest first: a label that is the launched model's name (the card's
title, its repo id, the launch sentence's subject) spelled another way; a label
of the same family and version with the size the text names; one of the same
family and version. Among equally good labels, the only bold one, then the only
one marked "ours", then the first (a card of several sizes lists its sizes in
order; the labels take the first, as the title names none). A table whose labels
match none of the names is read only when it has a single model column (or one
marked "ours"); otherwise nothing is taken from it and the reason is recorded:
attributing a competitor's number to the launcher is worse than missing it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from hypewatch.extractors import names

_OURS = re.compile(r"\bours\b|\(ours\)|\bour model\b|\(this model\)", re.I)


@dataclass(frozen=True)
class Candidate:
    index: int
    label: str
    bold: bool = False


@dataclass(frozen=True)
class Choice:
    index: int  # -1 when undecided
    label: str = ""
    reason: str = ""


def _words(name: str) -> set[str]:
    return {t for t in names.tokens(name) if t.isalpha() and t not in names.NOISE}


def _family_version(name: str) -> bool:
    """Whether a version follows the family word (`Baichuan 2`, `Qwen2.5-Math`; not the
    base's `3.1` in `Reflection Llama-3.1 70B`)."""
    toks = names.tokens(name)
    fam = names.family(toks)
    if not fam:
        return False
    at = toks.index(fam)
    return at + 1 < len(toks) and bool(names.versions(toks[at + 1 : at + 2]))


def _other_size(label: str, decided: str) -> bool:
    a, b = names.sizes(names.tokens(label)), names.sizes(names.tokens(decided))
    return bool(a and b and not a & b)


def _kilo_variant(label: str, subject: str) -> bool:
    """The label is the subject plus a context length or budget (`-32K`, `-80K`) only."""
    extra = set(names.tokens(label)) - set(names.tokens(subject))
    return bool(extra) and all(names.KILO.match(t) for t in extra)


def strength(label: str, subject: str) -> int:
    """How well a column label names the subject: 0 (another model) to 3 (the same name)."""
    if not label or not subject:
        return 0
    label_tokens = names.tokens(label)
    if label_tokens and not names.family(label_tokens) and names.sizes(label_tokens):
        # `| Benchmark | 2B Params | 7B Params |` on the card of `Gemma 7B-it`: a column
        # named by its size alone is the launched model's when the size is the one named
        own = names.sizes(names.tokens(subject))
        return 1 if own and names.sizes(label_tokens) == own else 0
    if not names.compatible(label, subject):
        return 0
    if names.key(label) == names.key(subject):
        return 3
    label_sizes = names.sizes(names.tokens(label))
    subject_sizes = names.sizes(names.tokens(subject))
    missing = _words(subject) - names.ORGS - _words(label)
    if _family_version(subject) and not names.versions(names.tokens(label)):
        # `Baichuan-7B` is the predecessor of `Baichuan 2`, not its 7B size
        return 0
    if label_sizes and subject_sizes:
        # same family, version and size: `Reflection 70B` for `Reflection Llama-3.1 70B`,
        # but `Zephyr-7b-β` over `Zephyr-7b-α` for `Zephyr-7B-β`
        return 1 if missing else 2
    if missing:
        return 0  # `Mistral NeMo` is not `Mistral 7B`
    return 1


@dataclass(frozen=True)
class Evidence:
    """What a text says about which column or row of a table is the launched model's."""

    subjects: Sequence[str]  # every name the text gives the launched model
    decided: str = ""  # the label an earlier table of the text was read from
    # the models the card says the launched one was made from (`base_model:
    # HuggingFaceTB/SmolLM2-1.7B` on the Instruct model's card): a column of exactly that
    # name is the base's, never the launch's
    bases: Sequence[str] = ()
    above: str = ""  # the table's heading, caption and the line just above it
    prose: str = ""  # the text outside its tables


def _mentioned(label: str, text: str) -> bool:
    """Is the label written out whole in the text (`MiMo-7B-RL` not inside
    `MiMo-7B-RL-0530`)?"""
    label = re.sub(r"\s*\([^)]*\)", "", label).strip(" *_")  # `AceMath-72B-RM (Ours)`
    if not label or not text:
        return False
    return re.search(r"(?<![\w.\-/])" + re.escape(label) + r"(?![\w\-])", text) is not None


def _only_mentioned(top: list[Candidate], text: str) -> Candidate | None:
    named = [c for c in top if _mentioned(c.label, text)]
    return named[0] if len(named) == 1 else None


def choose(candidates: list[Candidate], evidence: Evidence) -> Choice:
    """The launched model's candidate, or index -1 with the reason it cannot be told."""
    subjects, decided = evidence.subjects, evidence.decided
    base_names = {tuple(names.tokens(b.rsplit("/", 1)[-1])) for b in evidence.bases if b}
    every = len(candidates)
    candidates = [c for c in candidates if tuple(names.tokens(c.label)) not in base_names]
    if not candidates:
        return Choice(-1, reason="no model column")
    # another version of the launched model's family (`OpenChat 3.5 1210` when the text
    # launches `OpenChat 3.5 0106`) is an earlier release, whatever other subject it matches
    scores = [
        0
        if subjects and names.other_version(c.label, subjects[0])
        else max((strength(c.label, s) for s in subjects if s), default=0)
        for c in candidates
    ]
    best = max(scores)
    if best == 0:
        ours = [c for c in candidates if _OURS.search(c.label)]
        if len(ours) == 1:
            return Choice(ours[0].index, ours[0].label, "marked ours")
        if every == 1:
            return Choice(candidates[0].index, candidates[0].label, "the only model column")
        shown = ", ".join(c.label or "(blank)" for c in candidates[:6])
        return Choice(-1, reason=f"no column or row names the launched model (labels: {shown})")
    top = [c for c, s in zip(candidates, scores, strict=True) if s == best]
    if decided and _other_size(top[0].label, decided):
        # an earlier table gave `OpenThinker-32B`; a later one's `OpenThinker-7B` (named by a
        # news line) is an earlier, smaller release
        return Choice(-1, reason=f"another size ({top[0].label}) than {decided}")
    if decided and len(top) == 1 and _kilo_variant(top[0].label, decided):
        # an earlier table gave `ChatGLM3-6B-Base`; a later one's `ChatGLM3-6B-32K` is the
        # long-context sibling, another release
        return Choice(-1, reason=f"a context-length variant ({top[0].label}) of {decided}")
    if len(top) == 1:
        return Choice(top[0].index, top[0].label, "names the launched model")
    # `BlueLM-7B-Chat` over `BlueLM-7B-Base` when the text names the Chat one: the variant
    # words the name key leaves out still tell two rows of one size apart
    exact = [c for c in top if any(names.tokens(c.label) == names.tokens(s) for s in subjects)]
    if len(exact) == 1:
        return Choice(exact[0].index, exact[0].label, "names the launched model")
    bold = [c for c in top if c.bold]
    if len(bold) == 1:
        return Choice(bold[0].index, bold[0].label, "the bold one of the launched family")
    ours = [c for c in top if _OURS.search(c.label)]
    if len(ours) == 1:
        return Choice(ours[0].index, ours[0].label, "marked ours")
    # `MiMo-7B-RL` beside `MiMo-7B-RL-0530` under a line about the 0530 update; `AceMath-7B-RM`
    # beside `AceMath-72B-RM` in a card whose prose names only the 72B one
    for where, text in (("above the table", evidence.above), ("in the text", evidence.prose)):
        named = _only_mentioned(top, text)
        if named is not None:
            return Choice(named.index, named.label, f"the one named {where}")
    return Choice(top[0].index, top[0].label, "the first of the launched family's sizes")
