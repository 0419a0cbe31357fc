"""Span F1 (DROP): the final answer's words against the reference spans, partial credit.

The metric is DROP's own (Dua et al. 2019, the official `drop_eval.py`, also what
lm-evaluation-harness and simple-evals report as "F1"), written here from its
definition: an answer is one or more spans; each span is normalised (lower case,
punctuation removed unless the token is a number, numbers written as floats so
`2.0` = `2`, the articles a/an/the dropped, split on spaces and hyphens) into a bag
of words; predicted and reference bags are paired one to one so the summed F1 is
largest (`scipy.optimize.linear_sum_assignment`), a pair whose reference holds
numbers scores 0 unless the prediction shares one of them; the item's F1 is the
mean over the larger number of bags, rounded to 2 places, and the best over the
item's accepted answers. Exact match (the normalised spans equal as sets) is kept
beside it in `values["em"]`.

The reply is read like the exact-match family ("So the answer is X."); several
spans are separated by "|". Scores are fractions, so the family is `bounded`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from typing import ClassVar

from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from hypewatch.verifiers.benchmark.families import Score
from hypewatch.verifiers.benchmark.families.exact import ExactMatch, final_answer
from hypewatch.verifiers.benchmark.tasks import TaskItem

INSTRUCTION = (
    "Read the passage and answer the question. Think step by step, then finish with the "
    'line "So the answer is X." (X: the answer, a number, date or words from the passage; '
    'separate several answers with " | ").'
)
DIRECT = (
    'Reply with only the line "So the answer is X." (X: the answer, a number, date or words '
    'from the passage; separate several answers with " | ").'
)
_PUNCTUATION = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_TOKEN_SPLIT = re.compile(r"[ -]")
_MARKUP = re.compile(r"[*_`]+")


def _number(token: str) -> float | None:
    try:
        return float(token)
    except ValueError:
        return None


def _normalise_token(token: str) -> str:
    token = token.lower()
    if _number(token) is None:
        token = "".join(ch for ch in token if ch not in _PUNCTUATION)
    value = _number(token)
    if value is not None:
        token = str(value)
    return " ".join(_ARTICLES.sub(" ", token).split())


def normalise_span(span: str) -> str:
    tokens = (_normalise_token(token) for token in _TOKEN_SPLIT.split(span))
    return " ".join(token for token in tokens if token.strip()).strip()


def _bags(spans: Sequence[str]) -> tuple[list[str], list[frozenset[str]]]:
    normalised = [normalise_span(span) for span in spans]
    return normalised, [frozenset(span.split()) for span in normalised]


def _f1(predicted: frozenset[str], gold: frozenset[str]) -> float:
    shared = len(predicted & gold)
    precision = shared / len(predicted) if predicted else 1.0
    recall = shared / len(gold) if gold else 1.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _numbers_agree(gold: frozenset[str], predicted: frozenset[str]) -> bool:
    gold_numbers = {word for word in gold if _number(word) is not None}
    return not gold_numbers or bool(gold_numbers & predicted)


def span_scores(predicted: Sequence[str], gold: Sequence[str]) -> tuple[float, float]:
    """(exact match, F1) of predicted spans against one reference answer's spans."""
    predicted_spans, predicted_bags = _bags(predicted)
    gold_spans, gold_bags = _bags(gold)
    exact = float(
        set(predicted_spans) == set(gold_spans) and len(predicted_spans) == len(gold_spans)
    )
    scores = [
        [_f1(p, g) if _numbers_agree(g, p) else 0.0 for p in predicted_bags] for g in gold_bags
    ]
    best = [0.0] * max(len(gold_bags), len(predicted_bags))
    if scores and scores[0]:
        rows, columns = linear_sum_assignment([[-value for value in row] for row in scores])
        for row, column in zip(rows, columns, strict=True):
            best[row] = max(best[row], scores[row][column])
    return exact, round(sum(best) / len(best), 2) if best else 0.0


def best_scores(reply_answer: str, answers: Sequence[Sequence[str]]) -> tuple[float, float]:
    """(exact match, F1), each the best over the accepted answers."""
    predicted = [part.strip() for part in reply_answer.split("|")]
    results = [span_scores(predicted, gold) for gold in answers if gold]
    if not results:
        return 0.0, 0.0
    return max(r[0] for r in results), max(r[1] for r in results)


class SpanF1(ExactMatch):
    """Prompted as exact match (the same instruction and exemplars); scored by span F1."""

    name: ClassVar[str] = "span_f1"
    description: ClassVar[str] = "DROP's F1 of the answer's words against the reference spans"
    bounded: ClassVar[bool] = True

    async def score(self, reply: str, item: TaskItem) -> Score:
        answer, rule = final_answer(reply)
        if answer is None:
            return Score(0.0, None, rule)
        answer = _MARKUP.sub("", answer).strip().rstrip(".").strip()
        answers = item.extra.get("answers") or [[str(item.answer)]]
        exact, f1 = best_scores(answer, answers)
        return Score(f1, answer[:200], rule, values={"f1": f1, "em": exact})
