"""Generated model weights for the Hub stand-in (tests and bench).

Small Llama-shaped models in numpy, the relations between them that matter
for provenance (a continued pre-training sibling, a low-rank fine-tune, an
independent model), and a safetensors writer that also does BF16 (numpy has
no bfloat16) and sharding with a `model.safetensors.index.json`.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from hypewatch.standins.hub import model_card

Tensors = dict[str, np.ndarray]


@dataclass(frozen=True)
class Shape:
    layers: int = 4
    hidden: int = 64
    intermediate: int = 128
    vocab: int = 256
    max_position_embeddings: int = 8192


def llama_like(shape: Shape, seed: int) -> Tensors:
    """Independent random weights with Llama's tensor names and layout."""
    rng = np.random.default_rng(seed)
    h, i, v = shape.hidden, shape.intermediate, shape.vocab

    def w(rows: int, cols: int) -> np.ndarray:
        return (rng.standard_normal((rows, cols)) * 0.02).astype(np.float32)

    tensors: Tensors = {"model.embed_tokens.weight": w(v, h), "lm_head.weight": w(v, h)}
    tensors["model.norm.weight"] = np.ones(h, dtype=np.float32)
    for layer in range(shape.layers):
        p = f"model.layers.{layer}."
        for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
            tensors[f"{p}self_attn.{name}.weight"] = w(h, h)
        tensors[f"{p}mlp.gate_proj.weight"] = w(i, h)
        tensors[f"{p}mlp.up_proj.weight"] = w(i, h)
        tensors[f"{p}mlp.down_proj.weight"] = w(h, i)
        tensors[f"{p}input_layernorm.weight"] = np.ones(h, dtype=np.float32)
        tensors[f"{p}post_attention_layernorm.weight"] = np.ones(h, dtype=np.float32)
    return tensors


def continued_pretraining(base: Tensors, noise: float, seed: int) -> Tensors:
    """Base + full-rank noise of `noise` times each tensor's scale (a sibling of the base)."""
    rng = np.random.default_rng(seed)
    out: Tensors = {}
    for name, t in base.items():
        scale = float(np.std(t)) if t.ndim > 1 else 0.01
        out[name] = (t + rng.standard_normal(t.shape) * scale * noise).astype(np.float32)
    return out


def low_rank_finetune(base: Tensors, rank: int, relative: float, seed: int) -> Tensors:
    """Base + a rank-`rank` update of relative norm `relative` on every matrix (LoRA merged)."""
    rng = np.random.default_rng(seed)
    out: Tensors = {}
    for name, t in base.items():
        if t.ndim < 2:
            out[name] = t.copy()
            continue
        delta = rng.standard_normal((t.shape[0], rank)) @ rng.standard_normal((rank, t.shape[1]))
        delta *= relative * np.linalg.norm(t) / np.linalg.norm(delta)
        out[name] = (t + delta).astype(np.float32)
    return out


def bf16_bits(a: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bit patterns (round to nearest even)."""
    bits = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def encode(a: np.ndarray, dtype: str) -> bytes:
    if dtype == "F32":
        return np.ascontiguousarray(a, dtype="<f4").tobytes()
    if dtype == "F16":
        return np.ascontiguousarray(a, dtype="<f2").tobytes()
    if dtype == "BF16":
        return bf16_bits(a).astype("<u2").tobytes()
    raise ValueError(dtype)


def safetensors_bytes(tensors: Tensors, dtype: str = "F32") -> bytes:
    """A valid safetensors file (header padded to 8 bytes with spaces, like the crate)."""
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    chunks: list[bytes] = []
    offset = 0
    for name in sorted(tensors):
        data = encode(tensors[name], dtype)
        header[name] = {
            "dtype": dtype,
            "shape": list(tensors[name].shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + b"".join(chunks)


def config_json(shape: Shape, **overrides: object) -> bytes:
    config: dict[str, object] = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": shape.hidden,
        "intermediate_size": shape.intermediate,
        "num_hidden_layers": shape.layers,
        "num_attention_heads": 4,
        "num_key_value_heads": 4,
        "vocab_size": shape.vocab,
        "max_position_embeddings": shape.max_position_embeddings,
        "rope_theta": 500000.0,
        "rope_scaling": None,
        "torch_dtype": "bfloat16",
    }
    config.update(overrides)
    return json.dumps(config).encode()


def tokenizer_config(eos: str = "<|eot_id|>") -> bytes:
    return json.dumps(
        {"bos_token": "<|begin_of_text|>", "eos_token": eos, "model_max_length": 8192}
    ).encode()


def repo_files(
    tensors: Tensors,
    shape: Shape,
    *,
    dtype: str = "F32",
    shards: int = 1,
    config: dict[str, object] | None = None,
    eos: str = "<|eot_id|>",
    card: Mapping[str, Any] | None = None,
) -> dict[str, bytes]:
    """A repo's files: config, tokenizer config, README (with `card` as its front
    matter) and the weights (maybe sharded)."""
    files = {
        "config.json": config_json(shape, **(config or {})),
        "tokenizer_config.json": tokenizer_config(eos),
        "README.md": model_card(card, "# a generated model\n"),
    }
    if shards == 1:
        files["model.safetensors"] = safetensors_bytes(tensors, dtype)
        return files
    names = sorted(tensors)
    weight_map: dict[str, str] = {}
    for k in range(shards):
        part = {n: tensors[n] for n in names[k::shards]}
        file = f"model-{k + 1:05d}-of-{shards:05d}.safetensors"
        files[file] = safetensors_bytes(part, dtype)
        weight_map.update(dict.fromkeys(part, file))
    index = {"metadata": {"total_size": 0}, "weight_map": weight_map}
    files["model.safetensors.index.json"] = json.dumps(index).encode()
    return files
