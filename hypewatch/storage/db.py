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

from hypewatch.storage.migrations import MIGRATIONS


class StorageError(Exception):
    """The database cannot be opened or used; the message says why and what to do."""


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


def connect(path: Path | str) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the database at `path`.

    WAL with synchronous=NORMAL survives process crashes; busy_timeout lets
    the daemon and a CLI command share the file; foreign keys are enforced.
    The driver is put in autocommit mode so that `write()` controls
    transactions explicitly (sqlite-utils nests its own as savepoints).
    """
    target = str(path)
    if target != ":memory:":
        parent = Path(target).expanduser().resolve().parent
        if not parent.is_dir():
            raise StorageError(
                f"cannot create database {path}: directory {parent} does not exist; "
                "create it or set general.database to another path"
            )
    try:
        conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=5000")
        if target != ":memory:":
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        db = SharedDatabase(conn)
        MIGRATIONS.apply(db)
    except sqlite3.DatabaseError as error:
        raise StorageError(
            f"cannot open database {path}: {error}. If the file is not a hypewatch database, "
            "point general.database (or --db) elsewhere"
        ) from None
    return db


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
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def schema_version(db: sqlite_utils.Database) -> int:
    """How many migrations this database has applied."""
    return len(MIGRATIONS.applied(db))
