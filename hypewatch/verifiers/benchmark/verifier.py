"""The benchmark verifier: re-measure a claimed score against an endpoint.

`BenchmarkVerifier.verify` finds the task (a JSONL file in `tasks_dir`, else the
task registry's public test set on the Hub, scored by its family), the
endpoint (the context's, else a configured server for the launch's repo),
runs the items until the
anytime-valid test decides, and returns the verdict with every item's record
as artifacts. `measure()` is the same run for callers that already hold the
items (the `hypewatch bench` command).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from hypewatch.access.budget import BudgetSpent, Metered
from hypewatch.access.launcher import KIND as ON_DEMAND
from hypewatch.access.launcher import LaunchError, serving
from hypewatch.access.pool import EndpointPool
from hypewatch.access.registry import Resolution, resolve
from hypewatch.access.routes import AccessRequest, Route
from hypewatch.config import (
    BenchmarkJudge,
    BenchmarkVerifierSettings,
    ConfigError,
    Secret,
    Settings,
    optional_secret,
)
from hypewatch.models import Claim, ClaimKind, Cost, Verdict, VerdictStatus
from hypewatch.net import BlockedDestinationError, NetConfig, Resolver, async_client, check_url
from hypewatch.verifiers.base import VerifierContext
from hypewatch.verifiers.benchmark.client import (
    ChatClient,
    Completer,
    bench_net_config,
    chat_url,
)
from hypewatch.verifiers.benchmark.families import Environment, Scorer
from hypewatch.verifiers.benchmark.hub_datasets import HubDatasetError, load_hub_task
from hypewatch.verifiers.benchmark.prompts import parse_setting, unreproduced
from hypewatch.verifiers.benchmark.registry import TaskRegistry, default_registry
from hypewatch.verifiers.benchmark.runner import Progress, RunPlan, RunResult, run_items
from hypewatch.verifiers.benchmark.tasks import TaskFormatError, TaskItem, find_task_file, load_task

_LABELS = {"replicated": "consistent", "failed": "below claim", "inconclusive": "undecided"}


@dataclass(frozen=True)
class Target:
    """An OpenAI-compatible server and the model name it serves."""

    url: str
    model: str
    api_key: Secret | None = None


@dataclass(frozen=True)
class LoadedTask:
    name: str
    items: list[TaskItem]
    source: dict[str, Any] = field(default_factory=dict)
    family: str = ""  # "" for JSONL files (multiple choice or numeric by item)
    setting: str = ""  # the task's default prompt setting, used when a claim names none
    claim_scale: float = 1.0  # claimed value x this = percent


#: Wraps the client of a run (the budgets' meter, `access/budget.py`).
Wrap = Callable[[Completer], Completer]

#: Requests in flight per connection pool (several small pools beat one large one).
CONNECTIONS_PER_POOL = 4


async def _open_client(
    stack: contextlib.AsyncExitStack,
    target: Target,
    config: NetConfig,
    resolver: Resolver | None,
    *,
    concurrency: int,
    max_tokens: int,
    seed: int,
) -> ChatClient:
    # httpx's pool spends time per request that grows with its connection count, so
    # many in-flight requests are spread over several small pools (see docs/benchmarks.md)
    pools = [
        await stack.enter_async_context(async_client(config, resolver=resolver))
        for _ in range(max(1, -(-concurrency // CONNECTIONS_PER_POOL)))
    ]
    return ChatClient(
        pools,
        target.url,
        target.model,
        api_key=target.api_key,
        max_tokens=max_tokens,
        seed=seed,
        concurrency=concurrency,
    )


async def measure(
    items: list[TaskItem],
    target: Target,
    plan: RunPlan,
    *,
    net: NetConfig,
    concurrency: int,
    max_tokens: int,
    task: str,
    resolver: Resolver | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    scorer: Scorer | None = None,
    wrap: Wrap | None = None,
) -> RunResult:
    """Check the endpoint against the network policy (nothing is sent if refused), then run;
    `wrap` (the budgets' meter) wraps the client."""
    config = bench_net_config(net)
    check_url(chat_url(target.url), config, resolver)
    async with contextlib.AsyncExitStack() as stack:
        client = await _open_client(
            stack,
            target,
            config,
            resolver,
            concurrency=concurrency,
            max_tokens=max_tokens,
            seed=plan.seed,
        )
        return await run_items(
            items,
            wrap(client) if wrap else client,
            plan,
            task=task,
            on_progress=on_progress,
            concurrency=concurrency,
            scorer=scorer,
        )


async def measure_pool(
    items: list[TaskItem],
    members: Sequence[tuple[Target, int]],
    plan: RunPlan,
    *,
    net: NetConfig,
    max_tokens: int,
    task: str,
    resolver: Resolver | None = None,
    scorer: Scorer | None = None,
    wrap: Wrap | None = None,
) -> tuple[RunResult, EndpointPool]:
    """One run spread over several endpoints serving the same model, `(target, slots)`
    each (docs/access.md, "Endpoint pools"); every endpoint is checked first."""
    config = bench_net_config(net)
    for target, _ in members:
        check_url(chat_url(target.url), config, resolver)
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            (
                await _open_client(
                    stack,
                    target,
                    config,
                    resolver,
                    concurrency=slots,
                    max_tokens=max_tokens,
                    seed=plan.seed,
                ),
                slots,
            )
            for target, slots in members
        ]
        pool = EndpointPool(clients)
        client: Completer = wrap(pool) if wrap else pool
        result = await run_items(
            items, client, plan, task=task, concurrency=pool.capacity, scorer=scorer
        )
        return result, pool


def file_source(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"kind": "file", "path": str(path), "sha256": digest}


async def resolve_target(
    ctx: VerifierContext,
) -> tuple[Target | None, Route | None, Resolution | None]:
    """The context's endpoint (a caller's explicit choice), else the first usable route
    model access finds for the launch's repo (docs/access.md); with the route taken and
    every route tried."""
    if ctx.endpoint and ctx.model:
        given = Route(kind="given", url=ctx.endpoint, model=ctx.model, revision=ctx.revision)
        return Target(ctx.endpoint, ctx.model, ctx.api_key), given, None
    launch = ctx.launch
    request = AccessRequest(
        repo=ctx.hf_repo or (launch.hf_repo if launch else ""),
        revision=ctx.revision,
        launch_api=launch.endpoint if launch else "",
        launch_model=launch.name if launch else "",
    )
    resolution = await resolve(ctx.settings, request, first_usable=True)
    route = resolution.chosen
    if route is None:
        return None, None, resolution
    return Target(route.url, route.model, route.api_key), route, resolution


def plan_for(
    config: BenchmarkVerifierSettings, claim: Claim, default_setting: str = "", scale: float = 1.0
) -> RunPlan:
    return RunPlan(
        claimed=min(100.0, float(claim.value or 0.0) * scale),
        tolerance=config.tolerance,
        alpha=config.alpha,
        prior_strength=config.prior_strength,
        max_items=config.max_items,
        max_seconds=config.max_seconds,
        token_budget=config.token_budget,
        reask=config.reask,
        retry_truncated=config.retry_truncated,
        structured_reask=config.structured_reask,
        seed=config.seed,
        setting=parse_setting(claim.setting or default_setting),
    )


def verdict_from(
    result: RunResult,
    target: Target,
    task: LoadedTask,
    plan: RunPlan,
    judge: BenchmarkJudge | None = None,
) -> Verdict:
    """The verdict; `judge` (judged benchmarks) is named in the summary and the evidence."""
    status = VerdictStatus(result.verdict)
    measured = "no items scored" if result.accuracy is None else f"{result.accuracy:.1f}%"
    why = f" ({result.unread_note})" if result.unread_note else ""
    summary = (
        f"{task.name}: measured {measured} (interval {result.ci_low:.1f}–{result.ci_high:.1f}, "
        f"{result.n} items) against a claimed {result.claimed:g}% with tolerance "
        f"{result.tolerance:g} points: {result.verdict}{why}. {result.reading_text()}."
    )
    if judge is not None:
        summary += f" (graded by the judge {judge.model} at {judge.url})"
    evidence: dict[str, Any] = {
        "task": task.name,
        "family": task.family or "multiple_choice/numeric (task file)",
        "source": task.source,
        "endpoint": target.url,
        "model": target.model,
        "setting": result.setting,
        "seed": result.seed,
        "correct": result.correct,
        "items_available": result.available,
        "stop_reason": result.stop_reason,
        "stopped_early": result.stopped_early,
        "threshold": result.claimed - result.tolerance,
        "method": (
            f"one-sided beta-binomial mixture confidence sequence, alpha {plan.alpha} per "
            f"side, prior strength {plan.prior_strength:g}; items in a seeded random order"
            if not result.bounded
            else f"betting confidence sequence (aGRAPA bets), alpha {plan.alpha} per side; "
            "items in a seeded random order"
        ),
        "unparseable": len(result.unparseable),
        "unparseable_items": result.unparseable[:50],
        "reading": result.reading_counts(),
        "bound_rule": (
            "unread replies count as correct when testing for `failed` and as wrong when "
            "testing for `replicated`, so they cannot decide the verdict"
        ),
        "request_errors": result.errors,
        "tokens": result.tokens,
        "exemplars": result.exemplars,
    }
    if judge is not None:
        evidence["judge"] = {"url": judge.url, "model": judge.model}
    return Verdict(
        status=status,
        summary=summary,
        label=_LABELS[result.verdict],
        measured=result.accuracy,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
        sample_size=result.n,
        evidence=evidence,
        artifacts=[record.to_json() for record in result.records],
        cost=Cost(requests=result.requests, seconds=result.seconds),
    )


def pool_members(
    route: Route, resolution: Resolution | None, default_slots: int
) -> list[tuple[Target, int]]:
    """The chosen route and every other usable route of the same kind serving the same
    model id (replicas: several own servers for one repo), with their slots (a route's
    own, else `verifiers.benchmark.concurrency`)."""
    routes = [route]
    if resolution is not None:
        routes += [
            r
            for r in resolution.routes
            if r is not route and r.usable and r.kind == route.kind and r.model == route.model
        ]
    return [(Target(r.url, r.model, r.api_key), r.slots or default_slots) for r in routes]


def with_route(verdict: Verdict, route: Route, revision: str | None = None) -> Verdict:
    """The verdict with the route it ran on, and the weights revision it was pinned to
    (the one the weights verifier hashed), in its evidence and its summary (the thread)."""
    summary = f"{verdict.summary} Run via {route.describe()}."
    if revision:
        summary += f" Weights revision {revision[:12]} pinned."
    if route.note:
        summary += f" Note: {route.note}."
    evidence = {**verdict.evidence, "route": route.to_json(), "weights_revision": revision}
    return dataclasses.replace(verdict, summary=summary, evidence=evidence)


def _unverifiable(reason: str, **evidence: Any) -> Verdict:
    return Verdict(
        VerdictStatus.UNVERIFIABLE,
        reason,
        label="unverifiable",
        evidence={"reason": reason, **evidence},
    )


def load_registered(
    benchmark: str, settings: Settings, registry: TaskRegistry | None = None
) -> LoadedTask | str:
    """A registered benchmark's test set read from the Hub, or why it cannot run here.
    Blocking; raises HubDatasetError / TaskFormatError when the data is unusable."""
    registry = registry or default_registry()
    spec = registry.get(benchmark)
    if spec is None:
        known = ", ".join(s.id for s in registry.specs())
        return f"no task for benchmark {benchmark!r}; registered: {known} (`hypewatch tasks`)"
    reason = registry.availability(spec, Environment.from_settings(settings))
    if reason:
        return f"{spec.id} cannot run here: {reason}"
    config = settings.verifiers.benchmark
    token = optional_secret(settings.hub.token_env)
    # The Hub endpoint is a trusted origin by configuration (hub.endpoint).
    hub = load_hub_task(
        spec.id,
        endpoint=settings.hub.endpoint,
        revision=config.dataset_revisions.get(spec.id),
        token=token.reveal() if token else None,
        cache_dir=config.dataset_cache_dir,
        registry=registry,
    )
    source = {"kind": "hub", "repo": hub.repo, "revision": hub.revision, "files": list(hub.files)}
    return LoadedTask(hub.benchmark, hub.items, source, spec.family, spec.setting, spec.claim_scale)


def open_scorer(
    task: LoadedTask, env: Environment, registry: TaskRegistry | None = None
) -> contextlib.AbstractAsyncContextManager[Scorer | None]:
    """The task family's scorer for one run (JSONL files: None, scored by item)."""
    family = (registry or default_registry()).family(task.family) if task.family else None
    if family is None:
        return contextlib.nullcontext(None)
    return family.scorer(env)


class BenchmarkVerifier:
    """Re-measures SCORE claims on an OpenAI-compatible endpoint (docs/benchmark.md)."""

    name: ClassVar[str] = "benchmark"
    kinds: ClassVar[frozenset[ClaimKind]] = frozenset({ClaimKind.SCORE})
    config_model: ClassVar[type[BenchmarkVerifierSettings]] = BenchmarkVerifierSettings

    def __init__(
        self, config: BenchmarkVerifierSettings, registry: TaskRegistry | None = None
    ) -> None:
        self.config = config
        self.registry = registry or default_registry()

    @classmethod
    def unavailable(cls, settings: Settings) -> str | None:
        if not settings.verifiers.benchmark.enabled:
            return "disabled in the configuration (verifiers.benchmark.enabled = false)"
        return None

    async def load_task(self, benchmark: str, ctx: VerifierContext) -> LoadedTask | str:
        """The task for `benchmark`, or the reason there is none."""
        tasks_dir = self.config.tasks_dir
        path = find_task_file(tasks_dir.expanduser(), benchmark) if tasks_dir else None
        if path is not None:
            return LoadedTask(path.stem, load_task(path), file_source(path))
        if self.registry.get(benchmark) is None:
            where = f"no {benchmark!r} task file in {tasks_dir}" if tasks_dir else "no tasks_dir"
            return f"no task for benchmark {benchmark!r}: {where} and no Hub loader for it"
        return await asyncio.to_thread(load_registered, benchmark, ctx.settings, self.registry)

    async def verify(self, claim: Claim, ctx: VerifierContext) -> Verdict:
        if claim.kind is not ClaimKind.SCORE or claim.value is None or not claim.benchmark:
            return _unverifiable("the claim has no benchmark score to re-measure")
        if not 0.0 <= claim.value <= 100.0:
            return _unverifiable(f"claimed value {claim.value:g} is not a percentage")
        incomparable = unreproduced(claim.setting)
        if incomparable:
            return _unverifiable(f"not re-measured: {incomparable}")
        target, found, resolution = await resolve_target(ctx)
        if target is None or found is None:
            why = resolution.why_none() if resolution else "no endpoint"
            access = resolution.to_json() if resolution else {}
            return _unverifiable(f"no endpoint to run the benchmark on: {why}", access=access)
        try:
            task = await self.load_task(claim.benchmark, ctx)
        except (TaskFormatError, HubDatasetError, ConfigError) as error:
            return _unverifiable(f"the task for {claim.benchmark!r} is unusable: {error}")
        if isinstance(task, str):
            return _unverifiable(task)
        if not 0.0 <= claim.value * task.claim_scale <= 100.0:
            return _unverifiable(f"claimed value {claim.value:g} is outside {task.name}'s scale")
        plan = plan_for(self.config, claim, task.setting, task.claim_scale)
        env = Environment.from_settings(ctx.settings, net=ctx.net, resolver=ctx.resolver)
        route: Route = found
        members = pool_members(route, resolution, self.config.concurrency)
        net = ctx.net
        pool: EndpointPool | None = None
        meters: list[Metered] = []

        def meter(client: Completer) -> Completer:
            meters.append(Metered.start(client, ctx.settings.access.budget, route, ctx.usage))
            return meters[-1]

        try:
            async with contextlib.AsyncExitStack() as stack:
                if route.kind == ON_DEMAND and resolution is not None:
                    # a server started for this run, stopped when the block ends
                    route, net = await stack.enter_async_context(
                        serving(
                            ctx.settings.access.launcher,
                            ctx.net,
                            resolution.request.repo,
                            resolution.request.revision,
                        )
                    )
                    target = Target(route.url, route.model, route.api_key)
                    members = [(target, route.slots or self.config.concurrency)]
                scorer = await stack.enter_async_context(open_scorer(task, env, self.registry))
                if len(members) > 1:
                    result, pool = await measure_pool(
                        task.items,
                        members,
                        plan,
                        net=net,
                        max_tokens=self.config.max_tokens,
                        task=task.name,
                        resolver=ctx.resolver,
                        scorer=scorer,
                        wrap=meter,
                    )
                else:
                    result = await measure(
                        task.items,
                        target,
                        plan,
                        net=net,
                        concurrency=members[0][1],
                        max_tokens=self.config.max_tokens,
                        task=task.name,
                        resolver=ctx.resolver,
                        scorer=scorer,
                        wrap=meter,
                    )
        except BudgetSpent as error:
            spent = meters[0].to_json() if meters else {}
            return _unverifiable(str(error), route=route.to_json(), usage=spent)
        except LaunchError as error:
            return _unverifiable(
                f"could not serve the model on demand: {error}", route=route.to_json()
            )
        except BlockedDestinationError as error:
            return _unverifiable(str(error), endpoint=target.url)
        finally:
            for used in meters:
                used.flush()
        judge = self.config.judge if task.family == "judged" else None
        verdict = with_route(verdict_from(result, target, task, plan, judge), route, ctx.revision)
        if pool is not None:
            verdict = dataclasses.replace(
                verdict, evidence={**verdict.evidence, "pool": pool.to_json()}
            )
        if meters:
            usage = meters[0].to_json()
            verdict = dataclasses.replace(verdict, evidence={**verdict.evidence, "usage": usage})
        return verdict
