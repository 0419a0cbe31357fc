"""The contract between the outbox sender and a platform.

A notifier owns one or more destinations (by name). For a launch it creates
a thread with a root message, posts replies into it and edits the root. It
reports what went wrong with the three exceptions below, which tell the
sender what to do: wait, stop for good, or give up on this one message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from hypewatch.bot.threads import Message


@dataclass(frozen=True)
class ThreadRef:
    """Where a launch's thread lives on a platform (ids as the platform spells them)."""

    root_message_id: str
    thread_id: str = ""


class DeliveryError(Exception):
    """The platform did not take the message; try again later (5xx, timeouts, refused)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimitedError(DeliveryError):
    """429: wait `retry_after` seconds (capped by the sender) before the next try."""


class DestinationGoneError(Exception):
    """404/401 and the like: the destination no longer exists or refuses us; disable it."""


class MessageRejectedError(Exception):
    """The platform refused this one message for good (400); retrying cannot help."""


@runtime_checkable
class Notifier(Protocol):
    """A platform adapter. `key` is the outbox row id (a dedupe key, where supported)."""

    def handles(self, destination: str) -> bool: ...

    def destinations(self) -> list[str]: ...

    async def create_thread(self, destination: str, root: Message, key: str) -> ThreadRef: ...

    async def reply(
        self, destination: str, thread: ThreadRef, message: Message, key: str
    ) -> str: ...

    async def edit_root(self, destination: str, thread: ThreadRef, root: Message) -> None: ...

    async def find_delivered(
        self, destination: str, thread: ThreadRef | None, key: str
    ) -> str | None:
        """The message id of an earlier delivery of `key` (crash recovery), if the platform can
        tell; None means "not found or cannot tell", and the sender sends again."""
        ...

    async def aclose(self) -> None: ...
