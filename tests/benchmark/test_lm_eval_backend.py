"""Importing lm-evaluation-harness per-sample logs into the same verdict machinery."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hypewatch.cli import app
from hypewatch.errors import EXIT_INPUT, EXIT_USAGE
from hypewatch.verifiers.benchmark import lm_eval_backend as backend
from hypewatch.verifiers.benchmark.runner import RunPlan


def write_samples(
    path: Path, accuracy: float, n: int, metric: str, *, filters: bool, invalid: float = 0.0
) -> Path:
    """A samples file in lm-eval's --log_samples shape; for gsm8k-style tasks each document is
    logged once per filter (strict-match and flexible-extract)."""
    rng = random.Random(5)
    lines = []
    for doc_id in range(n):
        correct = rng.random() < accuracy
        unread = invalid > 0 and rng.random() < invalid
        for flt in ("strict-match", "flexible-extract") if filters else ("none",):
            score = float(correct and not unread) if flt != "flexible-extract" else 1.0
            lines.append(
                json.dumps(
                    {
                        "doc_id": doc_id,
                        "doc": {"question": f"q{doc_id}", "answer": "#### 42"},
                        "target": "42",
                        "arguments": [["prompt", {"until": ["\n\n"]}]],
                        "resps": [["The answer is 42."]],
                        "filtered_resps": ["[invalid]" if unread else "42" if correct else "41"],
                        "filter": flt,
                        "metrics": [metric],
                        "doc_hash": "x",
                        "prompt_hash": "y",
                        "target_hash": "z",
                        metric: score,
                    }
                )
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_exact_match_task_fails_an_overclaim(tmp_path: Path) -> None:
    path = write_samples(tmp_path / "samples_gsm8k_2026.jsonl", 0.79, 1319, "exact_match",
                         filters=True)  # fmt: skip
    samples = backend.read_samples(path)
    assert len(samples) == 1319  # one outcome per document: the strict-match filter's
    assert {s.filter for s in samples} == {"strict-match"}
    result = backend.result_from_samples(samples, RunPlan(claimed=89.9), "gsm8k")
    assert result.verdict == "failed"
    assert result.stopped_early
    assert result.n < 400
    assert result.ci_high < 89.9 - 2
    assert len(result.records) == result.n
    assert result.records[0].rule == "lm-eval exact_match"


def test_acc_task_replicates_a_fair_claim(tmp_path: Path) -> None:
    path = write_samples(tmp_path / "samples_arc_challenge_1.jsonl", 0.93, 1172, "acc",
                         filters=False)  # fmt: skip
    result = backend.result_from_samples(
        backend.read_samples(path), RunPlan(claimed=90.0, max_items=2000), "arc_challenge"
    )
    assert result.verdict == "replicated"
    assert result.ci_low >= 88.0


def test_malformed_samples_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "samples_x_1.jsonl"
    path.write_text('{"doc_id": 0, "acc": 1}\nnot json\n', encoding="utf-8")
    with pytest.raises(backend.SamplesError, match=r"samples_x_1\.jsonl:2: not JSON"):
        backend.read_samples(path)
    path.write_text('{"doc_id": 0, "resps": []}\n', encoding="utf-8")
    with pytest.raises(backend.SamplesError, match="no per-sample metric"):
        backend.read_samples(path)


def test_cli_judges_a_samples_file(tmp_path: Path) -> None:
    path = write_samples(tmp_path / "samples_gsm8k_2026-11-28T10-00-00.jsonl", 0.79, 1319,
                         "exact_match", filters=True)  # fmt: skip
    runner = CliRunner()
    result = runner.invoke(
        app, ["bench", "--lm-eval-samples", str(path), "--claim", "89.9", "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) >= {"task", "n", "correct", "accuracy", "ci_low", "ci_high", "claimed",
                        "tolerance", "verdict", "stopped_early", "requests", "seconds"}  # fmt: skip
    assert (doc["task"], doc["verdict"], doc["requests"]) == ("gsm8k", "failed", 0)
    bad = tmp_path / "samples_y_1.jsonl"
    bad.write_text("{}\n", encoding="utf-8")
    broken = runner.invoke(app, ["bench", "--lm-eval-samples", str(bad), "--claim", "50"])
    assert broken.exit_code == EXIT_INPUT
    incomplete = runner.invoke(app, ["bench", "--claim", "50", "--model", "m"])
    assert incomplete.exit_code == EXIT_USAGE


def test_command_and_missing_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    command = backend.lm_eval_command(
        "http://127.0.0.1:8000/v1", "m", "gsm8k", tmp_path, limit=200, concurrency=8
    )
    assert command[:3] == ["lm_eval", "--model", "local-chat-completions"]
    assert "base_url=http://127.0.0.1:8000/v1/chat/completions,model=m,num_concurrent=8" in command
    assert {"--log_samples", "--apply_chat_template"} <= set(command)
    monkeypatch.setattr(backend.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(backend.SamplesError, match="not installed"):
        backend.run_lm_eval("http://127.0.0.1:8000/v1", "m", "gsm8k", tmp_path, limit=1,
                            concurrency=1)  # fmt: skip


def test_cli_uses_every_imported_sample_by_default(tmp_path: Path) -> None:
    """Imported answers cost nothing, so max_items (500 by default) does not cap them."""
    path = write_samples(tmp_path / "samples_arc_challenge_1.jsonl", 0.93, 1500, "acc",
                         filters=False)  # fmt: skip
    result = CliRunner().invoke(
        app, ["bench", "--lm-eval-samples", str(path), "--claim", "91", "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["verdict"] == "replicated"
    assert doc["n"] > 500


def test_answers_lm_eval_could_not_find_are_unread_not_wrong(tmp_path: Path) -> None:
    # 95 % right, but a third of the replies had no "#### N" line: lm-eval scores them 0.
    path = write_samples(tmp_path / "samples_gsm8k_x.jsonl", 0.95, 600, "exact_match",
                         filters=True, invalid=0.35)  # fmt: skip
    samples = backend.read_samples(path)
    plan = RunPlan(claimed=89.9, max_items=300)
    result = backend.result_from_samples(samples, plan, "gsm8k")
    assert result.verdict == "inconclusive"  # scored 0 they would have failed it
    assert result.unread > 60
    assert result.unread_note == f"{result.unread} of {result.n} replies could not be read"
    assert sorted(result.unparseable) == sorted(
        r.item_id for r in result.records if r.parsed is None
    )
    assert result.read + result.unread == result.n
