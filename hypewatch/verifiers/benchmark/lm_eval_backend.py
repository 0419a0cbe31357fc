"""lm-evaluation-harness as an optional, full-fidelity backend.

When lm-eval is installed, `run_lm_eval` runs a standard task against an
OpenAI-compatible endpoint (`--model local-chat-completions --log_samples`).
Either way, `read_samples` imports its per-sample log (`samples_<task>_<time>.jsonl`:
one JSON object per document with `doc_id`, `target`, `resps`, `filtered_resps`,
`filter` and one field per metric) and `result_from_samples` feeds the outcomes,
in a seeded random order, to the same anytime-valid test the built-in runner uses,
so an lm-eval run gets the same verdict, interval and audit trail. A document
whose filter found no answer (lm-eval's `[invalid]`) is an unread reply: the
bound rule keeps it from deciding the verdict, as in the built-in runner.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
import shutil
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypewatch import jsonlimits
from hypewatch.verifiers.benchmark.runner import ItemRecord, RunPlan, RunResult, sequential_test
from hypewatch.verifiers.benchmark.stats import Decision

#: Metrics that say whether one document was answered correctly, preferred first.
PRIMARY_METRICS = ("exact_match", "acc", "acc_norm", "pass@1", "pass_at_1")
#: lm-eval logs one entry per filter for tasks like gsm8k; this one decides when present.
PREFERRED_FILTER = "strict-match"
#: What lm-eval's regex filters return when they find no answer in a reply.
NO_ANSWER = "[invalid]"
MAX_SAMPLES = 200_000


class SamplesError(ValueError):
    """An lm-eval samples file that cannot be read; the message names file and line."""


@dataclass(frozen=True)
class SampleOutcome:
    doc_id: str
    correct: bool
    metric: str
    response: str
    target: str
    filter: str = ""

    @property
    def unread(self) -> bool:
        """The task's answer filter found nothing in the reply."""
        return self.response.strip() == NO_ANSWER


def _response(row: dict[str, Any]) -> str:
    for key in ("filtered_resps", "resps"):
        value = row.get(key)
        while isinstance(value, list) and value:
            value = value[0]
        if value is not None and value != []:
            return str(value)[:2000]
    return ""


def _metric(row: dict[str, Any], where: str) -> tuple[str, bool]:
    for name in PRIMARY_METRICS:
        value = row.get(name)
        if isinstance(value, bool | int | float):
            return name, float(value) >= 0.5
    raise SamplesError(
        f"{where}: no per-sample metric ({', '.join(PRIMARY_METRICS)}); "
        "was lm-eval run with --log_samples?"
    )


def read_samples(path: Path) -> list[SampleOutcome]:
    """One outcome per document (the preferred filter's, when several are logged)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise SamplesError(f"cannot read {path}: {error}") from None
    chosen: dict[str, SampleOutcome] = {}
    for number, line in enumerate(lines[:MAX_SAMPLES], start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = jsonlimits.loads(line, what=where)
        except json.JSONDecodeError as error:
            raise SamplesError(f"{where}: not JSON ({error.msg})") from None
        except jsonlimits.JsonLimitError as error:
            raise SamplesError(str(error)) from None
        if not isinstance(row, dict) or "doc_id" not in row:
            raise SamplesError(f"{where}: expected an object with a doc_id (an lm-eval sample)")
        metric, correct = _metric(row, where)
        outcome = SampleOutcome(
            doc_id=str(row["doc_id"]),
            correct=correct,
            metric=metric,
            response=_response(row),
            target=str(row.get("target", ""))[:500],
            filter=str(row.get("filter", "")),
        )
        known = chosen.get(outcome.doc_id)
        if known is None or (outcome.filter == PREFERRED_FILTER != known.filter):
            chosen[outcome.doc_id] = outcome
    if not chosen:
        raise SamplesError(f"{path}: no samples")
    return list(chosen.values())


def result_from_samples(samples: list[SampleOutcome], plan: RunPlan, task: str) -> RunResult:
    """The verdict for an lm-eval run, decided exactly as the built-in runner decides."""
    started = time.monotonic()
    order = list(samples)
    random.Random(plan.seed).shuffle(order)
    test = sequential_test(plan)
    records = []
    for seq, sample in enumerate(order[: plan.max_items]):
        test.update(None if sample.unread else sample.correct)
        digest = hashlib.sha256(f"{task}:{sample.doc_id}".encode()).hexdigest()
        rule = "unparseable" if sample.unread else f"lm-eval {sample.metric}"
        records.append(
            ItemRecord(seq, sample.doc_id, digest, reply=sample.response,
                       parsed=None if sample.unread else sample.response, rule=rule,
                       expected=sample.target, correct=sample.correct and not sample.unread,
                       score=float(sample.correct and not sample.unread), used=True)
        )  # fmt: skip
        if plan.stop_on_decision and test.decision is not Decision.UNDECIDED:
            break
    low, high = test.interval()
    undecided = test.decision is Decision.UNDECIDED
    note = ""
    if undecided and test.held_by_unread:
        note = f"{test.unread} of {test.n} replies could not be read"
    verdict = {Decision.FAILED: "failed", Decision.REPLICATED: "replicated"}
    return RunResult(
        task=task, n=test.n, correct=round(test.total),
        accuracy=None if test.accuracy is None else 100.0 * test.accuracy,
        ci_low=100.0 * low, ci_high=100.0 * high, claimed=plan.claimed,
        tolerance=plan.tolerance, verdict=verdict.get(test.decision, "inconclusive"),
        stopped_early=test.n < len(order), stop_reason="items" if undecided else "decided",
        requests=0, seconds=time.monotonic() - started, seed=plan.seed,
        setting=f"lm-eval {order[0].metric if order else ''}".strip(), available=len(order),
        tokens=0, errors=0, unparseable=[r.item_id for r in records if r.parsed is None],
        exemplars=[], records=records, unread=test.unread, unread_note=note,
        read_by_rule=dict(Counter(r.rule for r in records if r.parsed is not None)),
    )  # fmt: skip


def lm_eval_command(
    endpoint: str, model: str, task: str, output_dir: Path, *, limit: int, concurrency: int
) -> list[str]:
    """The lm-eval command line for a chat endpoint (`.../v1/chat/completions`)."""
    base_url = endpoint.rstrip("/")
    if not base_url.endswith("/chat/completions"):
        base_url += "/chat/completions"
    return [
        "lm_eval",
        "--model", "local-chat-completions",
        "--model_args", f"base_url={base_url},model={model},num_concurrent={concurrency}",
        "--tasks", task,
        "--apply_chat_template",
        "--log_samples",
        "--output_path", str(output_dir),
        "--limit", str(limit),
    ]  # fmt: skip


def run_lm_eval(
    endpoint: str, model: str, task: str, output_dir: Path, *, limit: int, concurrency: int
) -> Path:
    """Run lm-eval (it must be installed) and return its samples file for `task`."""
    executable = shutil.which("lm_eval")
    if importlib.util.find_spec("lm_eval") is None or executable is None:
        raise SamplesError(
            "lm-evaluation-harness is not installed (pip install lm-eval); the built-in "
            "runner (hypewatch bench --task FILE) needs nothing extra"
        )
    command = lm_eval_command(
        endpoint, model, task, output_dir, limit=limit, concurrency=concurrency
    )
    command[0] = executable
    subprocess.run(command, check=True, timeout=6 * 3600)  # noqa: S603 - fixed argv, no shell
    found = sorted(output_dir.rglob(f"samples_{task}_*.jsonl"))
    if not found:
        raise SamplesError(f"lm-eval wrote no samples_{task}_*.jsonl under {output_dir}")
    return found[-1]
