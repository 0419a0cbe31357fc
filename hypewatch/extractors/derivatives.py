"""Is a Hub repo a derivative of another model rather than a launch?

Most new repos on the Hub are conversions of someone else's model: GGUF/AWQ/GPTQ/EXL2/MLX
quantisations, LoRA adapters, and repos whose card is a copy of the original's. Their cards
usually carry the original's benchmark tables, which are the original's claims, never the
copier's. The Hub's own metadata says so first; names and card text second:

1. `base_model_relation` in the card's front matter (`quantized`, `adapter`, `merge`,
   `finetune`) -- what the Hub's model tree is built from;
2. quantisation formats in `tags` / `library_name` (gguf, awq, gptq, exl2, mlx, …) or in the
   repo name (`…-GGUF`, `…-AWQ`, `…-4bit`), or a PEFT adapter (`library_name: peft`);
3. the card saying it is a conversion or carries the original card ("GGUF quantizations of …",
   "original model card", "original card below").

A quantisation or adapter is always a derivative. A fine-tune or merge is a launch of its own
(it may claim its own numbers) unless its card says it carries the original's card.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hypewatch.extractors import gates
from hypewatch.extractors.cards import base_models

__all__ = ["Derivative", "derivative_in", "derivative_of"]

#: `base_model_relation` values the Hub defines.
ALWAYS_DERIVATIVE = frozenset({"quantized", "adapter"})
OWN_LAUNCH_POSSIBLE = frozenset({"finetune", "merge"})

#: Weight formats and libraries that only hold a conversion of some other model's weights.
QUANT_TAGS = frozenset(
    {
        "gguf",
        "ggml",
        "awq",
        "gptq",
        "exl2",
        "exl3",
        "mlx",
        "bitsandbytes",
        "4-bit",
        "8-bit",
        "4bit",
        "8bit",
        "quantized",
        "fp8",
        "int4",
        "int8",
        "hqq",
        "aqlm",
        "llamafile",
        "compressed-tensors",
    }
)
#: Formats a lab also ships beside its own weights (`onnx` on SmolLM2-1.7B-Instruct's card):
#: a conversion only when the card also says what it converted.
FORMAT_TAGS = frozenset({"onnx", "openvino"})
ADAPTER_TAGS = frozenset({"lora", "peft", "adapter", "qlora"})
_QUANT_NAME = re.compile(
    r"[-_.](?:gguf|ggml|awq|gptq|exl2|exl3|mlx|bnb|hqq|aqlm|fp8|int[48]|w[48]a16|"
    r"[2-8](?:\.\d+)?-?bits?(?:-[a-z0-9]+)?|q[2-8](?:_[a-z0-9]+)*|imatrix|i1)(?:[-_.]|$)",
    re.I,
)
_ADAPTER_NAME = re.compile(r"[-_.](?:q?lora|adapter|peft)(?:[-_.]|$)", re.I)
_CONVERSION_TEXT = gates.compile(
    # `GGUF-quantized tensors for the GLM-4.5 model`
    r"\b(?:gguf|ggml|awq|gptq|exl2|mlx|[2-8]-?bit|fp8|int[48])[\s-]+(?:quanti[sz]ed\s+)?"
    r"(?:quants?|quantizations?|quantisations?|versions?|files?|formats?|conversions?|"
    r"weights?|builds?|models?|tensors?|shards?)[\s*_]+(?:of|for|from)\b|"
    r"\b(?:quantized|quantised|quantizations?|quantisations?|quants?|converted|conversions?)"
    r"\s+(?:version\s+|versions\s+|model\s+|tensors\s+|weights\s+)?(?:of|from|for)\b|"
    r"\blora\s+adapters?\s+(?:of|for|on|to)\b",
    re.I,
)
_COPIED_CARD = gates.compile(
    r"\boriginal\s+(?:model\s+)?(?:card|description|readme|model\s+page)\b|"
    r"\b(?:model\s+)?card\s+(?:of|from)\s+the\s+original\b|"
    r"\bbelow\s+is\s+the\s+original\b|\boriginal\s+card\s+below\b",
    re.I,
)
#: How much of a card's body counts as its opening.
OPENING_CHARS = 800
# `org/name`, or the Hub's address of it (`https://huggingface.co/org/name`)
_REPO_ID = re.compile(
    r"(?:https?://(?:www\.)?huggingface\.co/|(?<![\w.\-/]))"
    r"([A-Za-z0-9][\w.\-]{0,95}/[A-Za-z0-9][\w.\-]{0,95})\b"
)


@dataclass(frozen=True)
class Derivative:
    """What the repo is made from, and the evidence that said so."""

    relation: str  # quantized | adapter | finetune | merge
    base: str  # the original's repo id, "" when no evidence names it
    evidence: str

    def flags(self) -> list[str]:
        """How an extraction carries it (`derivative_in` reads it back)."""
        out = [f"derivative:{self.relation}"]
        if self.base:
            out.append(f"derivative_of:{self.base}")
        if self.evidence:
            out.append(f"derivative_evidence:{self.evidence}")
        return out


def derivative_in(flags: Iterable[str]) -> Derivative | None:
    """The derivative an extraction's flags describe (`Derivative.flags`), or None."""
    found = dict(f.split(":", 1) for f in flags if f.startswith("derivative") and ":" in f)
    if "derivative" not in found:
        return None
    return Derivative(
        found["derivative"], found.get("derivative_of", ""), found.get("derivative_evidence", "")
    )


def _lower_set(value: Any) -> set[str]:
    items: Iterable[Any] = value if isinstance(value, list | tuple | set) else [value]
    return {str(v).strip().lower() for v in items if v is not None and str(v).strip()}


def _base_in_text(text: str) -> str:
    """The first repo id named right after a conversion phrase ("GGUF quants of org/name")
    in the card's opening, where a converter says what it converted."""
    for match in _CONVERSION_TEXT.finditer(text[:OPENING_CHARS]):
        repo = _REPO_ID.search(text, match.end(), match.end() + 160)
        if repo:
            return repo.group(1).rstrip(".")
    return ""


def derivative_of(front: dict[str, Any], text: str, repo_id: str = "") -> Derivative | None:
    """The derivative this card describes, or None for a launch (or anything not a card).

    `front` is the card's front matter, `text` its body, `repo_id` the repo it was read from.
    """
    bases = [b for b in base_models(front) if b.lower() != repo_id.lower()]
    base = bases[0] if bases else ""
    relation = str(front.get("base_model_relation") or "").strip().lower()
    copied = bool(_COPIED_CARD.search(text))
    if relation in ALWAYS_DERIVATIVE:
        return Derivative(relation, base or _base_in_text(text), "base_model_relation")
    if relation in OWN_LAUNCH_POSSIBLE:
        if copied:
            return Derivative(relation, base, "base_model_relation, card copies the original")
        return None
    tags = _lower_set(front.get("tags")) | _lower_set(front.get("library_name"))
    name = repo_id.rsplit("/", 1)[-1]
    text_base = _base_in_text(text)
    text_base = "" if text_base.lower() == repo_id.lower() else text_base
    if tags & QUANT_TAGS or (tags & FORMAT_TAGS and (text_base or copied)):
        found = sorted(tags & (QUANT_TAGS | FORMAT_TAGS))
        return Derivative("quantized", base or text_base, f"tags: {found}")
    if tags & ADAPTER_TAGS and (base or text_base):
        return Derivative("adapter", base or text_base, f"tags: {sorted(tags & ADAPTER_TAGS)}")
    if name and _QUANT_NAME.search(name) and (base or text_base or copied):
        return Derivative("quantized", base or text_base, "repo name names a quantisation")
    if name and _ADAPTER_NAME.search(name) and (base or text_base):
        return Derivative("adapter", base or text_base, "repo name names an adapter")
    opening = text[:OPENING_CHARS]
    # `Quantizations of Qwen2.5-Math-7B-Instruct` under a `base_model:` field: the card
    # says what it converted by name, the front matter by repo id
    if text_base or (base and _CONVERSION_TEXT.search(opening)):
        relation = "adapter" if re.search(r"\blora\b", opening, re.I) else "quantized"
        return Derivative(relation, base or text_base, "card says it is a conversion")
    if front.get("quantized_by"):
        return Derivative("quantized", base, "front matter: quantized_by")
    if base and copied:
        return Derivative("finetune", base, "card copies the original's card")
    return None
