"""Kinds of errors found on the eighth and ninth real held-out sets (issue 13), each pinned
with a short synthetic text."""

from __future__ import annotations

import pytest

from hypewatch.extractors.extractor import Extractor
from tests.extractors.helpers import scores_of


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "We release Wren-7B. It scores 85.1 on [MMLU](https://arxiv.org/abs/2009.03300) "
            "and 72.0 on [HumanEval](https://github.com/openai/human-eval).",
            {"mmlu": 85.1, "humaneval": 72.0},
        ),
        (
            "Wren-7B is out: [GSM8K](https://example.org/gsm8k): 81.3%, ![chart](chart.png)",
            {"gsm8k": 81.3},
        ),
    ],
)
def test_a_benchmark_written_as_a_link_keeps_its_score(
    extractor: Extractor, text: str, expected: dict[str, float]
) -> None:
    found = extractor.extract(text, "web", "t")
    assert found.is_claim
    assert scores_of(found) == expected
