"""Whose number a prose sentence gives: the model its scoring verb belongs to (issue 13).

A launch post that quotes a rival's score in a sentence of its own must not hand that
number to the launched model: a later `failed` verdict would be about a number nobody
claimed. Each kind is pinned with a short synthetic text.
"""

from __future__ import annotations

import pytest

from hypewatch.extractors.extractor import Extractor
from tests.extractors.helpers import scores_of


@pytest.mark.parametrize(
    "text",
    [
        "We release Wren-7B. Llama-3-8B scores 66.6 on MMLU.",
        "We release Wren-7B. On MMLU, Llama-3-8B scores 66.6.",
        "We release Wren-7B. On the MMLU benchmark, Qwen2.5 72B Instruct achieves 66.6.",
        "We release Wren-7B. Llama-3-8B shows 66.6 on MMLU.",
    ],
)
def test_a_rivals_sentence_gives_the_launched_model_nothing(
    extractor: Extractor, text: str
) -> None:
    found = extractor.extract(text, "web", "t")
    assert found.model == "Wren-7B"
    assert "mmlu" not in scores_of(found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "We release Wren-7B. On MMLU, Wren-7B scores 71.2 while Llama-3-8B scores 66.6.",
            {"mmlu": 71.2},
        ),
        (
            "# Wren-7B\n\nIn the MMLU benchmark, Wren-7B scored 71.2, and in GSM8K it scored 80.5.",
            {"mmlu": 71.2, "gsm8k": 80.5},
        ),
        ("We release Wren-7B. On HumanEval it showed a result of 72.5%.", {"humaneval": 72.5}),
        ("We release Wren-7B. Wren-7B-Instruct scores 71.2 on MMLU.", {"mmlu": 71.2}),
        # the owner's own model, even when the name the text gives is another's
        (
            "Our Sable-70B gets 87.1 on MMLU, beating GPT-4o (86.5) and Llama 3.1 70B (83.6).",
            {"mmlu": 87.1},
        ),
    ],
)
def test_the_launched_models_sentence_keeps_its_value(
    extractor: Extractor, text: str, expected: dict[str, float]
) -> None:
    found = extractor.extract(text, "web", "t")
    assert scores_of(found) == expected


def test_of_two_subjects_in_one_sentence_only_the_rivals_value_is_dropped(
    extractor: Extractor,
) -> None:
    found = extractor.extract(
        "We release Wren-7B. Llama-3-8B scores 66.6 on MMLU, while Wren-7B scores 71.2.",
        "web",
        "t",
    )
    assert 66.6 not in scores_of(found).values()


def test_a_rival_ahead_of_others_owns_the_values_after_it(extractor: Extractor) -> None:
    text = (
        "Google announced Gemma 3 27B. Gemma 3 27B scored 67.5% on MMLU-Pro. Meta's Llama 3.3 "
        "70B outperformed both, with 71% in MMLU-Pro and 50% in GPQA Diamond."
    )
    assert scores_of(extractor.extract(text, "web", "t")) == {"mmlu-pro": 67.5}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the name after the values owns them; values before benchmarks in parentheses pair
        (
            "Wren3-10B-Base is out. It scores 67.4/39.2 (MMLU/MMLU-PRO) for Wren3-7B-Base and "
            "73.1/42.5 (MMLU/MMLU-PRO) for Wren3-10B-Base.",
            {"mmlu": 73.1, "mmlu-pro": 42.5},
        ),
        (
            "We release Wren-7B. It scores 67.4/39.2 (MMLU/MMLU-Pro).",
            {"mmlu": 67.4, "mmlu-pro": 39.2},
        ),
        # a sized name owning values on the post of a family with no size: whose, unknown
        ("We release Wren 3. It scores 67.4 on MMLU for Wren-3-7B.", {}),
    ],
)
def test_the_owner_named_after_the_values(
    extractor: Extractor, text: str, expected: dict[str, float]
) -> None:
    assert scores_of(extractor.extract(text, "web", "t")) == expected
