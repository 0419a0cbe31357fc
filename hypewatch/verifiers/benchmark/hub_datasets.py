"""Load public benchmark test sets from the Hugging Face Hub: pinned repo + revision, parquet.

Each known benchmark maps to a dataset repository, a glob of its parquet
files and a converter from a row to a task item (validated exactly like a
JSONL line). The revision comes from configuration
(`verifiers.benchmark.dataset_revisions`); without one the branch `main` is
resolved to its commit, and that commit is what is downloaded and recorded,
so a run can always be repeated on the same bytes.

huggingface_hub does the transfer (its own HTTP stack): the endpoint is
checked against the network policy first and must be a trusted origin.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypewatch.verifiers.benchmark.tasks import (
    MAX_ITEMS,
    TaskFormatError,
    TaskItem,
    parse_item,
    task_name,
)

Row = dict[str, Any]
MAX_PARQUET_FILES = 16


class HubDatasetError(Exception):
    """A dataset could not be found, downloaded or read; the message says which and why."""


def _mc(row: Row, q: str, choices: str, answer: str) -> Row:
    return {"question": row[q], "choices": list(row[choices]), "answer": row[answer]}


def _mmlu(row: Row) -> Row:
    return _mc(row, "question", "choices", "answer")


def _mmlu_pro(row: Row) -> Row:
    return _mc(row, "question", "options", "answer_index")


def _arc(row: Row) -> Row:
    labels = list(row["choices"]["label"])
    key = str(row["answerKey"])
    if key not in labels:
        raise TaskFormatError(f"answerKey {key!r} is not one of the labels {labels}")
    return {
        "question": row["question"],
        "choices": list(row["choices"]["text"]),
        "answer": labels.index(key),
    }


def _gsm8k(row: Row) -> Row:
    solution = str(row["answer"])
    explanation, _, final = solution.rpartition("####")
    return {
        "question": row["question"],
        "answer": final.strip().replace(",", ""),
        "explanation": explanation.strip(),
    }


@dataclass(frozen=True)
class HubDataset:
    """Where a benchmark's test set lives and how to read a row."""

    repo: str
    files: str  # glob inside the repo
    convert: Callable[[Row], Row]
    id_column: str = ""


#: Public test sets by benchmark id (`tasks.task_name` spelling).
KNOWN: dict[str, HubDataset] = {
    "mmlu": HubDataset("cais/mmlu", "all/test-*.parquet", _mmlu),
    "mmlu-pro": HubDataset("TIGER-Lab/MMLU-Pro", "data/test-*.parquet", _mmlu_pro, "question_id"),
    "arc-challenge": HubDataset("allenai/ai2_arc", "ARC-Challenge/test-*.parquet", _arc, "id"),
    "gsm8k": HubDataset("openai/gsm8k", "main/test-*.parquet", _gsm8k),
}


def known_dataset(benchmark: str) -> HubDataset | None:
    name = task_name(benchmark)
    return KNOWN.get(name) or KNOWN.get(name.replace("_", "-"))


@dataclass(frozen=True)
class HubTask:
    benchmark: str
    repo: str
    revision: str  # the commit sha actually read
    files: tuple[str, ...]
    items: list[TaskItem]


def rows_to_items(rows: list[Row], spec: HubDataset, source: str) -> list[TaskItem]:
    items: list[TaskItem] = []
    for index, row in enumerate(rows):
        where = f"{source} row {index}"
        try:
            data = spec.convert(row)
        except (KeyError, TypeError, TaskFormatError) as error:
            raise TaskFormatError(f"{where}: cannot read the row ({error})") from None
        data["id"] = str(row[spec.id_column]) if spec.id_column else f"{index}"
        items.append(parse_item(data, where))
        if len(items) > MAX_ITEMS:
            raise TaskFormatError(f"{source}: more than {MAX_ITEMS} rows")
    return items


def _read_parquet(paths: list[str]) -> list[Row]:
    import pyarrow.parquet as pq

    rows: list[Row] = []
    for path in paths:
        try:
            rows.extend(pq.read_table(path).to_pylist())
        except Exception as error:  # pyarrow raises several unrelated types
            raise HubDatasetError(f"cannot read parquet file {Path(path).name}: {error}") from None
    return rows


def load_hub_task(
    benchmark: str,
    *,
    endpoint: str,
    revision: str | None = None,
    token: str | None = None,
    cache_dir: Path | None = None,
) -> HubTask:
    """Download (or reuse from the cache) and read a known benchmark's test set. Blocking."""
    import httpx2
    from huggingface_hub import HfApi, hf_hub_download

    spec = known_dataset(benchmark)
    if spec is None:
        raise HubDatasetError(
            f"no Hub loader for benchmark {benchmark!r}; known: {', '.join(sorted(KNOWN))}. "
            "Put a JSONL task file in verifiers.benchmark.tasks_dir instead"
        )
    api = HfApi(endpoint=endpoint, token=token or False)
    try:
        info = api.dataset_info(spec.repo, revision=revision or "main")
        sha = info.sha or revision or "main"
        names = sorted(
            s.rfilename for s in info.siblings or [] if fnmatch.fnmatch(s.rfilename, spec.files)
        )
        if not names:
            raise HubDatasetError(f"{spec.repo}@{sha} has no files matching {spec.files}")
        if len(names) > MAX_PARQUET_FILES:
            raise HubDatasetError(f"{spec.repo}@{sha}: {len(names)} parquet files; too many")
        paths = [
            str(
                hf_hub_download(
                    spec.repo,
                    name,
                    repo_type="dataset",
                    revision=sha,
                    endpoint=endpoint,
                    token=token or False,
                    cache_dir=cache_dir,
                )
            )
            for name in names
        ]
    except (OSError, httpx2.HTTPError) as error:
        raise HubDatasetError(f"cannot fetch {spec.repo} from {endpoint}: {error}") from None
    items = rows_to_items(_read_parquet(paths), spec, f"{spec.repo}@{sha[:12]}")
    return HubTask(task_name(benchmark), spec.repo, sha, tuple(names), items)
