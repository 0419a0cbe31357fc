"""Judged tasks: MT-Bench (HuggingFaceH4/mt_bench_prompts: prompt, prompt_id, category,
reference) and AlpacaEval 2 (tatsu-lab/alpaca_eval, alpaca_eval_gpt4_baseline: instruction,
output, generator, dataset)."""

from __future__ import annotations

from hypewatch.verifiers.benchmark.catalog import CONVERTED, Row, register_all, row_id
from hypewatch.verifiers.benchmark.families.judged import JudgedFamily
from hypewatch.verifiers.benchmark.registry import DatasetRef, TaskRegistry, TaskSpec
from hypewatch.verifiers.benchmark.tasks import TaskFormatError, TaskItem

JUDGED = JudgedFamily.name


def _mt_bench(row: Row, index: int) -> TaskItem:
    turns = [str(t) for t in row["prompt"] or []]
    if not turns or not turns[0].strip():
        raise TaskFormatError("no first turn")
    reference = [str(r) for r in row.get("reference") or [] if r]
    extra = {"mode": "single", "reference": reference[0] if reference else "", "turns": turns}
    return TaskItem(row_id(row, "prompt_id", index), turns[0], "", family=JUDGED, extra=extra)


def _alpaca_eval(row: Row, index: int) -> TaskItem:
    instruction, baseline = str(row["instruction"]), str(row["output"])
    if not instruction.strip() or not baseline.strip():
        raise TaskFormatError("empty instruction or baseline output")
    extra = {"mode": "pairwise", "baseline": baseline, "baseline_model": str(row["generator"])}
    return TaskItem(str(index), instruction, "", family=JUDGED, extra=extra)


SPECS = [
    TaskSpec("mt-bench", JUDGED, DatasetRef("HuggingFaceH4/mt_bench_prompts", "default",
             "train", "data/train-*.parquet"), _mt_bench, setting="0-shot", claim_scale=10.0,
             notes="first turn graded 1-10 by the judge; claims on the 0-10 scale"),
    TaskSpec("alpacaeval-2.0", JUDGED, DatasetRef("tatsu-lab/alpaca_eval",
             "alpaca_eval_gpt4_baseline", "eval", "alpaca_eval_gpt4_baseline/eval/*.parquet",
             branch=CONVERTED), _alpaca_eval, setting="0-shot",
             notes="raw win rate against the GPT-4 Turbo baseline; no length control"),
]  # fmt: skip


def register(registry: TaskRegistry) -> None:
    registry.register_family(JudgedFamily())
    register_all(registry, SPECS, __name__)
