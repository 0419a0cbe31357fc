"""Kinds of errors found on fresh real texts and by probing the prose shapes launch posts
use (issue 13), each pinned with a short synthetic text."""

from __future__ import annotations

import pytest

from hypewatch.extractors import claims
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
        # the passive turns the order round
        "Llama 3 8B is outperformed by Wren-7B on MMLU (66.6 vs. 68.9).",
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


def test_launch_news_citing_the_model_card_relays_the_claim(extractor: Extractor) -> None:
    text = (
        "Wren AI unveiled Wren-2, its new open model family, on Monday. The 236-billion-"
        "parameter model supports commercial use, according to the model card. It scores "
        "78.5 on MMLU and 79.2 on GSM8K."
    )
    found = extractor.extract(text, "web", "t")
    assert found.is_claim
    assert scores_of(found) == {"mmlu": 78.5, "gsm8k": 79.2}


def test_a_bystander_citing_model_cards_still_claims_nothing(extractor: Extractor) -> None:
    text = "Qwen's HumanEval is 88.4 vs Gemma's 51.8 per the model cards, and Qwen is better."
    assert not extractor.extract(text, "reddit", "t").is_claim


def test_nvidia_card_boilerplate_is_not_a_third_party(extractor: Extractor) -> None:
    text = (
        "Wrenstral is a 7B model for math reasoning.\n"
        "Third-Party Community Consideration:\n"
        "Wrenstral is developed by Wren AI. It scores 56.6% on MATH and 63.47% on MMLU."
    )
    found = extractor.extract(text, "huggingface", "t")
    assert found.is_claim
    assert scores_of(found) == {"math": 56.6, "mmlu": 63.47}


def test_a_links_query_string_is_not_a_question(extractor: Extractor) -> None:
    board = "https://huggingface.co/spaces/open_llm_leaderboard?query=wren/Wren-10.7B"
    text = f"Wren-10.7B-Instruct results: MMLU 66.2 {board} HellaSwag 88.2 {board}"
    found = extractor.extract(text, "web", "t")
    assert found.is_claim
    assert scores_of(found) == {"mmlu": 66.2, "hellaswag": 88.2}


@pytest.mark.parametrize(
    ("text", "model"),
    [
        (
            "IBM's Granite 4.1 Redefines AI Efficiency\nGranite 4.1 outperforms larger models "
            "with 8B parameters, scoring 68.3 on MMLU.",
            "Granite 4.1",
        ),
        (
            "Snowflake has introduced Snowflake Arctic, a new large language model. Arctic "
            "uses a 128x3.66B MoE MLP and scores 67.3 on MMLU.",
            "Snowflake Arctic",
        ),
        (
            "DBRX (Databricks open MoE model)\n\nDBRX is an open large language model released "
            "by Databricks. DBRX uses 16 experts. DBRX scores 73.7 on MMLU.",
            "DBRX",
        ),
    ],
)
def test_model_names_from_news_pages(extractor: Extractor, text: str, model: str) -> None:
    assert extractor.extract(text, "web", "t").model == model


def test_a_later_release_in_a_dated_news_list_is_named_in_apposition(
    extractor: Extractor,
) -> None:
    text = (
        "- [2024/01/06] We released the second update, [Wren 3.5 0106](wren/wren-3.5-0106), "
        "further improved coding.\n"
        "- [2023/11/01] We released the [Wren-3.5-7B](https://huggingface.co/wren/wren_3.5) "
        "model.\n\n"
        "| Model | MMLU | GSM8K |\n|---|---|---|\n| **Wren-3.5-0106** | 65.8 | 77.4 |\n"
        "| ChatGPT | 67.3 | 74.9 |\n"
    )
    found = extractor.extract(text, "huggingface", "t")
    assert scores_of(found) == {"mmlu": 65.8, "gsm8k": 77.4}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # the sibling named in the sentence before `it`
            "Today we open-source Wren-Math-72B-Instruct and Wren-Math-7B-Instruct. "
            "Wren-Math-7B-Instruct surpasses older 72B models. Under CoT, it achieves a MATH "
            "score of 83.6. The flagship Wren-Math-72B-Instruct reaches 92.9 on GSM8K.",
            {"gsm8k": 92.9},
        ),
        (  # a bare size of the family
            "We release Wren-Math-72B-Instruct: 92.9 on GSM8K. Even our smallest 1.5B model "
            "achieves a MATH score of 80.",
            {"gsm8k": 92.9},
        ),
        (  # the launched size in the same sentence keeps its number
            "We release Wren-Math-72B-Instruct. Wren-Math-72B-Instruct beats the 7B model "
            "and achieves a MATH score of 83.6.",
            {"math": 83.6},
        ),
    ],
)
def test_prose_numbers_of_another_size_are_not_the_launched_models(
    extractor: Extractor, text: str, expected: dict[str, float]
) -> None:
    found = extractor.extract(text, "huggingface", "t")
    assert found.model == "Wren-Math-72B-Instruct"
    assert scores_of(found) == expected


def test_a_score_in_the_passive(extractor: Extractor) -> None:
    text = "We release Wren-72B. Under the TIR setting, a high score of 92.9 was achieved on MATH."
    assert scores_of(extractor.extract(text, "web", "t")) == {"math": 92.9}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wren-7B reaches 43.1% Pass@1 accuracy on AIME2024.", {"aime-2024": 43.1}),
        (
            "Wren-7B scores 87.8 on MATH500 and 73.6 on AMC2023.",
            {"math-500": 87.8, "amc-2023": 73.6},
        ),
        ("Wren-7B scores 7.91 on Alignbench.", {"alignbench": 7.91}),
        ("Wren-7B outperforms Qwen on BFCL V3 (68.3 vs. 64.7).", {"bfcl-v3": 68.3}),
        ("Wren-7B: BFCL v2 63.1, BFCL 55.0", {"bfcl-v2": 63.1, "bfcl": 55.0}),
    ],
)
def test_benchmark_names_as_launch_posts_write_them(
    extractor: Extractor, text: str, expected: dict[str, float]
) -> None:
    assert scores_of(extractor.extract(text, "web", "t")) == expected


@pytest.mark.parametrize(
    ("text", "base"),
    [
        ("Wren 7B is a distilled version of the Gemini family.", ""),
        ("Wren 7B is a smaller version of Llama 3 70B.", ""),
        ("Wren 7B is an upgraded version of Qwen2-7B.", "Qwen2-7B"),
        (  # the last line names a derivative's base, a model grown from the launched one
            "We release Wren-2B.\n- SFT and DPO version based on Wren-2B: **Wren-2B-SFT/DPO**\n"
            "- The INT4 quantized version **Wren-2B-SFT/DPO-Int4** based on Wren-2B-SFT/DPO",
            "",
        ),
    ],
)
def test_what_a_base_is_not(extractor: Extractor, text: str, base: str) -> None:
    assert extractor.extract(text, "huggingface", "t").base_model == base


def test_a_model_index_flattened_onto_one_line(extractor: Extractor) -> None:
    board = "https://huggingface.co/spaces/open_llm_leaderboard?query=wren/Wren-10.7B"
    text = (
        "--- language: - en license: apache-2.0 base_model: - wren/Wren-10.7B-v1.0 "
        "model-index: - name: Wren-10.7B-Instruct results: - task: type: text-generation "
        "name: Text Generation dataset: name: HellaSwag (10-Shot) type: hellaswag split: "
        "validation args: num_few_shot: 10 metrics: - type: acc_norm value: 88.16 name: "
        f"normalized accuracy source: url: {board} name: Open LLM Leaderboard - task: type: "
        "text-generation name: Text Generation dataset: name: MMLU (5-Shot) type: cais/mmlu "
        "config: all split: test args: num_few_shot: 5 metrics: - type: acc value: 66.21 name: "
        f"accuracy source: url: {board} name: Open LLM Leaderboard --- # Wren-10.7B-Instruct"
    )
    found = extractor.extract(text, "huggingface", "t")
    assert found.is_claim
    assert found.model == "Wren-10.7B-Instruct"
    assert found.base_model == "wren/Wren-10.7B-v1.0"
    assert {(s.benchmark, s.value, s.setting) for s in found.scores} == {
        ("hellaswag", 88.16, "10-shot"),
        ("mmlu", 66.21, "5-shot"),
    }


def test_a_table_copied_as_text_with_single_spaces(extractor: Extractor) -> None:
    text = (
        "We introduce Wren-1.5B-Preview, finetuned with RL.\n\n"
        "Model AIME 2024 MATH 500 AMC 2023 Minerva Math Olympiad Bench Avg.\n"
        "Wren-1.5B-Preview 43.1 87.8 73.6 30.2 50.0 57.0\n"
        "DeepSeek-R1-Distill-Qwen-1.5B 28.8 82.8 62.9 26.5 43.3 48.9\n"
        "O1-Preview 40.0 81.4 - - - -\n"
    )
    assert scores_of(extractor.extract(text, "web", "t")) == {
        "aime-2024": 43.1,
        "math-500": 87.8,
        "amc-2023": 73.6,
        "minerva-math": 30.2,
        "olympiadbench": 50.0,
    }


def test_a_header_with_an_unknown_column_is_not_guessed(extractor: Extractor) -> None:
    text = (
        "We introduce Wren-1.5B-Preview.\n\n"
        "Model AIME 2024 Foo Score MATH 500 Avg.\n"
        "Wren-1.5B-Preview 43.1 87.8 73.6 57.0\n"
        "Other-1.5B 28.8 82.8 62.9 48.9\n"
    )
    assert scores_of(extractor.extract(text, "web", "t")) == {}


@pytest.mark.parametrize(
    "text",
    [
        "Wren-MoE-A2.7B is upcycled from Wren-1.8B.",
        "We built Wren-MoE-A2.7B by repurposing our existing Wren-1.8B into experts.",
    ],
)
def test_a_mixture_of_experts_upcycled_from_a_dense_base(extractor: Extractor, text: str) -> None:
    assert extractor.extract(text, "huggingface", "t").base_model == "Wren-1.8B"


def test_tables_under_a_benchmark_heading_give_its_average(extractor: Extractor) -> None:
    text = (
        "Wren-7B is an open model with 7 billion parameters.\n\n"
        "### Results on MMLU\n\n"
        "| Model | Humanities | Social Sciences | STEM | Other | Average |\n"
        "|---|---:|:-:|:-:|:-:|:-:|\n"
        "| LLaMA-7B<sup>2</sup> | 34.0 | 38.3 | 30.5 | 38.1 | 35.1 |\n"
        "| **Wren-7B<sup>0</sup>** | **38.4** | **48.9** | **35.6** | **48.1** | **42.3** |\n\n"
        "### AGIEval\n\n#### Results\n\n"
        "| Model | Average |\n|---|---|\n| BLOOMZ-7B | 30.27 |\n| **Wren-7B** | **34.44** |\n\n"
        "### Our own eval\n\n"
        "| Model | Average |\n|---|---|\n| BLOOMZ-7B | 28.72 |\n| **Wren-7B** | **36.24** |\n"
    )
    # the last table's heading names no benchmark: nothing, and no model read as a benchmark
    assert scores_of(extractor.extract(text, "huggingface", "t")) == {
        "mmlu": 42.3,
        "agieval": 34.44,
    }


def test_a_size_column_and_a_stated_size_pick_the_launched_row(extractor: Extractor) -> None:
    text = (
        "We release Wren, a series of code models. The flagship has 9 billion parameters.\n\n"
        "| Model | Size | GSM8k | MATH |\n|---|---|---|---|\n"
        "| Wren | 1.5B | 25.5 | 11.4 |\n| Wren | 9B | 68.1 | 29.1 |\n"
    )
    found = extractor.extract(text, "huggingface", "t")
    assert scores_of(found) == {"gsm8k": 68.1, "math": 29.1}
    assert found.model == "Wren 9B"


def test_a_range_of_sizes_states_none(extractor: Extractor) -> None:
    text = (
        "We release Wren, a family of models ranging from 7 billion to 70 billion parameters."
        "\n\n| Model | Size | MMLU |\n|---|---|---|\n| Wren | 7B | 45.3 |\n| Wren | 70B | 68.9 |\n"
    )
    assert scores_of(extractor.extract(text, "huggingface", "t")) == {"mmlu": 45.3}


@pytest.mark.parametrize(
    ("text", "model"),
    [
        (
            "In light of this, we report on the training practice of Wren k1.5, our latest "
            "multi-modal LLM trained with RL. It scores 77.5 on AIME 2024.",
            "Wren k1.5",
        ),
        (
            "Google S Lightweight Wren 3 Open Model Nearly Matches Deepseek R1\n"
            "As for performance, Wren 3 achieved an Elo score of 1,338 on the Chatbot Arena.",
            "Wren 3",
        ),
    ],
)
def test_model_names_in_abstracts_and_headline_slugs(
    extractor: Extractor, text: str, model: str
) -> None:
    assert extractor.extract(text, "web", "t").model == model


@pytest.mark.parametrize(
    ("text", "base"),
    [
        ("# Wren-9B vs. base Qwen3.5-9B\n\nWren-9B scores 86.0 on GSM8K.", "Qwen3.5-9B"),
        (  # the sentence is about a rival: its base is not the launched model's
            "We release Wren-32B, scoring 66.0 on AIME 2024. Note that R1-Distill-32B, a "
            "strong model, was finetuned from Qwen-2.5-32B-Instruct.",
            "",
        ),
    ],
)
def test_base_models_beside_rivals(extractor: Extractor, text: str, base: str) -> None:
    assert extractor.extract(text, "web", "t").base_model == base


def test_a_percentage_called_a_benchmark(extractor: Extractor) -> None:
    text = "Wren-1 is out, achieving a 63.2% benchmark on the HumanEval coding task."
    assert scores_of(extractor.extract(text, "web", "t")) == {"humaneval": 63.2}


def test_the_launch_sentence_is_not_a_rivals(extractor: Extractor) -> None:
    text = (
        "Introducing Early 8B, open weights, fine-tuned from Llama 3 8B. MMLU 71.2. "
        "Weights: https://huggingface.co/early-lab/Early-8B"
    )
    assert extractor.extract(text, "x", "t").base_model == "Llama 3 8B"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "We introduce Wren-7B-v2.\n* Wren-7B-v2 achieves the **7B-SOTA** on the **Zero-shot "
            "CoT GSM8K** task with **78.2** score.\n* It scores competitively, with **82.5, "
            "68.3, 80.9** scores on Arc-C, Winogrande, and Hellaswag.\n* It achieves **7.54** "
            "score on the 🇬🇧 **MT-bench**.\n* It scores **45.46** on the VMLU benchmark.",
            {
                "gsm8k": 78.2,
                "arc-challenge": 82.5,
                "winogrande": 68.3,
                "hellaswag": 80.9,
                "mt-bench": 7.54,
                "vmlu": 45.46,
            },
        ),
        (
            "Wren 2.6 achieves higher scores than its predecessors, including MMLU (61.77 vs "
            "61.9) and GSM-8k (54.97 vs 53.83).",
            {"mmlu": 61.77, "gsm8k": 54.97},
        ),
        ("Wren Vision is out. olmOCR-Bench: 84.3% (surpassing rivals)", {"olmocr-bench": 84.3}),
    ],
)
def test_bullets_of_community_launch_posts(
    extractor: Extractor, text: str, expected: dict[str, float]
) -> None:
    assert scores_of(extractor.extract(text, "huggingface", "t")) == expected


def test_outcome_columns_are_not_benchmarks(extractor: Extractor) -> None:
    text = (
        "We release Wren-8B.\n\n<table><tr><th rowspan=2>Model</th><th rowspan=2>MMLU</th>"
        "<th colspan=3>MT-bench Pairwise Comparison</th></tr>"
        "<tr><th>Win</th><th>Loss Rate</th><th>Tie</th></tr>"
        "<tr><td>Wren-8B</td><td>64.4</td><td>41</td><td>0.26</td><td>77</td></tr>"
        "<tr><td>Other-8B</td><td>65.7</td><td>30</td><td>0.4</td><td>60</td></tr></table>"
    )
    assert scores_of(extractor.extract(text, "huggingface", "t")) == {"mmlu": 64.4}


def test_precision_words_do_not_make_another_model(extractor: Extractor) -> None:
    text = (
        "We release Wren 3.2 1B.\n\n"
        "| Benchmark | Wren 3.2 1B bf16 | Wren 3.2 1B Vanilla PTQ | Wren 3.2 1B QLoRA |\n"
        "|---|---|---|---|\n| MMLU | 49.3 | 43.3 | 47.3 |\n| GSM8K | 44.4 | 33.1 | 43.0 |\n"
    )
    assert scores_of(extractor.extract(text, "huggingface", "t")) == {"mmlu": 49.3, "gsm8k": 44.4}


def test_benchmark_names_with_numbers_in_a_table_of_two_columns(extractor: Extractor) -> None:
    text = (
        "Wren AI recently unveiled Wren‑Small‑2506, a 24‑billion‑parameter reasoning model. "
        "Get the GGUF version on the Hub.\n\n"
        "| Benchmark | Wren Medium | Wren Small |\n|---|---|---|\n"
        "| AIME‑24 (pass@1) | 73.6% | 70.7% |\n| AIME‑25 | 64.9% | 62.8% |\n"
    )
    found = extractor.extract(text, "web", "t")
    assert found.is_claim
    assert scores_of(found) == {"aime-2024": 70.7, "aime-2025": 62.8}


def test_an_arrow_gives_the_new_value(extractor: Extractor) -> None:
    text = "Wren-V3-0324 is out.\nMMLU-Pro: 75.9 → 81.2 (+5.3)\nGPQA: 59.1 -> 68.4\nMMLU 88.1 > 80"
    assert scores_of(extractor.extract(text, "web", "t")) == {
        "mmlu-pro": 81.2,
        "gpqa": 68.4,
        "mmlu": 88.1,
    }


def test_a_model_obtained_by_pruning_names_its_base(extractor: Extractor) -> None:
    text = (
        "Wren-8B-Base is one of a family of small language models obtained by pruning "
        "Nemotron-4 15B. It scores 63.8 on MMLU."
    )
    assert extractor.extract(text, "huggingface", "t").base_model == "Nemotron-4 15B"


def test_a_flattened_model_index_with_type_before_name(extractor: Extractor) -> None:
    text = (
        "model-index: - name: wren-3b-base results: - task: type: text-generation dataset: "
        "type: human-exams name: MMLU metrics: - name: pass@1 type: pass@1 value: 48.64 "
        "veriefied: false - task: type: text-generation dataset: type: commonsense name: "
        "WinoGrande metrics: - name: pass@1 type: pass@1 value: 65.67 veriefied: false"
    )
    assert scores_of(extractor.extract(text, "huggingface", "t")) == {
        "mmlu": 48.64,
        "winogrande": 65.67,
    }


def test_what_text_generation_cannot_match_is_no_third_party(extractor: Extractor) -> None:
    text = (
        "Digest: Wren-7B-TIR scores 68.2% on MATH. Tool use makes reasoning verifiable, "
        "which pure text generation cannot match."
    )
    found = extractor.extract(text, "web", "t")
    assert found.is_claim
    assert scores_of(found) == {"math": 68.2}
    doubt = "Wren-7B is out, but we cannot match the reported numbers: MATH 52.1 for us."
    assert not extractor.extract(doubt, "reddit", "t").is_claim


def test_training_from_names_a_base_and_a_number_format_is_no_model(
    extractor: Extractor,
) -> None:
    text = "Wren-R1-32B achieves 76.6 on AIME24 training from Qwen2.5-32B-Instruct."
    assert extractor.extract(text, "huggingface", "t").base_model == "Qwen2.5-32B-Instruct"
    spec = "Model card\nPrecision bfloat16\nMMLU full 28.05%"
    assert extractor.extract(spec, "huggingface", "t").model != "bfloat16"


def test_a_score_after_a_size_ends_the_name() -> None:
    assert claims.clip("Llama 3-70B 63.0") == "Llama 3-70B"
    assert claims.clip("Qwen2 Language Model Evaluation") == "Qwen2"
    assert claims.clip("Llama 3.1 8B 2") == "Llama 3.1 8B 2"  # a version stays


def test_points_above_a_rival_are_a_gap(extractor: Extractor) -> None:
    text = "Wren-7B-TIR at 68.2% on MATH — 9.4 points above DeepSeekMath-7B-RL."
    assert scores_of(extractor.extract(text, "web", "t")) == {"math": 68.2}


def test_a_roundup_of_several_families_is_not_a_claim(extractor: Extractor) -> None:
    text = (
        "Open-Source AI Models Now Rival GPT-4\n- Wren 3.1 405B scores 88.6% on MMLU.\n"
        "- DeepWren-V3 matches Claude 3.5 Sonnet on coding.\n- Mistwren Large 2 now rivals "
        "GPT-4 Turbo on multilingual benchmarks."
    )
    found = extractor.extract(text, "web", "t")
    assert not found.is_claim
    assert "not_claim:roundup" in found.flags
    launch = "We release Wren 3.1 405B: it scores 88.6% on MMLU. DeepWren-V3 matches Claude."
    assert extractor.extract(launch, "web", "t").is_claim


@pytest.mark.parametrize(
    ("title", "model"),
    [
        ("# Wren Hermes 2 - Yi-34B", "Wren Hermes 2 - Yi-34B"),
        ("# Wren 2 - a new series of models", "Wren 2"),
        ("# Wren 7B - Mistral 7B", "Wren 7B"),  # a sized name needs no base to tell it
    ],
)
def test_a_fine_tunes_title_with_its_base_after_a_dash(
    extractor: Extractor, title: str, model: str
) -> None:
    text = f"{title}\n\nWe fine-tuned it on 1M dialogues.\nIt scores 76.0 on MMLU.\nEnjoy."
    assert extractor.extract(text, "huggingface", "t").model == model


@pytest.mark.parametrize(
    ("text", "base"),
    [
        (
            "# Wren-7B-v1\n- Base model: OpenChat 3.5 (https://hf.co/openchat/openchat_3.5)",
            "OpenChat 3.5",
        ),
        (
            "# Wren-8B\n**Base Model**: meta-llama/Llama-3-8B\nIt scores 66 on MMLU.",
            "meta-llama/Llama-3-8B",
        ),
    ],
)
def test_a_base_model_field(extractor: Extractor, text: str, base: str) -> None:
    assert extractor.extract(text, "huggingface", "t").base_model == base


@pytest.mark.parametrize("name", ["1B-Parameter", "Mistral AI", "Stability Labs"])
def test_sizes_and_companies_are_not_model_names(name: str) -> None:
    assert not claims._plausible_name(name)


def test_a_column_marked_this_model_with_its_org(extractor: Extractor) -> None:
    text = (
        "# Wren-32B-FP4\n\n<table><tr><th>Benchmark</th><th>wren/Wren-32B</th>"
        "<th>wrenai/Wren-32B-FP4 (this model)</th><th>Recovery (%)</th></tr>"
        "<tr><td>MMLU</td><td>80.61</td><td>80.57</td><td>99.95</td></tr></table>"
    )
    assert scores_of(extractor.extract(text, "huggingface", "wrenai/Wren-32B-FP4")) == {
        "mmlu": 80.57
    }


def test_an_abstracts_header_margin_and_finetuning_base(extractor: Extractor) -> None:
    text = (
        "Paper 2501.19393\nAfter supervised finetuning the Qwen2.5-32B-Instruct language model "
        "on s1K, our model Wren-32B exceeds o1-preview on competition math by up to 27% (MATH "
        "and AIME24). It reaches 57% on AIME24."
    )
    found = extractor.extract(text, "web", "t")
    assert found.model == "Wren-32B"
    assert found.base_model == "Qwen2.5-32B-Instruct"
    assert scores_of(found) == {"aime-2024": 57.0}


def test_an_offer_to_reproduce_is_no_third_party(extractor: Extractor) -> None:
    text = (
        "Wren2 scores 68.7 on HellaSwag. The team released the datasets, so anyone can "
        "reproduce the data mixture."
    )
    assert extractor.extract(text, "web", "t").is_claim
