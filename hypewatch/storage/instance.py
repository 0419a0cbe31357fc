"""One daemon per database: an advisory lock on `<database>.lock` holding the owner's PID.

The kernel releases a `flock` when its process dies, SIGKILL included, so a crashed daemon
never leaves a stale lock behind; the PID in the file is only there to name the owner.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypewatch.errors import StorageError

__all__ = ["single_instance"]


@contextmanager
def single_instance(database: Path) -> Iterator[None]:
    """Hold the daemon lock of `database` for the block, or refuse naming the holder."""
    lock_path = database.expanduser().with_name(database.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise StorageError(f"cannot create the daemon lock {lock_path}: {error}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise StorageError(
                f"another hypewatch daemon (PID {holder}) is already running on {database}; "
                "stop it first, or give this one its own database (--db)"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
