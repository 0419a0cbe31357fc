"""Opening the SQLite database: pragmas, migrations, write transactions."""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from hypewatch.errors import StorageError as StorageError
from hypewatch.storage.migrations import MIGRATIONS

_WRITE_LOCKS: weakref.WeakKeyDictionary[sqlite_utils.Database, threading.RLock] = (
    weakref.WeakKeyDictionary()
)
_GUARD = threading.Lock()


def _lock(db: sqlite_utils.Database) -> threading.RLock:
    with _GUARD:
        lock = _WRITE_LOCKS.get(db)
        if lock is None:
            lock = _WRITE_LOCKS[db] = threading.RLock()
        return lock


class SharedDatabase(sqlite_utils.Database):
    """A Database whose one connection is used by one thread at a time.

    The daemon shares it between threads (polls and post processing run in worker
    threads, verifications and deliveries on the event loop). sqlite-utils runs every
    `query()` inside a SAVEPOINT, and a savepoint taken on a connection where another
    thread has a transaction open nests into that transaction. So each statement takes
    the lock that `write()` holds for a whole transaction: a reader waits for a writer's
    commit instead of joining (or breaking) its transaction. Rows are fetched under the
    lock, so no cursor is stepped while another thread uses the connection."""

    def query(self, sql: str, params: Any = None) -> Generator[dict[Any, Any], None, None]:
        with _lock(self):
            rows = list(super().query(sql, params))
        return (row for row in rows)

    def execute(self, sql: str, parameters: Any = None) -> sqlite3.Cursor:
        with _lock(self):
            return super().execute(sql, parameters)


def connect(path: Path | str, *, create: bool = True) -> sqlite_utils.Database:
    """Open and migrate the database at `path`; with `create`, make it when missing.

    WAL with synchronous=NORMAL survives process crashes; busy_timeout lets
    the daemon and a CLI command share the file; foreign keys are enforced.
    The driver is put in autocommit mode so that `write()` controls
    transactions explicitly (sqlite-utils nests its own as savepoints).
    Before anything is written, a corrupt file (`PRAGMA quick_check`) and a
    foreign SQLite file (tables, but no migrations record) are refused.
    """
    target = str(path)
    if target != ":memory:":
        file = Path(target).expanduser()
        if not file.exists() and not create:
            raise StorageError(
                f"there is no database at {path} yet; run 'hypewatch init' (or "
                "'hypewatch poll') to create it, or point --db / general.database at yours"
            )
        parent = file.resolve().parent
        if not parent.is_dir():
            raise StorageError(
                f"cannot create database {path}: directory {parent} does not exist; "
                "create it or set general.database to another path"
            )
    try:
        conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=5000")
        _refuse_unusable(conn, path)
        if target != ":memory:":
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        db = SharedDatabase(conn)
        MIGRATIONS.apply(db)
    except sqlite3.DatabaseError as error:
        raise StorageError(_explain(error, path)) from None
    return db


def _refuse_unusable(conn: sqlite3.Connection, path: Path | str) -> None:
    """Refuse a corrupt database or someone else's, before anything is written to it."""
    problems = [str(row[0]) for row in conn.execute("PRAGMA quick_check(5)")]
    if problems != ["ok"]:
        raise StorageError(
            f"database {path} is damaged ({'; '.join(problems)[:300]}); nothing was written. "
            "Restore it from a backup ('hypewatch db backup' makes one) or run "
            "'hypewatch db check' for the full report"
        )
    tables = {str(row[0]) for row in conn.execute("SELECT name FROM sqlite_master")}
    if tables and "_sqlite_migrations" not in tables:
        raise StorageError(
            f"{path} is an SQLite database but not hypewatch's (it has tables "
            f"{', '.join(sorted(tables)[:5])}); nothing was written. Point general.database "
            "(or --db) at another file"
        )


def _explain(error: sqlite3.Error, path: Path | str) -> str:
    """What a storage failure means for the user, and what to do."""
    text = str(error)
    if "locked" in text or "busy" in text:
        return (
            f"database {path} is locked by another process (the daemon, or another command) "
            "for longer than 5 s; nothing was lost: try again when it has finished"
        )
    if "full" in text:
        return (
            f"the disk holding {path} is full: this change was rolled back and everything "
            "stored before it is intact; free some space and run the command again"
        )
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return (
            f"database {path} is damaged ({text}); restore it from a backup or run "
            "'hypewatch db check'"
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return (
            f"cannot write database {path} ({text}); check the permissions of the file and "
            "its directory"
        )
    return f"database {path}: {text}"


def check(db: sqlite_utils.Database) -> list[str]:
    """`PRAGMA integrity_check`: ["ok"], or the problems found."""
    return [str(row[0]) for row in db.conn.execute("PRAGMA integrity_check(100)")]


def backup(db: sqlite_utils.Database, target: Path) -> int:
    """Copy the live database to `target` with SQLite's online backup API (consistent even
    while the daemon writes); returns the size in bytes."""
    if target.exists():
        raise StorageError(f"{target} already exists; choose a new file for the backup")
    out = sqlite3.connect(str(target))
    try:
        with _lock(db):
            db.conn.backup(out)
    except sqlite3.Error as error:
        out.close()
        target.unlink(missing_ok=True)
        raise StorageError(_explain(error, target)) from None
    out.close()
    return target.stat().st_size


@contextmanager
def write(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction taken with BEGIN IMMEDIATE (so it never fails half-way
    on a read lock upgrade). Nested calls (same thread) become savepoints.

    The daemon shares one connection between threads (see `SharedDatabase`). A
    per-database lock gives each outermost transaction to one thread at a time: without
    it, another thread's write nests into the open transaction as a savepoint, so it is
    committed or rolled back with someone else's work, or fails with "no such savepoint"
    after that commit."""
    with _lock(db):
        if db.conn.in_transaction:
            with db.atomic():
                yield db
        else:
            yield from _immediate(db)


def _immediate(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    conn = db.conn
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        raise StorageError(_explain(error, _name(db))) from None
    try:
        yield db
        conn.execute("COMMIT")
    except sqlite3.OperationalError as error:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise StorageError(_explain(error, _name(db))) from None
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _name(db: sqlite_utils.Database) -> str:
    rows = db.conn.execute("PRAGMA database_list").fetchall()
    return str(rows[0][2]) if rows and rows[0][2] else ":memory:"


def schema_version(db: sqlite_utils.Database) -> int:
    """How many migrations this database has applied."""
    return len(MIGRATIONS.applied(db))
