"""Can a candidate be the base at all? Shape checks that need no tensor value.

Three levels, cheapest first, each saying why a candidate is dropped:

1. `meta_mismatch`: the Hub's listing fields (architecture, parameter count);
2. `config_mismatch`: config.json (model type, hidden size, layers, heads,
   intermediate size, vocabulary within `VOCAB_TOLERANCE`: a fine-tune may add
   a few tokens);
3. `header_mismatch`: the safetensors headers (enough tensors of the same name
   and shape to compare).

A missing field never drops a candidate: only a known difference does.
"""

from __future__ import annotations

from typing import Any

from hypewatch.models import JSON
from hypewatch.verifiers.weights.hub import RepoMeta

#: config.json keys that must be equal (a fine-tune cannot change them).
EXACT_KEYS = (
    "model_type",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "num_key_value_heads",
    "intermediate_size",
)
#: Relative difference in vocabulary size still allowed (added special tokens).
VOCAB_TOLERANCE = 0.02
#: A candidate whose headers match fewer of the repo's comparable tensors is dropped.
MIN_TENSOR_SHARE = 0.5
_NESTED = ("text_config", "language_config", "llm_config")


def shape_of(config: JSON | None) -> JSON:
    """The shape-defining keys of a config.json (nested text configs looked into)."""
    if not config:
        return {}
    nested: JSON = next((config[k] for k in _NESTED if isinstance(config.get(k), dict)), {})
    shape: JSON = {}
    for key in (*EXACT_KEYS, "vocab_size"):
        value = config.get(key, nested.get(key))
        if isinstance(value, (int, str)):
            shape[key] = value
    architectures = config.get("architectures", nested.get("architectures"))
    if isinstance(architectures, list):
        shape["architectures"] = [str(a)[:100] for a in architectures[:8]]
    return shape


def _relative(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1)


def meta_mismatch(
    shape: JSON, parameters: int, meta: RepoMeta | None, tolerance: float
) -> str | None:
    """Why the Hub's listing rules the candidate out, or None."""
    if meta is None:
        return None
    ours = shape.get("architectures")
    if ours and meta.architectures and set(ours).isdisjoint(meta.architectures):
        return f"architecture {', '.join(meta.architectures)}, not {', '.join(ours)}"
    if shape.get("model_type") and meta.model_type and meta.model_type != shape["model_type"]:
        return f"model type {meta.model_type}, not {shape['model_type']}"
    if parameters and meta.parameters and _relative(parameters, meta.parameters) > tolerance:
        return f"{meta.parameters:,} parameters, the repo has {parameters:,}"
    return None


def config_mismatch(ours: JSON, theirs: JSON) -> str | None:
    """Why the candidate's config.json rules it out, or None."""
    for key in EXACT_KEYS:
        a: Any = ours.get(key)
        b: Any = theirs.get(key)
        if a is not None and b is not None and a != b:
            return f"config.json {key} {b}, the repo has {a}"
    a_vocab, b_vocab = ours.get("vocab_size"), theirs.get("vocab_size")
    if (
        isinstance(a_vocab, int)
        and isinstance(b_vocab, int)
        and _relative(a_vocab, b_vocab) > VOCAB_TOLERANCE
    ):
        return f"config.json vocab_size {b_vocab}, the repo has {a_vocab}"
    return None


def header_mismatch(shared: int, eligible: int) -> str | None:
    """Why too few tensors match by name and shape, or None."""
    if eligible and shared < max(1, MIN_TENSOR_SHARE * eligible):
        return f"only {shared} of the repo's {eligible} matrices match by name and shape"
    return None
