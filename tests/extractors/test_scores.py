from __future__ import annotations

import pytest

from hypewatch.extractors import registry, settings_norm
from hypewatch.extractors.extractor import Extractor


def scores(extractor: Extractor, text: str) -> list[tuple[str, float, str]]:
    return [(s.benchmark, s.value, s.setting) for s in extractor.finder.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("it gets 89.9% on MMLU", [("mmlu", 89.9, "")]),
        ("MMLU 89.9", [("mmlu", 89.9, "")]),
        ("| MMLU: 89.9 |", [("mmlu", 89.9, "")]),
        ("scores 89.9 on MMLU (0-shot)", [("mmlu", 89.9, "0-shot")]),
        ("89.9 MMLU", [("mmlu", 89.9, "")]),
        ("HumanEval+ 70.7 pass@1", [("humaneval-plus", 70.7, "pass@1")]),
        ("GSM8K maj@8 90.8", [("gsm8k", 90.8, "maj@8")]),
        ("1245 Elo on Chatbot Arena", [("chatbot-arena", 1245.0, "")]),
        ("8.38 on MT-Bench", [("mt-bench", 8.38, "")]),
        ("GSM8K (8-shot, CoT): 96.8", [("gsm8k", 96.8, "8-shot, cot")]),
        ("IFEval (strict-prompt) 90.13", [("ifeval", 90.13, "strict-prompt")]),
        ("5-shot MMLU 86.0", [("mmlu", 86.0, "5-shot")]),
        ("GPQA-Diamond 59.1%; MMLU-Pro 75.9", [("gpqa-diamond", 59.1, ""), ("mmlu-pro", 75.9, "")]),
        ("MMLU=89.9 MATH:79.7", [("mmlu", 89.9, ""), ("math", 79.7, "")]),
        ("C-Eval 70.1、CMMLU 72.5", [("c-eval", 70.1, ""), ("cmmlu", 72.5, "")]),
        ("BFCL v2 55.0", [("bfcl-v2", 55.0, "")]),  # the version names the benchmark
        ("MMLU 70.1, 65.0", [("mmlu", 70.1, "")]),  # a second value needs its own setting
        ("it has a win rate of 40.2% on AlpacaEval 2.0", [("alpacaeval-2.0", 40.2, "")]),
        ("Codeforces 1650 (80th percentile)", [("codeforces-rating", 1650.0, "")]),
        (
            "MBPP: pass@1 60.5 / pass@5 77.0",
            [("mbpp", 60.5, "pass@1"), ("mbpp", 77.0, "pass@5")],
        ),
        (
            "AIME 2025: 40.0 (pass@1), 60.0 (maj@32)",
            [("aime-2025", 40.0, "pass@1"), ("aime-2025", 60.0, "maj@32")],
        ),
    ],
)
def test_every_prose_shape(
    extractor: Extractor, text: str, expected: list[tuple[str, float, str]]
) -> None:
    assert scores(extractor, text) == expected


def test_orientation_is_chosen_per_segment(extractor: Extractor) -> None:
    assert scores(extractor, "89.9 MMLU 55.3 GPQA") == [("mmlu", 89.9, ""), ("gpqa", 55.3, "")]
    assert scores(extractor, "MMLU 89.9 GPQA 55.3") == [("mmlu", 89.9, ""), ("gpqa", 55.3, "")]


@pytest.mark.parametrize(
    "text",
    [
        "beats Llama 3.1 on MMLU",  # a version, not a score
        "improves MMLU by 5.2 points",  # a delta
        "MMLU costs $3 per run",  # a price
        "the math is simple: 2 GPUs",  # lower-case math is a word, not the benchmark
        "GSM8K 250 tok/s",  # a speed
        "MMLU 1999",  # outside the benchmark's scale
        "deduplicated against GSM8K with 10-gram overlap",  # a compound modifier
    ],
)
def test_numbers_that_are_not_scores(extractor: Extractor, text: str) -> None:
    assert scores(extractor, text) == []


def test_unknown_benchmarks_are_kept_as_slugs(extractor: Extractor) -> None:
    found = scores(extractor, "LiveCodeBench-Easy 45.2 and FooBench 72.1 and Zebra-Eval 31.0")
    assert found == [
        ("livecodebench-easy", 45.2, ""),
        ("foobench", 72.1, ""),
        ("zebra-eval", 31.0, ""),
    ]


def test_competitor_number_in_parentheses_is_not_ours(extractor: Extractor) -> None:
    found = scores(extractor, "We get 89.9 on MMLU. It beats GPT-4o (88.7) on MMLU.")
    assert ("mmlu", 89.9, "") in found
    assert ("mmlu", 88.7, "") not in found


def test_registry_covers_required_ids_and_aliases() -> None:
    required = [
        "mmlu",
        "mmlu-pro",
        "mmlu-redux",
        "gpqa",
        "gpqa-diamond",
        "humaneval",
        "humaneval-plus",
        "mbpp",
        "mbpp-plus",
        "math",
        "math-500",
        "gsm8k",
        "ifeval",
        "arc-challenge",
        "hellaswag",
        "truthfulqa",
        "winogrande",
        "bbh",
        "aime-2024",
        "livecodebench",
        "swe-bench-verified",
        "arena-hard",
        "mt-bench",
        "chatbot-arena",
        "codeforces",
    ]
    assert set(required) <= set(registry.BY_ID)
    assert registry.benchmark_id("GPQA (Diamond)") == "gpqa-diamond"
    assert registry.benchmark_id("HumanEval Plus") == "humaneval-plus"
    assert registry.benchmark_id("big bench hard") == "bbh"
    assert registry.benchmark_id("Some New-Bench") == "some-new-bench"
    gsm8k = registry.BY_ID["gsm8k"]
    assert gsm8k.items == 1319
    assert gsm8k.noise_ceiling == 99.0
    assert "mislabeled" in gsm8k.noise_source
    assert registry.BY_ID["mt-bench"].scale is registry.Scale.TEN
    assert registry.BY_ID["chatbot-arena"].scale is registry.Scale.ELO
    assert not registry.value_in_range("mt-bench", 11.0)
    assert registry.value_in_range("codeforces", 96.3, "percentile")


def test_settings_are_normalised() -> None:
    assert settings_norm.normalize("Zero-shot chain of thought, maj@8") == "0-shot, cot, maj@8"
    assert settings_norm.normalize("prompt-level strict") == "strict-prompt"
    assert settings_norm.normalize("num_few_shot: 25") == "25-shot"
