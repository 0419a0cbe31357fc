"""Kinds of naming errors found on fresh model cards of labs and community fine-tunes
(issue 13): which versions are one release, which names are another release's."""

from __future__ import annotations

import pytest

from hypewatch.extractors import claims, names
from hypewatch.extractors.extractor import Extractor
from tests.extractors.helpers import scores_of


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        # a short form and the full name with its date tag are one release
        ("Devstral 2", "Devstral 2 123B Instruct 2512", True),
        # `3.0` is `3`
        ("MiniCPM3-4B", "MiniCPM 3.0", True),
        # two date tags of one family are two releases; so are 3 and 3.1
        ("OpenChat 3.5 1210", "OpenChat 3.5 0106", False),
        ("Llama 3", "Llama 3.1", False),
    ],
)
def test_versions_of_one_release(a: str, b: str, same: bool) -> None:
    assert names.compatible(a, b) is same
    assert names.compatible(b, a) is same


def test_a_row_named_short_of_a_dated_title_is_the_launched_one(extractor: Extractor) -> None:
    text = (
        "# Devstral 2 123B Instruct 2512\n\n"
        "| Model | Size (B) | SWE-bench Verified |\n|---|---|---|\n"
        "| **Devstral 2** | 123 | 72.2% |\n| Devstral Small 2 | 24 | 68.0% |\n"
        "| GLM 4.6 | 355 | 68.0% |\n"
    )
    assert scores_of(extractor.extract(text, "huggingface", "t")) == {"swe-bench-verified": 72.2}


def test_an_older_release_named_in_news_is_not_a_table_subject(extractor: Extractor) -> None:
    text = (
        "# OpenChat\n\n"
        "- [2024/01/06] We released the second update, OpenChat 3.5 0106, further improving "
        "coding and overall performance.\n"
        "- [2023/12/10] We released OpenChat 3.5 1210, improving coding by 15 points.\n\n"
        "| Model | HumanEval | MATH |\n|---|---|---|\n"
        "| OpenChat 3.5 1210 | 68.9 | 28.9 |\n| Grok-1 | 63.2 | 23.9 |\n"
    )
    found = extractor.extract(text, "huggingface", "t")
    assert found.model == "OpenChat 3.5 0106"
    assert scores_of(found) == {}


@pytest.mark.parametrize(
    ("text", "model"),
    [
        # a tag's name is no model's; the heading's sized name is
        (
            "<h1>STILL: Slow Thinking with LLMs</h1>\n\n"
            "### STILL-3-1.5B-Preview: A 1.5B slow-thinking reasoning model.\n\n"
            "The trained model, STILL-3-1.5B-Preview, reaches 39.33% on AIME.",
            "STILL-3-1.5B-Preview",
        ),
        # `our` needs no adjective before `model` to mark the owner's apposition
        (
            "Using the data above, we trained Stratos-32B, our reasoning model distilled from "
            "R1, which outperforms Sky-T1 and o1-preview.",
            "Stratos-32B",
        ),
    ],
)
def test_names_from_tags_and_appositions(extractor: Extractor, text: str, model: str) -> None:
    assert extractor.extract(text, "huggingface", "t").model == model


def test_a_released_data_set_is_not_the_launched_model(extractor: Extractor) -> None:
    text = (
        "- We release our Stratos-17k dataset and the Stratos-32B model.\n\n"
        "Stratos-32B scores 93.0 on MATH500."
    )
    assert extractor.extract(text, "huggingface", "t").model == "Stratos-32B"


def test_a_bar_of_links_is_no_title_and_the_paragraph_names_the_model(
    extractor: Extractor,
) -> None:
    text = (
        '<img src="logo.png" width="400">\n\n'
        "[ArXiv](http://arxiv.org/abs/1) | [Models](https://huggingface.co/acme/wren_34b) | "
        "[Data](https://example.org/d) | [Code](https://example.org/c)\n\n"
        "[Ann Lee](https://example.org/a), [Bo Chen](https://example.org/b)\n\n"
        "**Wren 34B** is a language model for mathematics. It was initialized with Code Llama "
        "34B weights.\n"
    )
    assert extractor.extract(text, "huggingface", "t").model == "Wren 34B"


@pytest.mark.parametrize(
    "text",
    [
        "# Wren-7B training recipe\n\nWe release the Wren-7B training code and data. Weights: "
        "https://huggingface.co/acme/Wren-7B. Run `bash train.sh` to reproduce our training.",
        "# Wren-7B\n\nWe are releasing Wren-7B, a slerp merge made with mergekit.\n\n```yaml\n"
        "merge_method: slerp\n```\nLicense: apache-2.0",
    ],
)
def test_a_launch_that_asserts_no_result_is_no_claim(extractor: Extractor, text: str) -> None:
    found = extractor.extract(text, "huggingface", "t")
    assert not found.is_claim
    assert "not_claim:no_results" in found.flags


@pytest.mark.parametrize(
    "text",
    [
        "Introducing Wren-7B, the best open model of its size. Weights on the Hub.",
        "We release Wren-7B, fine-tuned from Mistral-7B-v0.1.",
        "Introducing Wren-7B: it outperforms Llama-3-8B on every benchmark.",
    ],
)
def test_a_launch_asserting_superiority_or_a_base_is_a_claim(
    extractor: Extractor, text: str
) -> None:
    assert extractor.extract(text, "web", "t").is_claim


def test_a_name_run_together_is_the_hyphenated_one() -> None:
    assert names.compatible("FalconMamba-7B", "Falcon-Mamba-7B")
    assert not names.compatible("FalconMamba-7B", "Falcon-7B")


def test_a_card_with_an_unread_benchmark_table_is_still_a_claim(extractor: Extractor) -> None:
    text = (
        "# Wren-Mamba-7B\n\nWe release Wren-Mamba-7B.\n\n"
        "| `model name` | `IFEval` | `BBH` |\n|---|---|---|\n"
        "| `Acme-SSM-7B` | 22.46 | 6.71 |\n| `Other-9B` | 30.76 | 14.80 |\n"
    )
    found = extractor.extract(text, "huggingface", "t")
    assert found.is_claim
    assert "not_claim:no_results" not in found.flags


def test_a_tiered_name_without_digits_is_a_name(extractor: Extractor) -> None:
    text = (
        "Tencent's Wren-Large uses a Mixture-of-Experts design, a pattern seen in models like "
        "Mixtral 8x7B. Its training kept costs manageable.\n\n"
        "| Benchmark | Wren-Large | Llama 3.1 405B |\n|---|---|---|\n| MMLU | 86.2 | 87.3 |\n"
        "| GSM8K | 92.1 | 89.0 |\n"
    )
    found = extractor.extract(text, "web", "t")
    assert found.model == "Wren-Large"
    assert scores_of(found) == {"mmlu": 86.2, "gsm8k": 92.1}


@pytest.mark.parametrize(
    ("text", "model", "base"),
    [
        (
            "Wren Pro is developed with our depth up-scaling method, which scales a "
            "Phi-3-medium model with 14 billion parameters to 22 billion parameters.",
            "Wren Pro",
            "Phi-3-medium",
        ),
        (
            "We present Wren-10.7B. In other words, we integrated Mistral 7B weights into the "
            "upscaled layers, and finally, continued pretraining.",
            "Wren-10.7B",
            "Mistral 7B",
        ),
        (
            "Wrenstral 7B stands on the shoulders of Mistral 7B and specializes in STEM.",
            "Wrenstral 7B",
            "Mistral 7B",
        ),
        ("We scaled the training data of Wren-7B to 4T tokens.", "Wren-7B", ""),
    ],
)
def test_bases_of_up_scaled_models(model: str, text: str, base: str) -> None:
    assert claims.base_model(text, model) == base


@pytest.mark.parametrize("name", ["A40 GPUs", "H100", "8x H100", "RTX 4090", "TPU v5e"])
def test_hardware_is_no_model_name(name: str) -> None:
    assert not claims._plausible_name(name)
