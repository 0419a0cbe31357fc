"""Stand-in copies of the four code benchmarks, as the Hugging Face Hub serves them.

The rows live in `standins/data/*.jsonl` (see its README.md for where each
comes from): all 164 HumanEval problems verbatim, ten MBPP problems verbatim,
and HumanEval+/MBPP+ rows in EvalPlus's published layout. `code_dataset_repos()`
turns them into the parquet files at the paths the real dataset repos use, for
`standins.hub_datasets` to serve; the loader that reads them is the one a user
runs against the real Hub.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from typing import Any

from hypewatch.standins.hub_datasets import parquet_bytes

#: Hub repo -> (bundled rows, the parquet path in the repo).
CODE_DATASETS: dict[str, tuple[str, str]] = {
    "openai/openai_humaneval": (
        "openai_humaneval.jsonl",
        "openai_humaneval/test-00000-of-00001.parquet",
    ),
    "evalplus/humanevalplus": (
        "humanevalplus.jsonl",
        "data/test-00000-of-00001-5973903632b82d40.parquet",
    ),
    "google-research-datasets/mbpp": ("mbpp.jsonl", "full/test-00000-of-00001.parquet"),
    "evalplus/mbppplus": ("mbppplus.jsonl", "data/test-00000-of-00001-d5781c9c51e02795.parquet"),
}


def code_rows(repo: str) -> list[dict[str, Any]]:
    """The bundled rows of one of the CODE_DATASETS repos."""
    name, _ = CODE_DATASETS[repo]
    text = resources.files("hypewatch.standins").joinpath("data", name).read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def code_dataset_repos() -> dict[str, dict[str, Any]]:
    """`{repo: {"sha", "files": {path: parquet bytes}}}` for `standins.hub_datasets`."""
    repos: dict[str, dict[str, Any]] = {}
    for repo, (_, path) in CODE_DATASETS.items():
        data = parquet_bytes(code_rows(repo))
        sha = hashlib.sha1(repo.encode() + data, usedforsecurity=False).hexdigest()
        repos[repo] = {"sha": sha, "files": {path: data}}
    return repos
