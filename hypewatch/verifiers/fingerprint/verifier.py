"""The `fingerprint` verifier: is an endpoint claim consistent with what answers there?"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import ClassVar

from hypewatch.config import FingerprintVerifierSettings, Settings, optional_secret
from hypewatch.models import Claim, ClaimKind, Cost, Verdict, VerdictStatus
from hypewatch.net import BlockedDestinationError, check_url
from hypewatch.verifiers.base import VerifierContext
from hypewatch.verifiers.fingerprint.decide import CONSISTENT, INCONSISTENT, FingerprintResult
from hypewatch.verifiers.fingerprint.defaults import claimed_family
from hypewatch.verifiers.fingerprint.references import Reference
from hypewatch.verifiers.fingerprint.service import (
    Target,
    add_launch_tokenizer,
    fingerprint,
    infer_claimed_tokenizer,
    observe,
    references_from_settings,
    session_options,
    skipped_notes,
)
from hypewatch.verifiers.fingerprint.signature import default_embedder

__all__ = ["FingerprintVerifier", "claimed_family", "to_verdict"]

_STATUS = {CONSISTENT: VerdictStatus.REPLICATED, INCONSISTENT: VerdictStatus.FAILED}


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
    """Probes an OpenAI-compatible endpoint: tokenizer, scrubbed words, signature.

    With the probe history (`ctx.probes`, read-only) and a launch, every verification is
    also a re-probe: the verdict carries the probe (`Verdict.probes`) with what changed
    since the endpoint's last one, and the pipeline stores it (and `endpoint_changed`)."""

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

    @staticmethod
    def _claimed(ctx: VerifierContext, refs: list[Reference]) -> tuple[list[Reference], str | None]:
        """The claimed tokenizer: given, else the launch repo's own, else the family named."""
        labels = [r.label for r in refs]
        given = ctx.extra.get("claimed_tokenizer")
        if isinstance(given, str) and given:
            return refs, given
        repo = ctx.hf_repo or (ctx.launch.hf_repo if ctx.launch else "")
        if repo:
            refs, own = add_launch_tokenizer(ctx.settings, repo, refs)
            if own is not None:
                return refs, own
        names = (ctx.launch.base_model, ctx.launch.name) if ctx.launch else ()
        return refs, infer_claimed_tokenizer(labels, *names, ctx.model)

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
        loaded = await asyncio.to_thread(
            references_from_settings,
            ctx.settings,
            enrolled=ctx.probes.enrolled_counts() if ctx.probes else [],
            config=self.config,
        )
        refs, claimed = await asyncio.to_thread(self._claimed, ctx, loaded.references)
        target = Target(
            endpoint,
            ctx.model or (ctx.launch.name if ctx.launch else ""),
            claimed,
            ctx.api_key or optional_secret(self.config.api_key_env),
        )
        history = ctx.probes if ctx.launch is not None else None
        async with ctx.http() as http:
            if history is not None:
                # watching: a signature whenever an embedder is available, to compare next time
                embedder = default_embedder()
                previous = history.latest(endpoint)
                result = await fingerprint(
                    http,
                    target,
                    refs,
                    embedder=embedder,
                    enrolled=history.enrolled_signatures(embedder.name) if embedder else {},
                    options=session_options(self.config, want_signature=embedder is not None),
                )
                return replace(
                    to_verdict(result), probes=(observe(target, result, previous, embedder),)
                )
            options = session_options(self.config)
            result = await fingerprint(
                http,
                target,
                refs,
                options=options,
                notes=skipped_notes(loaded.skipped),
            )
        return to_verdict(result)
