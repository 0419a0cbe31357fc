"""What `hypewatch bench` needs beyond argument parsing: loading, progress, printing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hypewatch.config import BenchmarkVerifierSettings, Settings
from hypewatch.verifiers.benchmark.client import EndpointFatalError, chat_url
from hypewatch.verifiers.benchmark.families import Environment
from hypewatch.verifiers.benchmark.hub_datasets import HubDatasetError
from hypewatch.verifiers.benchmark.prompts import parse_setting
from hypewatch.verifiers.benchmark.runner import Progress as RunProgress
from hypewatch.verifiers.benchmark.runner import RunPlan, RunResult
from hypewatch.verifiers.benchmark.tasks import TaskFormatError, TaskItem, load_task
from hypewatch.verifiers.benchmark.verifier import (
    LoadedTask,
    Target,
    file_source,
    load_registered,
    measure,
    open_scorer,
)

__all__ = [
    "Environment",
    "Target",
    "endpoint_url",
    "load",
    "make_plan",
    "measure",
    "open_scorer",
    "print_result",
    "progress_bar",
    "read_task",
]


def endpoint_url(endpoint: str) -> str:
    """The chat-completions URL, or a usage error naming --endpoint."""
    try:
        return chat_url(endpoint)
    except EndpointFatalError as error:
        raise typer.BadParameter(str(error), param_hint="--endpoint") from None


def read_task(path: Path, error: type[Exception]) -> list[TaskItem]:
    try:
        return load_task(path)
    except TaskFormatError as problem:
        raise error(f"{problem}. See docs/benchmark.md for the item format") from None


def load(task: Path | str, settings: Settings, error: type[Exception]) -> LoadedTask:
    """A JSONL file (a Path) or a registered benchmark id read from the Hub (a str)."""
    if isinstance(task, Path):
        return LoadedTask(task.stem, read_task(task, error), file_source(task))
    try:
        loaded = load_registered(task, settings)
    except (HubDatasetError, TaskFormatError) as problem:
        raise error(str(problem)) from None
    if isinstance(loaded, str):
        raise error(loaded)
    return loaded


def make_plan(
    config: BenchmarkVerifierSettings,
    claim: float,
    tolerance: float | None,
    max_items: int | None,
    setting: str,
    seed: int | None,
) -> RunPlan:
    return RunPlan(
        claimed=claim,
        tolerance=config.tolerance if tolerance is None else tolerance,
        alpha=config.alpha,
        prior_strength=config.prior_strength,
        max_items=max_items or config.max_items,
        max_seconds=config.max_seconds,
        token_budget=config.token_budget,
        reask=config.reask,
        retry_truncated=config.retry_truncated,
        structured_reask=config.structured_reask,
        seed=config.seed if seed is None else seed,
        setting=parse_setting(setting),
    )


@contextmanager
def progress_bar(console: Console, *, enabled: bool) -> Iterator[Callable[[RunProgress], None]]:
    """A rich progress bar on `console` (stderr) fed by the runner's progress callback."""
    bar = Progress(
        TextColumn("[bold]bench[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not enabled,
    )
    task_id = bar.add_task("bench", total=None, status="")

    def update(p: RunProgress) -> None:
        read = p.n - p.unread
        accuracy = f"{100 * p.correct / read:.1f}%" if read else "-"
        unread = f"  {p.unread} unread" if p.unread else ""
        status = f"accuracy {accuracy}{unread}  {p.decision}"
        bar.update(task_id, completed=p.n, total=p.total, status=status)

    with bar:
        yield update


def print_result(out: Console, result: RunResult, summary: dict[str, Any]) -> None:
    colour = {"failed": "red", "replicated": "green"}.get(result.verdict, "yellow")
    accuracy = "n/a" if result.accuracy is None else f"{result.accuracy:.1f}%"
    out.print(
        f"[bold {colour}]{result.verdict}[/]: {escape(result.task)} measured {accuracy} "
        f"(interval {result.ci_low:.1f}–{result.ci_high:.1f}) on {result.n} items "
        f"vs claimed {result.claimed:g}% (tolerance {result.tolerance:g})"
    )
    early = "stopped early (decided)" if result.stopped_early else f"stop: {result.stop_reason}"
    out.print(
        f"{result.correct}/{result.n} correct; {early}; {result.requests} requests, "
        f"{summary['seconds']:.1f} s; setting {result.setting}, seed {result.seed}"
    )
    out.print(escape(result.reading_text()))
    if result.unread_note:
        out.print(f"[yellow]inconclusive because {escape(result.unread_note)}[/]")
    if result.unparseable:
        shown = ", ".join(escape(i) for i in result.unparseable[:10])
        more = "" if len(result.unparseable) <= 10 else f" (+{len(result.unparseable) - 10} more)"
        out.print(f"[yellow]{len(result.unparseable)} unread replies:[/] {shown}{more}")
    if result.errors:
        out.print(f"[yellow]{result.errors} requests failed after retries (items skipped)[/]")
