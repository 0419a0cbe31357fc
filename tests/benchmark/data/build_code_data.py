"""Build the code stand-in datasets in hypewatch/standins/data/ (run once; kept for the record).

    python tests/benchmark/data/build_code_data.py HumanEval.jsonl

* openai_humaneval.jsonl: the 164 rows of openai/human-eval's data/HumanEval.jsonl.gz (MIT),
  verbatim (the columns openai/openai_humaneval serves: task_id, prompt,
  canonical_solution, test, entry_point).
* mbpp.jsonl (read, not written): ten rows of google-research mbpp/mbpp.jsonl (CC BY 4.0),
  copied verbatim (the `full` config's columns: task_id, text, code, test_list,
  test_setup_code, challenge_test_list).
* humanevalplus.jsonl / mbppplus.jsonl: problems of the two above in evalplus's published
  column layout and test-script format (evalplus/humanevalplus: task_id, prompt,
  canonical_solution, entry_point, test; evalplus/mbppplus: task_id, code, prompt,
  source_file, test_imports, test_list, test). Inputs are EvalPlus's base inputs plus a few
  edge cases; expected outputs come from running the canonical solution, as EvalPlus does.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[3] / "hypewatch" / "standins" / "data"


#: MBPP+ inputs per task: the base tests' arguments, then edge cases.
MBPP_PLUS_INPUTS: dict[int, list[list[Any]]] = {
    17: [[10], [5], [4], [0], [1000000], [2.5]],
    19: [[[1, 2, 3, 4, 5]], [[1, 2, 3, 4, 4]], [[1, 1, 2, 2, 3, 3, 4, 4, 5]], [[]], [[7]]],
    21: [[4, 3], [2, 5], [9, 2], [0, 4], [1, 1]],
    22: [[[1, 2, 3, 4, 4, 5]], [[1, 2, 3, 4]], [[1, 1, 2, 3, 3, 2, 2]], [[]], [[5, 5]]],
    23: [
        [[[1, 2, 3], [4, 5, 6], [10, 11, 12], [7, 8, 9]]],
        [[[0, 1, 1], [1, 1, 2], [3, 2, 1]]],
        [[[0, -1, -1], [-1, -1, -2], [-3, -2, -1]]],
        [[[5]]],
    ],
    24: [[100], [1011], [1101101], [0], [1]],
    27: [
        [["4words", "3letters", "4digits"]],
        [["28Jan", "12Jan", "11Jan"]],
        [["wonder1", "wonder2", "wonder3"]],
        [[]],
        [["123"]],
    ],
    28: [[5, 2], [4, 3], [3, 2], [14, 6], [2, 3], [0, 0]],
    35: [[4], [5], [6], [0], [100]],
    41: [
        [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]],
        [[10, 20, 45, 67, 84, 93]],
        [[5, 7, 9, 8, 6, 4, 3]],
        [[]],
        [[-2, -1, 0]],
    ],
}

#: HumanEval+ inputs: EvalPlus's base inputs, then edge cases.
HUMANEVAL_PLUS_INPUTS: dict[str, list[list[Any]]] = {
    "HumanEval/0": [
        [[1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3],
        [[1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.05],
        [[1.0, 2.0, 5.9, 4.0, 5.0], 0.95],
        [[1.0, 2.0, 5.9, 4.0, 5.0], 0.8],
        [[1.0, 2.0, 3.0, 4.0, 5.0, 2.0], 0.1],
        [[1.1, 2.2, 3.1, 4.1, 5.1], 1.0],
        [[1.1, 2.2, 3.1, 4.1, 5.1], 0.5],
        [[], 1.0],
        [[1.0], 0.5],
        [[1.0, 1.0], 0.0],
    ],
    "HumanEval/2": [[3.5], [1.33], [123.456], [0.0], [999.999]],
    "HumanEval/4": [
        [[1.0, 2.0, 3.0]],
        [[1.0, 2.0, 3.0, 4.0]],
        [[1.0, 2.0, 3.0, 4.0, 5.0]],
        [[7.0]],
        [[-1.0, 1.0]],
    ],
    "HumanEval/7": [
        [[], "john"],
        [["xxx", "asd", "xxy", "john doe", "xxxAAA", "xxx"], "xxx"],
        [["xxx", "asd", "aaaxxy", "john doe", "xxxAAA", "xxx"], "xx"],
        [["grunt", "trumpet", "prune", "gruesome"], "run"],
        [["a", "b"], ""],
    ],
    "HumanEval/10": [[""], ["x"], ["xyz"], ["xyx"], ["jerry"], ["abcba"], ["ab"]],
    "HumanEval/12": [
        [[]],
        [["x", "y", "z"]],
        [["x", "yyy", "zzzz", "www", "kkkk", "abc"]],
        [["", ""]],
        [["ab", "cd", "e"]],
    ],
    "HumanEval/13": [[3, 7], [10, 15], [49, 14], [144, 60], [1, 1], [0, 5], [17, 0]],
}

EVALPLUS_HELPERS = """import numpy as np

def is_floats(x) -> bool:
    # check if it is float; List[float]; Tuple[float]
    if isinstance(x, float):
        return True
    if isinstance(x, (list, tuple)):
        return all(isinstance(i, float) for i in x)
    if isinstance(x, np.ndarray):
        return x.dtype == np.float64 or x.dtype == np.float32
    return False


def assertion(out, exp, atol):
    exact_match = out == exp

    if atol == 0 and is_floats(exp):
        atol = 1e-6
    if not exact_match and atol != 0:
        np.testing.assert_allclose(out, exp, atol=atol)
    else:
        assert exact_match
"""


def run_canonical(source: str, name: str, inputs: list[list[Any]]) -> list[Any]:
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # trusted: the datasets' reference solutions
    return [namespace[name](*json.loads(json.dumps(args))) for args in inputs]


def humanevalplus(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    by_id = {row["task_id"]: row for row in rows}
    for task_id, inputs in HUMANEVAL_PLUS_INPUTS.items():
        row = by_id[task_id]
        source = row["prompt"] + row["canonical_solution"]
        results = run_canonical(source, row["entry_point"], inputs)
        test = (
            EVALPLUS_HELPERS
            + "\n\ndef check(candidate):\n"
            + f"    inputs = {inputs!r}\n    results = {results!r}\n"
            + "    for i, (inp, exp) in enumerate(zip(inputs, results)):\n"
            + "        assertion(candidate(*inp), exp, 0)\n"
        )
        out.append(
            {
                "task_id": task_id,
                "prompt": row["prompt"],
                "canonical_solution": row["canonical_solution"],
                "entry_point": row["entry_point"],
                "test": test,
            }
        )
    return out


def mbppplus() -> list[dict[str, Any]]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    from hypewatch.verifiers.benchmark.code_exec import mbpp_entry_point

    out = []
    for row in read("mbpp.jsonl"):
        name = mbpp_entry_point(row["code"], row["test_list"])
        inputs = MBPP_PLUS_INPUTS[row["task_id"]]
        results = run_canonical(row["code"], name, inputs)
        helpers = EVALPLUS_HELPERS.replace(
            "import numpy as np\n", "import numpy as np\nfrom math import inf\n"
        )
        test = (
            helpers
            + f"\n\ninputs = {inputs!r}\nresults = {results!r}\n"
            + "for i, (inp, exp) in enumerate(zip(inputs, results)):\n"
            + f"    assertion({name}(*inp), exp, 0)\n"
        )
        out.append(
            {
                "task_id": row["task_id"],
                "code": row["code"].replace("\r\n", "\n"),
                "prompt": row["text"],
                "source_file": "Benchmark Questions Verification V2.ipynb",
                "test_imports": [],
                "test_list": row["test_list"],
                "test": test,
            }
        )
    return out


def read(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (OUT / name).read_text().splitlines() if line.strip()]


def write(name: str, rows: list[dict[str, Any]]) -> None:
    with (OUT / name).open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> None:
    humaneval = [json.loads(line) for line in Path(sys.argv[1]).read_text().splitlines()]
    write("openai_humaneval.jsonl", humaneval)
    write("humanevalplus.jsonl", humanevalplus(humaneval))
    write("mbppplus.jsonl", mbppplus())


if __name__ == "__main__":
    main()
