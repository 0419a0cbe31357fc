"""Stand-in OpenAI-compatible chat-completions server for benchmark runs.

It knows the task's items, recognises the question at the start of the last
user message, and answers correctly with probability `p_correct` (decided per
item from a hash, so a retry gets the same answer, as at temperature 0), in
varied reply shapes. It can be slow, answer 429 with Retry-After or 500, send
unparseable replies, and serve a fixed number of requests at a time (`slots`).

Run alone (the bench does this):
    python -m hypewatch.standins.openai_bench TASK.jsonl [--latency S] ...
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import random
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypewatch.standins.bench_replies import exact_reply, ifeval_reply, judged_reply, math_reply
from hypewatch.standins.http import Standin, StandinHandler, serve
from hypewatch.verifiers.benchmark.tasks import TaskItem, choice_letter, load_task

_KEY_CHARS = 16


@dataclass
class Behaviour:
    p_correct: float = 0.8
    p_by_family: dict[str, float] = field(default_factory=dict)  # TaskItem.family -> p
    latency: float = 0.0
    slow_p: float = 0.0
    slow_seconds: float = 0.3
    p_429: float = 0.0
    p_500: float = 0.0
    retry_after: str = "0"
    p_garbage: float = 0.0
    script: list[int] = field(default_factory=list)  # statuses for the first requests
    slots: int = 0  # 0: unlimited
    api_key: str | None = None
    model: str = "stand-in-model"
    seed: int = 0


def _uniform(*parts: object) -> float:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _mc_reply(letter: str, text: str, shape: int) -> str:
    return [
        f"The answer is ({letter}).",
        f"Answer: {letter}",
        f"{letter}) {text}",
        f"**{letter}**",
        f"Let's think step by step. Weighing the options carefully, the answer is {letter}.",
        text,
    ][shape % 6]


def _num_reply(number: str, shape: int) -> str:
    return [
        f"#### {number}",
        f"The answer is {number}.",
        f"First we add the parts, then we subtract.\nSo the result is {number}.\n#### {number}",
        f"\\boxed{{{number}}}",
        f"Answer: {number}",
    ][shape % 5]


def reply_for(item: TaskItem, behaviour: Behaviour) -> str:
    roll = _uniform(behaviour.seed, "correct", item.id)
    shape = int(_uniform(behaviour.seed, "shape", item.id) * 1000)
    if _uniform(behaviour.seed, "garbage", item.id) < behaviour.p_garbage:
        return "I'm sorry, I can't determine that from the information given."
    correct = roll < behaviour.p_by_family.get(item.family, behaviour.p_correct)
    if item.family == "math":
        return math_reply(item, correct, shape)
    if item.family == "exact_match":
        return exact_reply(item, correct, shape)
    if item.family == "instruction_following":
        return ifeval_reply(item, correct)
    if item.family == "judged":
        return judged_reply(item, correct)
    if item.is_multiple_choice:
        index = int(item.answer) if correct else (int(item.answer) + 1 + shape) % len(item.choices)
        if index == item.answer and not correct:
            index = (index + 1) % len(item.choices)
        return _mc_reply(choice_letter(index), item.choices[index], shape)
    number = int(str(item.answer).replace(",", "").split(".")[0])
    return _num_reply(str(number if correct else number + 1 + shape % 7), shape)


@dataclass(frozen=True)
class Reply:
    """What the stand-in answers to one request; both servers (threaded, asyncio) send it.

    `delay` is slept while holding one of the `slots` (model latency); error
    replies have no delay and take no slot.
    """

    status: int
    document: Any
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"error": {"message": message, "type": "standin"}}, headers or {})


def _scripted_status(state: dict[str, Any], behaviour: Behaviour) -> int | None:
    with state["lock"]:
        count: int = state.get("served", 0) + 1
        state["served"] = count
        rng: random.Random = state["rng"]
        roll = rng.random()
    if count <= len(behaviour.script):
        return behaviour.script[count - 1]
    if roll < behaviour.p_429:
        return 429
    if roll < behaviour.p_429 + behaviour.p_500:
        return 500
    return None


def plan_reply(state: dict[str, Any], path: str, authorization: str | None, body: bytes) -> Reply:
    """The reply to `POST path` with `body` (the whole chat-completions behaviour)."""
    behaviour: Behaviour = state["behaviour"]
    if not path.rstrip("/").endswith("/chat/completions"):
        return _error(404, f"no route {path}")
    if behaviour.api_key and authorization != f"Bearer {behaviour.api_key}":
        return _error(401, "invalid api key")
    status = _scripted_status(state, behaviour)
    if status is not None:
        return _error(status, "try again", {"Retry-After": behaviour.retry_after})
    try:
        request = json.loads(body)
    except ValueError:
        return _error(400, "the body is not JSON")
    if request.get("model") != behaviour.model:
        return _error(404, f"model {request.get('model')!r} not found")
    content = str(request["messages"][-1]["content"])
    item = find_item(state["by_key"], content)
    delay = behaviour.latency
    if item is not None and _uniform(behaviour.seed, "slow", item.id) < behaviour.slow_p:
        delay += behaviour.slow_seconds
    text = "I do not recognise this question." if item is None else reply_for(item, behaviour)
    return Reply(200, completion_document(text, request, behaviour), delay=delay)


def completion_document(text: str, request: dict[str, Any], behaviour: Behaviour) -> Any:
    words = sum(len(str(m.get("content", "")).split()) for m in request["messages"])
    return {
        "id": "chatcmpl-standin",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": behaviour.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": words,
            "completion_tokens": len(text.split()),
            "total_tokens": words + len(text.split()),
        },
    }


class OpenAIBenchHandler(StandinHandler):
    def handle(self) -> None:
        # A run that has decided cancels its requests in flight; that is not an error here.
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            super().handle()

    def do_POST(self) -> None:
        body = self.read_body()
        reply = plan_reply(self.state, self.path, self.headers.get("Authorization"), body)
        slots: threading.Semaphore | None = self.state.get("slots")
        if reply.status == 200 and slots is not None:
            with slots:
                self._send(reply)
        else:
            self._send(reply)

    def _send(self, reply: Reply) -> None:
        if reply.delay:
            time.sleep(reply.delay)
        try:
            self.send_json(reply.status, reply.document, reply.headers)
        except (BrokenPipeError, ConnectionResetError):
            return  # the client cancelled the request (the run had decided)


def find_item(by_key: dict[str, list[TaskItem]], content: str) -> TaskItem | None:
    """The item whose question the message starts with (the longest, if several)."""
    candidates = by_key.get(content[:_KEY_CHARS], []) + by_key.get("", [])
    matching = [item for item in candidates if content.startswith(item.question)]
    return max(matching, key=lambda item: len(item.question), default=None)


def _index(items: list[TaskItem]) -> dict[str, list[TaskItem]]:
    by_key: dict[str, list[TaskItem]] = {}
    for item in items:
        key = item.question[:_KEY_CHARS] if len(item.question) >= _KEY_CHARS else ""
        by_key.setdefault(key, []).append(item)
    return by_key


def standin_state(items: list[TaskItem], behaviour: Behaviour) -> dict[str, Any]:
    """The server state: items keyed by the start of their question."""
    return {
        "behaviour": behaviour,
        "by_key": _index(items),
        "rng": random.Random(behaviour.seed),
        "lock": threading.Lock(),
        "slots": threading.Semaphore(behaviour.slots) if behaviour.slots else None,
    }


@contextmanager
def serve_bench(items: list[TaskItem], behaviour: Behaviour) -> Iterator[Standin]:
    """The stand-in running on 127.0.0.1 for the duration of the block."""
    with serve(OpenAIBenchHandler, **standin_state(items, behaviour)) as standin:
        yield standin


def parse_args(argv: list[str] | None, description: str) -> tuple[list[TaskItem], Behaviour]:
    """The command line both stand-in servers take: TASK.jsonl and the behaviour."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("task", type=Path)
    parser.add_argument("--p-correct", type=float, default=0.8)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--slots", type=int, default=0)
    parser.add_argument("--model", default="stand-in-model")
    args = parser.parse_args(argv)
    behaviour = Behaviour(
        p_correct=args.p_correct, latency=args.latency, slots=args.slots, model=args.model
    )
    return load_task(args.task), behaviour


def main(argv: list[str] | None = None) -> None:
    items, behaviour = parse_args(argv, __doc__ or "")
    with serve_bench(items, behaviour) as standin:
        sys.stdout.write(standin.url + "\n")
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            sys.stdin.read()  # run until stdin closes


if __name__ == "__main__":
    main()
