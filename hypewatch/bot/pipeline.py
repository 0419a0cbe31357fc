"""From a stored post to verdicts: extract -> resolve launch -> store claims -> verify.

`Pipeline.process_pending()` turns stored, unprocessed posts into launches and
claims, one transaction per post, and queues a verification for every
(claim, verifier) pair whose verifier accepts the claim's kind.
`Pipeline.run_verification()` runs one queued verification: it builds the
verifier's context (Hub repo, endpoint, model access), moves the claim
through the lifecycle and records the verdict as an event.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from hypewatch import lifecycle
from hypewatch.access.budget import UsageLog
from hypewatch.backoff import doubling_wait
from hypewatch.config import Settings, optional_secret
from hypewatch.errors import StorageError
from hypewatch.events import (
    ArtifactAttached,
    Event,
    SignificanceAssessed,
    VerdictRecorded,
    VerificationStarted,
)
from hypewatch.extractors.derivatives import derivative_in
from hypewatch.extractors.extractor import ClaimSpec, Extraction, Extractor
from hypewatch.extractors.resolve import LaunchResolver, launch_of_repo
from hypewatch.lifecycle import combine
from hypewatch.models import (
    CONCLUSIVE,
    NOT_FOUND_YET,
    Claim,
    ClaimKind,
    ClaimStatus,
    Cost,
    Launch,
    Post,
    Source,
    Verdict,
    VerdictStatus,
)
from hypewatch.net import NET_ERRORS, NetConfig
from hypewatch.significance import PRIORITY_SCALE, assess, queue_priority
from hypewatch.storage import NotFoundError, Store, delivery, hub_snapshots
from hypewatch.storage import derivatives as derivatives_db
from hypewatch.storage.revisions import revision_files
from hypewatch.storage.routing import parse_filters
from hypewatch.verifiers.base import (
    RegisteredVerifier,
    VerifierContext,
    build,
    verifiers_for,
)

if TYPE_CHECKING:
    from hypewatch.verifiers.fingerprint.service import ProbeHistory
    from hypewatch.verifiers.weights.hub import HubClient

log = logging.getLogger(__name__)

__all__ = ["Pipeline", "ProcessReport", "VerificationOutcome", "combine", "queue_claim"]

NOT_FOUND_FIRST_RETRY = timedelta(minutes=15)
NOT_FOUND_MAX_RETRY = timedelta(days=1)
#: A significance that moves this much is appended again (and may open a thread).
SIGNIFICANCE_STEP = 10.0
#: The label of a check held back because its verifier's daily byte budget is spent.
BUDGET_SPENT = "daily budget spent"
#: Claims re-verified when the weights change, and when the endpoint changes.
WEIGHTS_KINDS = frozenset({ClaimKind.BASE_MODEL, ClaimKind.OPEN_WEIGHTS})
ENDPOINT_KINDS = frozenset({ClaimKind.ENDPOINT})


class PriorityScorer(Protocol):
    def priority(self, store: Store, claim: Claim, launch: Launch) -> float: ...


@dataclass
class ProcessReport:
    posts: int = 0
    claims_posts: int = 0
    launches: set[int] = field(default_factory=set)
    new_claims: int = 0
    queued: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class VerificationOutcome:
    verification_id: int
    claim_id: int
    verifier: str
    verdict: Verdict


def queue_claim(
    store: Store,
    registry: dict[str, RegisteredVerifier],
    claim: Claim,
    *,
    priority: float = 0.0,
    verifier: str | None = None,
) -> int:
    """Queue every enabled verifier (or just `verifier`) that accepts the claim's kind and
    return how many; a claim no verifier accepts becomes `unverifiable`, with the reason."""
    chosen = [r for r in verifiers_for(claim, registry) if verifier in (None, r.name)]
    if not chosen:
        if claim.status is ClaimStatus.CLAIMED and verifier is None:
            store.transition_claim(
                claim.id,
                ClaimStatus.UNVERIFIABLE,
                reason=f"no enabled verifier accepts {claim.kind} claims",
            )
        return 0
    for registered in chosen:
        store.enqueue_verification(claim.id, registered.name, priority)
    return len(chosen)


def retry_delay(earlier_not_found: int) -> timedelta:
    """How long a target that did not exist yet waits before it is looked at again:
    15 minutes, doubling with each miss, at most a day (sooner when the launch changes)."""
    first, cap = NOT_FOUND_FIRST_RETRY.total_seconds(), NOT_FOUND_MAX_RETRY.total_seconds()
    return timedelta(seconds=doubling_wait(first, earlier_not_found + 1, cap))


class Pipeline:
    """Wires extraction, launch resolution, storage and verifiers together."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        extractor: Extractor,
        resolver: LaunchResolver,
        registry: dict[str, RegisteredVerifier],
        *,
        scorer: PriorityScorer | None = None,
        net: NetConfig | None = None,
        context_extra: dict[str, Any] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.extractor = extractor
        self.resolver = resolver
        self.registry = registry
        self.scorer = scorer
        self.net = net or NetConfig.from_settings(
            settings.network, trusted_origins=[settings.hub.endpoint]
        )
        self.context_extra = dict(context_extra or {})
        #: The newest velocity snapshot already re-scored (`follow_velocity`).
        self._snapshot_mark = 0

    # -- posts -> launches and claims ----------------------------------------

    def process_pending(self, limit: int = 500) -> ProcessReport:
        """Process the stored posts not processed yet, then re-score the launches whose Hub
        repo got new velocity snapshots (`follow_velocity`)."""
        report = ProcessReport()
        while True:
            posts = self.store.unprocessed_posts(limit)
            if not posts:
                self.follow_velocity()
                return report
            for post in posts:
                self._process_one(post, report)

    def follow_velocity(self) -> int:
        """Re-score each launch whose Hub repo has snapshots newer than the last call (the
        Hub watcher records them during the repo's first `velocity_follow_hours` only, so
        following stops there). A launch whose velocity lifts it over a destination's
        threshold gets its `significance` event, and its thread, now. Returns how many."""
        cfg = self.settings.significance
        if not cfg.velocity_follow_hours:
            return 0
        within = timedelta(hours=cfg.velocity_follow_hours)
        self._snapshot_mark, repos = hub_snapshots.repos_snapshotted_after(
            self.store, self._snapshot_mark, within
        )
        rescored = 0
        for repo in repos:
            launch = launch_of_repo(self.store, repo)
            if launch is not None and launch.significance is not None:
                with self.store.transaction():
                    self.assess_significance(launch)
                rescored += 1
        return rescored

    def _process_one(self, post: Post, report: ProcessReport) -> None:
        report.posts += 1
        try:
            extraction = self.extractor.extract(post.text, post.source, post.native_id)
        except Exception as error:  # a bug in extraction must not stall the queue
            log.exception("extraction failed for %s", post.key)
            report.errors.append(f"{post.key}: {type(error).__name__}: {error}")
            self.store.mark_post_processed(
                post.key, is_claim=False, launch_id=None, extraction={"error": str(error)}
            )
            return
        counts = (report.claims_posts, set(report.launches), report.new_claims, report.queued)
        try:
            self._store_extraction(post, extraction, report)
        except (StorageError, sqlite3.Error):
            raise  # the database, not this post: the job fails and says so
        except Exception as error:  # one post that breaks resolution must not stall the rest
            log.exception("storing the claims of %s failed", post.key)
            report.claims_posts, report.launches, report.new_claims, report.queued = counts
            report.errors.append(f"{post.key}: {type(error).__name__}: {error}")
            self.store.mark_post_processed(
                post.key, is_claim=False, launch_id=None, extraction={"error": str(error)[:500]}
            )

    def _store_extraction(self, post: Post, extraction: Extraction, report: ProcessReport) -> None:
        """The launch, claims and processed mark of one post, in one transaction."""
        with self.store.transaction():
            launch = (
                self.resolver.resolve(self.store, post, extraction) if extraction.is_claim else None
            )
            if launch is not None:
                report.claims_posts += 1
                report.launches.add(launch.id)
                for spec in extraction.claim_specs():
                    self._store_claim(launch, post, spec, report)
            self.store.mark_post_processed(
                post.key,
                is_claim=launch is not None,
                launch_id=launch.id if launch else None,
                extraction=extraction.to_json(),
            )
            if launch is not None:  # a new source or card may name what was missing
                self.assess_significance(self.store.get_launch(launch.id))
                self.requeue_not_found(self.store.get_launch(launch.id))
                self.attach_derivatives(self.store.get_launch(launch.id))
            elif post.source == Source.HUGGINGFACE:
                self._record_derivative(post, extraction)

    def _record_derivative(self, post: Post, extraction: Extraction) -> None:
        """A Hub repo made from another model: recorded, and attached to its base's launch
        now if the base is a launch already (else when it becomes one)."""
        made = derivative_in(extraction.flags)
        if made is None or not made.base:
            return
        derivatives_db.record_derivative(
            self.store, post.native_id, made.base, made.relation, made.evidence, post.key
        )
        base = launch_of_repo(self.store, made.base)
        if base is not None:
            self.attach_derivatives(base)

    def attach_derivatives(self, launch: Launch) -> int:
        """Attach the recorded derivatives naming the launch's repo as their base that are
        not attached yet: each an `artifact` event on the launch's timeline (never sent to a
        thread, no claims, no scores). Returns how many."""
        if not launch.hf_repo:
            return 0
        attached = 0
        with self.store.transaction():
            for row in derivatives_db.pending_of(self.store, launch.hf_repo):
                if row.repo.lower() == launch.hf_repo.lower():
                    continue
                payload = ArtifactAttached(
                    repo=row.repo,
                    relation=row.relation,
                    base=row.base,
                    evidence=row.evidence,
                    post=row.post_key,
                )
                self.store.append_event(launch.id, payload)
                derivatives_db.mark_attached(self.store, row.repo, launch.id)
                attached += 1
        return attached

    def _same_score_known(self, launch: Launch, spec: ClaimSpec) -> bool:
        """The same benchmark and value already claimed for this launch, maybe with its
        setting spelled differently ("MMLU 89.9" on X, "MMLU (0-shot, CoT) 89.9" on the
        card): one number, one claim."""
        if spec.kind is not ClaimKind.SCORE or spec.value is None:
            return False
        return self.store.has_score(launch.id, spec.benchmark, spec.value, except_key=spec.key)

    def _store_claim(
        self, launch: Launch, post: Post, spec: ClaimSpec, report: ProcessReport
    ) -> None:
        if self._same_score_known(launch, spec):
            return
        claim, new = self.store.add_claim(
            launch.id,
            spec.kind,
            spec.key,
            benchmark=spec.benchmark,
            setting=spec.setting,
            value=spec.value,
            subject=spec.subject,
            post_key=post.key,
            flags=tuple(spec.flags),
        )
        if not new:
            return
        report.new_claims += 1
        report.queued += self.queue_claim(claim, launch)

    def queue_claim(self, claim: Claim, launch: Launch, verifier: str | None = None) -> int:
        """Queue the verifiers that accept this claim, the launch's significance first; a
        claim none accepts is unverifiable."""
        own = self.scorer.priority(self.store, claim, launch) if self.scorer else 0.0
        priority = queue_priority(launch.significance, own)
        return queue_claim(self.store, self.registry, claim, priority=priority, verifier=verifier)

    def assess_significance(self, launch: Launch) -> Launch:
        """Score the launch's significance now (hypewatch.significance) and store it; the
        first assessment, and any move of SIGNIFICANCE_STEP or more, is appended as an event
        (routed with the new score, so a launch that crosses a destination's threshold
        opens its thread there), and so is a move across a registered destination's
        `min_significance`. Its queued verifications move to the new priority."""
        found = assess(self.store, launch, self.settings.significance)
        before = launch.significance or 0.0
        first = not launch.significance_reasons
        launch = self.store.update_launch(
            launch.id, significance=found.score, significance_reasons=found.reasons
        )
        crossed = any((before < t) != (found.score < t) for t in self._thresholds())
        if first or crossed or abs(found.score - before) >= SIGNIFICANCE_STEP:
            payload = SignificanceAssessed(
                score=found.score, reasons=found.reasons, old_repo=found.old_repo
            )
            self.store.append_event(launch.id, payload)
        self.store.reprioritise(launch.id, found.score * PRIORITY_SCALE, PRIORITY_SCALE)
        return launch

    def _thresholds(self) -> set[float]:
        """The registered destinations' `min_significance`: crossing one is news there."""
        return {
            parse_filters(d.filters).min_significance
            for d in delivery.live_destinations(self.store)
        }

    # -- verification --------------------------------------------------------

    def context_for(self, claim: Claim, launch: Launch) -> VerifierContext:
        """What a verifier needs for this claim: the repo, the endpoint, model access."""
        endpoint, model, api_key_env = self._model_access(claim, launch)
        return VerifierContext(
            settings=self.settings,
            net=self.net,
            launch=launch,
            claim=claim,
            posts=tuple(self.store.posts_for_launch(launch.id)),
            prior_verdicts=tuple(self.store.verdict_history(claim.id)),
            probes=self._probe_history(claim),
            usage=UsageLog(self.store) if claim.kind is ClaimKind.SCORE else None,
            hf_repo=launch.hf_repo,
            revision=self.hashed_revision(launch) if claim.kind is ClaimKind.SCORE else None,
            endpoint=endpoint,
            model=model,
            api_key=optional_secret(api_key_env),
            extra=dict(self.context_extra),
        )

    def hashed_revision(self, launch: Launch) -> str | None:
        """The revision of the launch's repo whose weights were last hashed: the newest
        weights verdict's, else the newest revision the revision check recorded. A
        benchmark pins this revision (docs/access.md, "Revision pinning")."""
        if not launch.hf_repo:
            return None
        hashed = [
            (record.verification_id, record.verdict.evidence.get("revision"))
            for claim in self.store.claims(launch_id=launch.id)
            if claim.kind in WEIGHTS_KINDS
            for record in self.store.verdict_history(claim.id)
            if record.verifier == "weights"
        ]
        named = [(order, rev) for order, rev in hashed if isinstance(rev, str) and rev]
        if named:
            return max(named)[1]
        recorded = list(revision_files(self.store, launch.hf_repo))
        return recorded[-1] if recorded else None

    def _probe_history(self, claim: Claim) -> ProbeHistory | None:
        """The fingerprint verifier's probe history, read-only; no other verifier gets it.
        The probes it makes come back in `Verdict.probes` and `_record` stores them."""
        if claim.kind is not ClaimKind.ENDPOINT:
            return None
        from hypewatch.verifiers.fingerprint.service import ProbeHistory

        return ProbeHistory(self.store)

    def _store_probes(self, launch: Launch, claim_id: int, verdict: Verdict) -> None:
        """The verdict's endpoint probes into `endpoint_probes` (and `endpoint_changed` for
        a probe that differs from the endpoint's previous one), in the verdict's
        transaction: the verifier returns them, the pipeline writes."""
        if not verdict.probes:
            return
        from hypewatch.verifiers.fingerprint.service import store_probe

        for probe in verdict.probes:
            store_probe(self.store, launch.id, probe, claim_id)

    def _model_access(self, claim: Claim, launch: Launch) -> tuple[str, str, str | None]:
        if claim.kind is ClaimKind.ENDPOINT:
            fp = self.settings.verifiers.fingerprint
            return claim.subject or launch.endpoint, launch.name, fp.api_key_env
        # other claims: the verifier asks model access (hypewatch.access), which tries
        # your own servers, inference providers and the launch's API in the configured order
        return "", "", None

    async def run_next(self) -> VerificationOutcome | None:
        rows = self.store.queued_verifications(limit=1)
        return await self.run_verification(rows[0].id) if rows else None

    async def run_verification(self, verification_id: int) -> VerificationOutcome:
        item = self.store.get_verification(verification_id)
        claim = self.store.get_claim(item.claim_id)
        launch = self.store.get_launch(claim.launch_id)
        name = item.verifier
        with self.store.transaction():
            self.store.start_verification(verification_id)
            if claim.status is not ClaimStatus.VERIFYING:
                self.store.transition_claim(claim.id, ClaimStatus.VERIFYING, reason=name)
            self.store.append_event(
                launch.id, VerificationStarted(verifier=name), claim_id=claim.id
            )
        verdict = await self._verify(name, self.store.get_claim(claim.id), launch)
        self._record(verification_id, claim.id, launch, name, verdict)
        return VerificationOutcome(verification_id, claim.id, name, verdict)

    async def _verify(self, name: str, claim: Claim, launch: Launch) -> Verdict:
        registered = self.registry.get(name)
        if registered is None or not registered.enabled:
            reason = registered.disabled_reason if registered else "not installed"
            return Verdict(VerdictStatus.UNVERIFIABLE, f"verifier {name} unavailable: {reason}")
        spent = self._daily_bytes_spent(name)
        if spent:
            return Verdict(
                VerdictStatus.INCONCLUSIVE,
                f"{name}: today's byte budget is spent ({spent:,} of "
                f"{self.settings.significance.weights_daily_bytes:,} bytes); checked again "
                "after 00:00 UTC, most significant launch first",
                label=BUDGET_SPENT,
            )
        started = time.monotonic()
        timeout = self.settings.verifiers.timeout_for(name)
        deadline = asyncio.timeout(timeout)
        try:
            verifier = build(registered, self.settings)
            async with deadline:
                return await verifier.verify(claim, self.context_for(claim, launch))
        except TimeoutError as error:
            if not deadline.expired():  # the verifier's own TimeoutError: a bug, not ours
                log.exception("verifier %s failed on claim %s", name, claim.id)
                return _inconclusive(f"verifier error: TimeoutError: {error}", started)
            summary = (
                f"verifier {name} timed out after {timeout:g} s "
                f"(verifiers.timeouts.{name} / verifiers.timeout_s)"
            )
            return Verdict(
                VerdictStatus.INCONCLUSIVE,
                summary,
                label="timeout",
                cost=Cost(seconds=time.monotonic() - started),
            )
        except NET_ERRORS as error:
            summary = f"network error: {type(error).__name__}: {error}"
        except Exception as error:  # a verifier bug becomes an inconclusive verdict, not a crash
            log.exception("verifier %s failed on claim %s", name, claim.id)
            summary = f"verifier error: {type(error).__name__}: {error}"
        return _inconclusive(summary, started)

    def _record(
        self, verification_id: int, claim_id: int, launch: Launch, name: str, verdict: Verdict
    ) -> None:
        with self.store.transaction():
            history = self.store.verdicts_for_claim(claim_id)
            before = dict(lifecycle.standing(history)).get(name)
            self._store_probes(launch, claim_id, verdict)
            self.store.finish_verification(verification_id, verdict)
            retry_at = self._retry_not_found(claim_id, name, verdict, history)
            if verdict.label == BUDGET_SPENT:  # tomorrow, in significance order
                midnight = self.store.now().replace(hour=0, minute=0, second=0, microsecond=0)
                retry_at = midnight + timedelta(days=1)
                self.store.enqueue_verification(
                    claim_id,
                    name,
                    queue_priority(launch.significance, 0.0),
                    not_before=retry_at,
                )
            kept = (
                before.status
                if before is not None
                and before.status in CONCLUSIVE
                and verdict.status not in CONCLUSIVE
                else None
            )
            recorded = VerdictRecorded.of(
                name, verdict, verification_id=verification_id, standing=kept, retry_at=retry_at
            )
            self.store.append_event(launch.id, recorded, claim_id=claim_id)
            current = self.store.get_claim(claim_id)
            if current.status is not ClaimStatus.VERIFYING or self._others_running(
                claim_id, verification_id
            ):
                return  # the last verifier of this round decides
            target = lifecycle.claim_status(self.store.verdicts_for_claim(claim_id))
            reason = f"{name}: {verdict.summary}"
            if kept is not None:
                reason = f"{name} re-check: {verdict.status}; the earlier {kept} verdict stands"
            self.store.transition_claim(claim_id, target, reason=reason[:500])

    def _daily_bytes_spent(self, name: str) -> int:
        """The bytes the weights verifier fetched today (UTC) when that reaches its daily
        budget (`significance.weights_daily_bytes`), else 0."""
        budget = self.settings.significance.weights_daily_bytes
        if name != "weights" or not budget:
            return 0
        midnight = self.store.now().replace(hour=0, minute=0, second=0, microsecond=0)
        spent = self.store.bytes_fetched_since(name, midnight)
        return spent if spent >= budget else 0

    def _retry_not_found(
        self, claim_id: int, name: str, verdict: Verdict, history: list[tuple[str, Verdict]]
    ) -> datetime | None:
        """Queue another look at a target that did not exist yet; returns when."""
        if verdict.label != NOT_FOUND_YET:
            return None
        misses = sum(1 for n, v in history if n == name and v.label == NOT_FOUND_YET)
        retry_at = self.store.now() + retry_delay(misses)
        self.store.enqueue_verification(claim_id, name, not_before=retry_at)
        return retry_at

    # -- re-verification on change -------------------------------------------

    def requeue_not_found(self, launch: Launch) -> int:
        """Look again now at every claim of the launch whose target was not found yet
        (the launch gained a source, a Hub card or a revision). Returns how many."""
        queued = 0
        for claim in self.store.claims(launch_id=launch.id):
            kept = lifecycle.standing(self.store.verdicts_for_claim(claim.id))
            for name, verdict in kept:
                if verdict.label == NOT_FOUND_YET:
                    queued += self.queue_claim(claim, launch, name)
        return queued

    def reverify(self, launch: Launch, kinds: frozenset[ClaimKind]) -> int:
        """Queue every claim of these kinds again (weights re-uploaded, endpoint swapped)."""
        return sum(
            self.queue_claim(claim, launch)
            for claim in self.store.claims(launch_id=launch.id)
            if claim.kind in kinds
        )

    def rebenchmark(self, launch: Launch) -> int:
        """Queue the benchmark again for every score claim that has a benchmark verdict
        (the weights changed: each verdict names the revision it measured, the next run
        pins the new one). Returns how many were queued."""
        queued = 0
        for claim in self.store.claims(launch_id=launch.id):
            if claim.kind is not ClaimKind.SCORE:
                continue
            if any(name == "benchmark" for name, _ in self.store.verdicts_for_claim(claim.id)):
                queued += self.queue_claim(claim, launch, "benchmark")
        return queued

    def check_revisions(self, launch: Launch, hub: HubClient) -> list[Event]:
        """The revision check of one launch's repo, and what follows from it: a weights
        change re-verifies its weights claims; any new revision is a reason to look again
        at a repo that was not found yet. Blocking (huggingface_hub): run it in a thread."""
        from hypewatch.verifiers.weights.revisions import check_revisions

        if not launch.hf_repo:
            return []
        known = len(revision_files(self.store, launch.hf_repo))
        try:
            events = check_revisions(self.store, launch, hub)
        except NotFoundError:
            return []  # not on the Hub yet: the weights claims say so and retry
        if events:
            self.reverify(launch, WEIGHTS_KINDS)
            self.rebenchmark(launch)
        elif len(revision_files(self.store, launch.hf_repo)) > known:
            self.requeue_not_found(launch)
        return events

    async def reprobe(self, launch: Launch, **options: Any) -> Event | None:
        """Re-probe the launch's endpoint; a change re-verifies its endpoint claims."""
        from hypewatch.verifiers.fingerprint.service import reprobe

        if not launch.endpoint:
            return None
        outcome = await reprobe(
            self.store,
            launch.id,
            launch.endpoint,
            model=launch.name,
            settings=self.settings,
            net=self.net,
            **options,
        )
        if outcome.event is not None:
            self.reverify(launch, ENDPOINT_KINDS)
        return outcome.event

    def _others_running(self, claim_id: int, verification_id: int) -> bool:
        return self.store.others_waiting(claim_id, verification_id)


def _inconclusive(summary: str, started: float) -> Verdict:
    """A verifier that raised: an inconclusive verdict with the reason, not a crash."""
    return Verdict(
        VerdictStatus.INCONCLUSIVE,
        summary[:500],
        label="error",
        cost=Cost(seconds=time.monotonic() - started),
    )
