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
    #: The thread's name where the platform names threads (Discord), "" elsewhere.
    name: str = ""


class DeliveryError(Exception):
    """The message was not confirmed; try again later (5xx, timeouts, dropped connections).

    `ambiguous`: the request may have reached the platform and been stored (the connection
    dropped after the request was written, a timeout waiting for the answer, a 5xx from a
    proxy in front of it). The sender then asks the platform before sending again
    (`Notifier.find_delivered`). False when nothing can have been stored (the connection
    was never made, a 429)."""

    def __init__(
        self, message: str, retry_after: float | None = None, *, ambiguous: bool = True
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.ambiguous = ambiguous


class RateLimitedError(DeliveryError):
    """429: wait `retry_after` seconds (capped by the sender) before the next try."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message, retry_after, ambiguous=False)


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

    async def edit_root(self, destination: str, thread: ThreadRef, root: Message) -> str | None:
        """Show the new root. Where the platform names threads, the thread's name follows the
        root's title (the launch's status): renamed when it differs from `thread.name`;
        returns the name the thread has now (None where threads have no name)."""
        ...

    async def find_thread(self, destination: str, key: str) -> ThreadRef | None:
        """The thread made by an earlier, unconfirmed delivery of the root `key` (a dropped
        answer, a crash), if the platform can tell; None means "not found or cannot tell",
        and the sender posts the root again."""
        ...

    async def find_delivered(self, destination: str, thread: ThreadRef, key: str) -> str | None:
        """The message id of an earlier, unconfirmed delivery of the reply `key` in `thread`,
        if the platform can tell; None: "not found or cannot tell", the sender sends again."""
        ...

    async def aclose(self) -> None: ...
