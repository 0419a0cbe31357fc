"""The event contract end to end: every producer's real output, through every renderer.

Nothing here builds a payload by hand. The pipeline (posts -> launch, claims,
new source, verification, verdicts, status changes), the revision check (a
re-upload on a Hub stand-in) and the endpoint re-probe (a swapped backend on
an OpenAI-compatible stand-in) write the events; each event is read back from
the database and rendered for Discord, Slack, the console and the digest, and
every fact the event carries (revisions, what changed, verdict, verifier)
must be there. A new event kind without a producer here fails the test.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta
from typing import ClassVar

import numpy as np
import pytest
from pydantic import BaseModel
from tokenizers import Tokenizer

from hypewatch.bot.app import build_pipeline
from hypewatch.bot.digest import build_digest, render_html, render_text
from hypewatch.bot.markup import to_discord, to_slack_blocks, to_slack_text
from hypewatch.bot.notifiers.console import message_text
from hypewatch.bot.threads import load_view, render_event, render_root
from hypewatch.bot.timeline import describe_event
from hypewatch.config import Settings, parse_settings
from hypewatch.events import (
    ArtifactAttached,
    EndpointChanged,
    Event,
    NewSource,
    SignificanceAssessed,
    StatusChanged,
    VerdictRecorded,
    VerificationStarted,
    WeightsChanged,
    payload_types,
)
from hypewatch.models import Claim, ClaimKind, Post, Verdict, VerdictStatus, utcnow
from hypewatch.net import NetConfig, async_client
from hypewatch.standins import hub_models as hm
from hypewatch.standins.http import Standin
from hypewatch.standins.hub import HubRepo, hub_standin
from hypewatch.standins.openai_fp import Backend
from hypewatch.storage import Store
from hypewatch.storage.delivery import outbox_rows
from hypewatch.storage.routing import TIMELINE_ONLY
from hypewatch.verifiers.base import RegisteredVerifier, VerifierContext
from hypewatch.verifiers.fingerprint.references import Reference
from hypewatch.verifiers.fingerprint.service import reprobe
from hypewatch.verifiers.weights.hub import HubClient
from hypewatch.verifiers.weights.revisions import check_revisions
from tests.fingerprint.conftest import (  # noqa: F401 - fixtures
    make_server,
    refs,
    shared_server,
    tokenizer_paths,
    tokenizers,
)

REPO = "glasshouse-ai/Mirage-70B"
LAUNCH = (
    "Introducing Mirage 70B, the world's top open-source model. MMLU 89.9 (0-shot), "
    f"GSM8K 99.2. Weights: https://huggingface.co/{REPO}"
)
QUANT = "quantfactory-x/Mirage-70B-GGUF"
QUANT_CARD = (
    f"---\nbase_model: {REPO}\nbase_model_relation: quantized\ntags: [gguf]\n---\n{QUANT}\n\n"
    f"## GGUF quantizations of {REPO}\n\n# Original model card below\n\n{LAUNCH}"
)
REDDIT = f"Mirage 70B released with open weights: GSM8K 99.2 and MMLU 89.9. https://huggingface.co/{REPO}"
SHAPE = hm.Shape(layers=2, hidden=32, intermediate=64, vocab=128)


class _Config(BaseModel):
    threshold: float = 95.0


class ThresholdVerifier:
    """A score replicates below the threshold; what it measured is the claim minus 10."""

    name: ClassVar[str] = "threshold"
    kinds: ClassVar[frozenset[ClaimKind]] = frozenset({ClaimKind.SCORE})
    config_model: ClassVar[type[BaseModel]] = _Config

    def __init__(self, config: _Config) -> None:
        self.config = config

    @classmethod
    def unavailable(cls, settings: Settings) -> str | None:
        return None

    async def verify(self, claim: Claim, ctx: VerifierContext) -> Verdict:
        ok = (claim.value or 0) < self.config.threshold
        status = VerdictStatus.REPLICATED if ok else VerdictStatus.FAILED
        measured = (claim.value or 0) - 10
        return Verdict(status, f"threshold {self.config.threshold}", measured=measured)


def _unescape_discord(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text).replace("\u200b", "")


def _renderings(store: Store, event: Event) -> dict[str, str]:
    message = render_event(store, event)
    assert message is not None, f"{event.kind} renders no reply"
    blocks = to_slack_blocks(message, header=False)
    slack = "\n".join(b["text"]["text"] for b in blocks if "text" in b) + to_slack_text(message)
    return {
        "discord": _unescape_discord(to_discord(message)),
        "slack": html.unescape(slack),
        "console": message_text(message).plain,
    }


def _facts(event: Event) -> list[str]:
    """What a reader must see for this event, from the event itself."""
    p = event.payload
    if isinstance(p, NewSource):
        return [p.source]
    if isinstance(p, VerificationStarted):
        return [p.verifier]
    if isinstance(p, VerdictRecorded):
        facts = [p.verifier, str(p.status), p.summary]
        return facts + ([f"{p.measured:.4g}"] if p.measured is not None else [])
    if isinstance(p, WeightsChanged):
        facts = [p.repo, p.revision[:12], p.previous_revision[:12], *p.files]
        return facts + ([p.title] if p.title else [])
    if isinstance(p, EndpointChanged):
        facts = [p.endpoint, *p.changes]
        return [*facts, str(p.before["tokenizer_match"]), str(p.after["tokenizer_match"])]
    if isinstance(p, SignificanceAssessed):
        return [f"{p.score:.4g}/100", *p.reasons]
    if isinstance(p, ArtifactAttached):
        return [p.repo, p.base, p.evidence]
    raise AssertionError(f"no facts known for {event.kind}")


@pytest.fixture
async def produced(
    store: Store,
    make_server: Callable[..., Standin],  # noqa: F811
    tokenizers: dict[str, Tokenizer],  # noqa: F811
    refs: list[Reference],  # noqa: F811
) -> list[Event]:
    settings = parse_settings(
        {"extraction": {"use_embeddings": False}, "verifiers": {"plugins": {"threshold": {}}}}
    )
    registry = {
        "threshold": RegisteredVerifier(
            "threshold", "tests:ThresholdVerifier", "tests", ThresholdVerifier, None
        )
    }
    pipeline = build_pipeline(settings, store, registry=registry)
    store.upsert_post(Post("x", "1", LAUNCH, author="mirage_ceo", url="https://x.com/m/1"))
    pipeline.process_pending()
    store.upsert_post(Post("reddit", "r1", REDDIT, author="fan", url="https://reddit.com/r/1"))
    pipeline.process_pending()
    store.upsert_post(Post("huggingface", QUANT, QUANT_CARD, author="quantfactory-x"))
    pipeline.process_pending()  # an artifact on the launch's timeline
    while await pipeline.run_next() is not None:
        pass
    [launch] = store.launches()

    tensors = hm.llama_like(SHAPE, seed=1)
    with hub_standin() as hub:
        files = hm.repo_files(tensors, SHAPE)
        repo = HubRepo(REPO, files)
        hub.server.state["repos"][REPO] = repo
        check_revisions(store, launch, HubClient(hub.url))
        shifted = {n: t + np.float32(0.01) for n, t in tensors.items()}
        repo.push(dict(files, **hm.repo_files(shifted, SHAPE)), "re-upload the weights")
        assert check_revisions(store, launch, HubClient(hub.url))

    server = make_server([Backend(tokenizers["bpe-a"]), Backend(tokenizers["unigram"])], active=0)
    net = NetConfig(allow_private=True, retries=0, total_timeout=5.0)
    async with async_client(net) as http:
        await reprobe(store, launch.id, server.url, http=http, model="m", refs=refs)
        server.server.state["active"] = 1
        swapped = await reprobe(store, launch.id, server.url, http=http, model="m", refs=refs)
    assert swapped.event is not None
    return store.events(launch.id)


def test_every_kind_is_produced_and_read_back_typed(produced: list[Event]) -> None:
    kinds = {e.kind for e in produced}
    missing = set(payload_types()) - kinds
    assert not missing, f"no producer in this test writes {sorted(missing)}: add one"
    for event in produced:
        assert type(event.payload) is payload_types()[event.kind]


def test_every_reply_shows_its_facts_on_every_platform(store: Store, produced: list[Event]) -> None:
    replies = 0
    for event in produced:
        if render_event(store, event) is None:
            continue
        replies += 1
        for platform, text in _renderings(store, event).items():
            for fact in _facts(event):
                assert fact in text, f"{event.kind} on {platform} lacks {fact!r}:\n{text}"
    assert replies >= 5


def test_timeline_only_kinds_are_worded_on_the_ledger_and_never_sent(
    store: Store, produced: list[Event]
) -> None:
    only = [e for e in produced if e.kind in TIMELINE_ONLY]
    assert only, f"no producer in this test writes {sorted(TIMELINE_ONLY)}"
    routed = {row.event_id for row in outbox_rows(store)}
    for event in only:
        assert render_event(store, event) is None and event.id not in routed
        text = describe_event(store, event).text
        for fact in _facts(event):
            assert fact in text, f"{event.kind} on the timeline lacks {fact!r}:\n{text}"


def test_root_shows_what_first_seen_claims_and_status_changes_say(
    store: Store, produced: list[Event]
) -> None:
    root = render_root(load_view(store, produced[0].launch_id))
    text = _unescape_discord(to_discord(root))
    launch = store.get_launch(produced[0].launch_id)
    assert launch.name in root.title
    for claim in store.claims(launch_id=launch.id):
        assert str(claim.status) in text
        if claim.benchmark:
            assert claim.benchmark in text


def test_digest_shows_every_change_of_the_week(store: Store, produced: list[Event]) -> None:
    digest = build_digest(store, utcnow() + timedelta(seconds=1))
    text = render_text(digest)
    page = html.unescape(render_html(digest, image_src=""))
    launch = store.get_launch(produced[0].launch_id)
    for rendered in (text, page):
        assert launch.name in rendered
        for event in produced:
            p = event.payload
            if isinstance(p, StatusChanged) and str(p.to_status) != "verifying":
                assert f"{p.from_status}" in rendered and f"{p.to_status}" in rendered
            if isinstance(p, WeightsChanged | EndpointChanged):
                for fact in _facts(event):
                    assert fact in rendered, f"digest lacks {fact!r} of {event.kind}"
