"""Kinds of errors found on a seventh real held-out set (issue 13), each pinned with a short
synthetic text: base models named by `built from`, `on top of`, `trained over` and `the X
base`; a one-word title whose description says it names models; a language or domain in
parentheses that is part of a benchmark's name; EvalPlus `X (+)` columns of `base (plus)`."""

from __future__ import annotations

import pytest

from hypewatch.extractors import cards, claims, registry
from hypewatch.extractors.extractor import Extractor
from tests.extractors.helpers import scores_of


@pytest.mark.parametrize(
    ("text", "base"),
    [
        ("Built from Qwen 1.5, Wren is a suite of models for Thai and Lao.", "Qwen 1.5"),
        (
            "Wren v2 has been continued-pretrained on top of the Llama 3 8B Instruct model.",
            "Llama 3 8B Instruct",
        ),
        ("Wren Mix is our flagship model trained over the Mixtral 8x7B MoE LLM.", "Mixtral 8x7B"),
        ("Wren scores 54.6 on TruthfulQA. We're above the gpt-4.1-nano base.", "gpt-4.1-nano"),
        ("Wren 7B is a big improvement compared to the base Mistral 7B model.", "Mistral 7B"),
    ],
)
def test_base_model_cues(text: str, base: str) -> None:
    found = claims.base_model(text, "Wren")
    assert claims.names.tokens(found)[: len(claims.names.tokens(base))] == claims.names.tokens(base)


@pytest.mark.parametrize(
    "text",
    [
        "Wren was trained over 1,000,000 entries of synthetic data.",
        "Wren was built from scratch on 2T tokens.",
        "We release the Wren 7B base and chat models.",
    ],
)
def test_no_base_model_from_data_or_its_own_variants(text: str) -> None:
    assert claims.base_model(text, "Wren 7B") == ""


def test_a_one_word_title_described_as_language_models_names_the_model() -> None:
    title = "# Wren: Open Language Models for the Andes\n\nText."
    assert claims.title_name(title, set())[0] == "Wren"
    # a page's part or a description that names no model is no title name
    assert claims.title_name("# Overview: Open Language Models\n\nText.", set())[0] == ""
    assert claims.title_name("# Wren: Notes From a Trip\n\nText.", set())[0] == ""


def test_a_language_or_domain_in_parentheses_is_part_of_the_benchmark_name() -> None:
    assert registry.benchmark_id(cards._label("XQuAD (th)")[0]) == "xquad-th"
    assert registry.benchmark_id(cards._label("TAU-bench *(airline)*")[0]) == "tau-bench-airline"
    # a metric or a setting in parentheses is not
    assert registry.benchmark_id(cards._label("MMLU (EM)")[0]) == "mmlu"
    assert registry.benchmark_id(cards._label("GSM8K (8-shot)")[0]) == "gsm8k"


def test_a_family_table_of_per_language_pairs_gives_the_first_sizes_first_metric(
    extractor: Extractor,
) -> None:
    text = (
        "# Wren: Open Language Models for the Andes\n\nBuilt from Qwen 1.5, Wren comes in 1B "
        "and 7B sizes, strong on XQuAD and TyDi QA.\n\n<table>\n<tr>\n"
        "<th>3-shot (EM / F1)</th>\n<th>XQuAD (th)</th>\n<th>TydiQA (id)</th>\n</tr>\n<tr>\n"
        "<td>Qwen1.5-1.8B</td>\n<td>27.24 / 43.56</td>\n<td>29.73 / 53.76</td>\n</tr>\n<tr>\n"
        "<td><b>Wren-1B</b></td>\n<td><b>32.72 / 48.66</b></td>\n<td><b>40.88 / 65.37</b></td>\n"
        "</tr>\n<tr>\n<td><b>Wren-7B</b></td>\n<td><b>57.88 / 71.06</b></td>\n"
        "<td><b>60.53 / 75.42</b></td>\n</tr>\n</table>\n"
    )
    found = extractor.extract(text, "huggingface", "u6-1")
    assert found.model == "Wren-1B"
    assert found.base_model == "Qwen 1.5"
    assert scores_of(found) == {"xquad-th": 32.72, "tydiqa-id": 40.88}


def test_an_evalplus_column_of_base_and_plus_pairs_gives_both(extractor: Extractor) -> None:
    text = (
        "# Wrencoder\n\n* Wrencoder-S-7B outperforms rivals on HumanEval (**71.2** vs 70.1)!\n\n"
        "| Model | Size | HumanEval (+) | MBPP (+) |\n|---|---|---|---|\n"
        "| Wrencoder-7B | 7B | 60.4 (55.5) | 64.2 (52.6) |\n"
        "| Wrencoder-S-7B | 7B | **71.2** (**66.0**) | **70.3** (**58.1**) |\n"
    )
    found = extractor.extract(text, "huggingface", "u6-2")
    assert found.model == "Wrencoder-S-7B"
    assert scores_of(found) == {
        "humaneval": 71.2,
        "humaneval-plus": 66.0,
        "mbpp": 70.3,
        "mbpp-plus": 58.1,
    }


def test_one_word_names_from_an_apposition_or_a_scoring_subject(extractor: Extractor) -> None:
    text = (
        "We introduce Wrenex, a GPT language model fine-tuned on public code. On HumanEval, a "
        "new evaluation set we release to measure correctness, our model solves 31.4% of the "
        "problems, while GPT-3 solves 0% and GPT-J solves 11.4%."
    )
    found = extractor.extract(text, "web", "u6-3")
    assert (found.model, found.is_claim) == ("Wrenex", True)
    assert scores_of(found) == {"humaneval": 31.4}  # the owner's number, not the rivals'
    text = (
        "Results\nMarlo scores well above baseline on ARC-Easy (91.0%). MMLU (60.2%) and "
        "HellaSwag (63.3%) land in the generalist range. Marlo isn't a calculator."
    )
    found = extractor.extract(text, "web", "u6-4")
    assert found.model == "Marlo"
    assert scores_of(found) == {"arc-easy": 91.0, "mmlu": 60.2, "hellaswag": 63.3}


def test_question_and_correct_counts_are_not_score_columns(extractor: Extractor) -> None:
    text = (
        "Marlo scores 54.0% on TruthfulQA, our top metric. Marlo is built for honesty.\n\n"
        "| Benchmark | Questions | Correct | Accuracy |\n|---|---|---|---|\n"
        "| HellaSwag | 10,042 | 6,240 | 62.1% |\n| GSM8K | 1,319 | 26 | 2.0% |\n"
    )
    found = extractor.extract(text, "web", "u6-5")
    assert scores_of(found) == {"truthfulqa": 54.0, "hellaswag": 62.1, "gsm8k": 2.0}


def test_launch_news_that_mentions_funding_still_relays_the_results(extractor: Extractor) -> None:
    text = (
        "The startup posted a torrent containing its latest large language model. It recently "
        "raised $400 million in a series A round. The program, known simply as Wren-8x3B, got "
        "a blog post on Monday. Benchmarks published in that blog post show that the model "
        "performs better than some American rivals."
    )
    found = extractor.extract(text, "web", "u6-6")
    assert (found.model, found.is_claim) == ("Wren-8x3B", True)
    funding = "The startup behind Wren-8x3B raised $400 million in a series A round from investors."
    assert "not_claim:funding_news" in extractor.extract(funding, "web", "u6-7").flags
