"""Mathematical answer equivalence: math-verify, run in a worker process with a time limit.

`math_verify.parse` reads the final answer from a reply (the last `\\boxed{}`,
"final answer is $...$", a plain expression) and `math_verify.verify` decides
symbolic and numeric equivalence (`\\frac12` = `0.5` = `1/2`, intervals,
sets, matrices, equations). It is the one mathematical equivalence in
hypewatch; numeric answers compared as decimals (`answers.is_correct`) need
nothing heavier.

Replies are hostile input: sympy can spend unbounded time on an answer like
`9^{9^{9^{9}}}`, and math-verify's own timeout uses `signal.alarm`, which
works only in the main thread. So checks run in one worker process (spawned,
so no lock or thread state is inherited); a check that takes longer than
`timeout` seconds kills the worker, is scored wrong with that reason, and the
next check starts a new worker. Reply text is capped before it is sent.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import threading
from dataclasses import dataclass
from types import TracebackType

MAX_REPLY_CHARS = 8_000
MAX_GOLD_CHARS = 2_000
DEFAULT_TIMEOUT = 10.0


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
    """Is `reply`'s final answer equivalent to `gold` (a LaTeX expression)? In-process,
    without a time limit: call it through `MathChecker` for untrusted replies."""
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify

    configs = [LatexExtractionConfig(boxed_match_priority=0), ExprExtractionConfig()]
    gold_parsed = parse(f"\\boxed{{{gold[:MAX_GOLD_CHARS]}}}", parsing_timeout=None)
    if not gold_parsed:
        return MathCheck(False, None, "gold_unparseable")
    answer = parse(reply[-MAX_REPLY_CHARS:], extraction_config=configs, parsing_timeout=None)
    if not answer:
        return MathCheck(False, None, "unparseable")
    correct = bool(verify(gold_parsed, answer, timeout_seconds=None))
    return MathCheck(correct, _answer_text(answer), "math_verify")


def _warm() -> bool:
    check_answer("1", "1")
    return True


class MathChecker:
    """A worker process for `check_answer` with a per-check time limit (see module doc)."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout
        self._pool: multiprocessing.pool.Pool | None = None
        self._lock = threading.Lock()

    def _worker(self) -> multiprocessing.pool.Pool:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = context.Pool(processes=1, maxtasksperchild=None)
            self._pool.apply(_warm)  # import sympy once, outside any item's time limit
        return self._pool

    def check(self, gold: str, reply: str) -> MathCheck:
        """Blocking; one check at a time (the worker is single-threaded anyway)."""
        with self._lock:
            pool = self._worker()
            pending = pool.apply_async(check_answer, (gold, reply[-MAX_REPLY_CHARS:]))
            try:
                return pending.get(self.timeout)
            except multiprocessing.TimeoutError:
                self.close()
                return MathCheck(False, None, f"check_timeout ({self.timeout:g} s)")
            except Exception as error:  # math-verify / sympy raised on odd input
                return MathCheck(False, None, f"check_error ({type(error).__name__})")

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> MathChecker:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
