"""Derivatives (quantisations, adapters, copied cards) are not launches: unit rules on card
metadata and text, and real launch cards wrapped the way quantisers publish them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hypewatch.extractors.derivatives import derivative_of
from hypewatch.extractors.extractor import Extractor

REALWORLD = Path(__file__).resolve().parents[2].parent / "shared" / "realworld"
DEV = REALWORLD / "launch-texts-dev.jsonl"


@pytest.mark.parametrize(
    ("front", "text", "repo", "relation", "base"),
    [
        (
            {"base_model": "org/Base-7B", "base_model_relation": "quantized"},
            "",
            "q/x",
            "quantized",
            "org/Base-7B",
        ),
        (
            {"base_model": "org/Base-7B", "base_model_relation": "adapter"},
            "",
            "q/x",
            "adapter",
            "org/Base-7B",
        ),
        (
            {"base_model": "org/Base-7B", "tags": ["gguf", "llama"]},
            "",
            "q/x",
            "quantized",
            "org/Base-7B",
        ),
        (
            {"base_model": ["org/Base-7B"], "library_name": "mlx"},
            "",
            "q/x",
            "quantized",
            "org/Base-7B",
        ),
        (
            {"base_model": "org/Base-7B", "library_name": "peft"},
            "",
            "q/x",
            "adapter",
            "org/Base-7B",
        ),
        ({"base_model": "org/Base-7B"}, "", "q/Base-7B-AWQ", "quantized", "org/Base-7B"),
        ({"base_model": "org/Base-7B"}, "", "q/Base-7B-Q4_K_M", "quantized", "org/Base-7B"),
        (
            {},
            "GGUF quants of org/Base-7B, made with llama.cpp.",
            "q/whatever",
            "quantized",
            "org/Base-7B",
        ),
        (
            {},
            "A LoRA adapter for org/Base-7B trained on poems.",
            "q/poet",
            "adapter",
            "org/Base-7B",
        ),
        (
            {"base_model": "org/Base-7B", "base_model_relation": "finetune"},
            "Original model card below.\n\n| MMLU | 70.1 |",
            "q/x",
            "finetune",
            "org/Base-7B",
        ),
    ],
)
def test_derivative_rules(
    front: dict[str, object], text: str, repo: str, relation: str, base: str
) -> None:
    found = derivative_of(front, text, repo)
    assert found is not None
    assert (found.relation, found.base) == (relation, base)


@pytest.mark.parametrize(
    ("front", "text", "repo"),
    [
        # a fine-tune that reports its own numbers is a launch
        (
            {"base_model": "org/Base-7B", "base_model_relation": "finetune"},
            "| MMLU | 70.1 |",
            "me/tuned",
        ),
        ({"base_model": "org/Base-7B"}, "We fine-tuned Base-7B. MMLU 70.1.", "me/tuned"),
        # a launch card that also offers quantised builds is still the launch
        (
            {},
            "We release Foo-7B.\n\n" + "x " * 500 + "GGUF files of org/Foo-7B are linked.",
            "org/Foo-7B",
        ),
        # the repo's own name is not its base
        ({"base_model": "org/Foo-7B"}, "", "org/Foo-7B"),
        ({"tags": ["lora"]}, "Our instruction model.", "org/Foo-7B"),  # no base named
    ],
)
def test_launches_are_not_derivatives(front: dict[str, object], text: str, repo: str) -> None:
    assert derivative_of(front, text, repo) is None


def _real_cards() -> list[dict[str, object]]:
    if not DEV.exists():
        pytest.skip(f"{DEV} is absent: the shared real launch texts are not beside this checkout")
    return [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line]


# The four real cards the issue names, and the base each was launched as.
WRAPPED = {
    "hf-deepseek-v3": "deepseek-ai/DeepSeek-V3",
    "hf-llama31-card": "meta-llama/Llama-3.1-8B-Instruct",
    "hf-internlm3-8b": "internlm/internlm3-8b-instruct",
    "hf-qwen-72b": "Qwen/Qwen-72B",
}


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


@pytest.mark.parametrize(("text_id", "base"), sorted(WRAPPED.items()))
def test_quantised_real_cards_are_derivatives_without_claims(
    extractor: Extractor, text_id: str, base: str
) -> None:
    card = next(c for c in _real_cards() if c["id"] == text_id)
    name = base.split("/")[1]
    wrapped = (
        f"---\nbase_model: {base}\nbase_model_relation: quantized\ntags:\n- gguf\n"
        f"library_name: gguf\n---\n\n# {name}-GGUF\n\nGGUF quantizations of the original model, "
        f"original card below.\n\n{card['text']}"
    )
    result = extractor.extract(wrapped, "huggingface", f"someone/{name}-GGUF")
    document = result.to_json()
    assert document["is_claim"] is False
    assert document["scores"] == []
    assert document["base_model"] == base
    assert "derivative:quantized" in document["flags"]
    assert result.claim_specs() == []


def test_no_real_launch_text_reads_as_a_derivative(extractor: Extractor) -> None:
    for card in _real_cards():
        result = extractor.extract(str(card["text"]), str(card["source"]), str(card["id"]))
        assert not any(f.startswith("derivative") for f in result.flags), card["id"]


@pytest.mark.parametrize(
    ("front", "text", "relation", "base"),
    [
        # the Hub's address of the original, after `GGUF-quantized tensors for`
        (
            {"license": "mit"},
            "This repository provides **GGUF-quantized tensors** for the GLM-4.5 model "
            "(official repo: https://huggingface.co/zai-org/GLM-4.5).",
            "quantized",
            "zai-org/GLM-4.5",
        ),
        # the original named, not linked, under a `base_model:` field
        (
            {"base_model": "Qwen/Qwen2.5-Math-7B-Instruct"},
            "## Llamacpp imatrix Quantizations of Qwen2.5-Math-7B-Instruct\n\nUsing "
            '<a href="https://github.com/ggerganov/llama.cpp/">llama.cpp</a> for quantization.',
            "quantized",
            "Qwen/Qwen2.5-Math-7B-Instruct",
        ),
        ({"base_model": "org/Base-7B", "quantized_by": "someone"}, "", "quantized", "org/Base-7B"),
    ],
)
def test_conversions_named_the_ways_quantisers_write(
    front: dict[str, object], text: str, relation: str, base: str
) -> None:
    found = derivative_of(front, text, "q/x")
    assert found is not None
    assert (found.relation, found.base) == (relation, base)


def test_a_labs_own_card_with_an_onnx_tag_is_not_a_conversion() -> None:
    front = {"base_model": "acme/Wren-1.7B", "tags": ["transformers", "onnx"]}
    assert derivative_of(front, "# Wren-1.7B-Instruct\n\nScores 56.7 on IFEval.", "x/y") is None
    converted = "This is an ONNX conversion of acme/Wren-1.7B-Instruct for transformers.js."
    found = derivative_of({"tags": ["onnx"]}, converted, "x/y")
    assert found is not None and found.relation == "quantized"
