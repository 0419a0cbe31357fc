"""What callers use: probe an endpoint, re-probe it over time, enroll a signature.

    result = await fingerprint(http, Target(url, model), refs, store=store)
    outcome = await reprobe(store, launch_id, url, http=http, model=model, refs=refs)
    if outcome.event: ...   # an EndpointChanged event was appended with both results

`http` is a guarded client from `hypewatch.net.async_client` (or `ctx.http()`).

The verifier never writes: it reads the probe history through `ProbeHistory` (read-only)
and returns its probe as an `EndpointProbe` (`observe`) in the verdict; the pipeline stores
it with `store_probe`, the function the daemon's re-probe job (`reprobe`) stores through.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx

from hypewatch.config import FingerprintVerifierSettings, Secret, Settings, optional_secret
from hypewatch.events import EndpointChanged, Event
from hypewatch.models import EndpointProbe
from hypewatch.net import NetConfig, async_client
from hypewatch.storage import Store
from hypewatch.storage.fingerprint import (
    ProbeRecord,
    Vectors,
    enroll_reference,
    enrolled_references,
    enrolled_signatures,
    latest_probe,
    record_probe,
)
from hypewatch.verifiers.fingerprint.client import ChatClient
from hypewatch.verifiers.fingerprint.decide import Evidence, FingerprintResult
from hypewatch.verifiers.fingerprint.defaults import DefaultLoader, claimed_family, family_of
from hypewatch.verifiers.fingerprint.enrolled import enrolled_count_references
from hypewatch.verifiers.fingerprint.probes import probe_texts
from hypewatch.verifiers.fingerprint.references import (
    LoadedReferences,
    Reference,
    check_label,
    hub_cache_lookup,
    hub_downloader,
    hub_fetcher,
    load_references,
    load_tokenizer_json,
)
from hypewatch.verifiers.fingerprint.session import SessionOptions, probe_endpoint
from hypewatch.verifiers.fingerprint.signature import (
    SIGNATURE_MAX_TOKENS,
    SIGNATURE_PROMPTS,
    Embedder,
    Signature,
    default_embedder,
    similarity,
)

#: Key of `LoadedReferences.skipped` summarising default groups that could not be loaded.
DEFAULTS_SKIPPED = "default references"
#: Two signatures of one model at temperature 0 are near-identical; below this, it changed.
SIGNATURE_CHANGED_BELOW = 0.9


@dataclass(frozen=True)
class Target:
    endpoint: str
    model: str
    claimed_tokenizer: str | None = None
    api_key: Secret | None = None


def session_options(
    config: FingerprintVerifierSettings, *, want_signature: bool = False
) -> SessionOptions:
    return SessionOptions(
        max_queries=config.max_queries,
        signature_margin=config.signature_margin,
        signature_min_similarity=config.signature_min_similarity,
        want_signature=want_signature,
        scrub_words=tuple(config.scrub_words),
    )


def _hub_token(settings: Settings) -> str | None:
    token = optional_secret(settings.hub.token_env)
    return token.reveal() if token else None


def default_loader(
    settings: Settings, config: FingerprintVerifierSettings | None = None
) -> DefaultLoader:
    """The default set as this configuration allows it (Hub fetches only when enabled)."""
    config = config or settings.verifiers.fingerprint
    fetch = (
        hub_fetcher(settings.hub.endpoint, _hub_token(settings))
        if config.fetch_references
        else None
    )
    return DefaultLoader(hub_cache_lookup(), fetch)


def references_from_settings(
    settings: Settings,
    extra: Iterable[tuple[str, str]] = (),
    *,
    store: Store | None = None,
    enrolled: list[Reference] | None = None,
    config: FingerprintVerifierSettings | None = None,
) -> LoadedReferences:
    """Every reference this configuration gives, later ones replacing earlier labels:
    the default set, usage counts enrolled in `store` (or `enrolled`, read already),
    `verifiers.fingerprint.references` (broken ones skipped with a reason), then
    `extra` (the command line) strictly. `config` replaces the settings' section.
    """
    config = config or settings.verifiers.fingerprint
    hub = hub_downloader(settings.hub.endpoint)
    extra = list(extra)
    overridden = {label for label, _ in extra}
    configured = {k: v for k, v in config.references.items() if k not in overridden}
    loaded = load_references(configured, hub)
    given = load_references(extra, hub, strict=True)
    if enrolled is None:
        enrolled = enrolled_count_references(store)
    enrolled = [r for r in enrolled if r.label not in overridden | set(configured)]
    taken = overridden | set(configured) | {r.label for r in enrolled}
    skipped = dict(loaded.skipped)
    refs: list[Reference] = []
    if config.default_references:
        defaults = default_loader(settings, config).load(skip=taken)
        refs = defaults.references
        if defaults.skipped:
            skipped[DEFAULTS_SKIPPED] = (
                f"{', '.join(sorted(defaults.skipped))} not available here "
                "(`hypewatch fingerprint references` says why and what would be fetched)"
            )
    return LoadedReferences(refs + enrolled + loaded.references + given.references, skipped)


def infer_claimed_tokenizer(labels: list[str], *names: str) -> str | None:
    """The reference a claim names: a configured label inside the name, else the default
    family named (`meta-llama/Llama-3.1-70B` -> `llama-3.x`).

    A default family is returned even when its reference is not loaded here (a Hub-only
    group with no network): each default group is a distinct tokenizer, so another
    group's exact fit still contradicts the claim; only "ruled out" needs the reference.
    """
    for name in names:
        if not name:
            continue
        found = claimed_family(name, labels) or family_of(name)
        if found is not None:
            return found
    return None


def add_launch_tokenizer(
    settings: Settings, repo: str, refs: list[Reference]
) -> tuple[list[Reference], str | None]:
    """The launch's own tokenizer.json (its Hub repo) as the claimed reference.

    When it counts every probe text like a loaded reference, that reference is the
    claimed one (a fine-tune keeps its base's tokenizer); otherwise it is added under
    a label made from the repo id. (refs, None) when the repo has no tokenizer.json.
    """
    label = repo.replace("/", "--")[:64]
    try:
        check_label(label)
        path = hub_cache_lookup()(repo, "main") or hub_fetcher(
            settings.hub.endpoint, _hub_token(settings)
        )(repo, "main")
        own = replace(load_tokenizer_json(label, Path(path)), source=f"hub:{repo}")
    except Exception:  # no tokenizer.json, gated, offline: fall back to the claimed family
        return refs, None
    texts = probe_texts()
    signature = [own.count(t) for t in texts]
    for ref in refs:
        if ref.known is None and [ref.count(t) for t in texts] == signature:
            return refs, ref.label
    return [*refs, own], label


def skipped_notes(skipped: dict[str, str]) -> list[Evidence]:
    return [
        Evidence("reference", f"{label} not used: {why}", 0.0) for label, why in skipped.items()
    ]


async def fingerprint(
    http: httpx.AsyncClient,
    target: Target,
    refs: list[Reference],
    *,
    store: Store | None = None,
    embedder: Embedder | None = None,
    options: SessionOptions | None = None,
    notes: list[Evidence] | None = None,
    enrolled: dict[str, Vectors] | None = None,
) -> FingerprintResult:
    """Probe `target` once and judge it (enrolled signatures: `enrolled`, else from `store`)."""
    if enrolled is None:
        enrolled = enrolled_signatures(store, embedder.name) if store and embedder else {}
    client = ChatClient(http, target.endpoint, target.model, target.api_key)
    return await probe_endpoint(
        client,
        refs,
        claimed_model=target.model,
        claimed_tokenizer=target.claimed_tokenizer,
        enrolled=enrolled,
        embedder=embedder,
        options=options,
        notes=notes,
    )


def observe(
    target: Target,
    result: FingerprintResult,
    previous: ProbeRecord | None,
    embedder: Embedder | None,
) -> EndpointProbe:
    """A probe as a value to store, with what changed since the endpoint's `previous` one."""
    return EndpointProbe(
        endpoint=target.endpoint,
        model=target.model,
        verdict=result.verdict,
        result=result.to_json(),
        tokenizer_match=result.tokenizer_match,
        signature=result.signature,
        embedder=embedder.name if embedder and result.signature else None,
        changes=tuple(changes_between(previous, result)) if previous else (),
        previous_id=previous.id if previous else None,
        previous_result=previous.result if previous else {},
    )


def store_probe(
    store: Store, launch_id: int | None, probe: EndpointProbe, claim_id: int | None = None
) -> tuple[ProbeRecord, Event | None]:
    """Append the probe to `endpoint_probes` and, when it changed something (and belongs to
    a launch), `endpoint_changed` with both results, in one transaction. The pipeline calls
    this for a verdict's probes, `reprobe` for the daemon's re-probe job."""
    with store.transaction():
        record = record_probe(
            store,
            endpoint=probe.endpoint,
            model=probe.model,
            tokenizer_match=probe.tokenizer_match,
            verdict=probe.verdict,
            result=probe.result,
            signature=probe.signature,
            embedder=probe.embedder,
        )
        event = None
        if probe.changes and probe.previous_id is not None and launch_id is not None:
            payload = EndpointChanged(
                endpoint=probe.endpoint,
                changes=probe.changes,
                before={"probe_id": probe.previous_id, **probe.previous_result},
                after={"probe_id": record.id, **probe.result},
            )
            event = store.append_event(launch_id, payload, claim_id=claim_id)
    return record, event


def save_probe(
    store: Store, target: Target, result: FingerprintResult, embedder: str
) -> ProbeRecord:
    """Store one probe with no comparison (`hypewatch fingerprint --db`)."""
    probe = observe(target, result, None, None)
    if result.signature and embedder:
        probe = replace(probe, embedder=embedder)
    return store_probe(store, None, probe)[0]


def changes_between(previous: ProbeRecord, result: FingerprintResult) -> list[str]:
    """What differs between a stored probe and a new one (empty: nothing we can tell)."""
    changes: list[str] = []
    before, after = previous.tokenizer_match, result.tokenizer_match
    if before and after and before != after:
        changes.append(f"tokenizer match changed: {before} -> {after}")
    elif (
        before
        and not after
        and result.tokenizer_informative
        and result.tokenizer_scores.get(before, 1.0) < 0.5
    ):
        changes.append(
            f"tokenizer no longer matches {before} "
            f"(score {result.tokenizer_scores.get(before, 0.0):.2f})"
        )
    if previous.signature and result.signature:
        sim = similarity(previous.signature, result.signature)
        if sim < SIGNATURE_CHANGED_BELOW:
            changes.append(f"behavioural signature changed (similarity {sim:.2f})")
    old_label = previous.result.get("signature_match")
    if old_label and result.signature_match and old_label != result.signature_match:
        changes.append(f"nearest enrolled model changed: {old_label} -> {result.signature_match}")
    return changes


@dataclass
class ReprobeOutcome:
    result: FingerprintResult
    previous: ProbeRecord | None
    record: ProbeRecord
    changes: list[str] = field(default_factory=list)
    event: Event | None = None


async def reprobe(
    store: Store,
    launch_id: int,
    endpoint: str,
    *,
    model: str = "",
    refs: list[Reference] | None = None,
    http: httpx.AsyncClient | None = None,
    settings: Settings | None = None,
    net: NetConfig | None = None,
    claimed_tokenizer: str | None = None,
    api_key: Secret | None = None,
    embedder: Embedder | None = None,
    options: SessionOptions | None = None,
    claim_id: int | None = None,
) -> ReprobeOutcome:
    """Probe again; store the result; on a change append ENDPOINT_CHANGED with both results.

    Give `http` (a guarded client), or `net`/`settings` to build one; `refs`
    default to the configured references, `options` to the configured limits.
    """
    if refs is None:
        refs = references_from_settings(settings).references if settings else []
    if options is None and settings is not None:
        options = session_options(settings.verifiers.fingerprint)
    # watching: take a signature whenever an embedder is available, to compare next time
    options = replace(options or SessionOptions(), want_signature=embedder is not None)
    target = Target(endpoint, model, claimed_tokenizer, api_key)
    previous = latest_probe(store, endpoint)
    if http is None:
        net = net or (NetConfig.from_settings(settings.network) if settings else NetConfig())
        async with async_client(net) as own:
            result = await fingerprint(
                own, target, refs, store=store, embedder=embedder, options=options
            )
    else:
        result = await fingerprint(
            http, target, refs, store=store, embedder=embedder, options=options
        )
    return _record_reprobe(store, launch_id, target, result, previous, embedder, claim_id)


def _record_reprobe(
    store: Store,
    launch_id: int,
    target: Target,
    result: FingerprintResult,
    previous: ProbeRecord | None,
    embedder: Embedder | None,
    claim_id: int | None,
) -> ReprobeOutcome:
    probe = observe(target, result, previous, embedder)
    record, event = store_probe(store, launch_id, probe, claim_id)
    return ReprobeOutcome(result, previous, record, list(probe.changes), event)


async def enroll(
    store: Store,
    http: httpx.AsyncClient,
    target: Target,
    label: str,
    embedder: Embedder,
) -> Signature:
    """Ask the signature prompts, embed the replies, store them under `label`."""
    client = ChatClient(http, target.endpoint, target.model, target.api_key)
    replies = [
        (await client.complete([{"role": "user", "content": p}], SIGNATURE_MAX_TOKENS)).text
        for p in SIGNATURE_PROMPTS
    ]
    signature = embedder.embed([r or "(empty reply)" for r in replies])
    enroll_reference(
        store,
        label=label,
        endpoint=target.endpoint,
        model=target.model,
        embedder=embedder.name,
        signature=signature,
    )
    return signature


async def fingerprint_url(
    settings: Settings,
    net: NetConfig,
    target: Target,
    refs: list[Reference],
    *,
    store: Store | None = None,
    notes: list[Evidence] | None = None,
) -> FingerprintResult:
    """One probe over a fresh guarded client; stored in `store` when given.

    The behavioural signature runs only when `store` holds enrolled references
    and the `ml` extra is installed.
    """
    embedder = default_embedder() if store is not None and enrolled_references(store) else None
    options = session_options(settings.verifiers.fingerprint)
    async with async_client(net) as http:
        result = await fingerprint(
            http, target, refs, store=store, embedder=embedder, options=options, notes=notes
        )
    if store is not None:
        save_probe(store, target, result, embedder.name if embedder else "")
    return result


async def enroll_url(
    net: NetConfig, target: Target, label: str, store: Store, embedder: Embedder
) -> Signature:
    async with async_client(net) as http:
        return await enroll(store, http, target, label, embedder)


@dataclass(frozen=True)
class ProbeHistory:
    """The fingerprint verifier's read-only view of the fingerprint tables.

    The pipeline hands this (not the Store) to the built-in fingerprint verifier: the
    enrolled usage counts and signatures, and an endpoint's latest probe to compare a new
    one with. It writes nothing: the verifier returns its probe in the verdict
    (`Verdict.probes`) and the pipeline stores it (`store_probe`).
    """

    _store: Store

    def enrolled_counts(self) -> list[Reference]:
        return enrolled_count_references(self._store)

    def enrolled_signatures(self, embedder: str) -> dict[str, Vectors]:
        return enrolled_signatures(self._store, embedder)

    def latest(self, endpoint: str) -> ProbeRecord | None:
        return latest_probe(self._store, endpoint)
