from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# No test may reach the real Hub, not even for telemetry.
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "0")

from hypewatch.storage import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "hypewatch.db")
    yield opened
    opened.close()
