"""The `weights` verifier: base-model and open-weights claims against the published weights."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any, ClassVar

from pydantic import BaseModel

from hypewatch.config import Settings, WeightsVerifierSettings
from hypewatch.models import Claim, ClaimKind, Cost, Verdict, VerdictStatus
from hypewatch.net import NetConfig, async_client, origin_of
from hypewatch.storage import NotFoundError
from hypewatch.storage.revisions import record_revision
from hypewatch.verifiers.base import VerifierContext
from hypewatch.verifiers.weights.attribution import LABEL_STATUS
from hypewatch.verifiers.weights.discovery import DiscoveryOptions
from hypewatch.verifiers.weights.families import Registry
from hypewatch.verifiers.weights.hub import HubClient, HubError, hub_endpoint
from hypewatch.verifiers.weights.provenance import (
    CheckOptions,
    WeightsReport,
    candidate_json,
    check_weights,
)

_REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


def options_from(config: WeightsVerifierSettings) -> CheckOptions:
    return CheckOptions(
        byte_budget=config.byte_budget,
        samples_per_tensor=config.samples_per_tensor,
        max_tensors=config.max_tensors,
        rows_per_tensor=config.rows_per_tensor,
        alpha=config.alpha,
        seed=config.seed,
    )


def discovery_from(config: WeightsVerifierSettings) -> DiscoveryOptions | None:
    """The candidate search the config asks for (None when `discover` is off)."""
    if not config.discover:
        return None
    return DiscoveryOptions(
        registry=Registry.build(config.families, config.shipped_families),
        max_listed=config.max_listed,
        max_candidates=config.max_candidates,
        sampled_candidates=config.sampled_candidates,
    )


def hub_net(net: NetConfig, endpoint: str) -> NetConfig:
    """`net` with the Hub endpoint's origin trusted (it is local for a mirror or stand-in)."""
    origin = origin_of(endpoint)
    if origin in net.trusted_origins:
        return net
    return net.with_(trusted_origins=(*net.trusted_origins, origin))


def verdict_from_report(report: WeightsReport) -> Verdict:
    claimed = next((c for c in report.candidates if c.repo == report.claimed_base), None)
    reason = report.reason.removesuffix(f"; {report.scope}")
    summary = (
        f"{report.label}, {report.scope} — {reason}; closest base: "
        f"{report.closest_base or 'none found'} ({report.repo}@{report.revision[:12]})"
    )
    return Verdict(
        status=LABEL_STATUS[report.label],
        summary=summary,
        label=report.label,
        measured=claimed.similarity if claimed else None,
        sample_size=claimed.rows if claimed else None,
        evidence=report.to_json(),
        artifacts=[candidate_json(c) for c in report.candidates],
        cost=Cost(report.requests, report.bytes_fetched, report.seconds),
    )


def claimed_base_repo(subject: str) -> str | None:
    """The claim's base as a Hub repo id, or None to fall back on the card's `base_model`
    (a post says "fine-tuned from Llama 3.1 70B", which names no repo)."""
    subject = subject.strip().removeprefix("https://huggingface.co/")
    return subject if _REPO_ID.fullmatch(subject) else None


class WeightsVerifier:
    """Checks what the published weights contain and which base they come from."""

    name: ClassVar[str] = "weights"
    kinds: ClassVar[frozenset[ClaimKind]] = frozenset(
        {ClaimKind.BASE_MODEL, ClaimKind.OPEN_WEIGHTS}
    )
    config_model: ClassVar[type[BaseModel]] = WeightsVerifierSettings

    def __init__(self, config: Any) -> None:
        self.config: WeightsVerifierSettings = config

    @classmethod
    def unavailable(cls, settings: Settings) -> str | None:
        if not settings.verifiers.weights.enabled:
            return "disabled in the config (verifiers.weights.enabled = false)"
        return None

    def _hub(self, ctx: VerifierContext) -> HubClient:
        hub = ctx.extra.get("hub_client")
        return hub if isinstance(hub, HubClient) else HubClient.from_settings(ctx.settings)

    async def verify(self, claim: Claim, ctx: VerifierContext) -> Verdict:
        repo = ctx.hf_repo or (ctx.launch.hf_repo if ctx.launch else "")
        if not repo:
            return Verdict(VerdictStatus.UNVERIFIABLE, "no Hugging Face repo is known")
        hub = self._hub(ctx)
        if claim.kind is ClaimKind.OPEN_WEIGHTS:
            return await self._open_weights(repo, ctx, hub)
        net = hub_net(ctx.net, hub.endpoint or hub_endpoint(ctx.settings))
        try:
            async with async_client(net, resolver=ctx.resolver) as client:
                report = await check_weights(
                    hub,
                    client,
                    repo,
                    revision=ctx.revision,
                    claimed_base=claimed_base_repo(claim.subject),
                    bases=[str(b) for b in ctx.extra.get("bases", [])],
                    options=options_from(self.config),
                    discovery=discovery_from(self.config),
                )
        except (NotFoundError, HubError, ValueError) as error:
            return Verdict(VerdictStatus.INCONCLUSIVE, str(error), label="inconclusive")
        if ctx.store is not None:
            record_revision(ctx.store, report.repo, report.revision, report.files)
        return verdict_from_report(report)

    async def _open_weights(self, repo: str, ctx: VerifierContext, hub: HubClient) -> Verdict:
        started = time.monotonic()
        try:
            snapshot = await asyncio.to_thread(hub.snapshot, repo, ctx.revision)
        except NotFoundError as error:
            return Verdict(VerdictStatus.FAILED, str(error), label="missing")
        except (HubError, ValueError) as error:
            return Verdict(VerdictStatus.INCONCLUSIVE, str(error), label="inconclusive")
        files = [f.to_json() for f in snapshot.files]
        if ctx.store is not None:
            record_revision(ctx.store, repo, snapshot.revision, files)
        weights = snapshot.weight_files
        cost = Cost(requests=1, seconds=time.monotonic() - started)
        evidence = {"repo": repo, "revision": snapshot.revision, "files": files}
        if not weights:
            return Verdict(
                VerdictStatus.FAILED, f"{repo} has no weight files", "missing", evidence=evidence
            )
        return Verdict(
            VerdictStatus.REPLICATED,
            f"{repo} publishes {len(weights)} weight file(s), "
            f"{snapshot.total_weight_bytes / 1e9:.2f} GB",
            label="published",
            evidence=evidence,
            cost=cost,
        )
