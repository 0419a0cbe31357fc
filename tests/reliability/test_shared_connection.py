"""One connection, several threads (as in the daemon): a transaction is one thread's alone."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from hypewatch.storage import Store


class Abort(Exception):
    pass


def test_a_rollback_in_one_thread_never_takes_another_threads_write(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "shared.db")
    opened, written = threading.Event(), threading.Event()
    seen: list[str | None] = []

    def other_thread() -> None:
        opened.wait(5)
        seen.append(store.get_cursor("reddit", "localllama"))  # never the uncommitted value
        store.set_cursor("x", "search:model", "42")  # its own transaction, committed
        written.set()

    worker = threading.Thread(target=other_thread)
    worker.start()
    with pytest.raises(Abort), store.transaction():
        store.set_cursor("reddit", "localllama", "doomed")
        opened.set()
        # Without the per-connection lock the other write nests in here as a savepoint
        # and is rolled back with this transaction; with it, it waits for this one.
        written.wait(0.3)
        raise Abort
    worker.join(5)
    assert written.is_set()
    assert seen == [None]
    assert store.get_cursor("x", "search:model") == "42"
    assert store.get_cursor("reddit", "localllama") is None
    store.close()
