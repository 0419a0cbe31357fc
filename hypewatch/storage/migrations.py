"""Ordered schema migrations, applied on open (sqlite-utils `Migrations`).

`_sqlite_migrations` is the schema version table: one row per applied
migration. Never edit a migration that has shipped: add a new one at the end.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

MIGRATIONS = Migrations("hypewatch")

_CLAIM_KINDS = "'score','base_model','comparison','open_weights','endpoint'"
_CLAIM_STATUSES = "'claimed','verifying','replicated','failed','inconclusive','unverifiable'"


def _run(db: sqlite_utils.Database, statements: list[str]) -> None:
    for statement in statements:
        db.execute(statement)


@MIGRATIONS(name="m001_core")
def m001_core(db: sqlite_utils.Database) -> None:
    _run(
        db,
        [
            """CREATE TABLE launches (
                id INTEGER PRIMARY KEY,
                slug TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                org TEXT NOT NULL DEFAULT '',
                params_b REAL,
                base_model TEXT NOT NULL DEFAULT '',
                hf_repo TEXT NOT NULL DEFAULT '',
                endpoint TEXT NOT NULL DEFAULT '',
                first_seen TEXT NOT NULL,
                hype REAL NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX launches_hf_repo ON launches(hf_repo)",
            """CREATE TABLE posts (
                key TEXT PRIMARY KEY,
                source TEXT NOT NULL,
                native_id TEXT NOT NULL,
                author TEXT NOT NULL DEFAULT '',
                url TEXT NOT NULL DEFAULT '',
                text TEXT NOT NULL,
                created_at TEXT NOT NULL,
                engagement TEXT NOT NULL DEFAULT '{}',
                raw TEXT NOT NULL DEFAULT '{}',
                stored_at TEXT NOT NULL,
                launch_id INTEGER REFERENCES launches(id),
                is_claim INTEGER,
                extraction TEXT
            )""",
            "CREATE INDEX posts_launch ON posts(launch_id)",
            "CREATE INDEX posts_unprocessed ON posts(is_claim) WHERE is_claim IS NULL",
            f"""CREATE TABLE claims (
                id INTEGER PRIMARY KEY,
                launch_id INTEGER NOT NULL REFERENCES launches(id),
                kind TEXT NOT NULL CHECK (kind IN ({_CLAIM_KINDS})),
                key TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'claimed' CHECK (status IN ({_CLAIM_STATUSES})),
                benchmark TEXT NOT NULL DEFAULT '',
                setting TEXT NOT NULL DEFAULT '',
                value REAL,
                subject TEXT NOT NULL DEFAULT '',
                post_key TEXT REFERENCES posts(key),
                flags TEXT NOT NULL DEFAULT '[]',
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                UNIQUE (launch_id, key)
            )""",
            "CREATE INDEX claims_status ON claims(status)",
            """CREATE TABLE verifications (
                id INTEGER PRIMARY KEY,
                claim_id INTEGER NOT NULL REFERENCES claims(id),
                verifier TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued','running','done','error')),
                priority REAL NOT NULL DEFAULT 0,
                attempts INTEGER NOT NULL DEFAULT 0,
                verdict TEXT,
                error TEXT,
                queued_at TEXT NOT NULL,
                started_at TEXT,
                finished_at TEXT
            )""",
            "CREATE INDEX verifications_queue ON verifications(state, priority)",
            """CREATE TABLE artifacts (
                id INTEGER PRIMARY KEY,
                verification_id INTEGER NOT NULL REFERENCES verifications(id),
                seq INTEGER NOT NULL,
                data TEXT NOT NULL,
                UNIQUE (verification_id, seq)
            )""",
            """CREATE TABLE events (
                id INTEGER PRIMARY KEY,
                launch_id INTEGER NOT NULL REFERENCES launches(id),
                claim_id INTEGER REFERENCES claims(id),
                kind TEXT NOT NULL,
                payload TEXT NOT NULL DEFAULT '{}',
                created_at TEXT NOT NULL
            )""",
            "CREATE INDEX events_launch ON events(launch_id, id)",
            """CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
               BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
            """CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
               BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
            """CREATE TABLE subscriptions (
                id INTEGER PRIMARY KEY,
                platform TEXT NOT NULL,
                channel TEXT NOT NULL,
                filters TEXT NOT NULL DEFAULT '{}',
                created_by TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL,
                UNIQUE (platform, channel)
            )""",
            """CREATE TABLE outbox (
                id INTEGER PRIMARY KEY,
                event_id INTEGER NOT NULL REFERENCES events(id),
                destination TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending','sending','sent','failed','disabled')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TEXT,
                message_id TEXT,
                last_error TEXT,
                created_at TEXT NOT NULL,
                sent_at TEXT,
                UNIQUE (event_id, destination)
            )""",
            "CREATE INDEX outbox_pending ON outbox(state, next_attempt_at)",
            """CREATE TABLE cursors (
                source TEXT NOT NULL,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (source, key)
            )""",
            """CREATE TABLE endpoint_probes (
                id INTEGER PRIMARY KEY,
                endpoint TEXT NOT NULL,
                model TEXT NOT NULL DEFAULT '',
                probed_at TEXT NOT NULL,
                tokenizer_match TEXT,
                verdict TEXT,
                signature TEXT,
                result TEXT NOT NULL DEFAULT '{}'
            )""",
            "CREATE INDEX endpoint_probes_endpoint ON endpoint_probes(endpoint, id)",
            """CREATE TABLE repo_revisions (
                id INTEGER PRIMARY KEY,
                repo TEXT NOT NULL,
                revision TEXT NOT NULL,
                seen_at TEXT NOT NULL,
                committed_at TEXT,
                files TEXT NOT NULL DEFAULT '[]',
                UNIQUE (repo, revision)
            )""",
        ],
    )


@MIGRATIONS(name="m002_delivery_and_health")
def m002_delivery_and_health(db: sqlite_utils.Database) -> None:
    _run(
        db,
        [
            """CREATE TABLE source_health (
                source TEXT PRIMARY KEY,
                last_success TEXT,
                last_error TEXT,
                last_error_at TEXT,
                backoff_until TEXT,
                consecutive_failures INTEGER NOT NULL DEFAULT 0,
                budget_used INTEGER NOT NULL DEFAULT 0,
                budget_period TEXT NOT NULL DEFAULT ''
            )""",
            """CREATE TABLE threads (
                destination TEXT NOT NULL,
                launch_id INTEGER NOT NULL REFERENCES launches(id),
                root_message_id TEXT,
                thread_id TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (destination, launch_id)
            )""",
            """CREATE TABLE destinations (
                name TEXT PRIMARY KEY,
                state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active','disabled')),
                reason TEXT NOT NULL DEFAULT '',
                updated_at TEXT NOT NULL
            )""",
            """CREATE TABLE digest_sends (
                iso_week TEXT PRIMARY KEY,
                sent_at TEXT NOT NULL,
                recipients TEXT NOT NULL DEFAULT '[]',
                message_id TEXT NOT NULL DEFAULT ''
            )""",
            """CREATE TABLE fingerprint_references (
                label TEXT PRIMARY KEY,
                endpoint TEXT NOT NULL,
                model TEXT NOT NULL DEFAULT '',
                enrolled_at TEXT NOT NULL,
                signature TEXT NOT NULL
            )""",
        ],
    )


@MIGRATIONS(name="m108_notifiers_root_hash")
def m108_notifiers_root_hash(db: sqlite_utils.Database) -> None:
    """Remember what each thread root shows, so it is edited only when it changes."""
    _run(db, ["ALTER TABLE threads ADD COLUMN root_hash TEXT NOT NULL DEFAULT ''"])


@MIGRATIONS(name="m120_queue_delay_and_routing")
def m120_queue_delay_and_routing(db: sqlite_utils.Database) -> None:
    """A verification may wait until `not_before` (a target that does not exist yet);
    destinations carry their filters and whether they are still configured (`retired`),
    so any process that appends an event can route it; Discord channel subscriptions
    become destinations. A claim's verdict history is read by claim (index)."""
    _run(
        db,
        [
            "ALTER TABLE verifications ADD COLUMN not_before TEXT",
            "CREATE INDEX verifications_claim ON verifications(claim_id, id)",
            "ALTER TABLE destinations ADD COLUMN filters TEXT NOT NULL DEFAULT '{}'",
            "ALTER TABLE destinations ADD COLUMN retired INTEGER NOT NULL DEFAULT 0",
            """INSERT INTO destinations (name, state, reason, updated_at, filters, retired)
               SELECT 'discord-channel:' || channel, 'active', '', created_at, filters, 0
               FROM subscriptions WHERE platform = 'discord'
               ON CONFLICT (name) DO NOTHING""",
        ],
    )


@MIGRATIONS(name="m121_fingerprint_count_references")
def m121_fingerprint_count_references(db: sqlite_utils.Database) -> None:
    """Usage counts a known API reported for the probe requests (a closed model's reference)."""
    _run(
        db,
        [
            """CREATE TABLE fingerprint_count_references (
                label TEXT PRIMARY KEY,
                endpoint TEXT NOT NULL,
                model TEXT NOT NULL DEFAULT '',
                enrolled_at TEXT NOT NULL,
                counts TEXT NOT NULL
            )""",
        ],
    )


@MIGRATIONS(name="m130_launch_significance")
def m130_launch_significance(db: sqlite_utils.Database) -> None:
    """A launch's significance score and the reasons for it (`hypewatch.significance`);
    NULL for a launch never assessed."""
    _run(
        db,
        [
            "ALTER TABLE launches ADD COLUMN significance REAL",
            "ALTER TABLE launches ADD COLUMN significance_reasons TEXT NOT NULL DEFAULT '[]'",
        ],
    )


@MIGRATIONS(name="m135_derivatives")
def m135_derivatives(db: sqlite_utils.Database) -> None:
    """Derivative repos (quantisations, adapters, copied cards) and the base they were made
    from; `launch_id` is set once they are attached to the base's launch (`artifact` event)."""
    _run(
        db,
        [
            """CREATE TABLE derivatives (
                repo TEXT PRIMARY KEY,
                base TEXT NOT NULL,
                relation TEXT NOT NULL,
                evidence TEXT NOT NULL DEFAULT '',
                post_key TEXT NOT NULL DEFAULT '',
                seen_at TEXT NOT NULL,
                launch_id INTEGER REFERENCES launches(id),
                attached_at TEXT
            )""",
            "CREATE INDEX derivatives_base ON derivatives(base COLLATE NOCASE)",
        ],
    )


@MIGRATIONS(name="m136_hub_snapshots")
def m136_hub_snapshots(db: sqlite_utils.Database) -> None:
    """A Hub repo's likes, downloads and trending score as each poll of the Hub watcher saw
    them (velocity over the first hours, `hypewatch.significance`)."""
    _run(
        db,
        [
            """CREATE TABLE hub_snapshots (
                id INTEGER PRIMARY KEY,
                repo TEXT NOT NULL,
                at TEXT NOT NULL,
                likes INTEGER NOT NULL,
                downloads INTEGER NOT NULL,
                trending_score REAL NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX hub_snapshots_repo ON hub_snapshots(repo COLLATE NOCASE, at)",
        ],
    )


@MIGRATIONS(name="m141_launch_headline_status")
def m141_launch_headline_status(db: sqlite_utils.Database) -> None:
    """A launch's headline status (`lifecycle.headline_status`, the one rule) kept on the
    launch, written with every claim write (`Store._refresh_status`), so the ledger's index
    filters, counts and pages with SQL instead of reading every launch and claim."""
    from hypewatch.lifecycle import headline_status
    from hypewatch.storage.store import _claim

    _run(
        db,
        [
            "ALTER TABLE launches ADD COLUMN status TEXT NOT NULL DEFAULT 'under review'",
            "CREATE INDEX launches_status ON launches(status)",
            "CREATE INDEX launches_first_seen ON launches(first_seen, id)",
        ],
    )
    claims: dict[int, list[dict[str, object]]] = {}
    for row in db.query("SELECT * FROM claims ORDER BY id"):
        claims.setdefault(int(row["launch_id"]), []).append(row)
    for launch_id, rows in claims.items():
        status = headline_status(_claim(r) for r in rows)
        db.execute("UPDATE launches SET status = ? WHERE id = ?", (str(status), launch_id))


@MIGRATIONS(name="m142_digest_outbox_and_thread_names")
def m142_digest_outbox_and_thread_names(db: sqlite_utils.Database) -> None:
    """The weekly digest as outbox rows: one per (recipient, ISO week), claimed by the
    process sending it (its PID and start time, so a restart can take over the claim of a
    process that died); a thread remembers the name it was given, so it is renamed only when
    the launch's status changes it."""
    _run(
        db,
        [
            """CREATE TABLE digest_outbox (
                id INTEGER PRIMARY KEY,
                iso_week TEXT NOT NULL,
                recipient TEXT NOT NULL,
                built_at TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending','sending','sent','failed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TEXT,
                owner_pid INTEGER,
                owner_started REAL,
                message_id TEXT NOT NULL DEFAULT '',
                last_error TEXT,
                created_at TEXT NOT NULL,
                sent_at TEXT,
                UNIQUE (recipient, iso_week)
            )""",
            "CREATE INDEX digest_outbox_due ON digest_outbox(state, next_attempt_at)",
            "ALTER TABLE threads ADD COLUMN thread_name TEXT NOT NULL DEFAULT ''",
        ],
    )


@MIGRATIONS(name="m143_model_usage")
def m143_model_usage(db: sqlite_utils.Database) -> None:
    """Model-access usage per UTC day and route, counted from the OpenAI `usage` field of
    the replies (`storage/usage.py`, the one writer); budgets read it (docs/access.md)."""
    _run(
        db,
        [
            """CREATE TABLE model_usage (
                day TEXT NOT NULL,
                route_kind TEXT NOT NULL,
                provider TEXT NOT NULL DEFAULT '',
                model TEXT NOT NULL DEFAULT '',
                requests INTEGER NOT NULL DEFAULT 0,
                prompt_tokens INTEGER NOT NULL DEFAULT 0,
                completion_tokens INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (day, route_kind, provider, model)
            )""",
        ],
    )


@MIGRATIONS(name="m144_outbox_claims")
def m144_outbox_claims(db: sqlite_utils.Database) -> None:
    """Event outbox rows are claimed by the process sending them, as digest rows are
    (`storage.claims`: PID and start time), so the daemon and `hypewatch run --once` never
    send the same row; a row held by a process that died is taken over."""
    _run(
        db,
        [
            "ALTER TABLE outbox ADD COLUMN owner_pid INTEGER",
            "ALTER TABLE outbox ADD COLUMN owner_started REAL",
        ],
    )
