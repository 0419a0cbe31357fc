"""Kinds of card-layout errors found on fresh model cards (issue 13, third pass), each pinned
with a short synthetic card."""

from __future__ import annotations

import pytest

from hypewatch.extractors.extractor import Extractor
from tests.extractors.helpers import scores_of


def test_the_card_templates_title_below_a_section_heading_names_the_size(
    extractor: Extractor,
) -> None:
    text = (
        "## Model Details\n\n<img alt='logo' src='x.png'>\n\n# Model Card for Wren 2 13B\n"
        "We introduce Wren 2, a new family of 7B and 13B models.\n\n## Evaluation\n\n"
        "| Model | Train FLOPs | Average | ARC/C | HSwag | WinoG | NQ |\n"
        "|---|---|---|---|---|---|---|\n"
        "| Llama-2-13B | 1.6·10²³ | 54.1 | 67.3 | 83.9 | 74.9 | 38.4 |\n"
        "| **Wren-2-1124-7B** | 1.8·10²³ | 62.9 | 79.8 | 83.8 | 77.2 | 36.9 |\n"
        "| **Wren-2-1124-13B** | 4.6·10²³ | 68.3 | 83.5 | 86.4 | 81.5 | 46.7 |\n"
    )
    found = extractor.extract(text, "huggingface", "t")
    assert found.model == "Wren 2 13B"
    # the 13B row, its abbreviated headers known, and the compute column no benchmark
    assert scores_of(found) == {
        "arc-challenge": 83.5,
        "hellaswag": 86.4,
        "winogrande": 81.5,
        "naturalquestions": 46.7,
    }


def test_the_column_of_the_declared_base_model_is_not_the_launched_ones(
    extractor: Extractor,
) -> None:
    text = (
        "---\nbase_model:\n- acme/Wren2-1.7B\n---\n\n# Wren2\n\nWren2 is a family of compact "
        "models in three sizes: 135M, 360M and 1.7B.\n\n## Base Pre-Trained Model\n\n"
        "| Metric | Wren2-1.7B | Llama-1B |\n|---|---|---|\n"
        "| HellaSwag | **68.7** | 61.2 |\n| PIQA | **77.6** | 74.8 |\n\n"
        "## Instruction Model\n\n"
        "| Metric | Wren2-1.7B-Instruct | Llama-1B-Instruct |\n|---|---|---|\n"
        "| HellaSwag | **66.1** | 56.1 |\n| PIQA | **74.4** | 72.3 |\n"
        "| ARC (Average) | **51.7** | 41.6 |\n"
    )
    found = extractor.extract(text, "huggingface", "t")
    assert found.model == "Wren2-1.7B-Instruct"
    assert found.base_model == "acme/Wren2-1.7B"
    # `ARC (Average)` is the mean of ARC-Easy and ARC-Challenge: neither benchmark
    assert scores_of(found) == {"hellaswag": 66.1, "piqa": 74.4}


@pytest.mark.parametrize("label", ["ARC (Average)", "ARC avg", "ARC (avg.)"])
def test_the_mean_of_both_arc_sets_is_no_arc_score(extractor: Extractor, label: str) -> None:
    text = f"# Wren-7B\n\n| Benchmark | Wren-7B |\n|---|---|\n| {label} | 60.5 |\n| PIQA | 77.6 |\n"
    assert scores_of(extractor.extract(text, "huggingface", "t")) == {"piqa": 77.6}


def test_a_bold_line_naming_a_benchmark_heads_a_table_of_models(extractor: Extractor) -> None:
    text = (
        "# Wren-7B\n\nWren-7B is a merge of three models.\n\n**MT-Bench Average Turn**\n"
        "| model | score | size\n|---|---|---\n| gpt-4 | 8.99 | -\n"
        "| **Wren-7B** | **8.52** | **7b**\n| Starling-7B | 8.09 | 7b\n"
    )
    assert scores_of(extractor.extract(text, "huggingface", "t")) == {"mt-bench": 8.52}


def test_a_bold_line_naming_no_benchmark_gives_the_table_no_topic(extractor: Extractor) -> None:
    text = (
        "# Wren-7B\n\nWren-7B is a merge of three models.\n\n**Our favourite models**\n"
        "| model | score | size\n|---|---|---\n| gpt-4 | 8.99 | -\n"
        "| **Wren-7B** | **8.52** | **7b**\n"
    )
    assert scores_of(extractor.extract(text, "huggingface", "t")) == {}


def test_a_tie_of_variants_goes_to_the_one_named_above_the_table(extractor: Extractor) -> None:
    text = (
        "# Wren-7B\n\nWe present Wren-7B, a series of models trained from scratch, resulting "
        "in Wren-7B-RL.\n\n## Updates\n\nWith a larger RL window, Wren-7B-RL-0530 improves "
        "further.\n\n| Benchmark | Wren-7B-RL | Wren-7B-RL-0530 |\n|---|---|---|\n"
        "| MATH500 | 95.8 | 97.2 |\n| AIME 2024 | 68.2 | 80.1 |\n"
    )
    assert scores_of(extractor.extract(text, "huggingface", "t")) == {
        "math-500": 97.2,
        "aime-2024": 80.1,
    }


def test_a_tie_of_sizes_goes_to_the_one_the_prose_names(extractor: Extractor) -> None:
    text = (
        "## Introduction\nWe introduce Wren, a family of math models, including Wren-7B/72B-RM. "
        "Our reward model, Wren-72B-RM, sets a new record.\n\n## Reward Model Results\n\n"
        "| Model | GSM8K | MATH500 |\n|---|---|---|\n| Qwen2.5-Math-RM-72B | 96.61 | 86.63 |\n"
        "| Wren-7B-RM (Ours) | 96.66 | 85.47 |\n| Wren-72B-RM (Ours) | 97.23 | 86.72 |\n"
    )
    found = extractor.extract(text, "huggingface", "t")
    assert found.model == "Wren-72B-RM"
    assert scores_of(found) == {"gsm8k": 97.23, "math-500": 86.72}


def test_a_tie_nothing_in_the_text_breaks_keeps_the_first_size(extractor: Extractor) -> None:
    text = (
        "# Wren\n\nWe introduce Wren, a family of math models.\n\n"
        "| Model | GSM8K |\n|---|---|\n| Qwen2.5-Math-RM-72B | 96.61 |\n"
        "| Wren-7B-RM (Ours) | 96.66 |\n| Wren-72B-RM (Ours) | 97.23 |\n"
    )
    assert scores_of(extractor.extract(text, "huggingface", "t")) == {"gsm8k": 96.66}
