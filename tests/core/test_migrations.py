"""Migrations that fill new columns or tables from existing rows: a database built at the
migration before, with rows, is opened (which migrates it) and the filled values are the
ones the code that keeps them up to date would write.

(m135, m136, m142, m143 and m144 only add tables or columns with constant defaults or
NULL: nothing to fill, so nothing to check beyond
`test_storage.test_old_schema_is_migrated_not_recreated`.)
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import sqlite_utils

from hypewatch.lifecycle import headline_status
from hypewatch.models import ClaimStatus, LaunchStatus, Verdict, VerdictStatus
from hypewatch.storage import Store, connect, delivery
from hypewatch.storage.migrations import MIGRATIONS

T = "2025-03-01T12:00:00+00:00"

#: launch -> its claims (kind, status) and the headline m141 must give it.
LAUNCHES: dict[str, tuple[list[tuple[str, str]], LaunchStatus]] = {
    "all-replicated": (
        [("score", "replicated"), ("open_weights", "replicated"), ("endpoint", "unverifiable")],
        LaunchStatus.REPLICATED,
    ),
    "core-failed": ([("score", "replicated"), ("base_model", "failed")], LaunchStatus.FAILED),
    "only-comparison-failed": (
        [("score", "replicated"), ("comparison", "failed")],
        LaunchStatus.MIXED,
    ),
    "inconclusive": ([("score", "inconclusive"), ("score", "replicated")], LaunchStatus.MIXED),
    "still-verifying": ([("score", "verifying"), ("score", "failed")], LaunchStatus.FAILED),
    "waiting": ([("score", "claimed"), ("score", "replicated")], LaunchStatus.UNDER_REVIEW),
    "nothing-checkable": ([("endpoint", "unverifiable")], LaunchStatus.UNDER_REVIEW),
    "no-claims": ([], LaunchStatus.UNDER_REVIEW),
}

#: Decided statuses: each claim in one has the verifier's verdict it came from.
DECIDED = {"replicated", "failed", "inconclusive", "unverifiable"}


def _database_before(path: Path, migration: str) -> sqlite_utils.Database:
    db = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    MIGRATIONS.apply(db, stop_before=migration)
    return db


def test_m141_fills_the_headline_status_from_the_claims(tmp_path: Path) -> None:
    path = tmp_path / "before-m141.db"
    db = _database_before(path, "m141_launch_headline_status")
    assert "status" not in db["launches"].columns_dict
    for slug, (claims, _) in LAUNCHES.items():
        launch_id = db.execute(
            "INSERT INTO launches (slug, name, first_seen) VALUES (?, ?, ?)", (slug, slug, T)
        ).lastrowid
        for n, (kind, status) in enumerate(claims):
            claim_id = db.execute(
                """INSERT INTO claims (launch_id, kind, key, status, benchmark, value,
                   created_at, updated_at) VALUES (?, ?, ?, ?, 'MMLU', 70.0, ?, ?)""",
                (launch_id, kind, f"{kind}:{n}", status, T, T),
            ).lastrowid
            if status in DECIDED:
                verdict = Verdict(VerdictStatus(status), "checked").to_json()
                db.execute(
                    """INSERT INTO verifications (claim_id, verifier, state, verdict, queued_at,
                       finished_at) VALUES (?, 'weights', 'done', ?, ?, ?)""",
                    (claim_id, json.dumps(verdict), T, T),
                )
    db.close()

    store = Store(connect(path))  # migrates
    try:
        for slug, (_, expected) in LAUNCHES.items():
            launch = store.find_launch(slug)
            claims = store.claims(launch_id=launch.id)
            assert store.headline_status(launch.id) == headline_status(claims) == expected, slug
        # and the column is kept from here on by the store's own writes
        waiting = store.find_launch("waiting")
        [pending] = [c for c in store.claims(launch_id=waiting.id) if c.status == "claimed"]
        store.transition_claim(pending.id, ClaimStatus.VERIFYING)
        store.transition_claim(pending.id, ClaimStatus.REPLICATED)
        assert store.headline_status(waiting.id) == LaunchStatus.REPLICATED
    finally:
        store.close()


def test_m120_turns_discord_subscriptions_into_destinations(tmp_path: Path) -> None:
    path = tmp_path / "before-m120.db"
    db = _database_before(path, "m120_queue_delay_and_routing")
    filters = json.dumps({"min_significance": 50})
    for platform, channel in (("discord", "111"), ("discord", "222"), ("slack", "C9")):
        db.execute(
            """INSERT INTO subscriptions (platform, channel, filters, created_by, created_at)
               VALUES (?, ?, ?, 'someone', ?)""",
            (platform, channel, filters, T),
        )
    db.close()

    store = Store(connect(path))
    try:
        rows = {row.name: row for row in delivery.live_destinations(store)}
        assert sorted(rows) == ["discord-channel:111", "discord-channel:222"]
        assert all(
            r.state == "active" and json.loads(r.filters) == json.loads(filters)
            for r in rows.values()
        )
        assert delivery.is_active(store, "discord-channel:111")
    finally:
        store.close()
