from __future__ import annotations

from pathlib import Path

import pytest

from hypewatch.standins.http import serve
from hypewatch.verifiers.fingerprint.references import (
    ReferenceLoadError,
    hub_downloader,
    load_reference,
    load_references,
    parse_reference_option,
    tiktoken_cached,
)
from tests.support.fingerprint_hub import HubFileHandler


def test_local_file_and_directory_load_the_same_tokenizer(
    tokenizer_paths: dict[str, Path],
) -> None:
    path = tokenizer_paths["wordpiece"]
    by_file = load_reference("wp", str(path))
    by_dir = load_reference("wp", str(path.parent))
    text = "Order 1234567890 shipped 東京"
    assert by_file.count(text) == by_dir.count(text) > 0
    spans = by_file.spans(text)
    assert len(spans) == by_file.count(text)
    assert all(0 <= s <= e <= len(text) for s, e in spans)


def test_bad_tokenizer_file_says_what_is_wrong(tmp_path: Path) -> None:
    bad = tmp_path / "tokenizer.json"
    bad.write_text('{"not": "a tokenizer"}')
    with pytest.raises(ReferenceLoadError, match=r"not a valid HF tokenizer\.json"):
        load_reference("bad", str(bad))
    with pytest.raises(ReferenceLoadError, match="does not exist"):
        load_reference("gone", str(tmp_path / "missing" / "tokenizer.json"))


@pytest.mark.parametrize("value", ["no-equals", "=path.json", "label=", "bad label=x.json"])
def test_reference_option_must_be_label_equals_path(value: str) -> None:
    with pytest.raises(ReferenceLoadError):
        parse_reference_option(value)


def test_reference_option_parses() -> None:
    assert parse_reference_option("llama-3.1=/tmp/t.json") == ("llama-3.1", "/tmp/t.json")


def test_tiktoken_encoding_is_refused_unless_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    assert not tiktoken_cached("o200k_base")
    with pytest.raises(ReferenceLoadError, match="not cached"):
        load_reference("gpt-4o", "tiktoken:o200k_base")
    with pytest.raises(ReferenceLoadError, match="unknown tiktoken encoding"):
        load_reference("x", "tiktoken:nope_base")


def test_hub_repo_is_fetched_once_then_served_from_cache(
    tokenizer_paths: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    files = {("org/model", "tokenizer.json"): tokenizer_paths["unigram"].read_bytes()}
    with serve(HubFileHandler, files=files) as hub:
        download = hub_downloader(hub.url, tmp_path / "cache")
        first = load_reference("uni", "org/model", download)
        sent = len(hub.requests)
        second = load_reference("uni", "org/model", download)
        assert len(hub.requests) == sent  # cached: no second request
    local = load_reference("uni", str(tokenizer_paths["unigram"]))
    text = "naïve café 42424242 ▁▁"
    assert first.count(text) == second.count(text) == local.count(text)
    assert first.source == "hub:org/model"


def test_missing_hub_repo_is_skipped_with_reason_when_not_strict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    with serve(HubFileHandler, files={}) as hub:
        loaded = load_references({"ghost": "org/ghost"}, hub_downloader(hub.url, tmp_path))
    assert loaded.references == []
    assert "org/ghost" in loaded.skipped["ghost"]
