from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hypewatch.cli import app
from hypewatch.errors import EXIT_CONFIG, EXIT_INPUT, EXIT_NETWORK
from hypewatch.standins.openai_bench import Behaviour, serve_bench
from hypewatch.verifiers.benchmark.tasks import parse_lines
from tests.benchmark.conftest import MODEL, make_rows, write_task

KEYS = {
    "task",
    "n",
    "correct",
    "accuracy",
    "ci_low",
    "ci_high",
    "claimed",
    "tolerance",
    "verdict",
    "stopped_early",
    "requests",
    "seconds",
    # issue 22: how the replies were read
    "read",
    "unread",
    "read_by_rule",
    "reasked",
    "reasked_read",
    "retried_truncated",
    "unread_note",
}


@pytest.fixture
def task(tmp_path: Path) -> Path:
    return write_task(tmp_path / "mini.jsonl", make_rows(500, seed=4))


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--db", "/nonexistent/ignored.db", "bench", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_json_contract_and_early_failure(task: Path) -> None:
    items = parse_lines(task.read_text().splitlines(), "t")
    with serve_bench(items, Behaviour(p_correct=0.7, model=MODEL)) as server:
        code, out, _ = invoke(
            "--endpoint",
            server.url + "/v1",
            "--model",
            MODEL,
            "--task",
            str(task),
            "--claim",
            "89.9",
            "--allow-private",
            "--json",
            "--concurrency",
            "4",
        )
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == KEYS
    assert doc["verdict"] == "failed"
    assert doc["stopped_early"] is True
    assert doc["task"] == "mini"
    assert doc["claimed"] == 89.9
    assert doc["tolerance"] == 2.0
    assert doc["ci_high"] < 87.9
    assert doc["ci_low"] <= doc["accuracy"] <= doc["ci_high"]
    assert doc["correct"] <= doc["n"] < 500
    assert doc["requests"] >= doc["n"]
    assert doc["read"] + doc["unread"] == doc["n"]
    assert sum(doc["read_by_rule"].values()) == doc["read"]


def test_tolerance_and_max_items_and_human_output(task: Path) -> None:
    items = parse_lines(task.read_text().splitlines(), "t")
    with serve_bench(items, Behaviour(p_correct=0.8, model=MODEL)) as server:
        base = ["--endpoint", server.url, "--model", MODEL, "--task", str(task), "--allow-private"]
        code, out, _ = invoke(
            *base, "--claim", "82", "--tolerance", "1", "--max-items", "30", "--json"
        )
        human_code, human, _ = invoke(*base, "--claim", "82", "--max-items", "30")
    doc = json.loads(out)
    assert code == 0
    assert doc["n"] == 30
    assert doc["verdict"] == "inconclusive"
    assert doc["tolerance"] == 1.0
    assert doc["stopped_early"] is False
    assert human_code == 0
    assert "inconclusive" in human
    assert "30 items" in human


def test_loopback_without_allow_private_sends_nothing(task: Path) -> None:
    items = parse_lines(task.read_text().splitlines(), "t")
    with serve_bench(items, Behaviour(model=MODEL)) as server:
        code, _, err = invoke(
            "--endpoint",
            server.url + "/v1",
            "--model",
            MODEL,
            "--task",
            str(task),
            "--claim",
            "80",
            "--json",
        )
        assert server.requests == []
    assert code == EXIT_NETWORK
    assert "--allow-private" in err


def test_bad_task_file_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "Q", "answer": "1"}\n{"id": "b"}\n', encoding="utf-8")
    code, _, err = invoke(
        "--endpoint",
        "http://127.0.0.1:9/v1",
        "--model",
        MODEL,
        "--task",
        str(bad),
        "--claim",
        "80",
        "--allow-private",
    )
    assert code == EXIT_INPUT
    assert "bad.jsonl:2" in " ".join(err.split())


def test_api_key_from_environment(task: Path) -> None:
    items = parse_lines(task.read_text().splitlines(), "t")
    args = [
        "--model",
        MODEL,
        "--task",
        str(task),
        "--claim",
        "50",
        "--allow-private",
        "--max-items",
        "3",
        "--json",
        "--api-key-env",
        "BENCH_TEST_KEY",
    ]
    with serve_bench(items, Behaviour(model=MODEL, api_key="sk-test")) as server:
        missing, _, err = invoke("--endpoint", server.url, *args, env={"BENCH_TEST_KEY": ""})
        ok, out, _ = invoke("--endpoint", server.url, *args, env={"BENCH_TEST_KEY": "sk-test"})
    assert missing == EXIT_CONFIG
    assert "BENCH_TEST_KEY" in err
    assert "sk-test" not in err
    assert ok == 0
    assert json.loads(out)["n"] == 3
    assert server.requests[-1].headers["Authorization"] == "Bearer sk-test"


def test_claim_must_be_a_percentage(task: Path) -> None:
    code, _, _ = invoke(
        "--endpoint", "http://h/v1", "--model", MODEL, "--task", str(task), "--claim", "150"
    )
    assert code == 2
