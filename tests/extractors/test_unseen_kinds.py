"""Kinds of errors found on a fresh held-out set of real launch texts (docs/extraction.md).

Each text is short and synthetic, written in the shape of the real ones; none is copied."""

from __future__ import annotations

from hypewatch.extractors.extractor import Extractor


def test_a_launcher_evaluating_its_own_model_is_a_claim(extractor: Extractor) -> None:
    text = (
        "Today, we introduce Kestrel-MoE-A3B, a small mixture-of-experts model.\n\n"
        "# Performance\nFor the base model, we evaluated its performance on MMLU and GSM8K.\n\n"
        "| Model | MMLU | GSM8K |\n|---|---|---|\n| Other-7B | 60.1 | 50.2 |\n"
        "| Kestrel-MoE-A3B | 61.4 | 58.9 |\n"
    )
    found = extractor.extract(text, "web", "t1")
    assert found.is_claim
    assert {s.benchmark: s.value for s in found.scores} == {"mmlu": 61.4, "gsm8k": 58.9}


def test_a_team_thrilled_to_introduce_and_a_commissioned_vendor_are_the_launchers(
    extractor: Extractor,
) -> None:
    team = (
        "The Heron Research Team is thrilled to introduce Heron Glide 2, an enterprise model. "
        "It is on par with much larger models while using a fraction of the compute budget."
    )
    assert extractor.extract(team, "huggingface", "t2").is_claim
    vendor = (
        "Today we're introducing Heron Small, a 20B model. It reaches 78% on MMLU. "
        "We conducted side by side evaluations with an external third-party vendor."
    )
    found = extractor.extract(vendor, "web", "t3")
    assert found.is_claim
    assert [(s.benchmark, s.value) for s in found.scores] == [("mmlu", 78.0)]


def test_someone_else_measuring_is_still_third_party(extractor: Extractor) -> None:
    text = "We ran Heron Small through our harness: it gets 61% on MMLU, not the 78% on the card."
    assert not extractor.extract(text, "reddit", "t4").is_claim


def test_average_columns_are_not_benchmarks(extractor: Extractor) -> None:
    text = (
        "# Osprey-2B\n\n"
        "|Model|Average Score|Average Score in English|C-Eval|MMLU|\n|-|-|-|-|-|\n"
        "|Other-7B|35.40|36.21|32.42|44.32|\n|Osprey-2B|52.33|52.6|51.13|53.46|\n"
    )
    found = extractor.extract(text, "huggingface", "t5")
    assert {s.benchmark: s.value for s in found.scores} == {"c-eval": 51.13, "mmlu": 53.46}


def test_a_camelcase_benchmark_written_apart_keeps_its_version(extractor: Extractor) -> None:
    text = (
        "Introducing Plover-32B. We test the chat model on MT-Bench and Alpaca-Eval 2.0; "
        "Plover-32B-Chat scores 8.30 on MT-Bench."
    )
    found = extractor.extract(text, "web", "t6")
    assert ("alpacaeval", 2.0) not in [(s.benchmark, s.value) for s in found.scores]
    assert ("mt-bench", 8.3) in [(s.benchmark, s.value) for s in found.scores]
