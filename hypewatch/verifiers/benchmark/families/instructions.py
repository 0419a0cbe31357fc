"""Instruction following (IFEval): the official verifiable-instruction checks.

Each item is a prompt with a list of instruction ids and their arguments
(`extra["instruction_id_list"]`, `extra["kwargs"]`, as in google/IFEval). The
prompt is sent as it is (IFEval is zero-shot). The reply is checked with the
official checks (vendored in `ifeval_official/`) in two ways, as the
benchmark defines them:

* strict: the reply as sent must follow every instruction;
* loose: it is enough that one of eight variants (the reply with its first
  line, its last line or both removed, each with and without `*`) follows
  each instruction.

A claim that says "strict" is measured on prompt-level strict accuracy;
otherwise on prompt-level loose accuracy, the upper bound (a model that fails
a claim on loose accuracy fails it on strict too). Both are in every score.
Arguments left empty in the dataset's rows are dropped before building a
check, as the reference implementation does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from hypewatch.verifiers.benchmark.families import Score, SimpleFamily
from hypewatch.verifiers.benchmark.prompts import Message, PromptSetting
from hypewatch.verifiers.benchmark.tasks import TaskFormatError, TaskItem


def _registry() -> Mapping[str, Any]:
    import langdetect

    from hypewatch.verifiers.benchmark.ifeval_official import instructions_registry

    langdetect.DetectorFactory.seed = 0  # the same language verdict on every run
    table: Mapping[str, Any] = instructions_registry.INSTRUCTION_DICT
    return table


def known_instructions() -> frozenset[str]:
    return frozenset(_registry())


def loose_variants(reply: str) -> list[str]:
    lines = reply.split("\n")
    first = "\n".join(lines[1:]).strip()
    last = "\n".join(lines[:-1]).strip()
    both = "\n".join(lines[1:-1]).strip()
    plain = [reply, first, last, both]
    return [
        *plain[:1],
        reply.replace("*", ""),
        *plain[1:],
        *(v.replace("*", "") for v in plain[1:]),
    ]


def _build(instruction_id: str, kwargs: Mapping[str, Any], prompt: str) -> Any:
    table = _registry()
    if instruction_id not in table:
        raise TaskFormatError(f"unknown IFEval instruction {instruction_id!r}")
    check = table[instruction_id](instruction_id)
    check.build_description(**{k: v for k, v in kwargs.items() if v})
    args = check.get_instruction_args()
    if args and "prompt" in args:
        check.build_description(prompt=prompt)
    return check


def follows(item: TaskItem, reply: str) -> tuple[list[bool], list[bool]]:
    """(strict, loose) per instruction of `item`, as the official evaluation decides."""
    ids: list[str] = list(item.extra["instruction_id_list"])
    kwargs: list[Mapping[str, Any]] = list(item.extra["kwargs"])
    variants = loose_variants(reply)
    strict: list[bool] = []
    loose: list[bool] = []
    for instruction_id, arguments in zip(ids, kwargs, strict=True):
        check = _build(instruction_id, arguments or {}, item.question)
        strict.append(bool(reply.strip() and check.check_following(reply)))
        loose.append(any(v.strip() and check.check_following(v) for v in variants))
    return strict, loose


class InstructionFollowing(SimpleFamily):
    name: ClassVar[str] = "instruction_following"
    description: ClassVar[str] = (
        "IFEval's verifiable instructions, official checks; prompt-level loose (or strict)"
    )

    def messages(
        self, item: TaskItem, setting: PromptSetting, exemplars: list[TaskItem]
    ) -> list[Message]:
        return [{"role": "user", "content": item.question}]

    def expected(self, item: TaskItem) -> str:
        return "follow: " + ", ".join(item.extra["instruction_id_list"])

    async def score(self, reply: str, item: TaskItem) -> Score:
        strict, loose = follows(item, reply)
        missed = [
            i for i, ok in zip(item.extra["instruction_id_list"], strict, strict=True) if not ok
        ]
        values = {"strict": float(all(strict)), "loose": float(all(loose))}
        detail = "not followed (strict): " + ", ".join(missed) if missed else ""
        rule = f"strict {sum(strict)}/{len(strict)}, loose {sum(loose)}/{len(loose)}"
        parsed = f"followed {sum(loose)} of {len(loose)} (loose)"  # every reply can be read
        return Score(values["loose"], parsed, rule, detail, values)
