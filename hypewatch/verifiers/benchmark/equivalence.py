"""Mathematical answer equivalence: math-verify, run in a worker process with a time limit.

`math_verify.parse` reads the final answer from a reply (the last `\\boxed{}`,
"final answer is $...$", a plain expression) and `math_verify.verify` decides
symbolic and numeric equivalence (`\\frac12` = `0.5` = `1/2`, intervals,
sets, matrices, equations); the comparison itself is
`answers.answers_equivalent`, the project's one equivalence check.

Replies are hostile input: sympy can spend unbounded time on an answer like
`9^{9^{9^{9}}}`, and math-verify's own timeout uses `signal.alarm`, which
works only in the main thread. So checks run in one worker process (a fresh
interpreter running this module, `python -m ...equivalence`, talking JSON lines
over its stdin/stdout: nothing of the parent's state or main module is
inherited); a check that takes longer than `timeout` seconds kills the worker,
is scored wrong with that reason, and the next check starts a new worker.
Reply text is capped before it is sent.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import threading
from dataclasses import asdict, dataclass
from types import TracebackType
from typing import IO

MAX_REPLY_CHARS = 8_000
MAX_GOLD_CHARS = 2_000
DEFAULT_TIMEOUT = 10.0
#: Starting the worker (importing sympy) is not charged to any item's time limit.
STARTUP_TIMEOUT = 120.0


@dataclass(frozen=True)
class MathCheck:
    """`correct`, the answer read from the reply (None: none found), and why."""

    correct: bool
    parsed: str | None
    rule: str


def _answer_text(parsed: list[object]) -> str | None:
    # math-verify returns [sympy object, ..., the matched string]; the string is last
    strings = [p for p in parsed if isinstance(p, str)]
    return strings[-1][:200] if strings else (str(parsed[0])[:200] if parsed else None)


def check_answer(gold: str, reply: str) -> MathCheck:
    """Is `reply`'s final answer equivalent to `gold` (a LaTeX expression)? math-verify
    reads the answer (last `\\boxed{}`, "final answer is $X$", an expression), then
    `answers.answers_equivalent` (the one equivalence check) compares it. In-process:
    call it through `MathChecker` for untrusted replies."""
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse

    from hypewatch.verifiers.benchmark.answers import answers_equivalent

    configs = [LatexExtractionConfig(boxed_match_priority=0), ExprExtractionConfig()]
    found = parse(reply[-MAX_REPLY_CHARS:], extraction_config=configs, parsing_timeout=None)
    answer = _answer_text(found) if found else None
    if answer is None:
        return MathCheck(False, None, "unparseable")
    return MathCheck(answers_equivalent(answer, gold[:MAX_GOLD_CHARS]), answer, "math_verify")


class MathChecker:
    """A worker process for `check_answer` with a per-check time limit (see module doc)."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout
        self._worker: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen[bytes]:
        if self._worker is None or self._worker.poll() is not None:
            self._worker = subprocess.Popen(  # noqa: S603 (our own module, no shell)
                [sys.executable, "-m", __name__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            assert self._worker.stdout is not None
            if _read_line(self._worker.stdout, STARTUP_TIMEOUT) is None:
                self.close()
                raise OSError("the math checker did not start")
        return self._worker

    def check(self, gold: str, reply: str) -> MathCheck:
        """Blocking; one check at a time (the worker answers in order)."""
        with self._lock:
            try:
                worker = self._start()
            except OSError as error:
                return MathCheck(False, None, f"check_error ({error})")
            request = {"gold": gold[:MAX_GOLD_CHARS], "reply": reply[-MAX_REPLY_CHARS:]}
            assert worker.stdin is not None
            assert worker.stdout is not None
            try:
                worker.stdin.write(json.dumps(request).encode() + b"\n")
                worker.stdin.flush()
            except OSError:
                self.close()
                return MathCheck(False, None, "check_error (the checker stopped)")
            line = _read_line(worker.stdout, self.timeout)
            if line is None:
                self.close()
                return MathCheck(False, None, f"check_timeout ({self.timeout:g} s)")
            try:
                answer = json.loads(line)
                return MathCheck(bool(answer["correct"]), answer["parsed"], str(answer["rule"]))
            except (ValueError, KeyError, TypeError):
                self.close()
                return MathCheck(False, None, "check_error (unreadable checker reply)")

    def close(self) -> None:
        if self._worker is not None:
            self._worker.kill()
            self._worker.wait()
            for stream in (self._worker.stdin, self._worker.stdout):
                if stream is not None:
                    stream.close()
            self._worker = None

    def __enter__(self) -> MathChecker:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _read_line(stream: IO[bytes], timeout: float) -> bytes | None:
    ready, _, _ = select.select([stream], [], [], timeout)
    if not ready:
        return None
    line = stream.readline()
    return line or None


def serve(lines: IO[str], out: IO[str]) -> None:
    """The worker loop: a ready line once warm, then one JSON answer per JSON request line."""
    check_answer("1", "1")  # import and warm math-verify before the first timed check
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in lines:
        try:
            request = json.loads(line)
            result = check_answer(str(request["gold"]), str(request["reply"]))
        except Exception as error:  # sympy / math-verify raised on odd input
            result = MathCheck(False, None, f"check_error ({type(error).__name__})")
        out.write(json.dumps(asdict(result)) + "\n")
        out.flush()


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
