"""Synthetic benchmark rows in each dataset's real schema, as parquet, for the Hub stand-in.

The demo and the tests serve these through the Hub stand-in at the paths the
Hub uses (a repo's own parquet files, or its `refs/convert/parquet` branch),
and hypewatch reads them with the same code a user runs. The rows are
invented (no benchmark content is copied); the columns are the datasets':

* GPQA (Idavidrein/gpqa, gated): Question, Correct Answer, Incorrect Answer 1-3,
  Explanation, Subdomain, High-level domain, Record ID;
* MATH (EleutherAI/hendrycks_math): problem, level, type, solution (with \\boxed{});
* IFEval (google/IFEval): key, prompt, instruction_id_list, kwargs (a list of
  structs holding every argument name, null where unused).
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from hypewatch.standins.hub_datasets import parquet_bytes

CONVERTED = "refs/convert/parquet"
#: Every argument name in IFEval's kwargs struct (the parquet schema).
IFEVAL_KWARGS = (
    "num_highlights", "relation", "num_words", "num_placeholders", "prompt_to_repeat",
    "num_paragraphs", "postscript_marker", "num_bullets", "first_word", "nth_paragraph",
    "end_phrase", "language", "forbidden_words", "keyword", "frequency", "letter",
    "let_frequency", "let_relation", "section_spliter", "num_sections", "capital_relation",
    "capital_frequency", "keywords", "num_sentences",
)  # fmt: skip
_IFEVAL_SETS: tuple[tuple[tuple[str, dict[str, Any]], ...], ...] = (
    (("punctuation:no_comma", {}), ("detectable_format:title", {})),
    (
        ("change_case:english_lowercase", {}),
        ("startend:end_checker", {"end_phrase": "Is there anything else I can help with?"}),
    ),
    (
        ("keywords:existence", {"keywords": ["budget", "timeline"]}),
        ("length_constraints:number_words", {"relation": "at least", "num_words": 60}),
    ),
    (
        ("detectable_format:number_bullet_lists", {"num_bullets": 3}),
        ("detectable_content:postscript", {"postscript_marker": "P.S."}),
    ),
    (("change_case:english_capital", {}),),
    (("startend:quotation", {}), ("punctuation:no_comma", {})),
)


def gpqa_rows(count: int, seed: int = 55) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        a, b = rng.randint(2, 40), rng.randint(2, 40)
        right = a * b + 7
        wrong = [right + d for d in rng.sample([-9, -4, -2, 3, 5, 11], 3)]
        rows.append(
            {
                "Question": f"GPQA stand-in {i}: a lattice has {a} rows of {b} sites plus 7 "
                "defects. How many sites are occupied?",
                "Correct Answer": str(right),
                "Incorrect Answer 1": str(wrong[0]),
                "Incorrect Answer 2": str(wrong[1]),
                "Incorrect Answer 3": str(wrong[2]),
                "Explanation": f"{a} x {b} + 7 = {right}.",
                "Subdomain": "Condensed Matter Physics",
                "High-level domain": "Physics",
                "Record ID": f"rec{seed:03d}{i:05d}",
            }
        )
    return rows


def math_rows(count: int, seed: int = 79) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        a, b, c, d = (rng.randint(1, 12) for _ in range(4))
        total = Fraction(a, b + 1) + Fraction(c, d + 1)
        answer = (
            str(total.numerator)
            if total.denominator == 1
            else f"\\frac{{{total.numerator}}}{{{total.denominator}}}"
        )
        problem = (
            f"Stand-in problem {i}: compute $\\frac{{{a}}}{{{b + 1}}} + \\frac{{{c}}}{{{d + 1}}}$."
        )
        solution = f"Add over a common denominator and reduce: the sum is $\\boxed{{{answer}}}$."
        rows.append(
            {"problem": problem, "level": f"Level {1 + i % 5}", "type": "Prealgebra",
             "solution": solution}
        )  # fmt: skip
    return rows


def ifeval_rows(count: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(count):
        chosen = _IFEVAL_SETS[i % len(_IFEVAL_SETS)]
        kwargs = [{name: args.get(name) for name in IFEVAL_KWARGS} for _, args in chosen]
        rows.append(
            {
                "key": 1000 + i,
                "prompt": f"Stand-in prompt {i}: write a short plan for a community garden.",
                "instruction_id_list": [name for name, _ in chosen],
                "kwargs": kwargs,
            }
        )
    return rows


def dataset_repos(
    *, sha: str, token: str, gpqa: int = 448, math: int = 600, ifeval: int = 541
) -> dict[str, dict[str, Any]]:
    """GPQA (gated; `token` is granted), MATH and IFEval as the Hub serves them."""
    return {
        "Idavidrein/gpqa": {
            "sha": sha,
            "refs": [CONVERTED],
            "gated": True,
            "tokens": [token],
            "files": {
                "gpqa_main/train/0000.parquet": parquet_bytes(gpqa_rows(gpqa)),
                "gpqa_diamond/train/0000.parquet": parquet_bytes(gpqa_rows(198, seed=56)),
            },
        },
        "EleutherAI/hendrycks_math": {
            "sha": sha,
            "files": {"prealgebra/test-00000-of-00001.parquet": parquet_bytes(math_rows(math))},
        },
        "google/IFEval": {
            "sha": sha,
            "refs": [CONVERTED],
            "files": {"default/train/0000.parquet": parquet_bytes(ifeval_rows(ifeval))},
        },
    }
