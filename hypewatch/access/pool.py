"""Endpoint pools: one benchmark run spread over several endpoints serving one model.

Every endpoint has its own connection pools and a number of slots (requests in
flight). A request takes the first free slot of any healthy endpoint (a shared queue
of slot tokens, so a fast endpoint takes more work than a slow one — work stealing,
not a fixed split), and gives it back when done. An endpoint that fails
`drain_after` requests in a row (after the transport's own retries), or refuses the
run (401/403/404), is drained: its slots are not given back and the request is tried
again on another endpoint. The run fails only when every endpoint is drained.

The pool is a drop-in for `ChatClient` in the runner: the runner still feeds records to
the sequential test in the seeded item order, whichever endpoint answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypewatch.verifiers.benchmark.client import (
    ChatClient,
    ChatReply,
    EndpointError,
    EndpointFatalError,
)

#: Consecutive failed requests after which an endpoint is drained.
DRAIN_AFTER = 3


@dataclass
class Member:
    """One endpoint of the pool and what it did."""

    client: ChatClient
    slots: int
    answered: int = 0
    failed: int = 0
    in_a_row: int = 0
    drained: str = ""  # why, once drained

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.client.url,
            "model": self.client.model,
            "slots": self.slots,
            "answered": self.answered,
            "failed": self.failed,
            "drained": self.drained or None,
        }


class EndpointPool:
    """`complete()` over several `ChatClient`s; see the module docstring."""

    def __init__(self, members: Sequence[tuple[ChatClient, int]], drain_after: int = DRAIN_AFTER):
        if not members:
            raise EndpointFatalError("an endpoint pool needs at least one endpoint")
        self.members = [Member(client, max(1, slots)) for client, slots in members]
        self.drain_after = drain_after
        self._free: asyncio.Queue[int] = asyncio.Queue()
        for index, member in enumerate(self.members):
            for _ in range(member.slots):
                self._free.put_nowait(index)

    @property
    def capacity(self) -> int:
        return sum(m.slots for m in self.members)

    @property
    def max_tokens(self) -> int:
        return self.members[0].client.max_tokens

    @property
    def requests(self) -> int:
        return sum(m.client.requests for m in self.members)

    def healthy(self) -> list[Member]:
        return [m for m in self.members if not m.drained]

    def _drain(self, member: Member, why: str) -> None:
        if not member.drained:
            member.drained = why[:300]
        if not self.healthy():
            # wake every waiter: nothing will give a slot back
            for _ in range(self.capacity):
                self._free.put_nowait(-1)

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> ChatReply:
        last: EndpointError | None = None
        while True:
            index = await self._free.get()
            if index < 0:
                self._free.put_nowait(-1)
                raise last or EndpointFatalError("every endpoint of the pool is drained")
            member = self.members[index]
            if member.drained:
                continue  # its slot is not given back
            try:
                reply = await member.client.complete(
                    messages, max_tokens=max_tokens, response_format=response_format
                )
            except EndpointFatalError as error:
                member.failed += 1
                last = error
                self._drain(member, str(error))
                if not self.healthy():
                    raise
                continue
            except EndpointError as error:
                member.failed += 1
                member.in_a_row += 1
                last = error
                if error.status == 400:  # the request itself (structured output): not health
                    member.in_a_row = 0
                    self._free.put_nowait(index)
                    raise
                if member.in_a_row >= self.drain_after:
                    self._drain(member, str(error))
                    if not self.healthy():
                        raise
                else:
                    self._free.put_nowait(index)
                continue
            member.answered += 1
            member.in_a_row = 0
            self._free.put_nowait(index)
            return reply

    def to_json(self) -> list[dict[str, Any]]:
        return [m.to_json() for m in self.members]
