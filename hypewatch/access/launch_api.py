"""Route provider: the API the launch's own posts link (the claimant's endpoint)."""

from __future__ import annotations

from typing import ClassVar

from hypewatch.access.routes import AccessRequest, Route
from hypewatch.config import Settings, optional_secret


class LaunchApi:
    name: ClassVar[str] = "launch_api"

    async def routes(self, request: AccessRequest, settings: Settings) -> list[Route]:
        if not request.launch_api:
            return [Route(kind="launch_api", usable=False, reason="the launch links no API")]
        model = request.launch_model
        return [
            Route(
                kind="launch_api",
                url=request.launch_api,
                model=model,
                usable=bool(model),
                reason="the launch's own API" if model else "the launch names no model id",
                note="the claimant's hosted API: not necessarily the published weights",
                api_key=optional_secret(settings.verifiers.fingerprint.api_key_env),
            )
        ]
