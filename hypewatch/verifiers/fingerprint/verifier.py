"""The `fingerprint` verifier: is an endpoint claim consistent with what answers there?"""

from __future__ import annotations

import re
from typing import ClassVar

from hypewatch.config import FingerprintVerifierSettings, Settings, optional_secret
from hypewatch.models import Claim, ClaimKind, Cost, Verdict, VerdictStatus
from hypewatch.net import BlockedDestinationError, check_url
from hypewatch.verifiers.base import VerifierContext
from hypewatch.verifiers.fingerprint.decide import CONSISTENT, INCONSISTENT, FingerprintResult
from hypewatch.verifiers.fingerprint.references import hub_downloader, load_references
from hypewatch.verifiers.fingerprint.service import (
    Target,
    fingerprint,
    reprobe,
    session_options,
    skipped_notes,
)
from hypewatch.verifiers.fingerprint.signature import default_embedder

_STATUS = {CONSISTENT: VerdictStatus.REPLICATED, INCONSISTENT: VerdictStatus.FAILED}


def claimed_family(base_model: str, labels: list[str]) -> str | None:
    """The longest reference label named in the claimed base model (`llama-3.1` in
    `meta-llama/Llama-3.1-70B` or in "Llama 3.1 70B"), or None."""

    def norm(text: str) -> str:
        return re.sub(r"[\s_]+", "-", text.casefold())

    name = norm(base_model)
    named = [label for label in labels if norm(label) in name]
    return max(named, key=len) if named else None


def to_verdict(result: FingerprintResult) -> Verdict:
    return Verdict(
        status=_STATUS.get(result.verdict, VerdictStatus.INCONCLUSIVE),
        summary=f"endpoint {result.verdict}: {result.reason}",
        label=result.verdict,
        measured=result.confidence,
        sample_size=result.queries,
        evidence=result.to_json(),
        artifacts=[e.to_json() for e in result.evidence],
        cost=Cost(requests=result.queries, seconds=result.seconds),
    )


class FingerprintVerifier:
    """Probes an OpenAI-compatible endpoint: tokenizer, scrubbed words, signature."""

    name: ClassVar[str] = "fingerprint"
    kinds: ClassVar[frozenset[ClaimKind]] = frozenset({ClaimKind.ENDPOINT})
    config_model: ClassVar[type[FingerprintVerifierSettings]] = FingerprintVerifierSettings

    def __init__(self, config: FingerprintVerifierSettings) -> None:
        self.config = config

    @classmethod
    def unavailable(cls, settings: Settings) -> str | None:
        if not settings.verifiers.fingerprint.enabled:
            return "disabled in the configuration (verifiers.fingerprint.enabled = false)"
        return None

    async def verify(self, claim: Claim, ctx: VerifierContext) -> Verdict:
        endpoint = claim.subject or ctx.endpoint
        if not endpoint.startswith(("http://", "https://")):
            return Verdict(
                VerdictStatus.UNVERIFIABLE, f"no probe-able endpoint URL in {endpoint!r}"
            )
        try:
            check_url(endpoint, ctx.net, ctx.resolver)
        except BlockedDestinationError as error:
            return Verdict(VerdictStatus.UNVERIFIABLE, str(error), label="refused")
        loaded = load_references(self.config.references, hub_downloader(ctx.settings.hub.endpoint))
        labels = [r.label for r in loaded.references]
        claimed = ctx.extra.get("claimed_tokenizer") or claimed_family(
            ctx.launch.base_model if ctx.launch else "", labels
        )
        target = Target(
            endpoint,
            ctx.model or (ctx.launch.name if ctx.launch else ""),
            claimed,
            ctx.api_key or optional_secret(self.config.api_key_env),
        )
        embedder = default_embedder()
        options = session_options(self.config, want_signature=ctx.store is not None)
        async with ctx.http() as http:
            if ctx.store is not None and ctx.launch is not None:
                outcome = await reprobe(
                    ctx.store,
                    ctx.launch.id,
                    endpoint,
                    http=http,
                    model=target.model,
                    refs=loaded.references,
                    claimed_tokenizer=claimed,
                    api_key=target.api_key,
                    embedder=embedder,
                    options=options,
                    claim_id=claim.id,
                )
                return to_verdict(outcome.result)
            result = await fingerprint(
                http,
                target,
                loaded.references,
                options=options,
                notes=skipped_notes(loaded.skipped),
            )
        return to_verdict(result)
