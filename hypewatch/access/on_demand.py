"""Route provider: a server started on demand from `[access.launcher] command`.

Resolution only lists the route (nothing is started to answer `hypewatch access`); the
benchmark verifier starts the server when it takes this route, and stops it after the
run (`access/launcher.py`).
"""

from __future__ import annotations

from typing import ClassVar

from hypewatch.access.launcher import KIND, route_for
from hypewatch.access.patterns import matches
from hypewatch.access.routes import AccessRequest, Route
from hypewatch.config import Settings


class OnDemand:
    name: ClassVar[str] = "on_demand"

    async def routes(self, request: AccessRequest, settings: Settings) -> list[Route]:
        launcher = settings.access.launcher
        if not launcher.command:
            reason = "no access.launcher.command is configured"
            return [Route(kind=KIND, usable=False, reason=reason)]
        if not request.repo:
            return [Route(kind=KIND, usable=False, reason="the launch names no Hub repo to serve")]
        if not any(matches(request.repo, p) for p in launcher.repo_patterns):
            reason = f"{request.repo} matches no access.launcher.repo_patterns entry"
            return [Route(kind=KIND, usable=False, reason=reason)]
        if launcher.api_key_env and route_for(launcher, request.repo, None).api_key is None:
            reason = f"its API key variable {launcher.api_key_env} is not set"
            return [Route(kind=KIND, usable=False, reason=reason)]
        return [route_for(launcher, request.repo, request.revision)]
