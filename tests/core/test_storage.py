from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlite_utils

from hypewatch.models import ClaimKind, ClaimStatus, EventKind, Post, Verdict, VerdictStatus
from hypewatch.storage import Store, connect
from hypewatch.storage.migrations import MIGRATIONS


def _post(native_id: str = "1", text: str = "Reflection 70B: MMLU 89.9", likes: int = 5) -> Post:
    return Post(
        source="x",
        native_id=native_id,
        text=text,
        author="mattshumer_",
        url=f"https://x.com/mattshumer_/status/{native_id}",
        created_at=datetime(2024, 9, 5, 15, 0, tzinfo=UTC),
        engagement={"likes": likes},
        raw={"id": native_id},
    )


def test_post_round_trip_and_idempotent_upsert(store: Store) -> None:
    assert store.upsert_post(_post()) is True
    assert store.upsert_post(_post(likes=900, text="edited later")) is False
    stored = store.get_post("x:1")
    assert stored.text == "Reflection 70B: MMLU 89.9"  # the text first claimed is kept
    assert stored.engagement == {"likes": 900}  # engagement refreshes
    assert stored.created_at == datetime(2024, 9, 5, 15, 0, tzinfo=UTC)
    assert store.count_posts() == 1


def test_launch_claims_events_round_trip(store: Store) -> None:
    launch = store.create_launch("reflection-70b", "Reflection 70B", params_b=70.0)
    assert launch.params_b == 70.0
    claim, new = store.add_claim(
        launch.id,
        ClaimKind.SCORE,
        "score:mmlu:0-shot",
        benchmark="mmlu",
        value=89.9,
        flags=("above_ceiling",),
    )
    again, new_again = store.add_claim(launch.id, ClaimKind.SCORE, "score:mmlu:0-shot", value=1.0)
    assert new and not new_again and again.id == claim.id and again.value == 89.9
    assert claim.flags == ("above_ceiling",)
    kinds = [e.kind for e in store.events(launch.id)]
    assert kinds == [EventKind.FIRST_SEEN, EventKind.CLAIM_ADDED]
    assert store.find_launch("Reflection 70B").id == launch.id
    assert store.find_launch(str(launch.id)).slug == "reflection-70b"


def test_verdict_and_artifacts_round_trip(store: Store) -> None:
    launch = store.create_launch("m", "M")
    claim, _ = store.add_claim(launch.id, ClaimKind.SCORE, "score:gsm8k:", value=99.2)
    vid = store.enqueue_verification(claim.id, "benchmark", priority=2.0)
    assert store.enqueue_verification(claim.id, "benchmark") == vid  # no duplicate queue entry
    store.start_verification(vid)
    verdict = Verdict(
        status=VerdictStatus.FAILED,
        summary="79.0% measured",
        measured=79.0,
        ci_low=75.1,
        ci_high=82.4,
        sample_size=104,
        artifacts=[{"item": 1, "correct": False}],
    )
    store.finish_verification(vid, verdict)
    [(name, back)] = store.verdicts_for_claim(claim.id)
    assert name == "benchmark" and back.measured == 79.0 and back.sample_size == 104
    assert store.artifacts(vid) == [{"item": 1, "correct": False}]


def test_events_are_append_only(store: Store) -> None:
    launch = store.create_launch("m", "M")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.execute("UPDATE events SET kind = 'x' WHERE launch_id = ?", (launch.id,))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.execute("DELETE FROM events")
    assert len(store.events(launch.id)) == 1


def test_transaction_rolls_back_everything(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.upsert_post(_post("9"))
        store.set_cursor("x", "query:a", "9")
        raise RuntimeError("crash in the middle")
    assert store.count_posts() == 0
    assert store.get_cursor("x", "query:a") is None


def test_outbox_rows_commit_and_roll_back_with_their_event(store: Store) -> None:
    from hypewatch.storage import delivery

    delivery.register_destinations(store, {"console": {}}, subscriptions=())
    with pytest.raises(RuntimeError), store.transaction():
        store.create_launch("m", "M")
        assert len(delivery.outbox_rows(store)) == 1  # written with the event
        raise RuntimeError("crash before the commit")
    assert store.launches() == []
    assert delivery.outbox_rows(store) == []  # rolled back together
    launch = store.create_launch("m", "M")
    [row] = delivery.outbox_rows(store)
    assert row.event_id == store.events(launch.id)[0].id
    assert row.state is delivery.OutboxState.PENDING


def test_store_is_a_context_manager(tmp_path: Path) -> None:
    with Store.open(tmp_path / "cm.db") as store:
        store.create_launch("m", "M")
    with pytest.raises(sqlite3.ProgrammingError):
        store.launches()


def test_pragmas(store: Store) -> None:
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute(
            "INSERT INTO claims (launch_id, kind, key, created_at, updated_at) "
            "VALUES (999, 'score', 'k', 'now', 'now')"
        )


def test_old_schema_is_migrated_not_recreated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    MIGRATIONS.apply(old, stop_before="m002_delivery_and_health")
    old.execute(
        "INSERT INTO launches (slug, name, first_seen) VALUES ('old', 'Old Model', '2024-01-01')"
    )
    assert "source_health" not in old.table_names()
    old.close()

    store = Store(connect(path))
    assert store.schema_version() == len(MIGRATIONS.pending(sqlite_utils.Database(memory=True)))
    assert "source_health" in store.db.table_names()
    assert store.find_launch("old").name == "Old Model"  # data kept
    store.close()


def test_claims_filter_by_status(store: Store) -> None:
    launch = store.create_launch("m", "M")
    a, _ = store.add_claim(launch.id, ClaimKind.SCORE, "a", value=1.0)
    store.add_claim(launch.id, ClaimKind.BASE_MODEL, "b", subject="meta-llama/Llama-3.1-70B")
    store.transition_claim(a.id, ClaimStatus.VERIFYING)
    assert [c.key for c in store.claims(status=ClaimStatus.VERIFYING)] == ["a"]
    assert [c.key for c in store.claims(status=ClaimStatus.CLAIMED)] == ["b"]


def test_free_slug_and_launch_sources(store: Store) -> None:
    first = store.create_launch(store.free_slug("tern-7b"), "Tern 7B")
    second = store.create_launch(store.free_slug("tern-7b"), "Tern 7B v2")
    assert (first.slug, second.slug) == ("tern-7b", "tern-7b-2")
    assert store.free_slug("tern") == "tern"  # a prefix is not a clash
    store.upsert_post(_post("1"))
    store.mark_post_processed("x:1", is_claim=True, launch_id=first.id, extraction={})
    assert store.launch_sources(first.id) == {"x"}
    assert store.launch_sources(first.id, except_post="x:1") == set()
