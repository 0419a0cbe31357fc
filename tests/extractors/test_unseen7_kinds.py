"""Kinds of errors found on fresh real texts and by probing the prose shapes launch posts
use (issue 13), each pinned with a short synthetic text."""

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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Wren-7B outperforms Llama 3 8B on MMLU (68.9 vs. 66.6) and GSM8K (84.1% vs 79.6%).",
            {"mmlu": 68.9, "gsm8k": 84.1},
        ),
        ("Wren-7B: HumanEval pass@1 jumped from 48.2 to 72.6.", {"humaneval": 72.6}),
        ("Wren-7B is out. MMLU improved from 61% to 68.9%.", {"mmlu": 68.9}),
        (
            "Wren-7B achieves MMLU/GSM8K/HumanEval scores of 68.9/84.1/72.6.",
            {
                "mmlu": 68.9,
                "gsm8k": 84.1,
                "humaneval": 72.6,
            },
        ),
    ],
)
def test_prose_shapes_of_launch_posts(
    extractor: Extractor, text: str, expected: dict[str, float]
) -> None:
    assert scores_of(extractor.extract(text, "web", "t")) == expected


@pytest.mark.parametrize(
    "text",
    [
        # whose number comes first is not said: no beating verb
        "Wren-7B and Llama 3 8B on MMLU (66.6 vs. 68.9).",
        # three benchmarks, two numbers: no order pairs them, nothing is guessed
        "Wren-7B achieves MMLU/GSM8K/HumanEval scores of 68.9/84.1.",
    ],
)
def test_ambiguous_prose_gives_no_score(extractor: Extractor, text: str) -> None:
    assert scores_of(extractor.extract(text, "web", "t")) == {}


def test_a_pipe_table_whose_separator_has_too_few_cells_is_read(extractor: Extractor) -> None:
    text = (
        "We release Wren-7B.\n\n"
        "| Benchmark | Wren-7B | Llama-3-8B | Mistral 7B |\n"
        "|---|---|---|\n"
        "| MMLU | 66.1 | 65.0 | 62.5 |\n"
        "| GSM8K | 80.2 | 79.6 | 52.1 |\n"
    )
    assert scores_of(extractor.extract(text, "web", "t")) == {"mmlu": 66.1, "gsm8k": 80.2}
