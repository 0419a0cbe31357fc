"""Load public benchmark test sets from the Hugging Face Hub: pinned repo + revision, parquet.

What to read comes from the task registry (`registry.py`): each benchmark's
`DatasetRef` (repo, a glob of its parquet files, optionally a pinned
revision and a glob of few-shot rows) and its row converter, written against
the dataset's real column names. The revision is, in order: the caller's
(`verifiers.benchmark.dataset_revisions`), the registry's pin, else the
branch `main` resolved to its commit; the commit read is what is downloaded
and recorded, so a run can always be repeated on the same bytes.

huggingface_hub does the transfer (its own HTTP stack): the endpoint is
checked against the network policy first and must be a trusted origin. A
gated dataset (GPQA) needs a token of an account that accepted its terms;
without one the error says so.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hypewatch.verifiers.benchmark.registry import TaskRegistry, TaskSpec, default_registry
from hypewatch.verifiers.benchmark.tasks import MAX_ITEMS, TaskFormatError, TaskItem

Row = dict[str, Any]
MAX_PARQUET_FILES = 16


class HubDatasetError(Exception):
    """A dataset could not be found, downloaded or read; the message says which and why."""


@dataclass(frozen=True)
class HubTask:
    benchmark: str
    repo: str
    revision: str  # the commit sha actually read
    files: tuple[str, ...]
    items: list[TaskItem]
    family: str = ""


def known_dataset(benchmark: str, registry: TaskRegistry | None = None) -> TaskSpec | None:
    """The registered task for a benchmark name, or None."""
    return (registry or default_registry()).get(benchmark)


def rows_to_items(
    rows: list[Row], spec: TaskSpec, source: str, *, fewshot: bool = False
) -> list[TaskItem]:
    """Convert parquet rows with the task's converter; every error names the row."""
    items: list[TaskItem] = []
    for index, row in enumerate(rows):
        where = f"{source} row {index}"
        try:
            item = spec.convert(row, index)
        except (KeyError, TypeError, ValueError, IndexError) as error:
            message = str(error).removeprefix(f"row {index}: ")
            raise TaskFormatError(f"{where}: cannot read the row ({message})") from None
        if fewshot:
            item = replace(item, id=f"fewshot-{item.id}", fewshot=True)
        items.append(replace(item, family=item.family or spec.family))
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


def _matching(names: list[str], pattern: str, where: str) -> list[str]:
    found = sorted(name for name in names if pattern and fnmatch.fnmatch(name, pattern))
    if len(found) > MAX_PARQUET_FILES:
        raise HubDatasetError(f"{where}: {len(found)} parquet files match {pattern}; too many")
    return found


def _gated_message(spec: TaskSpec, token: str | None) -> str:
    repo = spec.dataset.repo
    if token:
        return (
            f"needs access: {repo} is gated and the configured Hub token has not been granted "
            f"access; accept the dataset's terms on the Hub with that account"
        )
    return (
        f"needs access: {repo} is gated on the Hub; accept its terms there and set [hub] "
        "token_env to a token of that account"
    )


def load_hub_task(
    benchmark: str,
    *,
    endpoint: str,
    revision: str | None = None,
    token: str | None = None,
    cache_dir: Path | None = None,
    registry: TaskRegistry | None = None,
) -> HubTask:
    """Download (or reuse from the cache) and read a registered benchmark's test set. Blocking."""
    import httpx2
    from huggingface_hub import HfApi, hf_hub_download
    from huggingface_hub.errors import GatedRepoError

    registry = registry or default_registry()
    spec = registry.get(benchmark)
    if spec is None:
        known = ", ".join(s.id for s in registry.specs())
        raise HubDatasetError(
            f"no Hub loader for benchmark {benchmark!r}; known: {known}. "
            "Put a JSONL task file in verifiers.benchmark.tasks_dir instead"
        )
    ref = spec.dataset
    api = HfApi(endpoint=endpoint, token=token or False)
    try:
        info = api.dataset_info(ref.repo, revision=revision or ref.revision or "main")
        sha = info.sha or revision or ref.revision or "main"
        where = f"{ref.repo}@{sha}"
        names = [s.rfilename for s in info.siblings or []]
        test_files = _matching(names, ref.files, where)
        if not test_files:
            raise HubDatasetError(f"{where} has no files matching {ref.files}")
        shot_files = _matching(names, ref.fewshot_files, where)

        def download(name: str) -> str:
            return str(
                hf_hub_download(
                    ref.repo,
                    name,
                    repo_type="dataset",
                    revision=sha,
                    endpoint=endpoint,
                    token=token or False,
                    cache_dir=cache_dir,
                )
            )

        test_paths = [download(name) for name in test_files]
        shot_paths = [download(name) for name in shot_files]
    except GatedRepoError:
        raise HubDatasetError(_gated_message(spec, token)) from None
    except (OSError, httpx2.HTTPError) as error:
        raise HubDatasetError(f"cannot fetch {ref.repo} from {endpoint}: {error}") from None
    label = f"{ref.repo}@{sha[:12]}"
    items = rows_to_items(_read_parquet(shot_paths), spec, f"{label} few-shot", fewshot=True)
    items += rows_to_items(_read_parquet(test_paths), spec, label)
    if not any(not item.fewshot for item in items):
        raise HubDatasetError(f"{where}: the test files hold no rows")
    return HubTask(spec.id, ref.repo, sha, tuple(test_files + shot_files), items, spec.family)
