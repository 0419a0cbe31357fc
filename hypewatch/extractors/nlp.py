"""spaCy, imported when the extractor first needs it, and without torch.

The extractor uses a blank English pipeline (tokenizer, PhraseMatcher, Matcher): no model,
no neural network. Yet `import spacy` imports thinc, and `thinc.compat` imports torch
whenever torch is installed (the `ml` extra) only to offer it as a backend — over half of
the start-up of `hypewatch extract` (about 3.4 s of 7 on the shared 2-core machine,
docs/benchmarks.md). While spaCy is imported here, an import finder answers thinc's
`import torch` (and only thinc's: the importing frame is checked, so another thread's
`import torch` is untouched) with ImportError, which thinc handles as "torch is not
installed". torch itself stays importable: the embeddings (sentence-transformers) import it
when they are used. When torch is already imported, thinc sees it as before.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import Any

_LOCK = threading.Lock()
_THINC_PROBE = "thinc.compat"  # the thinc module that tries `import torch`


class _NoTorchForThinc(importlib.abc.MetaPathFinder):
    """Refuses `torch` to thinc's backend probe; every other import goes on as usual."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "torch" and not fullname.startswith("torch."):
            return None
        frame: Any = sys._getframe(1)
        while frame is not None:
            if frame.f_globals.get("__name__") == _THINC_PROBE:
                raise ModuleNotFoundError(
                    "torch is not offered to thinc (hypewatch uses no spaCy model)", name=fullname
                )
            frame = frame.f_back
        return None


def spacy() -> ModuleType:
    """The `spacy` module, imported on first use with torch hidden from thinc."""
    if "spacy" not in sys.modules:
        with _LOCK:
            finder = _NoTorchForThinc()
            sys.meta_path.insert(0, finder)
            try:
                import spacy  # noqa: F401  (sys.modules holds it)
            finally:
                sys.meta_path.remove(finder)
    return sys.modules["spacy"]
