"""Kinds of table and value errors found on fresh model cards (issue 13), each pinned with
a short synthetic card."""

from __future__ import annotations

import pytest

from hypewatch.extractors.extractor import Extractor
from tests.extractors.helpers import scores_of


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def test_an_html_table_cut_off_before_its_closing_tags_is_read(extractor: Extractor) -> None:
    text = (
        "# Wren-7B\n\n<table>\n<thead>\n<tr>\n<th>Benchmark</th>\n<th>Llama-3-8B</th>\n"
        "<th>Wren-7B</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>MMLU</td>\n<td>66.6</td>\n"
        "<td>71.2</td>\n</tr>\n<tr>\n<td>GSM8K</td>\n<td>79.6</td>\n<td>84.1</td>\n</tr>\n"
    )
    assert scores_of(extractor.extract(text, "huggingface", "t")) == {"mmlu": 71.2, "gsm8k": 84.1}


def test_model_names_in_the_row_under_a_grouping_header(extractor: Extractor) -> None:
    text = (
        "# Wren-4B-instruct\n\n"
        "| Benchmark | Similar size | | 2x size | |\n|---|---|---|---|---|\n"
        "| | Wren-4B-Ins | Llama-3.2-3B-Ins | Qwen2.5-7B-Ins | Llama-3.1-8B-Ins |\n"
        "| MMLU (5-shot) | 67.3 | 61.8 | 72.6 | 68.1 |\n"
        "| GSM8K (8-shot, CoT) | 88.6 | 75.6 | 88.7 | 82.4 |\n"
    )
    found = extractor.extract(text, "huggingface", "t")
    assert scores_of(found) == {"mmlu": 67.3, "gsm8k": 88.6}


@pytest.mark.parametrize(
    "text",
    [
        "Wren-21B is out: with 21B parameters (approximately 70% that of Qwen3-30B), it leads "
        "on benchmarks including BBH and CMATH.",
        "Wren-21B is out: at 70% the size of Qwen3-30B, it leads on BBH.",
    ],
)
def test_a_ratio_of_sizes_is_not_a_score(extractor: Extractor, text: str) -> None:
    assert "bbh" not in scores_of(extractor.extract(text, "web", "t"))
