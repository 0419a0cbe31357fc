"""Route provider: Hugging Face Inference Providers through the router.

The Hub's model info with `expand=["inferenceProviderMapping"]` lists the providers
serving a repo (provider, providerId, status live/staging/error, task). The router is
OpenAI-compatible (`[access] router_url`, by default https://router.huggingface.co/v1);
the model id is `ORG/NAME:provider` and the bearer token is the `[hub]` token.

Live providers come first; staging ones are listed but not used unless
`[access] allow_staging`; a provider that serves the model by a tag filter (not this
exact repo) is never used. The Hub does not say whether a provider's copy is quantised
or which revision it serves, so the route says so instead of assuming either.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, ClassVar

from hypewatch.access.routes import AccessRequest, Route
from hypewatch.config import Settings, optional_secret
from hypewatch.net import NetError
from hypewatch.storage import NotFoundError

#: Precision markers seen in providers' model ids (`...-FP8`, `...-AWQ`, `...:int4`).
_QUANT = re.compile(
    r"(?<![a-z0-9])(fp8|fp4|nvfp4|int8|int4|w4a16|w8a8|awq|gptq|gguf|q[2-8]_[a-z0-9_]+)(?![a-z0-9])",
    re.I,
)
#: Router tasks its chat completions serve.
CHAT_TASKS = frozenset({"conversational"})
KIND = "inference_provider"


def quantisation_of(provider_id: str) -> str:
    found = _QUANT.search(provider_id)
    return found.group(1).lower() if found else ""


def _route(mapping: Any, request: AccessRequest, settings: Settings, live_only: bool) -> Route:
    token = optional_secret(settings.hub.token_env)
    provider, provider_id = str(mapping.provider), str(mapping.provider_id)
    status, task = str(mapping.status), str(mapping.task)
    quantisation = quantisation_of(provider_id)
    reasons = []
    if mapping.type == "tag-filter":
        reasons.append("the provider serves models by tag filter, not this exact repo")
    if status != "live" and (status != "staging" or live_only):
        reasons.append(f"status {status!r} (only live providers are used)")
    if task not in CHAT_TASKS:
        reasons.append(f"task {task!r}: the router's chat completions need 'conversational'")
    allowed = settings.access.providers
    if allowed and provider not in allowed:
        reasons.append(f"not in access.providers {allowed}")
    if token is None:
        reasons.append(f"no Hub token (set {settings.hub.token_env or 'hub.token_env'})")
    note = (
        f"the provider's copy ({provider_id}) is {quantisation}"
        if quantisation
        else f"the provider's copy ({provider_id}) may be quantised; the Hub does not say"
    )
    note += "; the revision it serves is not published"
    return Route(
        kind=KIND,
        url=settings.access.router_url.rstrip("/"),
        model=f"{request.repo}:{provider}",
        provider=provider,
        revision=None,
        quantisation=quantisation,
        usable=not reasons,
        reason="; ".join(reasons) or f"{status} provider serving {request.repo} ({task})",
        note=note,
        api_key=token,
    )


def _order(mapping: Any) -> int:
    return {"live": 0, "staging": 1}.get(str(mapping.status), 2)


class InferenceProviders:
    name: ClassVar[str] = "inference_providers"

    async def routes(self, request: AccessRequest, settings: Settings) -> list[Route]:
        from hypewatch.verifiers.weights.hub import HubClient

        if not request.repo:
            return []
        hub = HubClient.from_settings(settings)
        try:
            mappings = await asyncio.to_thread(hub.provider_mapping, request.repo)
        except (NotFoundError, NetError) as error:
            return [Route(kind=KIND, usable=False, reason=f"Hub lookup failed: {error}")]
        if not mappings:
            reason = f"the Hub lists no inference provider serving {request.repo}"
            return [Route(kind=KIND, usable=False, reason=reason)]
        # sorted() is stable: the Hub's (the user's provider) order within a status
        ordered = sorted(mappings, key=_order)
        return [_route(m, request, settings, not settings.access.allow_staging) for m in ordered]
