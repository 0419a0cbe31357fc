"""What a route to a model is, and what asking for one takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

from hypewatch.config import Secret, Settings


@dataclass(frozen=True)
class AccessRequest:
    """The model to reach: a Hub repo (and revision), and the launch's own API if any."""

    repo: str = ""
    revision: str | None = None
    launch_api: str = ""
    launch_model: str = ""


@dataclass(frozen=True)
class Route:
    """One way to reach a model: an OpenAI-compatible base URL and the model id it serves.

    `usable` is false with `reason` saying why when the provider knows the way but
    cannot take it (no token, staging only, a different repo). `quantisation` is what
    is known about the served copy ("" when nothing is: a provider's copy may be
    quantised and `note` says so).
    """

    kind: str
    url: str = ""
    model: str = ""
    provider: str = ""
    revision: str | None = None
    quantisation: str = ""
    usable: bool = True
    reason: str = ""
    note: str = ""
    api_key: Secret | None = None
    slots: int = 0  # requests in flight on this route; 0: the run's default

    def describe(self) -> str:
        """One line for a thread: `kind provider model at url`."""
        who = f" {self.provider}" if self.provider else ""
        at = f"@{self.revision[:12]}" if self.revision else ""
        return f"{self.kind}{who}: {self.model}{at} at {self.url}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "url": self.url,
            "model": self.model,
            "provider": self.provider,
            "revision": self.revision,
            "quantisation": self.quantisation or None,
            "usable": self.usable,
            "reason": self.reason,
            "note": self.note,
            "authenticated": self.api_key is not None,
            "slots": self.slots or None,
        }


@runtime_checkable
class RouteProvider(Protocol):
    """A way to reach models; registered under the entry-point group `hypewatch.access`."""

    name: ClassVar[str]

    async def routes(self, request: AccessRequest, settings: Settings) -> list[Route]:
        """Every route this provider knows for the request, usable or not (may be empty)."""
        ...
