"""Kinds of errors found on a third held-out set of real launch texts (docs/extraction.md).

Each text is short and synthetic, written in the shape of the real ones; none is copied."""

from __future__ import annotations

from hypewatch.extractors.extractor import Extractor
from tests.extractors.helpers import scores_of


def test_an_unversioned_predecessor_row_is_not_the_launched_release(
    extractor: Extractor,
) -> None:
    text = (
        "<h1>\n  Wren 2\n</h1>\n\n- Wren 2 is our new generation of open models, in 7B and 13B.\n\n"
        "### 7B Model Results\n\n| | **C-Eval** | **MMLU** |\n|:-:|:-:|:-:|\n"
        "| | 5-shot | 5-shot |\n| **Other-7B** | 27.10 | 35.10 |\n| **Wren-7B** | 42.80 | 42.30 |\n"
        "| **Wren2-7B-Base** | 54.00 | 54.16 |\n"
    )
    found = extractor.extract(text, "huggingface", "u1")
    assert scores_of(found) == {"c-eval": 54.0, "mmlu": 54.16}


def test_a_dataset_column_names_benchmarks_the_registry_lacks(extractor: Extractor) -> None:
    text = (
        "# Finch-13B-256K\n\nFinch-13B-256K is the long-sequence version of model Finch-13B-2.\n\n"
        "| Capability Dimension | Dataset | Finch-13B-256K | Other-7B-16K |\n|---|---|---|---|\n"
        "| multi-document QA | HotpotQA | 58.3 | 51.6 |\n| | DuReader | 28.9 | 28.7 |\n"
        "| summarization | VCSUM | 11.3 | 16.0 |\n"
    )
    found = extractor.extract(text, "huggingface", "u2")
    assert scores_of(found) == {"hotpotqa": 58.3, "dureader": 28.9, "vcsum": 11.3}
    assert found.base_model == "Finch-13B-2"


def test_base_models_in_card_prose(extractor: Extractor) -> None:
    cases = {
        "# Lark-Prover-7B\n\nPre-trained on Lark-Math-Base with specialization in Lean 4, "
        "the model is tuned further.": "Lark-Math-Base",
        "Lark-Kind-70B-Instruct is tuned for helpfulness. This model was trained using RLHF "
        "on a Lark-3.1-70B-Instruct model as the initial policy.": "Lark-3.1-70B-Instruct",
        "Lark-Judge-70B is a 70 billion parameter reward model, leveraging the "
        "Lark-3.3-70B-Instruct foundation. Built on the Lark 3.3 Transformer "
        "architecture.": "Lark-3.3-70B-Instruct",
    }
    for k, (text, base) in enumerate(cases.items()):
        assert extractor.extract(text, "huggingface", f"u3-{k}").base_model == base
    data = "Lark-9B is pre-trained on SlimPajama and code, 3 trillion tokens in all."
    assert extractor.extract(data, "huggingface", "u3-data").base_model == ""


def test_prose_scores_arena_elo_ranks_and_gaps(extractor: Extractor) -> None:
    text = (
        "On the HumanEval benchmark, Pipit-CL-7B achieves 72.6, which improves to 75.6 with "
        "feedback. As of Oct 24th, 2024 the model has Elo Score of 1267(+-7), rank 9 and "
        "style controlled rank of 26 on Chatbot Arena leaderboard."
    )
    found = extractor.extract(text, "web", "u4")
    assert scores_of(found) == {"humaneval": 72.6, "chatbot-arena": 1267.0}
    gap = (
        "They compare their model against Sparrow 235B base, not the thinking version, which "
        "scores about 4 percent points higher in MMLU-Pro than the base version."
    )
    assert extractor.extract(gap, "reddit", "u5").scores == []


def test_a_repeated_one_word_name_after_a_launch_verb_and_no_licence_names(
    extractor: Extractor,
) -> None:
    text = (
        "We are thrilled to announce Starling, the first production-grade hybrid model. "
        "Starling outperforms models of its size class on a wide range of benchmarks.\n"
        "- Released with open weights under Apache 2.0\n- Starling fits 140K context on one GPU\n"
        "Licensed under Apache 2.0."
    )
    found = extractor.extract(text, "web", "u6")
    assert found.is_claim
    assert found.model == "Starling"


def test_reportedly_in_news_of_a_release_is_a_hedge(extractor: Extractor) -> None:
    news = (
        "Google's open model Gemma 2 has released benchmark results: the 27B version is "
        "reportedly outperforming larger models, achieving 81.7% on MMLU."
    )
    assert extractor.extract(news, "web", "u7").is_claim
    rumour = "Gemma 3 reportedly scores 85% on MMLU in internal tests."
    assert not extractor.extract(rumour, "web", "u8").is_claim
