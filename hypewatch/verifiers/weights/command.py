"""`hypewatch weights`: one weights check from the command line (settings -> report)."""

from __future__ import annotations

import asyncio

from hypewatch.bot.watchers.hub_http import configure_hub_http
from hypewatch.config import Settings
from hypewatch.net import NetConfig, async_client
from hypewatch.verifiers.weights.hub import HubClient
from hypewatch.verifiers.weights.provenance import WeightsReport, check_weights
from hypewatch.verifiers.weights.verifier import discovery_from, options_from


def run_check(
    settings: Settings,
    repo: str,
    *,
    revision: str | None = None,
    claimed_base: str | None = None,
    bases: list[str] | None = None,
    allow_private: bool = False,
    discover: bool = True,
) -> WeightsReport:
    """Check `repo` against the Hub of `HF_ENDPOINT` or `hub.endpoint` (trusted by the guard).

    Candidates are searched for on the Hub as the verifier does unless `discover` is
    false or `verifiers.weights.discover` is off."""
    config = settings.verifiers.weights
    hub = HubClient.from_settings(settings)
    net = NetConfig.from_settings(
        settings.network, allow_private=allow_private, trusted_origins=[hub.endpoint]
    )
    configure_hub_http(net)  # huggingface_hub with our timeouts, caps and network.retries

    async def run() -> WeightsReport:
        async with async_client(net) as client:
            return await check_weights(
                hub,
                client,
                repo,
                revision=revision,
                claimed_base=claimed_base,
                bases=bases,
                options=options_from(config),
                discovery=discovery_from(config) if discover else None,
            )

    return asyncio.run(run())
