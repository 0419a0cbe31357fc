"""Route provider: your own OpenAI-compatible servers by repo pattern
(`[[verifiers.benchmark.endpoints]]`)."""

from __future__ import annotations

from typing import ClassVar

from hypewatch.access.patterns import matching_endpoints
from hypewatch.access.routes import AccessRequest, Route
from hypewatch.config import Settings, optional_secret


class OwnServers:
    name: ClassVar[str] = "own_servers"

    async def routes(self, request: AccessRequest, settings: Settings) -> list[Route]:
        found = []
        for entry in matching_endpoints(settings.verifiers.benchmark.endpoints, request.repo):
            key = optional_secret(entry.api_key_env)
            missing = entry.api_key_env is not None and key is None
            found.append(
                Route(
                    kind="own_server",
                    url=entry.url,
                    model=entry.model,
                    revision=request.revision,
                    usable=not missing,
                    reason=f"its API key variable {entry.api_key_env} is not set"
                    if missing
                    else f"configured for repos matching {entry.repo_pattern!r}",
                    note="your server: it serves whatever revision you deployed",
                    api_key=key,
                    slots=entry.concurrency or 0,
                )
            )
        if not found:
            reason = (
                f"no verifiers.benchmark.endpoints entry matches {request.repo}"
                if request.repo
                else "the launch names no Hub repo to match"
            )
            return [Route(kind="own_server", usable=False, reason=reason)]
        return found
