"""What a stand-in model answers to a code item: a right or a wrong completion, in varied shapes.

Right answers are the dataset's canonical solution (for HumanEval: as the whole
function in a fenced block, as a bare body continuing the prompt, or with a
sentence around the block); wrong ones keep the signature and return None,
which fails the tests of every bundled problem (the golden file checks that).
"""

from __future__ import annotations

from hypewatch.verifiers.benchmark.code_exec import CodeProblem


def _signature(problem: CodeProblem) -> str:
    """HumanEval: the prompt (signature and docstring); MBPP: a def taking any arguments."""
    if problem.style == "humaneval":
        return problem.prompt
    return f"def {problem.entry_point}(*args):\n"


def code_reply(problem: CodeProblem, correct: bool, shape: int) -> str:
    """A completion for `problem`: the canonical solution if `correct`, else a wrong one."""
    if problem.style == "humaneval":
        body = problem.canonical if correct else "    return None\n"
        whole = problem.prompt + body
        return [
            f"```python\n{whole}```",
            body,
            f"Here is the implementation:\n\n```python\n{whole}```\n\nIt handles the edge cases.",
        ][shape % 3]
    code = problem.canonical if correct else _signature(problem) + "    return None\n"
    return [f"```python\n{code}\n```", f"Sure.\n```py\n{code}\n```\nDone."][shape % 2]
