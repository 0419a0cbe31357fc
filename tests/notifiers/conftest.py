from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from hypewatch.config import Secret
from hypewatch.events import NewSource, VerdictRecorded, VerificationStarted
from hypewatch.models import ClaimKind, ClaimStatus, Launch, Post, Verdict, VerdictStatus
from hypewatch.net import NetConfig
from hypewatch.standins.http import Standin, serve
from hypewatch.storage import Store
from tests.support import discord_api, slack_api

NET = NetConfig(allow_private=True, retries=0, connect_timeout=2, read_timeout=5, total_timeout=10)
SLACK_CHANNEL = "C0123456789"


@pytest.fixture
def net() -> NetConfig:
    return NET


def _reset(standin: Standin, state: dict[str, Any]) -> Standin:
    with standin.server.lock:
        standin.server.state.clear()
        standin.server.state.update(state)
        standin.requests.clear()
    return standin


# One server per module (stopping one costs 0.5 s), with its state fresh for every test.
@pytest.fixture(scope="module")
def _discord_module() -> Iterator[Standin]:
    with serve(discord_api.DiscordHandler, **discord_api.new_state()) as standin:
        yield standin


@pytest.fixture(scope="module")
def _slack_module() -> Iterator[Standin]:
    with serve(slack_api.SlackHandler, **slack_api.new_state()) as standin:
        yield standin


@pytest.fixture
def discord_server(_discord_module: Standin) -> Standin:
    return _reset(_discord_module, discord_api.new_state())


@pytest.fixture
def slack_server(_slack_module: Standin) -> Standin:
    return _reset(_slack_module, slack_api.new_state())


@pytest.fixture
def webhook_url(discord_server: Standin) -> Secret:
    return Secret("DISCORD_WEBHOOK_URL", f"{discord_server.url}/api/webhooks/111/tok-en")


def add_verdict(store: Store, claim_id: int, verifier: str, verdict: Verdict) -> None:
    """What the verification queue does: store the verdict, move the claim, append the event."""
    with store.transaction():
        vid = store.enqueue_verification(claim_id, verifier)
        store.start_verification(vid)
        store.append_event(
            store.get_claim(claim_id).launch_id,
            VerificationStarted(verifier=verifier),
            claim_id=claim_id,
        )
        store.transition_claim(claim_id, ClaimStatus.VERIFYING)
    with store.transaction():
        store.finish_verification(vid, verdict)
        store.transition_claim(claim_id, ClaimStatus(str(verdict.status)))
        store.append_event(
            store.get_claim(claim_id).launch_id,
            VerdictRecorded.of(verifier, verdict, verification_id=vid),
            claim_id=claim_id,
        )


Scenario = Callable[..., Launch]


@pytest.fixture
def reflection() -> Scenario:
    """The Reflection 70B story in miniature, with hostile text in the posts."""

    def build(store: Store, *, name: str = "Reflection-70B", verdicts: bool = True) -> Launch:
        launch = store.create_launch(
            name.lower(),
            name,
            org="mattshumer",
            params_b=70.0,
            base_model="meta-llama/Meta-Llama-3.1-70B",
            hf_repo="mattshumer/Reflection-Llama-3.1-70B",
            hype=0.9,
        )
        post = Post(
            source="x",
            native_id="1831767014341538166",
            author="mattshumer_",
            url="https://x.com/mattshumer_/status/1831767014341538166",
            text="I'm excited to announce Reflection 70B! @everyone <@&123456789012345678> "
            "＠everyone [click](https://evil.example) <script>alert(1)</script>\r\nMMLU 89.9 "
            "<!channel> <https://evil.example|docs> & more",
            created_at=datetime(2024, 9, 5, 15, 0, tzinfo=UTC),
        )
        with store.transaction():
            store.upsert_post(post)
            store.mark_post_processed(post.key, is_claim=True, launch_id=launch.id, extraction={})
            store.append_event(launch.id, NewSource(source=post.source, post=post.key))
        claims = {}
        for bench, value, flags in (
            ("MMLU", 89.9, ()),
            ("GSM8K", 99.2, ("implausible: GSM8K 99.2 exceeds label-noise ceiling",)),
        ):
            claim, _ = store.add_claim(
                launch.id,
                ClaimKind.SCORE,
                f"score:{bench.lower()}:0-shot",
                benchmark=bench,
                setting="0-shot",
                value=value,
                post_key=post.key,
                flags=flags,
            )
            claims[bench] = claim
        if verdicts:
            add_verdict(
                store,
                claims["MMLU"].id,
                "benchmark",
                Verdict(
                    status=VerdictStatus.FAILED,
                    summary="Measured far below the claim on 500 items.",
                    label="below_claim",
                    measured=61.2,
                    ci_low=58.1,
                    ci_high=64.0,
                    sample_size=500,
                ),
            )
        return store.get_launch(launch.id)

    return build
