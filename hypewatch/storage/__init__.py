"""SQLite storage (sqlite-utils): schema, migrations, typed accessors."""

from hypewatch.storage.db import StorageError, connect, write
from hypewatch.storage.store import NotFoundError, Store

__all__ = ["NotFoundError", "StorageError", "Store", "connect", "write"]
