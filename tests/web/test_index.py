"""The launches index pages and filters in SQL: a small ledger built through Store's writers
(no demo), read back with `ledger.launch_list` and the index's JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypewatch.models import ClaimKind, ClaimStatus
from hypewatch.storage import Store
from hypewatch.web import ledger
from hypewatch.web.render import render

S = ClaimStatus
START = datetime(2026, 1, 1, tzinfo=UTC)


def _launch(store: Store, i: int, outcomes: tuple[ClaimStatus, ...], org: str = "") -> None:
    launch = store.create_launch(
        f"m-{i}", f"Model {i}", org=org, hf_repo=f"org/repo-{i}", first_seen=START + timedelta(i)
    )
    for n, outcome in enumerate(outcomes):
        claim, _ = store.add_claim(
            launch.id, ClaimKind.SCORE, f"s{n}", benchmark="MMLU" if n else "GSM8K", value=80.0
        )
        if outcome is not S.CLAIMED:
            store.transition_claim(claim.id, S.VERIFYING)
            store.transition_claim(claim.id, outcome)


def _build(store: Store) -> None:
    _launch(store, 0, (S.FAILED,), org="Acme")
    _launch(store, 1, (S.REPLICATED, S.REPLICATED), org="acme")
    _launch(store, 2, (S.REPLICATED, S.INCONCLUSIVE), org="Other")
    _launch(store, 3, (S.CLAIMED,))
    _launch(store, 4, (S.REPLICATED, S.INCONCLUSIVE))


def _names(store: Store, page_size: int | None = 100, **query: str) -> list[str]:
    filters = ledger.Filters.parse(query)
    return [s.name for s in ledger.launch_list(store, filters, page_size=page_size).launches]


def test_filters_order_and_counts_come_from_sql(store: Store) -> None:
    _build(store)
    assert _names(store) == [f"Model {i}" for i in (4, 3, 2, 1, 0)]  # newest first
    assert _names(store, status="mixed") == ["Model 4", "Model 2"]
    assert _names(store, status="failed") == ["Model 0"]
    assert _names(store, status="under review") == ["Model 3"]
    assert _names(store, org="ACME") == ["Model 1", "Model 0"]  # case-insensitive
    assert _names(store, benchmark="mmlu") == ["Model 4", "Model 2", "Model 1"]
    assert _names(store, q="REPO-2") == ["Model 2"]
    assert _names(store, q="model 1", status="replicated") == ["Model 1"]
    listed = ledger.launch_list(store, ledger.Filters(), page_size=100)
    assert listed.counts == {"under review": 1, "failed": 1, "replicated": 1, "mixed": 2}
    assert listed.orgs == ("Acme", "acme", "Other")
    assert listed.benchmarks == ("GSM8K", "MMLU")
    summary = next(s for s in listed.launches if s.name == "Model 2")
    assert (summary.status, summary.claims, summary.replicated) == ("mixed", 2, 1)
    assert summary.benchmarks == ("GSM8K", "MMLU")


def test_pages_with_limit_and_offset(store: Store) -> None:
    _build(store)
    first = ledger.launch_list(store, ledger.Filters(page=1), page_size=2)
    third = ledger.launch_list(store, ledger.Filters(page=3), page_size=2)
    beyond = ledger.launch_list(store, ledger.Filters(page=4), page_size=2)
    assert [s.name for s in first.launches] == ["Model 4", "Model 3"]
    assert [s.name for s in third.launches] == ["Model 0"]
    assert (first.total, first.pages, beyond.launches) == (5, 3, [])
    assert len(_names(store, page_size=None)) == 5  # the static export: every launch
    data = json.loads(render(store, "index.json", {"status": "mixed"}).body)
    assert data["total"] == 2 and [s["status"] for s in data["launches"]] == ["mixed"] * 2
