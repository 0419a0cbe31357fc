"""Kinds of errors found on a fresh set of news, blog and forum texts (issue 13), each
pinned with a short synthetic text."""

from __future__ import annotations

import pytest

from hypewatch.extractors.extractor import Extractor
from tests.extractors.helpers import scores_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # data that has not leaked is not a rumour
        (
            "Wren-7B is our most capable model. Scores: HumanEval 74.4%. Natural2Code (a new "
            "dataset, not leaked online): 74.9%.",
            {"humaneval": 74.4},
        ),
        # one verb of a series is nobody's rerun; `reportedly` in news of a named release
        (
            "The Acme team released Wren-32B in early 2025, trained on 114k samples where others "
            "reportedly used 800k. The real question is how fast the open ecosystem can learn, "
            "replicate, improve, and rebuild. Wren-32B achieved 90.6% accuracy on the MATH500 "
            "benchmark.",
            {"math-500": 90.6},
        ),
    ],
)
def test_words_that_only_look_like_rumour_or_rerun(
    extractor: Extractor, text: str, expected: dict[str, float]
) -> None:
    found = extractor.extract(text, "web", "t")
    assert found.is_claim, found.flags
    assert scores_of(found) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a count of subjects or problems beside a benchmark's name is not its score
        (
            "We release Wren-7B. MMLU (Massive Multitask Language Understanding): "
            "57 subject areas.",
            {},
        ),
        ("We release Wren-7B. MMLU: 57 subjects.", {}),
        # words describing the benchmark between its name and the value
        (
            "We release Wren-7B. On the GPQA-Diamond general problem-solving benchmark: 61.6 vs. "
            "57.6 for its rival.",
            {"gpqa-diamond": 61.6},
        ),
        # `it`, in a sentence naming no model, is the launched one
        (
            "We release Wren-40B. It was even better on the HellaSwag benchmark, a measure of "
            "commonsense inference, where it achieved an exceptional 84.4%.",
            {"hellaswag": 84.4},
        ),
        # a short form of the launched name is the launched model, not a rival
        (
            "We introduce Kimi K2, a 1T MoE model. K2 obtains 66.1 on Tau2-Bench and 65.8 on "
            "SWE-Bench Verified.",
            {"tau2-bench": 66.1, "swe-bench-verified": 65.8},
        ),
    ],
)
def test_prose_kinds_of_news_and_blogs(
    extractor: Extractor, text: str, expected: dict[str, float]
) -> None:
    assert scores_of(extractor.extract(text, "web", "t")) == expected


def test_it_is_not_the_launched_model_when_the_sentence_names_another(
    extractor: Extractor,
) -> None:
    found = extractor.extract(
        "We release Wren-7B. GPT-4 led the HumanEval benchmark, where it achieved 67.0%.",
        "web",
        "t",
    )
    assert "humaneval" not in scores_of(found)


def test_a_benchmark_the_text_names_as_one_need_not_be_known(extractor: Extractor) -> None:
    text = (
        "We introduce Wren-Prover-7B. It achieves new results on the miniF2F benchmark (63.5%) "
        "and the undergraduate level ProofNet benchmark (25.3%)."
    )
    assert scores_of(extractor.extract(text, "web", "t")) == {"minif2f": 63.5, "proofnet": 25.3}


def test_proofs_zipped_to_avoid_contamination_are_no_debunk(extractor: Extractor) -> None:
    text = (
        "Introducing Wren-Prover, a formal reasoning model. It reaches 68.9% on miniF2F-test "
        "at pass@32. All proofs are released (zipped to avoid contamination)."
    )
    assert extractor.extract(text, "web", "t").is_claim


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a bound someone needed, not a score anyone reached
        (
            "Prior work found that models needed over 80% accuracy on the GSM8K benchmark. We "
            "present Wren-7B, which achieves 86.8% on GSM8K.",
            {"gsm8k": 86.8},
        ),
        # a qualifier between the benchmark and its value
        ("We release Wren-7B.\n* Tau2-Bench micro-average: 66.1.\n", {"tau2-bench": 66.1}),
    ],
)
def test_bounds_and_qualified_values(
    extractor: Extractor, text: str, expected: dict[str, float]
) -> None:
    assert scores_of(extractor.extract(text, "web", "t")) == expected


def test_a_leaderboard_table_of_many_families_is_a_roundup(extractor: Extractor) -> None:
    text = (
        "# LLM Benchmarks\n\n*See commit date for last update.*\n\n"
        "| Model | Params | MMLU | GPQA |\n|---|---|---|---|\n"
        "| [Wren-2-123B](https://huggingface.co/acme/Wren-2-123B) | 123B | 80.1 | 59.4 |\n"
        "| [Qwen3-32B](https://huggingface.co/Qwen/Qwen3-32B) | 32B | 83.0 | 62.2 |\n"
        "| [Llama-3.3-70B](https://huggingface.co/meta-llama/Llama-3.3-70B) | 70B | 86.0 | 50.5 |\n"
    )
    found = extractor.extract(text, "web", "t")
    assert not found.is_claim
    assert "not_claim:roundup" in found.flags


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Google announced Wren 3 27B. Wren 3 27B scored 67.5% and 42.4 across standard "
            "benchmarks like MMLU-Pro, GPQA Diamond, respectively.",
            {"mmlu-pro": 67.5, "gpqa-diamond": 42.4},
        ),
        ("We release Wren-7B. It scores 81.2 and 45.7 on MMLU and GPQA respectively.", None),
    ],
)
def test_respectively_pairs_two_lists_in_order(
    extractor: Extractor, text: str, expected: dict[str, float] | None
) -> None:
    want = expected or {"mmlu": 81.2, "gpqa": 45.7}
    assert scores_of(extractor.extract(text, "web", "t")) == want


@pytest.mark.parametrize(
    "text",
    [
        "OpenAI released Wren-4o mini, which scores 82.0% on MMLU and 87.0% on MGSM. "
        "Independent testing by a benchmarking firm recorded a median output speed of 202 "
        "tokens per second.",
        "We release Wren-1.5B, which reaches 43.1% on AIME 2024. We open-sourced the data and "
        "code to enable others to reproduce our results.",
    ],
)
def test_a_timing_or_an_offer_to_reproduce_is_no_rerun(extractor: Extractor, text: str) -> None:
    assert extractor.extract(text, "web", "t").is_claim
