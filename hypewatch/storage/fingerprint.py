"""Accessors for the fingerprint tables: `endpoint_probes` and `fingerprint_references`.

A signature is stored as JSON `{"embedder": name, "vectors": [[...], ...]}` so
signatures made by different embedding models are never compared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hypewatch.models import JSON
from hypewatch.storage.db import write
from hypewatch.storage.store import Store

Vectors = list[list[float]]


@dataclass(frozen=True)
class ProbeRecord:
    id: int
    endpoint: str
    model: str
    probed_at: datetime
    tokenizer_match: str | None
    verdict: str | None
    signature: Vectors | None
    embedder: str | None
    result: JSON


@dataclass(frozen=True)
class EnrolledReference:
    label: str
    endpoint: str
    model: str
    enrolled_at: datetime
    embedder: str
    signature: Vectors


def _signature_json(embedder: str, vectors: Vectors) -> str:
    return json.dumps({"embedder": embedder, "vectors": vectors})


def _parse_signature(text: str | None) -> tuple[str | None, Vectors | None]:
    if not text:
        return None, None
    data = json.loads(text)
    return str(data.get("embedder", "")), [list(map(float, v)) for v in data.get("vectors", [])]


def _probe(row: dict[str, Any]) -> ProbeRecord:
    embedder, vectors = _parse_signature(row["signature"])
    return ProbeRecord(
        id=row["id"],
        endpoint=row["endpoint"],
        model=row["model"],
        probed_at=datetime.fromisoformat(row["probed_at"]),
        tokenizer_match=row["tokenizer_match"],
        verdict=row["verdict"],
        signature=vectors,
        embedder=embedder,
        result=json.loads(row["result"]),
    )


def record_probe(
    store: Store,
    *,
    endpoint: str,
    model: str,
    tokenizer_match: str | None,
    verdict: str,
    result: JSON,
    signature: Vectors | None = None,
    embedder: str | None = None,
) -> ProbeRecord:
    """Append one probe result; the history of an endpoint is never rewritten."""
    sig = _signature_json(embedder or "", signature) if signature else None
    with write(store.db):
        cursor = store.db.execute(
            """INSERT INTO endpoint_probes
               (endpoint, model, probed_at, tokenizer_match, verdict, signature, result)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (
                endpoint,
                model,
                store.now().isoformat(),
                tokenizer_match,
                verdict,
                sig,
                json.dumps(result, ensure_ascii=False, default=str),
            ),
        )
        rows = list(
            store.db.query("SELECT * FROM endpoint_probes WHERE id = ?", (cursor.lastrowid,))
        )
    return _probe(rows[0])


def probe_history(store: Store, endpoint: str, limit: int = 50) -> list[ProbeRecord]:
    """The newest probes of an endpoint first."""
    rows = store.db.query(
        "SELECT * FROM endpoint_probes WHERE endpoint = ? ORDER BY id DESC LIMIT ?",
        (endpoint, limit),
    )
    return [_probe(r) for r in rows]


def latest_probe(store: Store, endpoint: str) -> ProbeRecord | None:
    history = probe_history(store, endpoint, limit=1)
    return history[0] if history else None


def enroll_reference(
    store: Store, *, label: str, endpoint: str, model: str, embedder: str, signature: Vectors
) -> EnrolledReference:
    """Store (or replace) the behavioural signature enrolled under `label`."""
    now = store.now()
    with write(store.db):
        store.db.execute(
            """INSERT INTO fingerprint_references (label, endpoint, model, enrolled_at, signature)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (label) DO UPDATE SET endpoint = excluded.endpoint,
               model = excluded.model, enrolled_at = excluded.enrolled_at,
               signature = excluded.signature""",
            (label, endpoint, model, now.isoformat(), _signature_json(embedder, signature)),
        )
    return EnrolledReference(label, endpoint, model, now, embedder, signature)


def enrolled_references(store: Store) -> list[EnrolledReference]:
    rows = store.db.query("SELECT * FROM fingerprint_references ORDER BY label")
    found = []
    for row in rows:
        embedder, vectors = _parse_signature(row["signature"])
        found.append(
            EnrolledReference(
                row["label"],
                row["endpoint"],
                row["model"],
                datetime.fromisoformat(row["enrolled_at"]),
                embedder or "",
                vectors or [],
            )
        )
    return found


def enrolled_signatures(store: Store, embedder: str) -> dict[str, Vectors]:
    """Label -> signature, only those made with `embedder`."""
    return {r.label: r.signature for r in enrolled_references(store) if r.embedder == embedder}


@dataclass(frozen=True)
class EnrolledCounts:
    """`prompt_tokens` an API reported for each probe request (its messages, verbatim)."""

    label: str
    endpoint: str
    model: str
    enrolled_at: datetime
    counts: list[tuple[list[dict[str, str]], int]]


def enroll_counts(
    store: Store,
    *,
    label: str,
    endpoint: str,
    model: str,
    counts: list[tuple[list[dict[str, str]], int]],
) -> EnrolledCounts:
    """Store (or replace) the usage counts enrolled under `label`."""
    now = store.now()
    document = json.dumps([{"messages": m, "prompt_tokens": n} for m, n in counts])
    with write(store.db):
        store.db.execute(
            """INSERT INTO fingerprint_count_references (label, endpoint, model, enrolled_at,
               counts) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (label) DO UPDATE SET endpoint = excluded.endpoint,
               model = excluded.model, enrolled_at = excluded.enrolled_at,
               counts = excluded.counts""",
            (label, endpoint, model, now.isoformat(), document),
        )
    return EnrolledCounts(label, endpoint, model, now, counts)


def enrolled_counts(store: Store) -> list[EnrolledCounts]:
    rows = store.db.query("SELECT * FROM fingerprint_count_references ORDER BY label")
    return [
        EnrolledCounts(
            row["label"],
            row["endpoint"],
            row["model"],
            datetime.fromisoformat(row["enrolled_at"]),
            [
                ([dict(m) for m in item["messages"]], int(item["prompt_tokens"]))
                for item in json.loads(row["counts"])
            ],
        )
        for row in rows
    ]
