"""config.json and tokenizer differences between a repo and a candidate base.

Reflection 70B's config gave it away: Llama 3.1 has `rope_scaling` and a
131072-token context, Llama 3 has neither. These are reported as evidence;
they never decide a verdict alone (a fine-tune may legitimately extend the
context or add special tokens).
"""

from __future__ import annotations

import json
from typing import Any

from hypewatch.models import JSON

CONFIG_FILE = "config.json"
TOKENIZER_FILES = ("tokenizer_config.json", "special_tokens_map.json")

CONFIG_KEYS = (
    "architectures",
    "model_type",
    "hidden_size",
    "intermediate_size",
    "num_hidden_layers",
    "num_attention_heads",
    "num_key_value_heads",
    "vocab_size",
    "max_position_embeddings",
    "rope_theta",
    "rope_scaling",
    "torch_dtype",
)
#: Nested configs (multimodal models) keep the language model's keys here.
_NESTED = ("text_config", "language_config", "llm_config")
SPECIAL_TOKEN_KEYS = ("bos_token", "eos_token", "pad_token", "unk_token", "model_max_length")
MAX_VALUE_CHARS = 300


def _clip(value: Any) -> Any:
    """A config value as evidence: small values as they are, anything long cut short."""
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    if isinstance(value, dict) and "content" in value:  # AddedToken objects
        value = value["content"]
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


def config_fields(config: JSON | None) -> JSON:
    if not config:
        return {}
    nested: JSON = next((config[k] for k in _NESTED if isinstance(config.get(k), dict)), {})
    return {
        key: _clip(config.get(key, nested.get(key)))
        for key in CONFIG_KEYS
        if key in config or key in nested
    }


def tokenizer_fields(documents: list[JSON | None]) -> JSON:
    found: JSON = {}
    for document in documents:
        for key in SPECIAL_TOKEN_KEYS:
            if document and key in document and key not in found:
                found[key] = _clip(document[key])
        added = (document or {}).get("added_tokens_decoder")
        if isinstance(added, dict) and "added_tokens" not in found:
            found["added_tokens"] = len(added)
    return found


def diff(ours: JSON, theirs: JSON) -> JSON:
    """{"differs": {key: {"repo": v, "candidate": w}}, "same": [keys]} over keys either has."""
    differs: JSON = {}
    same: list[str] = []
    for key in sorted(set(ours) | set(theirs)):
        a, b = ours.get(key), theirs.get(key)
        if a == b:
            same.append(key)
        else:
            differs[key] = {"repo": a, "candidate": b}
    return {"differs": differs, "same": same}
