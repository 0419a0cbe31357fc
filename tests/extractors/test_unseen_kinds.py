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


def test_names_from_an_acronym_title_a_launch_verb_and_a_bold_row(extractor: Extractor) -> None:
    card = (
        "# KRNL Instruct\n\n* KRNL Instruct is a mixture-of-experts model trained from scratch.\n"
        "* We are releasing both KRNL Instruct and KRNL Base, the pretrained base model which "
        "underlies it.\n\nCompared to other open MoE models like Mixtral-8x7B, "
        "KRNL is fine-grained."
    )
    found = extractor.extract(card, "huggingface", "t7")
    assert (found.model, found.base_model) == ("KRNL Instruct", "KRNL Base")
    team = "The Lumen Team is thrilled to introduce Lumen Arctic. It is on par with Llama 3 8B."
    assert extractor.extract(team, "huggingface", "t8").model == "Lumen Arctic"
    table = (
        "# WrenChat: open models from mixed-quality data\n\n"
        "| Model | # Params | MMLU |\n|---|---|---|\n| **WrenChat-3.5-0106** | **7B** | 65.8 |\n"
        "| Other 7B | 7B | 60.1 |\n"
    )
    assert extractor.extract(table, "huggingface", "t9").model == "WrenChat-3.5-0106"


def test_a_column_note_and_a_generic_llm_word_are_not_the_name(extractor: Extractor) -> None:
    text = (
        "# Pika-V2: a strong MoE model\n\n| Benchmark | Other 70B | Pika-V2 (MoE-236B) |\n"
        "|---|---|---|\n| MMLU | 78.9 | 78.5 |\n"
    )
    assert extractor.extract(text, "huggingface", "t10").model == "Pika-V2"
    news = (
        "The Lab Released the Falcon 2 LLM as a Challenge to Llama 3\n"
        "It also released a multimodal version.\n"
        "The lab introduced the Falcon 2 model series last week.\n"
        "The 11B variant was trained on 5.5 trillion tokens."
    )
    assert extractor.extract(news, "web", "t11").model == "Falcon 2"


def test_a_sibling_based_on_the_launched_model_is_not_its_base(extractor: Extractor) -> None:
    text = (
        "# Tiny\n\nTiny is an end-side LLM.\n"
        "- Tiny-V, based on Tiny-2B, beats existing multimodal models built on Phi-2.\n\n"
        "|Model|MMLU|\n|-|-|\n|Other-7B|44.3|\n|Tiny-2B|53.5|\n"
    )
    found = extractor.extract(text, "huggingface", "t12")
    assert found.model == "Tiny-2B"
    assert found.base_model == ""
    instruct = (
        "Mistral-Tiny-24B-Instruct-2501 is an instruction-fine-tuned model. "
        "It is built on the Mistral-Tiny-24B-Base-2501 base model. It scores 0.663 on MMLU Pro."
    )
    assert extractor.extract(instruct, "web", "t13").base_model == "Mistral-Tiny-24B-Base-2501"


def test_title_case_math_with_a_shot_count_is_the_benchmark(extractor: Extractor) -> None:
    text = (
        "Introducing Gannet 67B. It excels in coding (HumanEval Pass@1: 73.78) and "
        "mathematics (GSM8K 0-shot: 84.1, Math 0-shot: 32.6). Math reasoning 5 stars."
    )
    found = {(s.benchmark, s.value) for s in extractor.extract(text, "web", "t14").scores}
    assert {("humaneval", 73.78), ("gsm8k", 84.1), ("math", 32.6)} <= found
    assert all(b != "math" or v == 32.6 for b, v in found)
