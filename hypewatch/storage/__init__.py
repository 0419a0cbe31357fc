"""SQLite storage (sqlite-utils): schema, migrations, typed accessors."""

from hypewatch.storage.db import StorageError, connect, write
from hypewatch.storage.store import NotFoundError, QueueItem, QueueState, Store, VerdictRecord

__all__ = [
    "NotFoundError",
    "QueueItem",
    "QueueState",
    "StorageError",
    "Store",
    "VerdictRecord",
    "connect",
    "write",
]
