"""Kinds of table and value errors found on fresh model cards (issue 13), each pinned with
a short synthetic card."""

from __future__ import annotations

import pytest

from hypewatch.extractors.extractor import Extractor
from tests.extractors.helpers import scores_of


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


def test_size_columns_on_a_card_that_states_its_size(extractor: Extractor) -> None:
    text = (
        "# Gemma Model Card\n\nThis model card corresponds to the 7B instruct version of the "
        "Gemma model. Gemma is a family of lightweight, open models.\n\n"
        "| Benchmark | Metric | 2B Params | 7B Params |\n|---|---|---|---|\n"
        "| [MMLU](https://arxiv.org/abs/2009.03300) | 5-shot | 42.3 | 64.3 |\n"
        "| [HellaSwag](https://arxiv.org/abs/1905.07830) | 0-shot | 71.4 | 81.2 |\n"
    )
    found = extractor.extract(text, "huggingface", "t")
    assert scores_of(found) == {"mmlu": 64.3, "hellaswag": 81.2}


def test_a_heading_names_the_model_of_the_table_below(extractor: Extractor) -> None:
    text = (
        "# Introduction\n\nWe are open-sourcing Wren2-3B, Wren2-14B, and Wren2-32B. Wren2 has "
        "acquired significantly more knowledge.\n\n### Wren2-72B Performance\n\n"
        "| Datasets | Llama-3-70B | **Wren2-72B** |\n|---|---|---|\n| MMLU | 79.5 | 86.1 |\n"
        "| GSM8K | 76.9 | 91.5 |\n"
    )
    found = extractor.extract(text, "web", "t")
    assert found.is_claim, found.flags
    assert scores_of(found) == {"mmlu": 86.1, "gsm8k": 91.5}


def test_a_chat_variants_table_adds_only_what_the_launched_table_lacks(
    extractor: Extractor,
) -> None:
    text = (
        "# Wren2.5-20B Model Card\n\n### Base Model\n\n| Benchmark | Wren2.5-20B | Wren2-20B |\n"
        "|---|---|---|\n| MMLU | 74.25 | 67.58 |\n| BBH | 77.82 | 71.36 |\n\n### Chat Model\n\n"
        "| Benchmark | Wren2.5-20B-Chat | Gemma2-27B-IT |\n|---|---|---|\n"
        "| MMLU (5-shot) | 73.5 | 75.0 |\n| MT-Bench | 8.1 | 8.0 |\n"
    )
    found = extractor.extract(text, "huggingface", "t")
    assert [(s.benchmark, s.value) for s in found.scores] == [
        ("mmlu", 74.25),
        ("bbh", 77.82),
        ("mt-bench", 8.1),
    ]


def test_one_row_tables_under_benchmark_headings(extractor: Extractor) -> None:
    text = (
        "# Wren-340B-Instruct\n\n#### MT-Bench (GPT-4-Turbo)\n\n"
        "| total | writing | roleplay | math | coding |\n|---|---|---|---|---|\n"
        "| 8.22 | 8.70 | 8.70 | 8.40 | 6.70 |\n\n#### IFEval\n\n"
        "| Prompt-Strict Acc | Instruction-Strict Acc |\n|---|---|\n| 79.9 | 86.1 |\n\n"
        "#### MMLU\n\n|MMLU 0-shot |\n| :--- |\n| 78.7 |\n"
    )
    found = extractor.extract(text, "huggingface", "t")
    assert scores_of(found) == {"mt-bench": 8.22, "ifeval": 79.9, "mmlu": 78.7}


def test_rows_of_benchmark_categories_are_not_benchmarks(extractor: Extractor) -> None:
    text = (
        "# Wren-14B\n\nWe take a closer look at categories across 80 benchmarks:\n\n"
        "|Benchmark|Wren-14B|Rival-104B|\n|---|---|---|\n"
        "|Popular aggregated benchmark|75.4|69.9|\n|Reasoning|84.1|79.3|\n"
        "|Code generation|66.1|68.6|\n|Math|52.8|45.3|\n|Factual knowledge|48.3|60.3|\n"
    )
    assert scores_of(extractor.extract(text, "huggingface", "t")) == {}


def test_chain_of_thought_written_out_is_a_setting(extractor: Extractor) -> None:
    text = (
        "# Wren-14B\n\n|Benchmark|Wren-14B|Rival-104B|\n|---|---|---|\n"
        "|GSM8K Chain of Thought<br>8-shot|91.0|78.3|\n|MMLU<br>5-shot|78.0|73.8|\n"
    )
    found = extractor.extract(text, "huggingface", "t")
    assert (found.scores[0].benchmark, found.scores[0].value, found.scores[0].setting) == (
        "gsm8k",
        91.0,
        "8-shot, cot",
    )


def test_lm_eval_task_ids_and_metric_words_name_their_benchmark(extractor: Extractor) -> None:
    text = (
        "# Wren-9B\n\n| Task | Wren-9B | Base-9B |\n|---|---|---|\n"
        "| gpqa_diamond_cot_zeroshot | 0.58 | 0.52 |\n| GSM8K Accuracy | 0.862 | 0.801 |\n"
    )
    found = extractor.extract(text, "huggingface", "t")
    assert {s.benchmark for s in found.scores} == {"gpqa-diamond", "gsm8k"}


GLUED = (
    "Microsoft Wren-4: The Tiny Giant That Beats 70B Models at Math\n\nMicrosoft's Wren-4, at just "
    "14 billion parameters, scores 80.4% on the MATH benchmark.\n\n"
    "Benchmark comparison\n\n"
    "BenchmarkWren-4 (14B)Llama 3.3 70BGPT-4oGPT-4o-mini\n"
    "MMLU84.8%86.3%87.2%82.0%\nGPQA56.1%50.7%53.6%40.9%\nMATH80.4%77.9%74.6%70.2%\n"
)


def test_a_table_whose_cells_a_page_glued_together(extractor: Extractor) -> None:
    found = extractor.extract(GLUED, "web", "t")
    assert scores_of(found) == {"mmlu": 84.8, "gpqa": 56.1, "math": 80.4}


def test_a_glued_table_whose_names_do_not_split_evenly_gives_nothing(
    extractor: Extractor,
) -> None:
    # five values under four names: which value is whose cannot be told
    text = GLUED.replace("MMLU84.8%86.3%87.2%82.0%", "MMLU84.8%86.3%87.2%82.0%80.1%")
    found = extractor.extract(text, "web", "t")
    assert "mmlu" not in scores_of(found)
