"""Retention: the daemon's `retention` job prunes old Hub snapshots and derivatives whose base
never became a launch, and never a row that is still read (velocity's snapshots, attached
derivatives)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hypewatch.bot.app import _retention_job
from hypewatch.clock import SimulatedClock
from hypewatch.config import ConfigError, parse_settings
from hypewatch.significance import _growth
from hypewatch.storage import Store
from hypewatch.storage import derivatives as derivatives_db
from hypewatch.storage.hub_snapshots import (
    HubSnapshot,
    prune_snapshots,
    record_snapshots,
    snapshots,
)

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)
WINDOW = timedelta(minutes=60)


def _follow(repo: str, start: datetime, polls: int, every: timedelta) -> list[HubSnapshot]:
    """A repo's snapshots at each poll, likes growing faster over time."""
    return [HubSnapshot(repo, start + i * every, i * i, 10 * i, float(i)) for i in range(polls)]


def test_prune_keeps_what_velocity_reads(store: Store) -> None:
    old = NOW - timedelta(days=10)
    followed = _follow("org/Old-7B", old, 72, timedelta(minutes=5))  # 6 h, a poll each 5 min
    # Spelled differently on a later poll: one repo (the Hub's names are case-insensitive).
    followed[-1] = HubSnapshot("ORG/old-7b", followed[-1].at, 5200, 800, 9.0)
    sparse = _follow("org/Sparse", old, 4, timedelta(hours=2))  # polls further apart than 1 h
    young = _follow("org/Young", NOW - timedelta(hours=3), 36, timedelta(minutes=5))
    record_snapshots(store, followed + sparse + young)
    before = {repo: snapshots(store, repo) for repo in ("org/Old-7B", "org/Sparse", "org/Young")}

    deleted = prune_snapshots(store, NOW - timedelta(days=7), WINDOW)

    kept_old = snapshots(store, "org/Old-7B")
    # The newest and every snapshot within the hour before it (12 polls, 5 min apart).
    assert [s.at for s in kept_old] == [s.at for s in followed[-13:]]
    assert [s.at for s in snapshots(store, "org/Sparse")] == [s.at for s in sparse[-2:]]
    assert snapshots(store, "org/Young") == before["org/Young"]  # still followed: untouched
    assert deleted == (72 - 13) + (4 - 2)
    for repo, series in before.items():  # velocity reads the same growth as before
        assert _growth(snapshots(store, repo), WINDOW) == _growth(series, WINDOW)
    assert prune_snapshots(store, NOW - timedelta(days=7), WINDOW) == 0  # idempotent


def test_prune_pending_derivatives_keeps_attached_ones(store: Store) -> None:
    launch = store.create_launch("base-7b", "Base-7B", hf_repo="org/Base-7B")
    for repo in ("q/Base-7B-GGUF", "q/Other-GGUF", "q/Fresh-GGUF"):
        derivatives_db.record_derivative(store, repo, "org/Base-7B", "quantized", "", repo)
    derivatives_db.mark_attached(store, "q/Base-7B-GGUF", launch.id)

    assert derivatives_db.prune_pending(store, datetime.now(UTC) - timedelta(days=1)) == 0
    assert derivatives_db.prune_pending(store, datetime.now(UTC) + timedelta(seconds=1)) == 2
    assert [r.repo for r in derivatives_db.attached_to(store, launch.id)] == ["q/Base-7B-GGUF"]
    assert derivatives_db.pending_of(store, "org/Base-7B") == []
    # The attached row still stops a re-read card from being recorded (and attached) again.
    again = derivatives_db.record_derivative(
        store, "q/Base-7B-GGUF", "org/Base-7B", "quantized", "", "x"
    )
    assert again.launch_id == launch.id


def test_the_retention_job_prunes_by_its_settings(tmp_path: Path) -> None:
    """It prunes by the store's clock (the daemon's time), not the wall clock's."""
    settings = parse_settings(
        {"retention": {"hub_snapshots_days": 2, "pending_derivatives_days": 0}}
    )
    with Store.open(tmp_path / "hw.db", clock=SimulatedClock(NOW)) as store:
        start = NOW - timedelta(days=3)
        record_snapshots(store, _follow("org/A", start, 30, timedelta(minutes=5)))
        derivatives_db.record_derivative(store, "q/A-GGUF", "org/Nobody", "quantized", "", "k")
        job = _retention_job(settings, store)

        assert job.name == "retention" and job.interval_seconds == 24 * 3600
        assert not job.run_at_start
        assert asyncio.run(job.func()) == {"snapshots": 30 - 13, "derivatives": 0}
        assert len(derivatives_db.pending_of(store, "org/Nobody")) == 1  # 0 days: kept


@pytest.mark.parametrize("value", [0.5, -1, 40_000])
def test_retention_bounds(value: float) -> None:
    with pytest.raises(ConfigError, match=r"retention\.hub_snapshots_days"):
        parse_settings({"retention": {"hub_snapshots_days": value}})
