"""Judged tasks: MT-Bench (HuggingFaceH4/mt_bench_prompts: prompt, prompt_id, category,
reference), AlpacaEval 2 (tatsu-lab/alpaca_eval, alpaca_eval_gpt4_baseline: instruction,
output, generator, dataset), AlpacaEval 1 (the same repo's `alpaca_eval` config, whose
outputs are text-davinci-003's, AlpacaEval 1.0's baseline) and SimpleQA
(basicv8vc/SimpleQA, the simple-evals test set as a CSV: problem, answer, metadata)."""

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


def _simpleqa(row: Row, index: int) -> TaskItem:
    problem, target = str(row["problem"]).strip(), str(row["answer"]).strip()
    if not problem or not target:
        raise TaskFormatError("empty problem or answer")
    return TaskItem(str(index), problem, target, family=JUDGED, extra={"mode": "graded"})


SPECS = [
    TaskSpec("mt-bench", JUDGED, DatasetRef("HuggingFaceH4/mt_bench_prompts", "default",
             "train", "data/train-*.parquet"), _mt_bench, setting="0-shot", claim_scale=10.0,
             notes="first turn graded 1-10 by the judge; claims on the 0-10 scale"),
    TaskSpec("alpacaeval-2.0", JUDGED, DatasetRef("tatsu-lab/alpaca_eval",
             "alpaca_eval_gpt4_baseline", "eval", "alpaca_eval_gpt4_baseline/eval/*.parquet",
             branch=CONVERTED), _alpaca_eval, setting="0-shot",
             notes="raw win rate against the GPT-4 Turbo baseline; no length control"),
    TaskSpec("alpacaeval", JUDGED, DatasetRef("tatsu-lab/alpaca_eval", "alpaca_eval", "eval",
             "alpaca_eval/eval/*.parquet", branch=CONVERTED), _alpaca_eval, setting="0-shot",
             notes="AlpacaEval 1.0: raw win rate against text-davinci-003's outputs"),
    TaskSpec("simpleqa", JUDGED, DatasetRef("basicv8vc/SimpleQA", "default", "test",
             "default/test/*.parquet", branch=CONVERTED), _simpleqa, setting="0-shot",
             notes="the judge grades correct / incorrect / not attempted; the correct share"),
]  # fmt: skip


def register(registry: TaskRegistry) -> None:
    registry.register_family(JudgedFamily())
    register_all(registry, SPECS, __name__)
