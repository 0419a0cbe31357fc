"""spaCy is imported when the extractor first needs it, and without torch (extractors/nlp.py).

Run in a fresh interpreter: the test session has imported spaCy (and maybe torch) already.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_the_cli_and_a_finder_import_no_spacy_until_a_text_is_read() -> None:
    out = _run(
        """
        import sys
        import hypewatch.cli
        from hypewatch.extractors.scores import ScoreFinder
        finder = ScoreFinder()
        before = "spacy" in sys.modules
        scores = finder.find("MMLU 71.2 and GSM8K 80.1 (8-shot)")
        print(before, "spacy" in sys.modules, sorted(s.benchmark for s in scores))
        """
    )
    assert out == "False True ['gsm8k', 'mmlu']"


def test_thinc_is_not_offered_torch_and_torch_stays_importable() -> None:
    pytest.importorskip("torch")  # the `ml` extra; without it there is nothing to hide
    out = _run(
        """
        import importlib.util, sys
        from hypewatch.extractors import nlp
        nlp.spacy()
        import thinc.compat
        hidden = "torch" not in sys.modules and not thinc.compat.has_torch
        # the finder is gone: the embeddings' own `import torch` finds it as usual
        finders = [type(f).__name__ for f in sys.meta_path]
        print(hidden, "_NoTorchForThinc" in finders, importlib.util.find_spec("torch") is not None)
        """
    )
    assert out == "True False True"
