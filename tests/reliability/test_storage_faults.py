"""Fault injection on the database: a full disk, damaged pages, a lock held by another
process, a second daemon, a foreign file, a fresh directory. Each is a clear error with the
documented exit code (7), and nothing committed before it is lost."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hypewatch.cli import app
from hypewatch.errors import EXIT_STORAGE
from hypewatch.models import Post, Source, utcnow
from hypewatch.storage import StorageError, Store
from hypewatch.storage.instance import single_instance

pytestmark = pytest.mark.faults
runner = CliRunner()


def _post(n: int, text: str = "We release Foo-7B: MMLU 70.1") -> Post:
    return Post(
        source=Source.X,
        native_id=str(n),
        author="lab",
        url=f"https://x.com/lab/status/{n}",
        text=text,
        created_at=utcnow(),
    )


def _stored(path: Path, n: int = 3) -> None:
    store = Store.open(path)
    with store.transaction():
        for i in range(n):
            store.upsert_post(_post(i))
    store.close()


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def _count_posts(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM posts").fetchone()[0])
    finally:
        conn.close()


def test_a_full_disk_is_a_clear_error_and_loses_nothing_committed(tmp_path: Path) -> None:
    path = tmp_path / "hw.db"
    _stored(path)
    store = Store.open(path)
    pages = store.db.conn.execute("PRAGMA page_count").fetchone()[0]
    store.db.conn.execute(f"PRAGMA max_page_count={pages}")  # SQLITE_FULL on the next page
    with pytest.raises(StorageError, match="full") as info, store.transaction():
        for i in range(100, 400):
            store.upsert_post(_post(i, "x" * 4000))
    assert "rolled back" in str(info.value) and "intact" in str(info.value)
    store.close()
    assert _integrity(path) == "ok"
    assert _count_posts(path) == 3


def _damage(path: Path) -> None:
    _stored(path, 50)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(2 * page, len(data) - page, page):  # every page after the schema
        data[offset : offset + 64] = b"\xde\xad\xbe\xef" * 16
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("command", [["status"], ["claims"], ["poll", "--source", "hf"]])
def test_a_damaged_database_is_refused_with_exit_7(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "hw.db"
    _damage(path)
    before = path.read_bytes()
    result = runner.invoke(app, ["--db", str(path), *command, "--json"])
    assert result.exit_code == EXIT_STORAGE, result.output
    document = json.loads(result.stdout.strip().splitlines()[-1])
    assert document["ok"] is False and document["error"]["code"] == EXIT_STORAGE
    assert "damaged" in document["error"]["message"]
    assert "Traceback" not in result.output
    assert path.read_bytes() == before  # nothing was written to it


def test_db_check_reports_damage_and_backup_copies_a_healthy_database(tmp_path: Path) -> None:
    healthy = tmp_path / "ok.db"
    _stored(healthy)
    assert runner.invoke(app, ["--db", str(healthy), "db", "check"]).exit_code == 0
    copy = tmp_path / "backup.db"
    result = runner.invoke(app, ["--db", str(healthy), "db", "backup", str(copy), "--json"])
    assert result.exit_code == 0, result.output
    assert _count_posts(copy) == 3 and _integrity(copy) == "ok"
    again = runner.invoke(app, ["--db", str(healthy), "db", "backup", str(copy)])
    assert again.exit_code == EXIT_STORAGE and "already exists" in again.output
    damaged = tmp_path / "bad.db"
    _damage(damaged)
    assert runner.invoke(app, ["--db", str(damaged), "db", "check"]).exit_code == EXIT_STORAGE


_HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


def test_a_lock_held_by_another_process_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "hw.db"
    _stored(path)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(path), "12"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        store = Store.open(path)
        started = time.monotonic()
        locked = pytest.raises(StorageError, match="locked by another process")
        with locked as info, store.transaction():
            store.upsert_post(_post(99))
        assert time.monotonic() - started < 11
        assert "nothing was lost" in str(info.value)
        store.close()
    finally:
        holder.kill()
        holder.wait()
    assert _integrity(path) == "ok" and _count_posts(path) == 3


def test_a_second_daemon_on_the_same_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "hw.db"
    refused = pytest.raises(StorageError, match=r"PID \d+\) is already running")
    with single_instance(path), refused, single_instance(path):
        pass
    with single_instance(path):  # released when the first one stopped
        pass


def test_read_only_commands_never_create_a_database(tmp_path: Path) -> None:
    path = tmp_path / "hypewatch.db"
    for command in (["status"], ["claims"], ["show", "1"], ["db", "check"]):
        result = runner.invoke(app, ["--db", str(path), *command])
        assert result.exit_code == EXIT_STORAGE, (command, result.output)
        assert "no database" in result.output
        assert not path.exists()


def test_a_foreign_sqlite_file_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices (total) VALUES (12.5)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    for command in (["status"], ["init"]):
        result = runner.invoke(app, ["--db", str(path), *command])
        assert result.exit_code == EXIT_STORAGE, result.output
        assert "not hypewatch's" in result.output
    assert path.read_bytes() == before
