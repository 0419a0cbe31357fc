"""Stand-in OpenAI-compatible chat-completions server for benchmark runs.

It knows the task's items, recognises the question at the start of the last
user message that holds one, and answers correctly with probability
`p_correct` (decided per item from a hash, so a retry gets the same answer, as
at temperature 0), in varied reply shapes. It can be slow, answer 429 with
Retry-After or 500, send unparseable replies, and serve a fixed number of
requests at a time (`slots`).

Like real models it can phrase replies loosely (`p_loose`: "Therefore, B is
correct.", "答案是 B", some that no extractor reads), think first (`reasoning`:
a `<think>` block in the content, or a separate `reasoning_content` as vLLM
and DeepSeek send), think for longer than `max_tokens` allows (`p_long`: the
reply is cut, `finish_reason: length`), and answer a follow-up turn with the
answer alone (as JSON when the request carries a `response_format` JSON
schema; `structured=False` answers that with HTTP 400, as servers without
structured output do). `p_stubborn` items stay vague even when re-asked.

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
from hypewatch.standins.code_replies import code_reply
from hypewatch.standins.http import Standin, StandinHandler, serve
from hypewatch.verifiers.benchmark.code_exec import CodeProblem
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
    p_loose: float = 0.0
    p_stubborn: float = 0.0
    reasoning: str = ""  # "", "tagged" or "separate"
    p_long: float = 0.0
    long_tokens: int = 700
    structured: bool = True
    fail_after: int = 0  # > 0: every request after this many answers 503 (a dying server)


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


#: Loose phrasings; {X} the letter, {T} its text, {Y} another letter. The last three
#: are ones no extractor should read: only a re-ask gets an answer from them.
LOOSE_MC = (
    "Therefore, {X} is correct.",
    "I think it's {X}.",
    "So it comes to {T}, which corresponds to {X}.",
    "答案是 {X}",
    "La respuesta es ({X}).",
    "Die Antwort ist {X}.",
    "Well, it has to be {T}.",
    "Hmm, {X} is the one I'd go for, since the others don't fit.",
    "正解は {X} です",
    "Between {Y} and {X}, I'd rather take the latter.",
)
#: Loose numeric phrasings; {N} the number, {N2} twice it. The last one has no number.
LOOSE_NUM = (
    "The total comes to ${N}.",
    "{N} apples in all.",
    "答案是 {N}",
    "\\boxed{{\\frac{{{N2}}}{{2}}}}",
    "So x = {N}.",
    "Ответ: {N}",
    "That gives us {N}, unless I slipped somewhere.",
    "I get the same as before: the sum of both parts.",
)
VAGUE = "As I said, I'm fairly confident in my reasoning above."


def _roll(behaviour: Behaviour, what: str, item: TaskItem) -> float:
    return _uniform(behaviour.seed, what, item.id)


def is_correct(item: TaskItem, behaviour: Behaviour) -> bool:
    """Whether the stand-in answers `item` right (fixed per item, as at temperature 0)."""
    return _roll(behaviour, "correct", item) < behaviour.p_by_family.get(
        item.family, behaviour.p_correct
    )


def family_reply(item: TaskItem, behaviour: Behaviour, shape: int) -> str | None:
    """The reply for registry families other than multiple choice and numeric."""
    correct = is_correct(item, behaviour)
    if item.family == "math":
        return math_reply(item, correct, shape)
    if item.family == "exact_match":
        return exact_reply(item, correct, shape)
    if item.family == "instruction_following":
        return ifeval_reply(item, correct)
    if item.family == "judged":
        return judged_reply(item, correct)
    if item.family == "code":
        return code_reply(CodeProblem.from_extra(item.extra), correct, shape)
    return None


def answer_for(item: TaskItem, behaviour: Behaviour) -> tuple[str, str]:
    """(the answer the model gives: a letter or a number, the chosen option's text)."""
    correct = is_correct(item, behaviour)
    shape = int(_roll(behaviour, "shape", item) * 1000)
    if item.is_multiple_choice:
        index = int(item.answer) if correct else (int(item.answer) + 1 + shape) % len(item.choices)
        if index == item.answer and not correct:
            index = (index + 1) % len(item.choices)
        return choice_letter(index), item.choices[index]
    number = int(str(item.answer).replace(",", "").split(".")[0])
    return str(number if correct else number + 1 + shape % 7), ""


def reply_for(item: TaskItem, behaviour: Behaviour) -> str:
    """The reply proper (without reasoning) to the item's question."""
    shape = int(_roll(behaviour, "shape", item) * 1000)
    if _roll(behaviour, "garbage", item) < behaviour.p_garbage:
        return "I'm sorry, I can't determine that from the information given."
    special = family_reply(item, behaviour, shape)
    if special is not None:
        return special
    value, text = answer_for(item, behaviour)
    if _roll(behaviour, "loose", item) < behaviour.p_loose:
        if item.is_multiple_choice:
            other = choice_letter((ord(value) - ord("A") + 1) % len(item.choices))
            return LOOSE_MC[shape % len(LOOSE_MC)].format(X=value, T=text, Y=other)
        return LOOSE_NUM[shape % len(LOOSE_NUM)].format(N=value, N2=2 * int(value))
    if item.is_multiple_choice:
        return _mc_reply(value, text, shape)
    return _num_reply(value, shape)


def follow_up_for(item: TaskItem, behaviour: Behaviour, structured: bool) -> str:
    """The reply to a follow-up turn asking for the answer alone."""
    stubborn = _roll(behaviour, "stubborn", item) < behaviour.p_stubborn
    if stubborn or _roll(behaviour, "garbage", item) < behaviour.p_garbage:
        return VAGUE
    value = answer_for(item, behaviour)[0]
    return json.dumps({"answer": value}) if structured else value


def thoughts_for(item: TaskItem, behaviour: Behaviour) -> str:
    """The reasoning before the reply: a sentence, or `long_tokens` words for long items."""
    if _roll(behaviour, "long", item) < behaviour.p_long:
        return " ".join(["thinking"] * behaviour.long_tokens)
    return "Let me weigh each option against the question." if behaviour.reasoning else ""


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
    if behaviour.fail_after and count > behaviour.fail_after:
        return 503
    if count <= len(behaviour.script):
        return behaviour.script[count - 1]
    if roll < behaviour.p_429:
        return 429
    if roll < behaviour.p_429 + behaviour.p_500:
        return 500
    return None


def plan_models(state: dict[str, Any], path: str, authorization: str | None) -> Reply:
    """The reply to `GET path`: `/v1/models` lists the one model served (what a launcher
    polls for readiness), in the OpenAI list shape; anything else is a 404."""
    behaviour: Behaviour = state["behaviour"]
    if path.split("?")[0].rstrip("/") not in ("/v1/models", "/models"):
        return _error(404, f"no route {path}")
    if behaviour.api_key and authorization != f"Bearer {behaviour.api_key}":
        return _error(401, "invalid api key")
    model = {"id": behaviour.model, "object": "model", "created": 0, "owned_by": "stand-in"}
    return Reply(200, {"object": "list", "data": [model]})


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
    messages = request["messages"]
    item, follow_up = locate_item(state["by_key"], messages)
    schema = (request.get("response_format") or {}).get("type") == "json_schema"
    if schema and not behaviour.structured:
        return _error(400, "response_format of type 'json_schema' is not supported", {})
    delay = behaviour.latency
    if item is not None and _uniform(behaviour.seed, "slow", item.id) < behaviour.slow_p:
        delay += behaviour.slow_seconds
    if item is None:
        message = {"role": "assistant", "content": "I do not recognise this question."}
        return Reply(200, completion_document(message, "stop", request, behaviour), delay=delay)
    if follow_up:
        text = follow_up_for(item, behaviour, schema)
        message = {"role": "assistant", "content": text}
        return Reply(200, completion_document(message, "stop", request, behaviour), delay=delay)
    message, finish = _message(item, behaviour, request.get("max_tokens"))
    return Reply(200, completion_document(message, finish, request, behaviour), delay=delay)


def _message(item: TaskItem, behaviour: Behaviour, max_tokens: Any) -> tuple[dict[str, Any], str]:
    """The assistant message for the question, cut at `max_tokens` words if it is longer."""
    thoughts, reply = thoughts_for(item, behaviour), reply_for(item, behaviour)
    limit = max_tokens if isinstance(max_tokens, int) and max_tokens > 0 else None
    words = len(thoughts.split()) + len(reply.split())
    cut = limit is not None and words > limit
    if behaviour.reasoning == "separate":
        shown = "" if cut else reply
        thought = _cut(thoughts, limit)
        message = {"role": "assistant", "content": shown, "reasoning_content": thought}
        return message, "length" if cut else "stop"
    if behaviour.reasoning == "tagged":
        tagged = f"<think>{thoughts}</think>\n{reply}"
    else:
        tagged = f"{thoughts}\n{reply}" if thoughts else reply
    if cut:
        return {"role": "assistant", "content": _cut(tagged, limit)}, "length"
    return {"role": "assistant", "content": tagged}, "stop"


def _cut(text: str, limit: int | None) -> str:
    return " ".join(text.split()[: limit or None])


def locate_item(
    by_key: dict[str, list[TaskItem]], messages: list[dict[str, Any]]
) -> tuple[TaskItem | None, bool]:
    """(the item of the last user message holding a question, whether turns follow it)."""
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if message.get("role") != "user":
            continue
        item = find_item(by_key, str(message.get("content", "")))
        if item is not None:
            return item, index != len(messages) - 1
    return None, False


def completion_document(
    message: dict[str, Any], finish: str, request: dict[str, Any], behaviour: Behaviour
) -> Any:
    words = sum(len(str(m.get("content", "")).split()) for m in request["messages"])
    said = len(str(message.get("content", "")).split())
    said += len(str(message.get("reasoning_content", "")).split())
    return {
        "id": "chatcmpl-standin",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": behaviour.model,
        "choices": [
            {"index": 0, "message": message, "finish_reason": finish},
        ],
        "usage": {
            "prompt_tokens": words,
            "completion_tokens": said,
            "total_tokens": words + said,
        },
    }


class OpenAIBenchHandler(StandinHandler):
    def handle(self) -> None:
        # A run that has decided cancels its requests in flight; that is not an error here.
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            super().handle()

    def do_GET(self) -> None:
        self.read_body()
        self._send(plan_models(self.state, self.path, self.headers.get("Authorization")))

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
def serve_bench(items: list[TaskItem], behaviour: Behaviour, *, port: int = 0) -> Iterator[Standin]:
    """The stand-in running on 127.0.0.1 (`port`, default a free one) for the block."""
    with serve(OpenAIBenchHandler, port=port, **standin_state(items, behaviour)) as standin:
        yield standin


def parse_args(
    argv: list[str] | None, description: str
) -> tuple[list[TaskItem], Behaviour, Serving]:
    """The command line both stand-in servers take: TASK.jsonl, the behaviour, the port."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("task", type=Path)
    parser.add_argument("--p-correct", type=float, default=0.8)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--slots", type=int, default=0)
    parser.add_argument("--model", default="stand-in-model")
    parser.add_argument("--p-loose", type=float, default=0.0)
    parser.add_argument("--reasoning", choices=["", "tagged", "separate"], default="")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument(
        "--until-signal",
        action="store_true",
        help="serve until SIGTERM/SIGINT (as a launched server) instead of until stdin closes",
    )
    args = parser.parse_args(argv)
    behaviour = Behaviour(
        p_correct=args.p_correct,
        latency=args.latency,
        slots=args.slots,
        model=args.model,
        p_loose=args.p_loose,
        reasoning=args.reasoning,
        seed=args.seed,
    )
    return load_task(args.task), behaviour, Serving(args.port, args.until_signal)


@dataclass(frozen=True)
class Serving:
    """Where a stand-in run alone listens, and until when."""

    port: int = 0
    until_signal: bool = False

    def wait(self) -> None:
        """Block until stdin closes, or with `until_signal` until a signal ends the process
        (a launched server's stdin is /dev/null; SIGTERM's default action stops it)."""
        with contextlib.suppress(KeyboardInterrupt):
            if self.until_signal:
                threading.Event().wait()
            else:
                sys.stdin.read()


def main(argv: list[str] | None = None) -> None:
    items, behaviour, serving = parse_args(argv, __doc__ or "")
    with serve_bench(items, behaviour, port=serving.port) as standin:
        sys.stdout.write(standin.url + "\n")
        sys.stdout.flush()
        serving.wait()


if __name__ == "__main__":
    main()
