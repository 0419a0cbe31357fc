from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# No test may reach the real Hub, not even for telemetry.
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "0")

# huggingface_hub reads its environment once, at import: import it here, so a test that
# sets HF_HUB_OFFLINE for itself cannot leak that into the tests that run after it.
import huggingface_hub.constants  # noqa: F401

from hypewatch.storage import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "hypewatch.db")
    yield opened
    opened.close()
