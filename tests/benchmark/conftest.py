from __future__ import annotations

import json
import random
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from hypewatch.net import NetConfig
from hypewatch.standins.http import Standin
from hypewatch.standins.openai_bench import Behaviour, serve_bench
from hypewatch.verifiers.benchmark.tasks import TaskItem, parse_lines

MODEL = "stand-in-model"


def make_rows(count: int, seed: int = 0, numeric_every: int = 3) -> list[dict[str, Any]]:
    """Generated items: mostly 4-way multiple choice, every `numeric_every`-th numeric."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for i in range(count):
        if numeric_every and i % numeric_every == 0:
            a, b = rng.randrange(10, 999), rng.randrange(10, 999)
            rows.append(
                {"id": f"n{i}", "question": f"Item {i}: what is {a} + {b}?", "answer": str(a + b)}
            )
        else:
            choices = [f"option {j} of item {i}" for j in range(4)]
            rows.append(
                {
                    "id": f"m{i}",
                    "question": f"Item {i}: which option is right?",
                    "choices": choices,
                    "answer": rng.randrange(4),
                }
            )
    return rows


def write_task(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture
def items() -> list[TaskItem]:
    return parse_lines([json.dumps(row) for row in make_rows(600)], "generated")


@pytest.fixture
def net() -> NetConfig:
    return NetConfig(allow_private=True, backoff_base=0.001, retries=4, retry_max_wait=5.0)


@pytest.fixture
def standin(items: list[TaskItem]) -> Callable[..., AbstractContextManager[Standin]]:
    """Start the stand-in for `items` with some behaviour: `with standin(p_correct=.5) as s:`."""

    def start(**behaviour: Any) -> AbstractContextManager[Standin]:
        return serve_bench(items, Behaviour(model=MODEL, **behaviour))

    return start
