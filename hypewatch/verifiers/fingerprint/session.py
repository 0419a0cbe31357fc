"""One probing session: send the fewest requests that decide, then judge.

Order: reported token counts (2 requests), the scrubbed-word list and the
self-identification question (their usage counts too: 4 observations, which
decide the default references); when references are enrolled (or a
signature is wanted), the remaining signature prompts; then, only while
undecided, up to 3 more count requests one at a time, and, when the endpoint
reports no usage or counts leave it open, stream boundaries and truncation
points. Every reply that
carries `usage` adds a count observation for free. After
`stop_after_failures` failed requests in a row the session stops sending.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypewatch.net import UnreachableError
from hypewatch.verifiers.fingerprint.client import ChatClient, Message, ProbeError, Reply
from hypewatch.verifiers.fingerprint.decide import (
    Evidence,
    Findings,
    FingerprintResult,
    TokenizerProbe,
    decide,
)
from hypewatch.verifiers.fingerprint.probes import (
    COUNT_MULTI,
    COUNT_TEXTS,
    NAMES,
    SELF_ID_PROMPT,
    STREAM_TEXT,
    TRUNCATION_K,
    TRUNCATION_TEXTS,
    CountObservation,
    SelfIdResult,
    find_scrubbed,
    fit_counts,
    repeat_prompt,
    score_stream,
    score_truncation,
    scrub_prompt,
    user,
    vendor_groups,
)
from hypewatch.verifiers.fingerprint.references import Reference
from hypewatch.verifiers.fingerprint.signature import (
    SIGNATURE_MAX_TOKENS,
    SIGNATURE_PROMPTS,
    Embedder,
    Signature,
    nearest,
)

W_COUNTS, W_TRUNCATION, W_STREAM = 1.0, 0.8, 0.6
STREAM_MAX_TOKENS = 64
SCRUB_MAX_TOKENS = 256


@dataclass(frozen=True)
class SessionOptions:
    max_queries: int = 10
    stop_after_failures: int = 2
    signature_margin: float = 0.05
    signature_min_similarity: float = 0.8
    want_signature: bool = False
    scrub_words: tuple[str, ...] = ()  # asked back on top of the built-in vendor names


@dataclass
class _Session:
    client: ChatClient
    refs: list[Reference]
    options: SessionOptions
    findings: Findings
    counts: list[CountObservation] = field(default_factory=list)
    failures_in_row: int = 0
    usage_missing: bool = False
    answered: int = 0

    @property
    def budget(self) -> int:
        return self.options.max_queries - self.client.requests

    @property
    def dead(self) -> bool:
        return self.failures_in_row >= self.options.stop_after_failures

    async def ask(
        self, messages: list[Message], max_tokens: int, *, stream: bool = False
    ) -> Reply | None:
        if self.dead or self.budget <= 0:
            return None
        try:
            if stream:
                reply = await self.client.stream(messages, max_tokens)
            else:
                reply = await self.client.complete(messages, max_tokens)
        except ProbeError as error:
            self.failures_in_row += 1
            self.findings.errors.append(str(error))
            if error.unreachable and not self.answered:
                # nothing was ever reached: a network failure (exit 4), not a verdict
                raise UnreachableError(str(error).removeprefix("UnreachableError: ")) from None
            return None
        self.failures_in_row = 0
        self.answered += 1
        if reply.usage is None:
            self.usage_missing = self.usage_missing or not stream
        else:
            self.counts.append(CountObservation(tuple(messages), reply.usage.prompt_tokens))
        return reply

    # -- tokenizer probes -------------------------------------------------

    def count_probe(self) -> TokenizerProbe | None:
        if not self.refs or not self.counts:
            return None
        fits = [fit_counts(self.counts, ref) for ref in self.refs]
        checks = max(f.checks for f in fits)
        weight = 0.0 if checks <= 0 else W_COUNTS * min(1.0, checks / 2)
        exact = [f.label for f in fits if f.exact]
        summary = (
            f"{len(self.counts)} reported prompt_tokens counts; exact fit: "
            f"{', '.join(exact) or 'none'}"
        )
        details = {
            f.label: {
                "per_request": f.per_request,
                "per_message": f.per_message,
                "residuals": f.residuals,
            }
            for f in fits
        }
        scores = {f.label: f.score or 0.0 for f in fits if f.checks > 0}
        return TokenizerProbe("token_counts", scores, weight, summary, {"fits": details})

    def counts_decided(self) -> bool:
        fits = [fit_counts(self.counts, ref) for ref in self.refs]
        exact = [f for f in fits if f.exact]
        return len(exact) == 1 and exact[0].checks >= 2

    async def run_counts_first(self) -> None:
        for text in COUNT_TEXTS[:2]:
            await self.ask(user(text), 1)
            if self.usage_missing or self.dead:
                return

    async def run_counts_rest(self) -> None:
        """More count requests, one at a time, until exactly one reference fits."""
        for messages in (user(COUNT_TEXTS[2]), list(COUNT_MULTI), user(COUNT_TEXTS[3])):
            if self.usage_missing or self.dead or self.counts_decided():
                return
            await self.ask(messages, 1)

    async def run_stream(self) -> TokenizerProbe | None:
        reply = await self.ask(repeat_prompt(STREAM_TEXT), STREAM_MAX_TOKENS, stream=True)
        if reply is None or not self.refs:
            return None
        scored = score_stream(reply.chunks, self.refs)
        weight = W_STREAM if scored.informative else 0.0
        summary = f"{len(reply.chunks)} stream chunks, {scored.observed} boundaries" + (
            "" if scored.informative else " (too few to tell)"
        )
        return TokenizerProbe("stream_boundaries", scored.scores, weight, summary)

    async def run_truncation(self) -> TokenizerProbe | None:
        per_k: list[dict[str, float]] = []
        notes: list[str] = []
        for k, text in zip(TRUNCATION_K, TRUNCATION_TEXTS, strict=True):
            reply = await self.ask(repeat_prompt(text), k)
            if reply is None:
                continue
            if reply.finish_reason != "length" or not reply.text:
                notes.append(f"max_tokens={k}: finish_reason {reply.finish_reason!r}, ignored")
                continue
            per_k.append(score_truncation(reply.text, k, self.refs, text))
            notes.append(f"max_tokens={k}: cut after {len(reply.text)} chars")
        if not per_k or not self.refs:
            return None if not notes else TokenizerProbe("truncation", {}, 0.0, "; ".join(notes))
        scores = {
            r.label: sum(s[r.label] for s in per_k) / len(per_k)
            for r in self.refs
            if all(r.label in s for s in per_k)
        }
        return TokenizerProbe("truncation", scores, W_TRUNCATION, "; ".join(notes))

    # -- other probes ---------------------------------------------------------

    async def run_scrub(self) -> None:
        words = list(dict.fromkeys([*NAMES, *self.options.scrub_words]))
        reply = await self.ask(scrub_prompt(words), SCRUB_MAX_TOKENS)
        if reply is not None:
            cut = reply.finish_reason == "length"
            self.findings.scrub = find_scrubbed(reply.text, words, cut=cut)

    async def run_self_id(self) -> str | None:
        reply = await self.ask(user(SELF_ID_PROMPT), SIGNATURE_MAX_TOKENS)
        if reply is None:
            return None
        self.findings.self_id = SelfIdResult(reply.text, sorted(vendor_groups(reply.text)))
        return reply.text

    async def run_signature(self, first: str | None, embedder: Embedder) -> Signature | None:
        replies = [first] if first is not None else []
        if first is None:
            return None
        for prompt in SIGNATURE_PROMPTS[1:]:
            reply = await self.ask(user(prompt), SIGNATURE_MAX_TOKENS)
            if reply is None:
                return None
            replies.append(reply.text)
        return embedder.embed([r or "(empty reply)" for r in replies])


async def probe_endpoint(
    client: ChatClient,
    refs: list[Reference],
    *,
    claimed_model: str,
    claimed_tokenizer: str | None = None,
    enrolled: dict[str, Signature] | None = None,
    embedder: Embedder | None = None,
    options: SessionOptions | None = None,
    notes: list[Evidence] | None = None,
) -> FingerprintResult:
    """Probe one endpoint and judge it against the claim."""
    options = options or SessionOptions()
    findings = Findings(
        client.endpoint,
        claimed_model,
        claimed_tokenizer,
        [r.label for r in refs],
        notes=notes or [],
        descriptions={r.label: r.describe() for r in refs},
        default_groups=frozenset(r.label for r in refs if r.default_group),
    )
    session = _Session(client, refs, options, findings)
    await session.run_counts_first()
    await session.run_scrub()  # its usage (and the next one's) adds count observations
    first = await session.run_self_id()
    enrolled = enrolled or {}
    if embedder is not None and (enrolled or options.want_signature):
        findings.signature = await session.run_signature(first, embedder)
        if findings.signature is not None and enrolled:
            findings.signature_match = nearest(
                findings.signature,
                enrolled,
                margin=options.signature_margin,
                min_similarity=options.signature_min_similarity,
            )
    if refs:
        await session.run_counts_rest()
    if refs and not session.dead and not session.counts_decided():
        for probe in (await session.run_stream(), await session.run_truncation()):
            if probe is not None:
                findings.tokenizer_probes.append(probe)
    counts = session.count_probe()
    if counts is not None:
        findings.tokenizer_probes.insert(0, counts)
    if session.usage_missing:
        findings.notes.append(
            Evidence("token_counts", "endpoint reports no usage; counts not used", 0.0)
        )
    findings.queries = client.requests
    findings.seconds = client.seconds
    return decide(findings)
