from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hypewatch.config import ExtractionSettings
from hypewatch.extractors.extractor import Extractor

DEV_SET = Path(__file__).resolve().parents[1] / "data" / "extraction_dev.jsonl"


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    """The spaCy pipeline is built once per test session."""
    return Extractor(ExtractionSettings(max_text_chars=100_000))


@pytest.fixture(scope="session")
def dev_posts() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DEV_SET.read_text().splitlines() if line.strip()]
