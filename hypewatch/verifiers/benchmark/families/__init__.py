"""Scorer families: how a benchmark's items are prompted and how a reply is scored.

A *family* (multiple choice, math, instruction following, exact match, judged,
code execution, ...) owns everything that depends on the kind of answer, and
nothing that depends on one dataset (columns, splits: those are the catalog's,
see `registry.py`). The contract:

* `unavailable(env)` says why the family cannot run here (no sandbox, no judge
  configured), or None;
* `scorer(env)` opens what scoring needs for one run (a sandbox pool, a judge
  client) and yields a `Scorer`; simple families yield themselves;
* a `Scorer` builds the chat messages for an item (`messages`), names the
  expected answer for the audit record (`expected`) and scores a reply
  (`score`, async: a scorer may run code or ask a judge). A score is in
  [0, 1]; 1 means correct. A family whose scores can be fractions sets
  `bounded = True`, and its runs use the bounded-means sequential test.

A family must never raise on hostile reply text: an unreadable reply is a
`Score` of 0 with the reason in `rule`/`detail`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from hypewatch.verifiers.benchmark.prompts import Message, PromptSetting
from hypewatch.verifiers.benchmark.tasks import TaskItem

if TYPE_CHECKING:
    from hypewatch.config import Settings
    from hypewatch.net import NetConfig, Resolver

__all__ = [
    "Environment",
    "Family",
    "Score",
    "Scorer",
    "SimpleFamily",
]


@dataclass(frozen=True)
class Score:
    """One reply's score: `value` in [0, 1], what was read from the reply and by which rule."""

    value: float
    parsed: str | None
    rule: str
    detail: str = ""

    def __post_init__(self) -> None:
        if not 0.0 <= self.value <= 1.0:
            raise ValueError(f"a score must be in [0, 1], got {self.value}")

    @property
    def correct(self) -> bool:
        return self.value >= 1.0


@dataclass(frozen=True)
class Environment:
    """What a run may use on this machine: the settings, the network policy, a resolver.

    `hub_token` says whether a Hugging Face token is configured (gated datasets
    need one). Families read their own settings from `settings` (None: defaults).
    """

    settings: Settings | None = None
    hub_token: bool = False
    net: NetConfig | None = None
    resolver: Resolver | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        net: NetConfig | None = None,
        resolver: Resolver | None = None,
    ) -> Environment:
        from hypewatch.config import optional_secret

        token = optional_secret(settings.hub.token_env) if settings.hub.token_env else None
        return cls(settings=settings, hub_token=token is not None, net=net, resolver=resolver)


@runtime_checkable
class Scorer(Protocol):
    """Prompts and scores items of one family for one run."""

    def messages(
        self, item: TaskItem, setting: PromptSetting, exemplars: list[TaskItem]
    ) -> list[Message]: ...

    def expected(self, item: TaskItem) -> str: ...

    async def score(self, reply: str, item: TaskItem) -> Score: ...


@runtime_checkable
class Family(Protocol):
    """A scorer family, registered by name in the task registry."""

    name: ClassVar[str]
    description: ClassVar[str]
    bounded: ClassVar[bool]

    def unavailable(self, env: Environment) -> str | None: ...

    def scorer(self, env: Environment) -> AbstractAsyncContextManager[Scorer]: ...


class SimpleFamily:
    """Base for families that need nothing opened per run: `scorer()` yields the family."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    bounded: ClassVar[bool] = False

    def unavailable(self, env: Environment) -> str | None:
        return None

    @asynccontextmanager
    async def scorer(self, env: Environment) -> AsyncIterator[Any]:
        yield self
