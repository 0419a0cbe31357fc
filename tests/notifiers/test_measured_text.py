"""A verdict's number is named for what it is: a score's accuracy over items, the weights'
cosine over sampled rows, the fingerprint's confidence over probes — never 'measured 1,
6 items' for an endpoint, which reads as a benchmark result nobody ran. The thread, the
digest and the ledger page all take their words from `measured_as`."""

from __future__ import annotations

import pytest

from hypewatch.bot.digest import build_digest, render_text
from hypewatch.bot.threads import measured_text
from hypewatch.models import ClaimKind, Verdict, VerdictStatus
from hypewatch.storage import Store
from hypewatch.verifiers.fingerprint.decide import FingerprintResult
from hypewatch.verifiers.fingerprint.verifier import to_verdict
from hypewatch.web import ledger
from hypewatch.web.render import render
from tests.notifiers.conftest import add_verdict


def _fingerprint_verdict() -> Verdict:
    result = FingerprintResult(
        endpoint="https://api.example/v1",
        claimed_model="mirage-70b",
        claimed_tokenizer="llama-3.x",
        tokenizer_match="gpt-o200k",
        tokenizer_scores={"gpt-o200k": 1.0},
        verdict="inconsistent",
        confidence=1.0,
        reason="claimed llama-3.x, but gpt-o200k",
        queries=6,
        seconds=0.5,
        evidence=[],
    )
    return to_verdict(result)


def test_a_score_shows_accuracy_interval_and_items() -> None:
    verdict = Verdict(
        VerdictStatus.FAILED, "low", measured=61.2, ci_low=58.1, ci_high=64.0, sample_size=500
    )
    assert measured_text(verdict, ClaimKind.SCORE) == "measured 61.2 (95% CI 58.1–64), 500 items"


def test_an_endpoint_verdict_shows_confidence_over_probes() -> None:
    text = measured_text(_fingerprint_verdict(), ClaimKind.ENDPOINT)
    assert text == "confidence 1, 6 probes"


def test_a_base_model_verdict_names_the_cosine_and_rows() -> None:
    verdict = Verdict(VerdictStatus.FAILED, "x", measured=0.9428, sample_size=384)
    assert measured_text(verdict, ClaimKind.BASE_MODEL) == (
        "weight cosine with the claimed base 0.9428, 384 rows sampled"
    )


@pytest.mark.parametrize("kind", [ClaimKind.COMPARISON, ClaimKind.OPEN_WEIGHTS, None])
def test_a_kind_without_a_named_quantity_gets_neutral_words(kind: ClaimKind | None) -> None:
    verdict = Verdict(VerdictStatus.REPLICATED, "x", measured=1.0, sample_size=3)
    assert measured_text(verdict, kind) == "value 1, 3 samples"


def test_digest_and_ledger_page_name_an_endpoint_verdict_as_confidence(store: Store) -> None:
    launch = store.create_launch("mirage", "Mirage 70B", endpoint="https://api.example/v1")
    claim, _ = store.add_claim(
        launch.id, ClaimKind.ENDPOINT, "ep", subject="https://api.example/v1"
    )
    add_verdict(store, claim.id, "fingerprint", _fingerprint_verdict())
    text = render_text(build_digest(store))
    assert "confidence 1 on 6 probes" in text
    page = render(store, f"launches/{ledger.launch_key(launch)}.html").body.decode()
    assert "Confidence 1, 6 probes." in page
    assert "6 items" not in text + page
    (row,) = ledger.launch_page(store, launch).claims
    assert (row.measured, row.items, row.quantity, row.unit) == ("1", "6", "confidence", "probes")
